"""Our structures as a registry or the .Stat Suite loads them: each file alone, every reference resolved,
the agency in an agency scheme, SDMX cross-domain concepts reused, names with their language, the
.Stat Suite's annotations naming real dimensions and codes, a category scheme from sources with
categorisations; read by sdmx1 and pysdmx."""

from __future__ import annotations

import csv
import gettext
from datetime import datetime
from functools import lru_cache

import pytest
import sdmx
from lxml import etree

from sdmx_publish import config
from sdmx_publish.metadata.model import METADATAFLOW
from sdmx_publish.metadata.structures import msd_file, structure_message
from sdmx_publish.structure.build import REUSED_CONCEPTS, sdg16_series
from sdmx_publish.structure.categories import iccs_sections, sdg_rows
from sdmx_publish.structure.message import flow_structure_message
from sdmx_publish.structure.presentation import ANNOTATIONS
from sdmx_publish.structure.references import maintainables, unresolved
from sdmx_publish.structure.reuse import CROSS_DOMAIN

NS = {"mes": "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message",
      "str": "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/structure",
      "com": "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common"}
LANG = "{http://www.w3.org/XML/1998/namespace}lang"
DSD_FILES = sorted(config.dsd_dir().glob("*.xml"))
OURS = [p for p in DSD_FILES if p.name.startswith(f"{config.agency()}_")]
FLOWS = sorted(ANNOTATIONS)
#: the one known exception: the SDG MSD's concepts are in this scheme, which no source we searched
#: publishes (reference/sdg/metadata/SOURCE.md, docs/structures.md)
SDG_META_CONCEPTS = "ConceptScheme IAEG-SDGs:SDG_META_CONCEPTS(1.0)"


@lru_cache(maxsize=None)
def root(name: str) -> etree._Element:
    return etree.parse(str(config.dsd_dir() / name)).getroot()


def test_our_files_are_the_ones_we_check():
    assert [p.name for p in OURS] == ["CCJS_ICCS_1.0.xml", "CCJS_SDG16_1.0.xml"]


@pytest.mark.parametrize("path", DSD_FILES, ids=lambda p: p.name)
def test_each_structure_file_resolves_every_reference_alone(path):
    assert unresolved(maintainables(root(path.name))) == []


def _metadata_structures(*, msd: bool = True) -> list[etree._Element]:
    """The SDG MSD file and the served 3.0 structure message (the MSD and our metadataflow)."""
    served = structure_message(flows=True, msd=msd, agency=config.agency(), prepared=datetime(2026, 12, 1))
    return [etree.parse(msd_file()).getroot(), etree.fromstring(served)]


def test_metadata_structures_resolve_every_reference_but_the_sdg_concept_scheme():
    """With our agency scheme, everything resolves but the MSD's 44 concepts, each in SDG_META_CONCEPTS(1.0)."""
    agencies = list(root(OURS[0].name).iterfind("mes:Structures/str:OrganisationSchemes/str:AgencyScheme", NS))
    for message in _metadata_structures():
        attributes = sorted(a.get("id") for a in message.iter("{*}MetadataAttribute"))
        assert len(attributes) == 44
        assert unresolved([*maintainables(message), *agencies]) == [
            f"MetadataStructure IAEG-SDGs:SDG_MSD(1.0) -> {SDG_META_CONCEPTS}.{a}" for a in attributes]


def test_the_checker_follows_sdmx_3_urns():
    """Without the MSD the metadataflow's URN to it is unresolved; without an agency scheme, the agencies."""
    missing = unresolved(maintainables(_metadata_structures(msd=False)[1]))
    flow = f"Metadataflow {config.agency()}:{METADATAFLOW}(1.0.0)"
    assert missing == [f"{flow} -> AgencyScheme SDMX:AGENCIES(1.0).{config.agency()}",
                       f"{flow} -> MetadataStructure IAEG-SDGs:SDG_MSD(1.0)"]


