"""Build our own structures into ``dsd/``: the ICCS crime and criminal justice DSD and the SDG 16 dataflow.

Every code comes from a bundled source (see ``dsd/sources/README.md``). The maintenance agency is
:func:`sdmx_publish.config.agency`. Each file written loads alone into a registry: it holds the agency
scheme, and a copy of every artefact it references (:mod:`.reuse`), the category scheme and the
categorisations of its dataflows (:mod:`.categories`); the dataflows carry the .Stat Suite's annotations
(:mod:`.presentation`). Order: element helpers; codelists; concept scheme; the ICCS DSD and dataflow;
the SDG 16 dataflow and constraint; :func:`build_all`.
"""

from __future__ import annotations

import copy
import csv
from pathlib import Path

from lxml import etree

from .. import config
from ..errors import StructureError
from . import categories, reuse
from .message import C, S, names, structure_message
from .model import Ref
from .presentation import annotate
from .read import load_registry
from .references import unresolved

VERSION = "1.0"
SDG = ("IAEG-SDGs", "SDG", "1.14")
URN = "urn:sdmx:org.sdmx.infomodel."

#: reused codelists of the global SDG DSD 1.14: component -> (agency, id, version)
REUSED = {
    "FREQ": ("SDMX", "CL_FREQ", "2.0"),
    "REF_AREA": ("IAEG-SDGs", "CL_AREA", "1.14"),
    "SEX": ("IAEG-SDGs", "CL_SEX", "1.1"),
    "AGE": ("IAEG-SDGs", "CL_AGE", "1.12"),
    "UNIT_MEASURE": ("IAEG-SDGs", "CL_UNIT_MEASURE", "1.8"),
    "OBS_STATUS": ("SDMX", "CL_OBS_STATUS", "2.1"),
    "UNIT_MULT": ("SDMX", "CL_UNIT_MULT", "1.1"),
}
#: ICCS disaggregating variables carried as dimensions: dimension -> (tag in iccs_disaggregations.csv, codelist, name)
DISAGGREGATIONS = {
    "CYBER": ("Cy", "CL_CYBER", "Cybercrime-related"),
    "VIC_PERP_REL": ("ViP", "CL_VIC_PERP_REL", "Victim-perpetrator relationship"),
    "SIT_CONTEXT": ("SiC", "CL_SIT_CONTEXT", "Situational context"),
}
#: our own concepts (the others are reused: REUSED_CONCEPTS)
CONCEPTS = {
    "ICCS": "Offence category (ICCS)", "INDICATOR": "What is counted",
    **{d: v[2] for d, v in DISAGGREGATIONS.items()},
    "NAT_CATEGORY": "Original national category",
}
#: concepts reused, not redefined: SDMX cross-domain concepts where the SDMX scheme in our sources has
#: them, else the concept the global SDG DSD uses (IAEG-SDGs:SDG_CONCEPTS, after the SDMX guidelines)
SDG_CONCEPTS = ("IAEG-SDGs", "SDG_CONCEPTS", "1.0")
REUSED_CONCEPTS = {
    **dict.fromkeys(("FREQ", "TIME_PERIOD", "OBS_VALUE", "OBS_STATUS", "UNIT_MULT", "UNIT_MEASURE"), reuse.CROSS_DOMAIN),
    **dict.fromkeys(("REF_AREA", "SEX", "AGE", "COMMENT_OBS", "SOURCE_DETAIL"), SDG_CONCEPTS),
}
#: attributes of the ICCS DSD: id -> mandatory
ATTRIBUTES = {"OBS_STATUS": True, "UNIT_MULT": False, "SOURCE_DETAIL": False, "NAT_CATEGORY": False,
              "COMMENT_OBS": False}
TOTAL = ("_T", "Total")
#: ISO 3166-2 subdivision codes added to CL_AREA in CL_AREA_SUBNAT (files in dsd/sources/, see its README)
SUBDIVISIONS = ("ISO_3166-2_KR.csv", "ISO_3166-2_CL.csv", "ISO_3166-2_US.csv", "ISO_3166-2_MX.csv",
                "ISO_3166-2_DE.csv")


