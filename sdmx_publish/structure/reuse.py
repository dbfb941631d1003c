"""Artefacts we reuse instead of defining: copies of the official ones, so that each of our files loads alone.

- the agency scheme ``SDMX:AGENCIES(1.0)`` of the global SDG DSD file, with our agency added (a registry
  keeps its top-level agencies there; loading ours after the SDG file adds ours and drops none);
- ``SDMX:CROSS_DOMAIN_CONCEPTS(1.0)``, the concepts we use of it, as the official SDMX 2.1 sample
  publishes them (``dsd/sources/SDMX_2.1_sample_ECB_EXR_NG-structure.xml``, ``isPartial="true"``);
- every codelist, concept scheme and DSD of the global SDG DSD file that one of our artefacts
  references (:func:`complete`), copied unchanged.
"""

from __future__ import annotations

import copy
from functools import lru_cache
from typing import Iterable

from lxml import etree

from .. import config, xmlsafe
from .message import XML_LANG, C, S
from .references import Target, maintainables, targets

URN = "urn:sdmx:org.sdmx.infomodel."
SDG_FILE = "IAEG-SDGs_SDG_1.14.xml"
CROSS_DOMAIN_FILE = "SDMX_2.1_sample_ECB_EXR_NG-structure.xml"
CROSS_DOMAIN = ("SDMX", "CROSS_DOMAIN_CONCEPTS", "1.0")


def _key(el: etree._Element) -> Target:
    return Target(etree.QName(el).localname, el.get("agencyID", ""), el.get("id", ""), el.get("version", "1.0"))


@lru_cache(maxsize=1)
def _sdg() -> dict[Target, etree._Element]:
    """The maintainable artefacts of the global SDG DSD file, by reference."""
    root = xmlsafe.parse(config.dsd_dir() / SDG_FILE).getroot()
    return {_key(el): el for el in maintainables(root)}


def agency_scheme(agency: str, name: str) -> etree._Element:
    """``SDMX:AGENCIES(1.0)`` of the SDG file, with ``agency`` named ``name`` added if it is not there."""
    scheme = copy.deepcopy(_sdg()[Target("AgencyScheme", "SDMX", "AGENCIES", "1.0")])
    if scheme.find(f"{S}Agency[@id='{agency}']") is None:
        el = etree.SubElement(scheme, S + "Agency", urn=f"{URN}base.Agency=SDMX:AGENCIES(1.0).{agency}", id=agency)
        etree.SubElement(el, C + "Name", {XML_LANG: "en"}).text = name
    return scheme


def cross_domain_concepts(ids: Iterable[str]) -> etree._Element:
    """The concepts ``ids`` of ``SDMX:CROSS_DOMAIN_CONCEPTS(1.0)`` as the SDMX 2.1 sample has them (names,
    descriptions, context annotations; not their core representations, which name codelist versions
    other than those our DSDs use)."""
    path = config.dsd_dir() / "sources" / CROSS_DOMAIN_FILE
    root = xmlsafe.parse(path).getroot()
    agency, cid, version = CROSS_DOMAIN
    source = next(el for el in maintainables(root) if _key(el) == Target("ConceptScheme", agency, cid, version))
    scheme = etree.Element(S + "ConceptScheme", urn=f"{URN}conceptscheme.ConceptScheme={agency}:{cid}({version})",
                           agencyID=agency, id=cid, version=version, isPartial="true")
    for child in source:
        if etree.QName(child).localname == "Name":
            scheme.append(_lang(copy.deepcopy(child)))
    for concept_id in ids:
        found = source.find(f"{S}Concept[@id='{concept_id}']")
        if found is None:
            raise KeyError(f"{concept_id} is not in {agency}:{cid}({version}) of {path}")
        concept = copy.deepcopy(found)
        concept.set("urn", f"{URN}conceptscheme.Concept={agency}:{cid}({version}).{concept_id}")
        for child in list(concept):
            local = etree.QName(child).localname
            if local in ("CoreRepresentation", "Parent"):
                concept.remove(child)
            elif local in ("Name", "Description"):
                _lang(child)
        scheme.append(concept)
    return scheme


def _lang(el: etree._Element) -> etree._Element:
    """Say the language of a name or description the sample leaves implicit (English, the schema default)."""
    if el.get(XML_LANG) is None:
        el.set(XML_LANG, "en")
    return el


def complete(artefacts: list[etree._Element]) -> list[etree._Element]:
    """``artefacts`` plus a copy of every artefact of the SDG file they reference, directly or not."""
    have = {_key(el) for el in artefacts}
    out = list(artefacts)
    todo = list(artefacts)
    while todo:
        for t in sorted(targets(todo.pop())):
            key = Target(t.kind, t.agency, t.id, t.version)
            if key not in have and key in _sdg() and t.kind != "AgencyScheme":
                have.add(key)
                el = copy.deepcopy(_sdg()[key])
                out.append(el)
                todo.append(el)
    return out