def test_the_checker_finds_what_a_file_lacks():
    """The ICCS file without its copy of CL_SEX, its agency scheme and one ICCS section category."""
    el = etree.fromstring(etree.tostring(root("CCJS_ICCS_1.0.xml")))
    for xpath in ("//str:Codelist[@id='CL_SEX']", "//str:AgencyScheme", "//str:Category[@id='ICCS']/str:Category[@id='03']"):
        node = el.xpath(xpath, namespaces=NS)[0]
        node.getparent().remove(node)
    missing = unresolved(maintainables(el))
    assert any(m.startswith("DataStructure CCJS:ICCS_CJ(1.0) -> Codelist IAEG-SDGs:CL_SEX(1.1)") for m in missing)
    assert any(m.endswith("-> AgencyScheme SDMX:AGENCIES(1.0).CCJS") for m in missing)
    assert any(m.endswith("-> CategoryScheme CCJS:CAT_CCJS(1.0).ICCS.03") for m in missing)


@pytest.mark.slow
@pytest.mark.parametrize("flow", FLOWS)
def test_release_structure_messages_resolve_every_reference(registry, flow):
    message = etree.fromstring(flow_structure_message(registry, registry.flow(flow)))
    assert unresolved(maintainables(message)) == []
    kinds = {etree.QName(el).localname for el in message.iterfind("mes:Structures/*/*", NS)}
    assert {"AgencyScheme", "CategoryScheme", "Categorisation", "Dataflow", "DataStructure", "Codelist"} <= kinds


@pytest.mark.parametrize("path", OURS, ids=lambda p: p.name)
def test_our_agency_is_in_the_agency_scheme_with_its_name(path):
    agencies = root(path.name).xpath("//str:AgencyScheme[@agencyID='SDMX'][@id='AGENCIES']/str:Agency", namespaces=NS)
    ids = {a.get("id"): a.findtext("com:Name", namespaces=NS) for a in agencies}
    assert ids[config.agency()] == config.agency_name()
    assert {"SDMX", "IAEG-SDGs"} <= set(ids)  # the SDG file's agencies are kept


def test_cross_domain_concepts_are_reused_not_redefined(registry, iccs_flow):
    ours = registry.concepts[next(r for r in registry.concepts if r.id == "CCJS_CONCEPTS")]
    assert not set(ours) & set(REUSED_CONCEPTS)
    by_scheme = {cid: (s.agency, s.id, s.version) for cid, (s, _) in iccs_flow.dsd.concepts.items()}
    for cid in ("FREQ", "TIME_PERIOD", "OBS_VALUE", "OBS_STATUS", "UNIT_MULT", "UNIT_MEASURE"):
        assert by_scheme[cid] == CROSS_DOMAIN, cid
    for cid in ("REF_AREA", "SEX", "AGE", "COMMENT_OBS"):
        assert by_scheme[cid] == ("IAEG-SDGs", "SDG_CONCEPTS", "1.0"), cid  # as the global SDG DSD has them
    assert iccs_flow.names["FREQ"] == "Frequency" and iccs_flow.names["REF_AREA"] == "Reference area"
    assert iccs_flow.names["ICCS"] == "Offence category (ICCS)"


def test_cross_domain_concepts_are_copied_from_the_sdmx_sample():
    sample = etree.parse(str(config.dsd_dir() / "sources" / "SDMX_2.1_sample_ECB_EXR_NG-structure.xml")).getroot()
    ours = root("CCJS_ICCS_1.0.xml").xpath("//str:ConceptScheme[@id='CROSS_DOMAIN_CONCEPTS']", namespaces=NS)[0]
    assert ours.get("isPartial") == "true"
    for concept in ours.iterfind("str:Concept", NS):
        theirs = sample.xpath(f"//structure:ConceptScheme[@id='CROSS_DOMAIN_CONCEPTS']/structure:Concept[@id='{concept.get('id')}']",
                              namespaces={"structure": NS["str"]})[0]
        assert concept.findtext("com:Name", namespaces=NS) == theirs.findtext("com:Name", namespaces=NS)
        assert concept.findtext("com:Description", namespaces=NS) == theirs.findtext("com:Description", namespaces=NS)