#: English descriptions of our own artefacts (dataflows: DATAFLOWS)
_SERIES_ONLY = ("SERIES restricted to the SDG 16 crime and criminal justice series of CL_SERIES 1.14 (indicators "
                "16.1 to 16.5 and 16.10.1), retired series left out.")
DESCRIPTIONS = {
    "CL_ICCS": "The 320 categories of ICCS v1.0 (UNODC, March 2015), levels 1 to 4 with their parents, and _T for "
               "all offences.",
    "CL_INDICATOR": "What an observation counts: offences, victims, persons suspected, prosecuted and convicted, "
                    "prisoners (UNODC crime and criminal justice statistics).",
    "CL_AGE_ICCS": "Every code of IAEG-SDGs CL_AGE 1.12 unchanged, plus the age bands of UNODC's data that CL_AGE "
                   "lacks (30-44), each with its SDG CL_AGE correspondence in the builder's sources.",
    "CL_AREA_SUBNAT": "Every code of IAEG-SDGs CL_AREA 1.14 (M49) unchanged, plus the ISO 3166-2 first-level "
                      "subdivisions of the countries whose tables are published by region, each under its country.",
    **{v[1]: f"ICCS disaggregating variable {v[0]} (ICCS v1.0, Table II), value codes unchanged, plus _T for the total."
       for v in DISAGGREGATIONS.values()},
    "CCJS_CONCEPTS": "The concepts of our DSDs that neither the SDMX cross-domain concepts nor the global SDG DSD "
                     "define.",
    "ICCS_CJ": "Counts and rates by ICCS offence category, country, what is counted, sex, age and the ICCS "
               "disaggregations; concepts reused from SDMX:CROSS_DOMAIN_CONCEPTS and IAEG-SDGs:SDG_CONCEPTS.",
    "ICCS_CJ_SUBNAT": "ICCS_CJ with REF_AREA coded by CL_AREA_SUBNAT (ISO 3166-2 subdivisions).",
    "CC_SDG_16_CRIME": _SERIES_ONLY, "CC_SDG_16_CRIME_SUBNAT": _SERIES_ONLY,
}


def _maintainable(kind: str, cls: str, agency: str, aid: str, name: str, ko: str = "") -> etree._Element:
    el = etree.Element(S + kind, urn=f"{URN}{cls}={agency}:{aid}({VERSION})", agencyID=agency, id=aid,
                       version=VERSION, isFinal="true")
    names(el, name, ko)
    names(el, DESCRIPTIONS.get(aid, ""), tag="Description")
    return el


def codelist(agency: str, cid: str, name: str, codes: list[tuple[str, str, str | None]],
             korean: dict[str, str] | None = None) -> etree._Element:
    """A codelist; ``codes`` are (id, name, parent id or None); ``korean`` Korean names of some codes."""
    cl = _maintainable("Codelist", "codelist.Codelist", agency, cid, name)
    for code, label, parent in codes:
        el = etree.SubElement(cl, S + "Code", urn=f"{URN}codelist.Code={agency}:{cid}({VERSION}).{code}", id=code)
        names(el, label, (korean or {}).get(code, ""))
        if parent:
            etree.SubElement(etree.SubElement(el, S + "Parent"), "Ref", id=parent)
    return cl


def _read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def iccs_codelist(agency: str) -> etree._Element:
    rows = _read_csv(config.reference_dir() / "iccs" / "iccs_v1.csv")
    codes = [("_T", "All offences", None)] + [(r["code"], r["name"], r["parent"] or None) for r in rows]
    return codelist(agency, "CL_ICCS", "International Classification of Crime for Statistical Purposes (ICCS) v1.0", codes)


def disaggregation_codelists(agency: str) -> list[etree._Element]:
    rows = _read_csv(config.reference_dir() / "iccs" / "iccs_disaggregations.csv")
    out = []
    for tag, cid, name in DISAGGREGATIONS.values():
        codes = {r["value_code"]: r["value_label"] for r in rows if r["tag"] == tag and r["group"] in ("event", "victim")}
        out.append(codelist(agency, cid, f"ICCS disaggregation: {name}",
                            [(TOTAL[0], TOTAL[1], None)] + [(k, v, None) for k, v in codes.items()]))
    return out


