"""Cross-references of SDMX-ML 2.1 structure messages: what an artefact points at, and what a message
leaves unresolved.

A registry (or the .Stat Suite) loads a structure file only if every artefact it references is in the
file or already known. :func:`unresolved` lists, for the artefacts of a message, every
reference to a maintainable artefact, an item (code, concept, category) or an agency that none of them
defines; ``sdmx-publish structures`` refuses to write a file with any, and the tests check every
shipped file alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from lxml import etree

from .read import NS

#: ``class`` of a Ref -> (element name of the maintainable it is in, whether the Ref names an item in it)
REF_CLASSES = {
    "Codelist": ("Codelist", False), "Code": ("Codelist", True),
    "ConceptScheme": ("ConceptScheme", False), "Concept": ("ConceptScheme", True),
    "CategoryScheme": ("CategoryScheme", False), "Category": ("CategoryScheme", True),
    "AgencyScheme": ("AgencyScheme", False), "Agency": ("AgencyScheme", True),
    "DataStructure": ("DataStructure", False), "Dataflow": ("Dataflow", False),
    "ContentConstraint": ("ContentConstraint", False), "Categorisation": ("Categorisation", False),
}
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
    """The maintainable artefacts of a structure message."""
    return root.iterfind("mes:Structures/*/*", NS)


def _items(el: etree._Element, prefix: str = "") -> set[str]:
    """Ids of the items of a scheme; nested categories as ``PARENT.CHILD``."""
    name = ITEMS.get(etree.QName(el).localname)
    if name is None:
        return set()
    out = set()
    for item in el.iterfind(f"str:{name}", NS):
        path = f"{prefix}{item.get('id')}"
        out.add(path)
        if name == "Category":
            out |= _items_nested(item, path + ".")
    return out


def _items_nested(category: etree._Element, prefix: str) -> set[str]:
    out = set()
    for child in category.iterfind("str:Category", NS):
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
    """Everything an artefact references by ``Ref`` (local references within a DSD aside), plus its agency."""
    out = {Target("AgencyScheme", "SDMX", "AGENCIES", "1.0", el.get("agencyID", ""))}
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
