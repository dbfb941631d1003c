"""How the .Stat Suite's Data Explorer presents our dataflows: SDMX annotations on each dataflow.

Types and title syntax as the .Stat Suite documents them ("SDMX annotations supported by the .Stat
Suite", sis-cc.gitlab.io/dotstatsuite-documentation/using-de/sdmx-annotations/):

- ``LAYOUT_ROW``, ``LAYOUT_COLUMN``, ``LAYOUT_ROW_SECTION``: dimension ids, comma-separated, in order;
- ``DEFAULT``: the filters pre-selected, ``DIM=CODE+CODE,...``, plus ``LASTNPERIODS=n``;
- ``NOT_DISPLAYED``: dimensions or attributes hidden (``DIM``), or only some of their values (``DIM=CODE``).

Every id and code named here is checked against the dataflow's structure by the tests.
"""

from __future__ import annotations

from lxml import etree

from .message import C

#: the ICCS dataflows: a country's offences over time, one table per offence category, indicator and unit
_ICCS = {
    "LAYOUT_ROW": "REF_AREA",
    "LAYOUT_COLUMN": "TIME_PERIOD",
    "LAYOUT_ROW_SECTION": "ICCS,INDICATOR,UNIT_MEASURE",
    "DEFAULT": "FREQ=A,INDICATOR=OFFENCES,ICCS=_T,SEX=_T,AGE=_T,CYBER=_T,VIC_PERP_REL=_T,SIT_CONTEXT=_T,"
               "UNIT_MEASURE=PER_100000_POP,LASTNPERIODS=10",
    "NOT_DISPLAYED": "FREQ=A,UNIT_MULT",
}
#: the SDG dataflows: as the global SDG database shows a series, areas by year, totals of every breakdown
_SDG = {
    "LAYOUT_ROW": "REF_AREA",
    "LAYOUT_COLUMN": "TIME_PERIOD",
    "LAYOUT_ROW_SECTION": "SERIES",
    "DEFAULT": "FREQ=A,SERIES=VC_IHR_PSRC,SEX=_T,AGE=_T,URBANISATION=_T,INCOME_WEALTH_QUANTILE=_T,EDUCATION_LEV=_T,"
               "OCCUPATION=_T,CUST_BREAKDOWN=_T,COMPOSITE_BREAKDOWN=_T,DISABILITY_STATUS=_T,ACTIVITY=_T,PRODUCT=_T,"
               "LASTNPERIODS=10",
    "NOT_DISPLAYED": "FREQ=A,UNIT_MULT,TIME_COVERAGE,GEO_INFO_URL,GEO_INFO_TYPE",
}
#: dataflow id -> annotation type -> title
ANNOTATIONS: dict[str, dict[str, str]] = {
    "DF_ICCS": _ICCS, "DF_ICCS_SUBNAT": _ICCS, "DF_SDG_16_CRIME": _SDG, "DF_SDG_16_CRIME_SUBNAT": _SDG,
}


def annotate(el: etree._Element, flow: str) -> None:
    """Put the .Stat Suite annotations of dataflow ``flow`` first in its element (the schema's order)."""
    wanted = ANNOTATIONS.get(flow)
    if not wanted:
        return
    box = etree.Element(C + "Annotations")
    for kind, title in wanted.items():
        a = etree.SubElement(box, C + "Annotation")
        etree.SubElement(a, C + "AnnotationTitle").text = title
        etree.SubElement(a, C + "AnnotationType").text = kind
    el.insert(0, box)
