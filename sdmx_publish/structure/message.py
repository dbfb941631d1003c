"""Assemble SDMX-ML 2.1 structure messages from artefact elements.

Used by the builder (our own DSDs into ``dsd/``), the publisher (the ``structure.xml`` of a
release) and the server. Elements are placed in the containers, in the order, that
``SDMXStructure.xsd`` requires.
"""

from __future__ import annotations

import copy
from datetime import datetime, timezone
from typing import Iterable

from lxml import etree

from .. import config, xmlsafe
from .model import Flow, Ref
from .read import NS, Registry

M, S, C = (f"{{{NS[p]}}}" for p in ("mes", "str", "com"))
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

#: artefact element name -> container element name, in schema order
CONTAINERS = {
    "AgencyScheme": "OrganisationSchemes",
    "Dataflow": "Dataflows",
    "CategoryScheme": "CategorySchemes",
    "Categorisation": "Categorisations",
    "Codelist": "Codelists",
    "ConceptScheme": "Concepts",
    "DataStructure": "DataStructures",
    "ContentConstraint": "Constraints",
}


def names(parent: etree._Element, en: str, ko: str = "", tag: str = "Name") -> None:
    """``com:Name`` (or ``Description``) of an artefact in English, and in Korean if given."""
    for lang, text in (("en", en), ("ko", ko)):
        if text:
            etree.SubElement(parent, C + tag, {XML_LANG: lang}).text = text


def header(message_id: str = "STRUCTURE", sender: str | None = None) -> etree._Element:
    """A message header; the sender is the configured agency unless given."""
    h = etree.Element(M + "Header")
    etree.SubElement(h, M + "ID").text = message_id
    etree.SubElement(h, M + "Test").text = "false"
    etree.SubElement(h, M + "Prepared").text = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    etree.SubElement(h, M + "Sender", id=sender or config.agency())
    return h


def structure_message(artefacts: Iterable[etree._Element], *, message_id: str = "STRUCTURE",
                      sender: str | None = None) -> bytes:
    """A ``mes:Structure`` message holding copies of ``artefacts``, grouped into their containers."""
    root = etree.Element(M + "Structure", nsmap={k: v for k, v in NS.items()})
    root.append(header(message_id, sender))
    structures = etree.SubElement(root, M + "Structures")
    groups: dict[str, list[etree._Element]] = {name: [] for name in CONTAINERS}
    for el in artefacts:
        groups[etree.QName(el).localname].append(copy.deepcopy(el))
    for name, container in CONTAINERS.items():
        if groups[name]:
            etree.SubElement(structures, S + container).extend(groups[name])
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def artefact_elements(registry: Registry, refs: Iterable[Ref]) -> list[etree._Element]:
    """The XML elements defining ``refs``, taken from the files the registry read them from."""
    out = []
    for ref in refs:
        hits = _artefacts(str(registry.files[ref])).get((ref.agency, ref.id, ref.version), [])
        out.extend(h for h in hits if etree.QName(h).localname in CONTAINERS)
    return out


def flow_artefacts(registry: Registry, flow: Flow) -> list[Ref]:
    """The dataflow and everything it references: DSD, codelists, concept schemes, constraints; the
    categorisations of the dataflow with their category schemes; the agency schemes of the agencies."""
    refs = [flow.dataflow.ref, flow.dsd.ref, *dict.fromkeys(cl.ref for cl in flow.codelists.values())]
    refs += [c.ref for c in flow.constraints]
    refs += concept_schemes(registry, flow.dsd.ref)
    filed = sorted(((r, scheme) for r, (df, scheme, _) in registry.categorisations.items() if df == flow.dataflow.ref),
                   key=lambda pair: str(pair[0]))
    refs += [scheme for _, scheme in filed if scheme in registry.files] + [r for r, _ in filed]
    used = {r.agency for r in refs}
    refs += [r for r, ids in registry.agencies.items() if used & ids]
    return list(dict.fromkeys(refs))


def concept_schemes(registry: Registry, dsd: Ref) -> list[Ref]:
    """Concept schemes a DSD's components take their concepts from."""
    tree = _tree(str(registry.files[dsd]))
    found = []
    for r in tree.xpath("//str:DataStructure[@id=$i and @agencyID=$a]//str:ConceptIdentity/Ref",
                        namespaces=NS, i=dsd.id, a=dsd.agency):
        found.append(Ref(agency=r.get("agencyID"), id=r.get("maintainableParentID"),
                         version=r.get("maintainableParentVersion", "1.0")))
    return [ref for ref in dict.fromkeys(found) if ref in registry.files]


_TREES: dict[str, etree._ElementTree] = {}


def _tree(path: str) -> etree._ElementTree:
    if path not in _TREES:
        _TREES[path] = xmlsafe.parse(path)
    return _TREES[path]


_ARTEFACTS: dict[str, dict[tuple[str, str, str], list[etree._Element]]] = {}


def _artefacts(path: str) -> dict[tuple[str, str, str], list[etree._Element]]:
    """The elements of a file with a URN, by (agency, id, version), in document order: one pass over the
    file instead of one search of it per artefact (the SDG DSD file holds thousands of elements)."""
    if path not in _ARTEFACTS:
        index: dict[tuple[str, str, str], list[etree._Element]] = {}
        for el in _tree(path).xpath("//*[@urn and @agencyID and @id and @version]"):
            index.setdefault((el.get("agencyID"), el.get("id"), el.get("version")), []).append(el)
        _ARTEFACTS[path] = index
    return _ARTEFACTS[path]


def flow_structure_message(registry: Registry, flow: Flow, *, sender: str | None = None) -> bytes:
    """The structure message a release's data refer to: the flow and everything it references."""
    return structure_message(artefact_elements(registry, flow_artefacts(registry, flow)),
                             message_id=f"STRUCTURE_{flow.id}", sender=sender)
