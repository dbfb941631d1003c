"""Build our own structures into ``dsd/``: the ICCS crime and criminal justice DSD and the SDG 16 dataflow.

Every code comes from a bundled source (see ``dsd/sources/README.md``). The maintenance agency is
:func:`sdmx_publish.config.agency`. Order: element helpers; codelists; concept scheme; the ICCS
DSD and dataflow; the SDG 16 dataflow and constraint; :func:`build_all`.
"""

from __future__ import annotations

import copy
import csv
from pathlib import Path

from lxml import etree

from .. import config
from .message import C, S, structure_message
from .model import Ref
from .read import load_registry

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
CONCEPTS = {
    "FREQ": "Frequency of observation", "REF_AREA": "Reference area", "ICCS": "Offence category (ICCS)",
    "INDICATOR": "What is counted", "SEX": "Sex", "AGE": "Age",
    **{d: v[2] for d, v in DISAGGREGATIONS.items()},
    "UNIT_MEASURE": "Unit of measure", "TIME_PERIOD": "Time period", "OBS_VALUE": "Observation value",
    "OBS_STATUS": "Observation status", "UNIT_MULT": "Unit multiplier", "SOURCE_DETAIL": "Source",
    "NAT_CATEGORY": "Original national category", "COMMENT_OBS": "Comment",
}
#: attributes of the ICCS DSD: id -> mandatory
ATTRIBUTES = {"OBS_STATUS": True, "UNIT_MULT": False, "SOURCE_DETAIL": False, "NAT_CATEGORY": False,
              "COMMENT_OBS": False}
TOTAL = ("_T", "Total")
#: ISO 3166-2 subdivision codes added to CL_AREA in CL_AREA_SUBNAT (files in dsd/sources/, see its README)
SUBDIVISIONS = ("ISO_3166-2_KR.csv", "ISO_3166-2_CL.csv", "ISO_3166-2_US.csv", "ISO_3166-2_MX.csv",
                "ISO_3166-2_DE.csv")


def _name(parent: etree._Element, text: str, tag: str = "Name") -> None:
    etree.SubElement(parent, C + tag, {"{http://www.w3.org/XML/1998/namespace}lang": "en"}).text = text


def _maintainable(kind: str, cls: str, agency: str, aid: str, name: str) -> etree._Element:
    el = etree.Element(S + kind, urn=f"{URN}{cls}={agency}:{aid}({VERSION})", agencyID=agency, id=aid,
                       version=VERSION, isFinal="true")
    _name(el, name)
    return el


def codelist(agency: str, cid: str, name: str, codes: list[tuple[str, str, str | None]]) -> etree._Element:
    """A codelist; ``codes`` are (id, name, parent id or None)."""
    cl = _maintainable("Codelist", "codelist.Codelist", agency, cid, name)
    for code, label, parent in codes:
        el = etree.SubElement(cl, S + "Code", urn=f"{URN}codelist.Code={agency}:{cid}({VERSION}).{code}", id=code)
        _name(el, label)
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
        _name(el, label)
    return cs


def _component(parent: etree._Element, kind: str, cid: str, agency: str, dsd_id: str,
               enum: tuple[str, str, str] | None, **attrs: str) -> etree._Element:
    cls = {"Dimension": "Dimension", "TimeDimension": "TimeDimension", "Attribute": "DataAttribute",
           "PrimaryMeasure": "PrimaryMeasure"}[kind]
    el = etree.SubElement(parent, S + kind, urn=f"{URN}datastructure.{cls}={agency}:{dsd_id}({VERSION}).{cid}",
                          id=cid, **attrs)
    etree.SubElement(etree.SubElement(el, S + "ConceptIdentity"), "Ref", maintainableParentID="CCJS_CONCEPTS",
                     maintainableParentVersion=VERSION, agencyID=agency, id=cid, **{"class": "Concept"},
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
    for name in SUBDIVISIONS:
        codes += [(r["code"], r["name"], r["parent"]) for r in _read_csv(config.DATA / "dsd" / "sources" / name)]
    return codelist(agency, "CL_AREA_SUBNAT", "Areas: IAEG-SDGs CL_AREA 1.14 and ISO 3166-2 subdivisions", codes)


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


def dataflow(agency: str, flow_id: str, name: str, structure: tuple[str, str, str]) -> etree._Element:
    df = _maintainable("Dataflow", "datastructure.Dataflow", agency, flow_id, name)
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
    _name(dsd, "SDG DSD 1.14 with subnational areas (REF_AREA: CL_AREA_SUBNAT)")
    dsd.insert(0, dsd[-1])  # the name comes first
    ref = dsd.find(f".//{S}Dimension[@id='REF_AREA']/{S}LocalRepresentation/{S}Enumeration/Ref")
    assert ref is not None
    ref.attrib.update({"agencyID": agency, "id": "CL_AREA_SUBNAT", "version": VERSION})
    return dsd


def sdg16_series() -> list[str]:
    """SDG 16 crime and justice series (indicators 16.1-16.5, 16.10.1) of CL_SERIES 1.14, not retired."""
    rows = _read_csv(config.reference_dir() / "sdg" / "sdg16_series_from_CL_SERIES_1.14.csv")
    wanted = ("16.1.", "16.2.", "16.3.", "16.4.", "16.5.", "16.10.1")
    return [r["series"] for r in rows if r["indicator"].startswith(wanted) and not r["retired_note"]]


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
    """Write ``<AGENCY>_ICCS_1.0.xml`` (with the subnational variant) and ``<AGENCY>_SDG16_1.0.xml``."""
    agency = agency or config.agency()
    out_dir = Path(out_dir or config.dsd_dir())
    out_dir.mkdir(parents=True, exist_ok=True)
    iccs = [dataflow(agency, "DF_ICCS", "Crime and criminal justice statistics by ICCS", (agency, "ICCS_CJ", VERSION)),
            iccs_codelist(agency), indicator_codelist(agency), age_codelist(agency), *disaggregation_codelists(agency),
            concept_scheme(agency), iccs_dsd(agency),
            dataflow(agency, "DF_ICCS_SUBNAT", "Crime and criminal justice statistics by ICCS, subnational areas",
                     (agency, "ICCS_CJ_SUBNAT", VERSION)),
            subnational_area_codelist(agency),
            iccs_dsd(agency, "ICCS_CJ_SUBNAT", (agency, "CL_AREA_SUBNAT", VERSION),
                     "Crime and criminal justice statistics by ICCS offence category and subnational area")]
    sdg = [dataflow(agency, "DF_SDG_16_CRIME", "SDG 16 crime and criminal justice series", SDG),
           allowed_constraint(agency, "CC_SDG_16_CRIME", "SDG 16 crime and criminal justice series only",
                              "DF_SDG_16_CRIME", {"SERIES": sdg16_series()}),
           dataflow(agency, "DF_SDG_16_CRIME_SUBNAT", "SDG 16 crime and criminal justice series, subnational areas",
                    (agency, "SDG_SUBNAT", VERSION)),
           sdg_subnational_dsd(agency),
           allowed_constraint(agency, "CC_SDG_16_CRIME_SUBNAT", "SDG 16 crime and criminal justice series only",
                              "DF_SDG_16_CRIME_SUBNAT", {"SERIES": sdg16_series()})]
    paths = []
    for name, artefacts in (("ICCS", iccs), ("SDG16", sdg)):
        path = out_dir / f"{agency}_{name}_{VERSION}.xml"
        path.write_bytes(structure_message(artefacts, message_id=f"{agency}_{name}", sender=agency))
        paths.append(path)
    return paths