@pytest.mark.parametrize("path", OURS, ids=lambda p: p.name)
def test_every_name_and_description_says_its_language(path):
    com = "{%s}" % NS["com"]
    texts = list(root(path.name).iter(com + "Name", com + "Description"))
    assert len(texts) > 1000 and all(t.get(LANG) for t in texts)


@pytest.mark.parametrize("path", OURS, ids=lambda p: p.name)
def test_our_artefacts_have_an_english_name_and_description(path):
    for el in root(path.name).iterfind("mes:Structures/*/*", NS):
        if el.get("agencyID") == config.agency() and etree.QName(el).localname != "Categorisation":
            for tag in ("Name", "Description"):
                assert el.xpath(f"com:{tag}[@xml:lang='en']/text()", namespaces=NS), (el.get("id"), tag)


def test_korean_names_where_the_source_is_korean(registry):
    subnat = registry.flow("DF_ICCS_SUBNAT").codelists["REF_AREA"]
    assert subnat.codes["KR-11"].names["ko"] == "서울" and subnat.codes["KR-50"].names["ko"] == "세종시"
    assert "ko" not in subnat.codes["CL-RM"].names  # Chile's regions: Spanish source, no Korean
    flows = root("CCJS_SDG16_1.0.xml").xpath("//str:Dataflow[@id='DF_SDG_16_CRIME']", namespaces=NS)[0]
    assert {n.get(LANG) for n in flows.iterfind("com:Name", NS)} == {"en", "ko"}
    assert {n.get(LANG) for n in flows.iterfind("com:Description", NS)} == {"en", "ko"}