def indicator_codelist(agency: str) -> etree._Element:
    rows = _read_csv(config.DATA / "dsd" / "sources" / "CL_INDICATOR.csv")
    return codelist(agency, "CL_INDICATOR", "What is counted in crime and criminal justice statistics",
                    [(r["code"], r["name"], None) for r in rows])


def concept_scheme(agency: str) -> etree._Element:
    cs = _maintainable("ConceptScheme", "conceptscheme.ConceptScheme", agency, "CCJS_CONCEPTS",
                       "Crime and criminal justice statistics concepts")
    for cid, label in CONCEPTS.items():
        el = etree.SubElement(cs, S + "Concept", urn=f"{URN}conceptscheme.Concept={agency}:CCJS_CONCEPTS({VERSION}).{cid}",
                              id=cid)
        names(el, label)
    return cs


def _component(parent: etree._Element, kind: str, cid: str, agency: str, dsd_id: str,
               enum: tuple[str, str, str] | None, **attrs: str) -> etree._Element:
    cls = {"Dimension": "Dimension", "TimeDimension": "TimeDimension", "Attribute": "DataAttribute",
           "PrimaryMeasure": "PrimaryMeasure"}[kind]
    el = etree.SubElement(parent, S + kind, urn=f"{URN}datastructure.{cls}={agency}:{dsd_id}({VERSION}).{cid}",
                          id=cid, **attrs)
    scheme = REUSED_CONCEPTS.get(cid, (agency, "CCJS_CONCEPTS", VERSION))
    etree.SubElement(etree.SubElement(el, S + "ConceptIdentity"), "Ref", maintainableParentID=scheme[1],
                     maintainableParentVersion=scheme[2], agencyID=scheme[0], id=cid, **{"class": "Concept"},
                     package="conceptscheme")
    rep = etree.SubElement(el, S + "LocalRepresentation")
    if kind == "TimeDimension":
        etree.SubElement(rep, S + "TextFormat", textType="ObservationalTimePeriod")
    elif enum:
        etree.SubElement(etree.SubElement(rep, S + "Enumeration"), "Ref", agencyID=enum[0], id=enum[1],
                         version=enum[2], package="codelist", **{"class": "Codelist"})
    else:
        etree.SubElement(rep, S + "TextFormat", textType="Double" if kind == "PrimaryMeasure" else "String")
    return el


AGE_EXTRA = "CL_AGE_ICCS_extra.csv"


def age_codelist(agency: str) -> etree._Element:
    """``CL_AGE_ICCS``: every code of IAEG-SDGs CL_AGE 1.12 unchanged, plus the age bands UNODC's data use
    that it lacks (``dsd/sources/CL_AGE_ICCS_extra.csv``, each with its source and SDG correspondence)."""
    agency_, cid, version = REUSED["AGE"]
    age = load_registry(config.dsd_dir()).codelists[Ref(agency=agency_, id=cid, version=version)]
    codes = [(c.id, c.name, c.parent) for c in age.codes.values()]
    codes += [(r["code"], r["name"], None) for r in _read_csv(config.ROOT / "dsd" / "sources" / AGE_EXTRA)]
    return codelist(agency, "CL_AGE_ICCS", "Age: IAEG-SDGs CL_AGE 1.12 and the age bands of UNODC's data", codes)


def subnational_area_codelist(agency: str) -> etree._Element:
    """``CL_AREA_SUBNAT``: every code of IAEG-SDGs CL_AREA 1.14 (with parents), plus ISO 3166-2 subdivisions."""
    agency_, cid, version = REUSED["REF_AREA"]
    area = load_registry(config.dsd_dir()).codelists[Ref(agency=agency_, id=cid, version=version)]
    codes = [(c.id, c.name, c.parent) for c in area.codes.values()]
    korean = {}
    for name in SUBDIVISIONS:
        rows = _read_csv(config.DATA / "dsd" / "sources" / name)
        codes += [(r["code"], r["name"], r["parent"]) for r in rows]
        korean |= {r["code"]: r["name_ko"] for r in rows if r.get("name_ko")}
    return codelist(agency, "CL_AREA_SUBNAT", "Areas: IAEG-SDGs CL_AREA 1.14 and ISO 3166-2 subdivisions", codes,
                    korean)


