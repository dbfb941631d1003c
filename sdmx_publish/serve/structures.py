"""Structure queries: find artefacts, follow ``references``, apply ``detail``, compose SDMX-ML 2.1 messages.

Order: kinds and keys; the :class:`StructureIndex` built from the lxml elements of the structure
files (``dsd/`` and each release's ``structure.xml``), with its reference graph; matching of
``agency/id/version`` (v1 ``all``/``latest``, v2 ``*``/``~`` and comma lists); stubs; the message.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from lxml import etree

from .. import xmlsafe
from ..structure.message import structure_message
from ..structure.model import Ref
from ..structure.read import NS, _version_key
from .query import ID, QueryError

#: REST resource name -> artefact element name
KINDS = {"dataflow": "Dataflow", "datastructure": "DataStructure", "codelist": "Codelist",
         "conceptscheme": "ConceptScheme", "contentconstraint": "ContentConstraint", "agencyscheme": "AgencyScheme",
         "categoryscheme": "CategoryScheme", "categorisation": "Categorisation"}
_ELEMENT_KIND = {v: k for k, v in KINDS.items()}
#: ``class`` of a ``Ref`` -> kind of the maintainable it points into
_REF_CLASS = {"Dataflow": "dataflow", "DataStructure": "datastructure", "Codelist": "codelist",
              "Concept": "conceptscheme", "ContentConstraint": "contentconstraint", "Category": "categoryscheme"}
#: kinds whose references name an item (a concept, a category) inside the scheme
_ITEM_KINDS = ("conceptscheme", "categoryscheme")
REFERENCES = ("none", "parents", "parentsandsiblings", "children", "descendants", "all")
DETAILS = ("full", "allstubs", "referencestubs", "allcompletestubs", "referencecompletestubs")
_NOT_IMPLEMENTED_DETAILS = ("referencepartial", "raw")


@dataclass(frozen=True, order=True)
class Key:
    kind: str
    agency: str
    id: str
    version: str

    @property
    def ref(self) -> Ref:
        return Ref(agency=self.agency, id=self.id, version=self.version)

    def path(self) -> str:
        return f"{self.kind}/{self.agency}/{self.id}/{self.version}"


class StructureIndex:
    """Every maintainable artefact of some structure files, with who references whom."""

    def __init__(self, files: Iterable[Path]) -> None:
        self.elements: dict[Key, etree._Element] = {}
        for f in files:
            for el in xmlsafe.parse(f).getroot().iterfind("mes:Structures/*/*", NS):
                kind = _ELEMENT_KIND.get(etree.QName(el).localname)
                if kind and el.get("id"):
                    key = Key(kind, el.get("agencyID", ""), el.get("id", ""), el.get("version", "1.0"))
                    # the same artefact in several files (each self-contained): keep the fullest copy (an
                    # agency scheme with our agency added, a complete rather than a partial scheme)
                    if key not in self.elements or len(el) > len(self.elements[key]):
                        self.elements[key] = el
        self.children: dict[Key, set[Key]] = {k: self._refs(k, el) for k, el in self.elements.items()}
        self.parents: dict[Key, set[Key]] = {k: set() for k in self.elements}
        for k, kids in self.children.items():
            for kid in kids:
                self.parents[kid].add(k)

    def _refs(self, me: Key, el: etree._Element) -> set[Key]:
        out = set()
        for r in el.iter("Ref"):
            kind = _REF_CLASS.get(r.get("class", ""))
            if kind is None:
                continue
            if kind in _ITEM_KINDS:
                key = Key(kind, r.get("agencyID", ""), r.get("maintainableParentID", ""),
                          r.get("maintainableParentVersion", "1.0"))
            else:
                key = Key(kind, r.get("agencyID", ""), r.get("id", ""), r.get("version", "1.0"))
            if key in self.elements and key != me:
                out.add(key)
        return out

    # -- matching ---------------------------------------------------------------------------------

    def match(self, kind: str, agency: str, aid: str, version: str) -> list[Key]:
        """Artefacts of ``kind`` matching the path (``all``/``*`` any, ``latest``/``~`` newest, a,b lists)."""
        kinds = list(KINDS) if kind in ("structure", "*") else [kind]
        for what, v in (("agency", agency), ("resource id", aid)):
            if not all(x in ("all", "*") or ID.match(x) for x in v.split(",")):
                raise QueryError(f"invalid {what} {v!r}")
        if not all(re.match(r"^([0-9A-Za-z.\-+*~]+)$", x) for x in version.split(",")):
            raise QueryError(f"invalid version {version!r}")
        ags, ids, vers = (set(v.split(",")) for v in (agency, aid, version))
        hits = [k for k in self.elements if k.kind in kinds
                and (ags & {"all", "*"} or k.agency in ags) and (ids & {"all", "*"} or k.id in ids)]
        if vers & {"all", "*"}:
            return sorted(hits)
        if vers & {"latest", "~"}:
            newest: dict[tuple[str, str, str], Key] = {}
            for k in hits:
                cur = newest.get((k.kind, k.agency, k.id))
                if cur is None or _version_key(k.version) > _version_key(cur.version):
                    newest[(k.kind, k.agency, k.id)] = k
            return sorted(newest.values())
        return sorted(k for k in hits if k.version in {v.rstrip("+") for v in vers})

    # -- references -------------------------------------------------------------------------------

    def _closure(self, start: Iterable[Key], graph: dict[Key, set[Key]]) -> set[Key]:
        seen: set[Key] = set()
        todo = list(start)
        while todo:
            for nxt in graph.get(todo.pop(), ()):
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return seen

    def referenced(self, keys: list[Key], references: str) -> list[Key]:
        """The artefacts ``references`` adds to ``keys`` (never ``keys`` themselves)."""
        if references in ("none", ""):
            return []
        main = set(keys)
        children = {c for k in keys for c in self.children[k]}
        parents = {p for k in keys for p in self.parents[k]}
        if references == "children":
            found = children
        elif references == "descendants":
            found = self._closure(keys, self.children)
        elif references == "parents":
            found = parents
        elif references == "parentsandsiblings":
            found = parents | {c for p in parents for c in self.children[p]}
        elif references == "all":
            found = parents | {c for p in parents for c in self.children[p]} | self._closure(keys, self.children)
        elif references in KINDS:
            everything = self._closure(keys, self.children) | parents | {c for p in parents for c in self.children[p]}
            found = {k for k in everything if k.kind == references}
        else:
            raise QueryError(f"unknown references value {references!r}",
                             fix="use one of " + ", ".join(REFERENCES + tuple(KINDS)))
        return sorted(found - main)


def stub(el: etree._Element, url: str, complete: bool = False) -> etree._Element:
    """A stub of an artefact: identification and names only, pointing at the full artefact."""
    s = etree.Element(el.tag, attrib=dict(el.attrib), nsmap=el.nsmap)
    s.set("isExternalReference", "true")
    s.set("structureURL", url)
    keep = ("Annotations", "Name", "Description") if complete else ("Name",)
    for child in el:
        if isinstance(child.tag, str) and etree.QName(child).localname in keep:
            s.append(copy.deepcopy(child))
    return s


def check_params(references: str, detail: str) -> None:
    """400 for unknown values, 501 for standard ones we do not implement."""
    if detail in _NOT_IMPLEMENTED_DETAILS:
        raise QueryError(f"detail={detail} is not implemented", status=501, fix="use one of " + ", ".join(DETAILS))
    if detail not in DETAILS:
        raise QueryError(f"unknown detail {detail!r}", fix="use one of " + ", ".join(DETAILS))
    if references not in REFERENCES and references not in KINDS:
        raise QueryError(f"unknown references value {references!r}",
                         fix="use one of " + ", ".join(REFERENCES + tuple(KINDS)))


def compose(index: StructureIndex, main: list[Key], references: str, detail: str, base_url: str) -> bytes:
    """The SDMX-ML 2.1 structure message answering a structure query."""
    check_params(references, detail)
    refs = index.referenced(main, references)
    elements = []
    for keys, is_ref in ((main, False), (refs, True)):
        for k in keys:
            el = index.elements[k]
            stubbed = detail in ("allstubs", "allcompletestubs") or (is_ref and detail.startswith("reference"))
            elements.append(stub(el, f"{base_url}/{k.path()}", "complete" in detail) if stubbed else el)
    return structure_message(elements, message_id="STRUCTURE_QUERY")