def test_korean_subdivision_names_agree_with_pycountry():
    pycountry = pytest.importorskip("pycountry")
    ko = gettext.translation("iso3166-2", pycountry.LOCALES_DIR, languages=["ko"])
    with open(config.dsd_dir() / "sources" / "ISO_3166-2_KR.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert rows and all(r["name_ko"] == ko.gettext(r["name"]) != r["name"] for r in rows)


def _title_items(title: str) -> list[tuple[str, list[str]]]:
    out = []
    for item in title.split(","):
        key, _, codes = item.partition("=")
        out.append((key, [c.strip("()") for c in codes.split("+")] if codes else []))
    return out


@pytest.mark.parametrize("flow_id", FLOWS)
def test_stat_suite_annotations_name_real_dimensions_and_codes(registry, flow_id):
    flow = registry.flow(flow_id)
    dims = [*flow.dsd.dimension_ids, flow.dsd.time_dimension]
    el = root(str(registry.files[flow.dataflow.ref].name)).xpath(f"//str:Dataflow[@id='{flow_id}']", namespaces=NS)[0]
    found = {a.findtext("com:AnnotationType", namespaces=NS): a.findtext("com:AnnotationTitle", namespaces=NS)
             for a in el.iterfind("com:Annotations/com:Annotation", NS)}
    assert set(found) == {"LAYOUT_ROW", "LAYOUT_COLUMN", "LAYOUT_ROW_SECTION", "DEFAULT", "NOT_DISPLAYED"}
    laid_out = [d for kind in ("LAYOUT_ROW", "LAYOUT_COLUMN", "LAYOUT_ROW_SECTION") for d in found[kind].split(",")]
    assert set(laid_out) <= set(dims) and len(laid_out) == len(set(laid_out))
    for kind in ("DEFAULT", "NOT_DISPLAYED"):
        for key, codes in _title_items(found[kind]):
            if kind == "DEFAULT" and key in ("LASTNPERIODS", "LASTNOBSERVATIONS"):
                assert int(codes[0]) > 0
                continue
            assert key in dims or key in flow.dsd.attribute_ids, (kind, key)
            allowed = flow.allowed(key)
            assert not codes or (allowed is not None and set(codes) <= allowed), (kind, key, codes)


def test_annotations_in_the_wrong_place_would_fail_the_check():
    with pytest.raises(AssertionError):
        assert set(_title_items("FREQ=A+Z")[0][1]) <= {"A"}


def test_category_scheme_names_come_from_their_sources(registry):
    cats = root("CCJS_ICCS_1.0.xml").xpath("//str:CategoryScheme[@id='CAT_CCJS']", namespaces=NS)[0]

    def name(path: str, lang: str = "en") -> str:
        el = cats
        for part in path.split("."):
            el = el.find(f"str:Category[@id='{part}']", NS)
        return el.findtext(f"com:Name[@xml:lang='{lang}']", namespaces={**NS, "xml": "http://www.w3.org/XML/1998/namespace"})

    sections = iccs_sections()
    assert [c for c, _ in sections] == [f"{i:02d}" for i in range(1, 12)]
    for code, label in sections:
        assert name(f"ICCS.{code}") == f"{code} {label}"
    assert name("ICCS.01") == "01 Acts leading to death or intending to cause death"
    for r in sdg_rows():
        if r["parent"]:
            assert name(f"{r['parent']}.{r['id']}") == f"{r['sdg']} {r['name']}"
            assert name(f"{r['parent']}.{r['id']}", "ko") == f"{r['sdg']} {r['name_ko']}"
    assert name("SDG_16.SDG_16_1") == "16.1 Significantly reduce all forms of violence and related death rates everywhere"
    assert name("SDG_16.SDG_16_5", "ko") == "16.5 모든 형태의 부정부패 및 뇌물을 대폭 감소"


def test_every_dataflow_is_categorised_under_its_sdg_targets_or_iccs_sections(registry):
    filed: dict[str, set[str]] = {}
    for flow, _, category in registry.categorisations.values():
        filed.setdefault(flow.id, set()).add(category)
    assert set(filed) == {r.id for r in registry.dataflows}
    sections = {f"ICCS.{c}" for c, _ in iccs_sections()}
    assert filed["DF_ICCS"] == filed["DF_ICCS_SUBNAT"] == sections
    targets = {f"SDG_16.SDG_16_{t}" for t in ("1", "2", "3", "4", "5", "10")}
    assert filed["DF_SDG_16_CRIME"] == filed["DF_SDG_16_CRIME_SUBNAT"] == targets
    assert "VC_IHR_PSRC" in sdg16_series()  # 16.1.1, filed under 16.1


@pytest.mark.slow
@pytest.mark.parametrize("path", OURS, ids=lambda p: p.name)
def test_structures_load_with_sdmx1_and_pysdmx(path):
    from pysdmx.io import read_sdmx
    from pysdmx.model import AgencyScheme, Categorisation, CategoryScheme, Dataflow

    msg = sdmx.read_sdmx(path)
    flows = set(msg.dataflow)
    assert flows and flows <= set(FLOWS)
    assert config.agency() in {a.id for a in msg.organisation_scheme["AGENCIES"]}
    scheme = msg.category_scheme["CAT_CCJS"]
    for c in msg.categorisation.values():
        assert c.artefact.id in flows and c.category in scheme
    for df in msg.dataflow.values():
        assert {str(a.type) for a in df.annotations} >= {"LAYOUT_ROW", "DEFAULT", "NOT_DISPLAYED"}
        assert df.structure.id in msg.structure  # the DSD is in the same file

    structures = read_sdmx(str(path)).structures
    by_type: dict[type, list] = {}
    for s in structures:
        by_type.setdefault(type(s), []).append(s)
    assert {d.id for d in by_type[Dataflow]} == flows
    assert config.agency() in {a.id for a in by_type[AgencyScheme][0].items}
    assert by_type[CategoryScheme][0].id == "CAT_CCJS"
    assert len(by_type[Categorisation]) == len(msg.categorisation)