def iccs_dsd(agency: str, dsd_id: str = "ICCS_CJ", area: tuple[str, str, str] = REUSED["REF_AREA"],
             name: str = "Crime and criminal justice statistics by ICCS offence category") -> etree._Element:
    """DSD ``ICCS_CJ``: crime and criminal justice counts and rates by ICCS offence category.

    ``ICCS_CJ_SUBNAT`` is the same with ``REF_AREA`` coded by ``area`` (``CL_AREA_SUBNAT``).
    """
    dsd = _maintainable("DataStructure", "datastructure.DataStructure", agency, dsd_id, name)
    comps = etree.SubElement(dsd, S + "DataStructureComponents")
    dims = etree.SubElement(comps, S + "DimensionList", id="DimensionDescriptor",
                            urn=f"{URN}datastructure.DimensionDescriptor={agency}:{dsd_id}({VERSION}).DimensionDescriptor")
    own = {"REF_AREA": area, "ICCS": (agency, "CL_ICCS", VERSION), "INDICATOR": (agency, "CL_INDICATOR", VERSION),
           "AGE": (agency, "CL_AGE_ICCS", VERSION),
           **{d: (agency, v[1], VERSION) for d, v in DISAGGREGATIONS.items()}}
    order = ["FREQ", "REF_AREA", "INDICATOR", "ICCS", "SEX", "AGE", *DISAGGREGATIONS, "UNIT_MEASURE"]
    for pos, dim in enumerate(order, start=1):
        _component(dims, "Dimension", dim, agency, dsd_id, own.get(dim) or REUSED[dim], position=str(pos))
    _component(dims, "TimeDimension", "TIME_PERIOD", agency, dsd_id, None, position=str(len(order) + 1))
    attrs = etree.SubElement(comps, S + "AttributeList", id="AttributeDescriptor",
                             urn=f"{URN}datastructure.AttributeDescriptor={agency}:{dsd_id}({VERSION}).AttributeDescriptor")
    for aid, mandatory in ATTRIBUTES.items():
        a = _component(attrs, "Attribute", aid, agency, dsd_id, REUSED.get(aid),
                       assignmentStatus="Mandatory" if mandatory else "Conditional")
        etree.SubElement(etree.SubElement(a, S + "AttributeRelationship"), S + "PrimaryMeasure").append(
            etree.Element("Ref", id="OBS_VALUE"))
    measures = etree.SubElement(comps, S + "MeasureList", id="MeasureDescriptor",
                                urn=f"{URN}datastructure.MeasureDescriptor={agency}:{dsd_id}({VERSION}).MeasureDescriptor")
    _component(measures, "PrimaryMeasure", "OBS_VALUE", agency, dsd_id, None)
    return dsd


def dataflow(agency: str, flow_id: str, structure: tuple[str, str, str]) -> etree._Element:
    """A dataflow with its names and descriptions (``DATAFLOWS``) and its .Stat Suite annotations."""
    text = DATAFLOWS[flow_id]
    df = _maintainable("Dataflow", "datastructure.Dataflow", agency, flow_id, text["name"], text.get("name_ko", ""))
    names(df, text["description"], text.get("description_ko", ""), tag="Description")
    annotate(df, flow_id)
    etree.SubElement(etree.SubElement(df, S + "Structure"), "Ref", agencyID=structure[0], id=structure[1],
                     version=structure[2], package="datastructure", **{"class": "DataStructure"})
    return df


