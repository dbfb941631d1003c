"""The category scheme ``CAT_CCJS`` (SDG goal 16 and its targets; the ICCS sections) and the
categorisations that file our dataflows under it, as registries and the .Stat Suite browse them.

Names come from sources (``dsd/sources/README.md``): SDG goal and target names in English from Open
SDG's translations of the official texts and in Korean from Statistics Korea's SDG platform
(``SDG_16_categories.csv``); ICCS section names from ICCS v1.0 (``reference/iccs/iccs_v1.csv``).
"""

from __future__ import annotations

import csv
from pathlib import Path

from lxml import etree

from .. import config
from .message import S, names

SCHEME = "CAT_CCJS"
URN = "urn:sdmx:org.sdmx.infomodel."
SDG_FILE = "SDG_16_categories.csv"
#: the ICCS v1.0 name of the classification, the top category of the sections
ICCS_NAME = "International Classification of Crime for Statistical Purposes (ICCS) v1.0"


def _read(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def sdg_rows() -> list[dict[str, str]]:
    """Goal 16 and its targets (``id``, ``sdg`` number, ``parent``, English and Korean names)."""
    return _read(config.dsd_dir() / "sources" / SDG_FILE)


def iccs_sections() -> list[tuple[str, str]]:
    """The 11 ICCS sections: (code, name)."""
    rows = _read(config.reference_dir() / "iccs" / "iccs_v1.csv")
    return [(r["code"], r["name"]) for r in rows if r["level"] == "1"]


def target_of(indicator: str) -> str:
    """The category of an SDG indicator's target: ``16.10.1`` -> ``SDG_16.SDG_16_10``."""
    goal, target = indicator.split(".")[:2]
    return f"SDG_{goal}.SDG_{goal}_{target}"


def category_scheme(agency: str, version: str) -> etree._Element:
    """``CAT_CCJS``: SDG_16 with its targets, ICCS with its sections (nested categories)."""
    scheme = etree.Element(S + "CategoryScheme", urn=f"{URN}categoryscheme.CategoryScheme={agency}:{SCHEME}({version})",
                           agencyID=agency, id=SCHEME, version=version, isFinal="true")
    names(scheme, "Crime and criminal justice statistics by SDG target and ICCS section",
          "SDG 세부목표 및 ICCS 대분류별 범죄 및 형사사법 통계")
    names(scheme, "Our dataflows filed under SDG goal 16 and the targets their series serve, and under the ICCS "
                  "sections they cover.", tag="Description")

    def category(parent: etree._Element, path: list[str], en: str, ko: str = "", description: str = "") -> etree._Element:
        el = etree.SubElement(parent, S + "Category", id=path[-1],
                              urn=f"{URN}categoryscheme.Category={agency}:{SCHEME}({version})." + ".".join(path))
        names(el, en, ko)
        names(el, description, tag="Description")
        return el

    nodes: dict[str, etree._Element] = {}
    for r in sdg_rows():
        top = not r["parent"]
        en = f"SDG {r['sdg']}: {r['name']}" if top else f"{r['sdg']} {r['name']}"
        ko = f"{r['sdg']} {r['name_ko']}" if r["name_ko"] else ""
        path = [r["id"]] if top else [r["parent"], r["id"]]
        nodes[r["id"]] = category(scheme if top else nodes[r["parent"]], path, en, ko, r["description"])
    iccs = category(scheme, ["ICCS"], ICCS_NAME)
    for code, name in iccs_sections():
        category(iccs, ["ICCS", code], f"{code} {name}")
    return scheme


def categorisation(agency: str, version: str, flow: str, category: str) -> etree._Element:
    """The categorisation filing dataflow ``flow`` under ``category`` (a dotted path in ``CAT_CCJS``)."""
    cid = f"CAT_{flow}_{category.replace('.', '_')}"
    el = etree.Element(S + "Categorisation", urn=f"{URN}categoryscheme.Categorisation={agency}:{cid}({version})",
                       agencyID=agency, id=cid, version=version, isFinal="true")
    names(el, f"{flow} in {category}")
    etree.SubElement(etree.SubElement(el, S + "Source"), "Ref", agencyID=agency, id=flow, version=version,
                     package="datastructure", **{"class": "Dataflow"})
    etree.SubElement(etree.SubElement(el, S + "Target"), "Ref", agencyID=agency, id=category,
                     maintainableParentID=SCHEME, maintainableParentVersion=version, package="categoryscheme",
                     **{"class": "Category"})
    return el


def iccs_categorisations(agency: str, version: str, flow: str) -> list[etree._Element]:
    """A dataflow by ICCS offence category, filed under every ICCS section."""
    return [categorisation(agency, version, flow, f"ICCS.{code}") for code, _ in iccs_sections()]


def sdg_categorisations(agency: str, version: str, flow: str, indicators: list[str]) -> list[etree._Element]:
    """A dataflow of SDG series, filed under the target of each of their indicators."""
    return [categorisation(agency, version, flow, cat) for cat in dict.fromkeys(map(target_of, sorted(indicators)))]
