"""Cross-references of SDMX-ML 2.1 and 3.0 structure messages: what an artefact points at, and what a
message leaves unresolved (2.1 references are ``Ref`` elements, 3.0 ones URNs in the element text).

A registry (or the .Stat Suite) loads a structure file only if every artefact it references is in the
file or already known. :func:`unresolved` lists, for the artefacts of a message, every
reference to a maintainable artefact, an item (code, concept, category) or an agency that none of them
defines; ``sdmx-publish structures`` refuses to write a file with any, and the tests check every
shipped file alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

from lxml import etree

#: ``class`` of a Ref -> (element name of the maintainable it is in, whether the Ref names an item in it)
REF_CLASSES = {
    "Codelist": ("Codelist", False), "Code": ("Codelist", True),
    "ConceptScheme": ("ConceptScheme", False), "Concept": ("ConceptScheme", True),
    "CategoryScheme": ("CategoryScheme", False), "Category": ("CategoryScheme", True),
    "AgencyScheme": ("AgencyScheme", False), "Agency": ("AgencyScheme", True),
    "DataStructure": ("DataStructure", False), "Dataflow": ("Dataflow", False),
    "ContentConstraint": ("ContentConstraint", False), "Categorisation": ("Categorisation", False),
    "MetadataStructure": ("MetadataStructure", False), "Metadataflow": ("Metadataflow", False),
}
#: an SDMX 3.0 reference: ``urn:sdmx:org.sdmx.infomodel.<package>.<class>=AGENCY:ID(VERSION)[.ITEM]``
#: (wildcarded ids or versions, as in a metadataflow's targets, name no one artefact and do not match)
URN = re.compile(r"urn:sdmx:org\.sdmx\.infomodel\.\w+\.(\w+)=([\w.@-]+):([\w@-]+)\(([\w.+-]+)\)(?:\.([\w.@-]+))?")
#: maintainable element -> the element name of its items (nested for categories)
ITEMS = {"Codelist": "Code", "ConceptScheme": "Concept", "CategoryScheme": "Category", "AgencyScheme": "Agency"}


@dataclass(frozen=True, order=True)
class Target:
    """What a reference points at: a maintainable (``item`` None) or an item in it (nested ids with dots)."""

    kind: str
    agency: str
    id: str
    version: str
    item: str | None = None

    def __str__(self) -> str:
        return f"{self.kind} {self.agency}:{self.id}({self.version})" + (f".{self.item}" if self.item else "")


def maintainables(root: etree._Element) -> Iterable[etree._Element]:
    """The maintainable artefacts of a structure message (SDMX-ML 2.1 or 3.0)."""
    return root.iterfind("{*}Structures/*/*")


def _items(el: etree._Element, prefix: str = "") -> set[str]:
    """Ids of the items of a scheme; nested categories as ``PARENT.CHILD``."""
    name = ITEMS.get(etree.QName(el).localname)
    if name is None:
        return set()
    out = set()
    for item in el.iterfind(f"{{*}}{name}"):
        path = f"{prefix}{item.get('id')}"
        out.add(path)
        if name == "Category":
            out |= _items_nested(item, path + ".")
    return out


def _items_nested(category: etree._Element, prefix: str) -> set[str]:
    out = set()
    for child in category.iterfind("{*}Category"):
        path = f"{prefix}{child.get('id')}"
        out |= {path} | _items_nested(child, path + ".")
    return out


def defined(artefacts: Iterable[etree._Element]) -> dict[Target, set[str]]:
    """Every maintainable of ``artefacts``, with its item ids."""
    out: dict[Target, set[str]] = {}
    for el in artefacts:
        key = Target(etree.QName(el).localname, el.get("agencyID", ""), el.get("id", ""), el.get("version", "1.0"))
        out.setdefault(key, set()).update(_items(el))
    return out


def targets(el: etree._Element) -> set[Target]:
    """Everything an artefact references by ``Ref`` or URN (local references within a DSD aside), plus
    its agency."""
    out = {Target("AgencyScheme", "SDMX", "AGENCIES", "1.0", el.get("agencyID", ""))}
    for node in el.iter(etree.Element):
        match = URN.fullmatch((node.text or "").strip())
        if match and match[1] in REF_CLASSES:
            kind, is_item = REF_CLASSES[match[1]]
            out.add(Target(kind, match[2], match[3], match[4], match[5] if is_item else None))
    for ref in el.iter("Ref"):
        cls = REF_CLASSES.get(ref.get("class", ""))
        if cls is None or not ref.get("agencyID"):
            continue
        kind, is_item = cls
        if is_item:
            out.add(Target(kind, ref.get("agencyID", ""), ref.get("maintainableParentID", ""),
                           ref.get("maintainableParentVersion", "1.0"), ref.get("id", "")))
        else:
            out.add(Target(kind, ref.get("agencyID", ""), ref.get("id", ""), ref.get("version", "1.0")))
    return out


def unresolved(artefacts: Iterable[etree._Element]) -> list[str]:
    """What the artefacts (of one message: :func:`maintainables`) reference but none of them defines
    (empty: they load on their own)."""
    artefacts = list(artefacts)
    known = defined(artefacts)
    missing: set[str] = set()
    for el in artefacts:
        for t in targets(el):
            scheme = Target(t.kind, t.agency, t.id, t.version)
            if scheme not in known or (t.item is not None and t.item not in known[scheme]):
                missing.add(f"{etree.QName(el).localname} {el.get('agencyID')}:{el.get('id')}({el.get('version')}) -> {t}")
    return sorted(missing)