def sdg_subnational_dsd(agency: str) -> etree._Element:
    """DSD ``SDG_SUBNAT``: the global SDG DSD 1.14 unchanged but for ``REF_AREA``, coded by ``CL_AREA_SUBNAT``
    (M49 areas and ISO 3166-2 subdivisions), for SDG series estimated by subnational region."""
    path = config.dsd_dir() / f"{SDG[0]}_{SDG[1]}_{SDG[2]}.xml"
    source = etree.parse(str(path)).find(f".//{S}DataStructure[@id='{SDG[1]}']")
    assert source is not None, f"{path} has no DataStructure {SDG[1]}"
    dsd = copy.deepcopy(source)
    old, new = f"{SDG[0]}:{SDG[1]}({SDG[2]})", f"{agency}:SDG_SUBNAT({VERSION})"
    for el in dsd.iter(f"{S}*"):
        if el.get("urn"):
            el.set("urn", el.get("urn").replace(old, new))
    dsd.attrib.update({"agencyID": agency, "id": "SDG_SUBNAT", "version": VERSION})
    for el in dsd.findall(f"{C}Name") + dsd.findall(f"{C}Description"):
        dsd.remove(el)
    names(dsd, "SDG DSD 1.14 with subnational areas (REF_AREA: CL_AREA_SUBNAT)")
    names(dsd, "The global SDG DSD 1.14 unchanged but for REF_AREA, coded by CL_AREA_SUBNAT (M49 areas and ISO "
               "3166-2 subdivisions), for SDG series estimated by subnational region.", tag="Description")
    dsd.insert(0, dsd[-1])  # the name and description come first
    dsd.insert(0, dsd[-1])
    ref = dsd.find(f".//{S}Dimension[@id='REF_AREA']/{S}LocalRepresentation/{S}Enumeration/Ref")
    assert ref is not None
    ref.attrib.update({"agencyID": agency, "id": "CL_AREA_SUBNAT", "version": VERSION})
    return dsd


def _sdg16_rows() -> list[dict[str, str]]:
    """SDG 16 crime and justice series (indicators 16.1-16.5, 16.10.1) of CL_SERIES 1.14, not retired."""
    rows = _read_csv(config.reference_dir() / "sdg" / "sdg16_series_from_CL_SERIES_1.14.csv")
    wanted = ("16.1.", "16.2.", "16.3.", "16.4.", "16.5.", "16.10.1")
    return [r for r in rows if r["indicator"].startswith(wanted) and not r["retired_note"]]


def sdg16_series() -> list[str]:
    """The series of the SDG 16 dataflows."""
    return [r["series"] for r in _sdg16_rows()]


def allowed_constraint(agency: str, cid: str, name: str, flow_id: str, include: dict[str, list[str]]) -> etree._Element:
    cc = _maintainable("ContentConstraint", "registry.ContentConstraint", agency, cid, name)
    cc.set("type", "Allowed")
    etree.SubElement(etree.SubElement(etree.SubElement(cc, S + "ConstraintAttachment"), S + "Dataflow"), "Ref",
                     agencyID=agency, id=flow_id, version=VERSION, package="datastructure", **{"class": "Dataflow"})
    region = etree.SubElement(cc, S + "CubeRegion", include="true")
    for dim, values in include.items():
        kv = etree.SubElement(region, C + "KeyValue", id=dim)
        for v in values:
            etree.SubElement(kv, C + "Value").text = v
    return cc


def build_all(out_dir: Path | None = None, agency: str | None = None) -> list[Path]:
    """Write ``<AGENCY>_ICCS_1.0.xml`` (with the subnational variant) and ``<AGENCY>_SDG16_1.0.xml``,
    each loading alone (:func:`.references.unresolved` finds nothing, else nothing is written)."""
    agency = agency or config.agency()
    out_dir = Path(out_dir or config.dsd_dir())
    common = [reuse.agency_scheme(agency, config.agency_name()), categories.category_scheme(agency, VERSION)]
    subnational = subnational_area_codelist(agency)
    iccs = [dataflow(agency, "DF_ICCS", (agency, "ICCS_CJ", VERSION)),
            dataflow(agency, "DF_ICCS_SUBNAT", (agency, "ICCS_CJ_SUBNAT", VERSION)),
            *categories.iccs_categorisations(agency, VERSION, "DF_ICCS"),
            *categories.iccs_categorisations(agency, VERSION, "DF_ICCS_SUBNAT"),
            iccs_codelist(agency), indicator_codelist(agency), age_codelist(agency), *disaggregation_codelists(agency),
            subnational, concept_scheme(agency), reuse.cross_domain_concepts(k for k, v in REUSED_CONCEPTS.items()
                                                               if v == reuse.CROSS_DOMAIN),
            iccs_dsd(agency),
            iccs_dsd(agency, "ICCS_CJ_SUBNAT", (agency, "CL_AREA_SUBNAT", VERSION),
                     "Crime and criminal justice statistics by ICCS offence category and subnational area")]
    indicators = sorted({r["indicator"] for r in _sdg16_rows()})
    sdg = [dataflow(agency, "DF_SDG_16_CRIME", SDG),
           dataflow(agency, "DF_SDG_16_CRIME_SUBNAT", (agency, "SDG_SUBNAT", VERSION)),
           *categories.sdg_categorisations(agency, VERSION, "DF_SDG_16_CRIME", indicators),
           *categories.sdg_categorisations(agency, VERSION, "DF_SDG_16_CRIME_SUBNAT", indicators),
           allowed_constraint(agency, "CC_SDG_16_CRIME", "SDG 16 crime and criminal justice series only",
                              "DF_SDG_16_CRIME", {"SERIES": sdg16_series()}),
           allowed_constraint(agency, "CC_SDG_16_CRIME_SUBNAT", "SDG 16 crime and criminal justice series only",
                              "DF_SDG_16_CRIME_SUBNAT", {"SERIES": sdg16_series()}),
           subnational, sdg_subnational_dsd(agency)]
    messages = {}
    for name, artefacts in (("ICCS", iccs), ("SDG16", sdg)):
        path = out_dir / f"{agency}_{name}_{VERSION}.xml"
        complete = reuse.complete([*common, *artefacts])
        missing = unresolved(complete)
        if missing:
            raise StructureError(f"{path.name} would reference {len(missing)} artefact(s) it does not hold: "
                                 + "; ".join(missing[:5]), fix="add their sources to dsd/sources (README.md there)")
        messages[path] = structure_message(complete, message_id=f"{agency}_{name}", sender=agency)
    out_dir.mkdir(parents=True, exist_ok=True)
    for path, data in messages.items():
        path.write_bytes(data)
    return list(messages)


#: names and descriptions of our dataflows, in Korean too where the data come from Korean sources
DATAFLOWS: dict[str, dict[str, str]] = {
    "DF_ICCS": {
        "name": "Crime and criminal justice statistics by ICCS",
        "description": "Offences, victims, persons suspected, prosecuted and convicted, and prisoners, by offence "
                       "category of the International Classification of Crime for Statistical Purposes (ICCS) v1.0, "
                       "by country: counts and rates per 100,000 population.",
    },
    "DF_ICCS_SUBNAT": {
        "name": "Crime and criminal justice statistics by ICCS, subnational areas",
        "name_ko": "ICCS 범죄분류별 범죄 및 형사사법 통계, 지역별",
        "description": "Crime and criminal justice statistics by ICCS offence category and first-level subnational "
                       "area (ISO 3166-2), such as the Korean National Police Agency's crime statistics by region "
                       "classified to ICCS.",
        "description_ko": "ICCS 범죄분류 및 시도(ISO 3166-2)별 범죄 및 형사사법 통계: 경찰청_범죄 발생 지역별 통계를 "
                          "ICCS로 분류한 자료 등.",
    },
    "DF_SDG_16_CRIME": {
        "name": "SDG 16 crime and criminal justice series",
        "name_ko": "SDG 16 범죄 및 형사사법 지표",
        "description": "Series of the SDG 16 crime and criminal justice indicators (16.1 to 16.5 and 16.10.1) on the "
                       "global SDG DSD 1.14, unchanged: national data such as Statistics Korea's SDG 16 indicators, "
                       "and regional aggregates derived from DF_ICCS.",
        "description_ko": "글로벌 SDG DSD 1.14를 그대로 따르는 SDG 16 범죄 및 형사사법 지표(16.1~16.5, 16.10.1)의 "
                          "시리즈: 통계청 SDG 16 국가 지표 등 국가 자료와 DF_ICCS에서 산출한 지역 집계.",
    },
    "DF_SDG_16_CRIME_SUBNAT": {
        "name": "SDG 16 crime and criminal justice series, subnational areas",
        "description": "SDG 16 crime and criminal justice series by first-level subnational area (ISO 3166-2), such "
                       "as survey estimates by region, on the global SDG DSD 1.14 with subnational areas.",
    },
}
