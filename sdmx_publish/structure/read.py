"""Read SDMX-ML 2.1 structure messages (lxml) into the light model of :mod:`.model`.

Order: namespaces and small helpers; one reader per artefact class; the Registry that indexes a
folder of structure messages and assembles a :class:`Flow`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from lxml import etree

from .. import config, xmlsafe
from ..errors import NotFound, StructureError
from ..formats import namespace
from .model import (
    Attachment,
    Attribute,
    Code,
    Codelist,
    ContentConstraint,
    Dataflow,
    DataStructure,
    Dimension,
    Flow,
    Ref,
)

NS = {"mes": namespace("2.1", "message"), "str": namespace("2.1", "structure"), "com": namespace("2.1", "common")}
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def _name(el: etree._Element) -> str:
    names = el.findall("com:Name", NS)
    for n in names:
        if n.get(XML_LANG) == "en":
            return n.text or ""
    return (names[0].text or "") if names else ""


def _other_names(el: etree._Element) -> dict[str, str]:
    """Names in languages other than English: ``{"ko": "대한민국"}``."""
    return {n.get(XML_LANG): n.text for n in el.findall("com:Name", NS) if n.get(XML_LANG) not in (None, "en") and n.text}


def _ref(el: etree._Element) -> Ref:
    return Ref(agency=el.get("agencyID", ""), id=el.get("id", ""), version=el.get("version", "1.0"))


def _maint_ref(el: etree._Element) -> Ref:
    return Ref(agency=el.get("agencyID", ""), id=el.get("id", ""), version=el.get("version", "1.0"))


def _enum_ref(component: etree._Element) -> Ref | None:
    r = component.find("str:LocalRepresentation/str:Enumeration/Ref", NS)
    return _ref(r) if r is not None else None


def _concept(component: etree._Element) -> str:
    r = component.find("str:ConceptIdentity/Ref", NS)
    return r.get("id", "") if r is not None else component.get("id", "")


def _concept_refs(comps: etree._Element) -> dict[str, tuple[Ref, str]]:
    """Component id -> (concept scheme, concept id), from each component's ConceptIdentity."""
    out = {}
    for el in comps.iter():
        r = el.find("str:ConceptIdentity/Ref", NS) if el.get("id") else None
        if r is not None and r.get("maintainableParentID"):
            scheme = Ref(agency=r.get("agencyID", ""), id=r.get("maintainableParentID"),
                         version=r.get("maintainableParentVersion", "1.0"))
            out[el.get("id")] = (scheme, r.get("id", ""))
    return out


def read_codelist(el: etree._Element) -> Codelist:
    codes = {}
    for c in el.findall("str:Code", NS):
        p = c.find("str:Parent/Ref", NS)
        codes[c.get("id")] = Code(id=c.get("id"), name=_name(c), parent=p.get("id") if p is not None else None,
                                  names=_other_names(c))
    return Codelist(ref=_maint_ref(el), name=_name(el), codes=codes)


def _attachment(attr: etree._Element) -> tuple[Attachment, tuple[str, ...]]:
    rel = attr.find("str:AttributeRelationship", NS)
    if rel is None or rel.find("str:None", NS) is not None:
        return "dataset", ()
    if rel.find("str:PrimaryMeasure", NS) is not None:
        return "observation", ()
    dims = tuple(r.get("id") for r in rel.findall("str:Dimension/Ref", NS))
    return "series", dims


def read_dsd(el: etree._Element) -> DataStructure:
    comps = el.find("str:DataStructureComponents", NS)
    if comps is None:
        raise StructureError("DataStructure without components", where=str(_maint_ref(el)))
    dims = tuple(
        Dimension(id=d.get("id"), position=int(d.get("position", i + 1)), codelist=_enum_ref(d), concept=_concept(d))
        for i, d in enumerate(comps.findall("str:DimensionList/str:Dimension", NS))
    )
    td = comps.find("str:DimensionList/str:TimeDimension", NS)
    attrs = []
    for a in comps.findall("str:AttributeList/str:Attribute", NS):
        level, related = _attachment(a)
        tf = a.find("str:LocalRepresentation/str:TextFormat", NS)
        attrs.append(Attribute(
            id=a.get("id"), mandatory=a.get("assignmentStatus") == "Mandatory", attachment=level,
            codelist=_enum_ref(a), concept=_concept(a), dimensions=related,
            text_type=tf.get("textType") if tf is not None else None,
        ))
    pm = comps.find("str:MeasureList/str:PrimaryMeasure", NS)
    return DataStructure(
        ref=_maint_ref(el), name=_name(el), dimensions=tuple(sorted(dims, key=lambda d: d.position)),
        time_dimension=td.get("id") if td is not None else "TIME_PERIOD", attributes=tuple(attrs),
        primary_measure=pm.get("id") if pm is not None else "OBS_VALUE", concepts=_concept_refs(comps),
    )


def read_dataflow(el: etree._Element) -> Dataflow:
    r = el.find("str:Structure/Ref", NS)
    if r is None:
        raise StructureError("Dataflow without a Structure reference", where=str(_maint_ref(el)))
    return Dataflow(ref=_maint_ref(el), name=_name(el), structure=_ref(r))


def read_constraint(el: etree._Element) -> ContentConstraint | None:
    """Allowed constraints attached to a dataflow; other kinds are not used by the pipeline."""
    if el.get("type", "Actual") != "Allowed":
        return None
    r = el.find("str:ConstraintAttachment/str:Dataflow/Ref", NS)
    if r is None:
        return None
    include: dict[str, frozenset[str]] = {}
    for region in el.findall("str:CubeRegion", NS):
        if region.get("include", "true") != "true":
            continue
        for kv in (*region.findall("com:KeyValue", NS), *region.findall("com:Attribute", NS)):
            include[kv.get("id")] = frozenset(v.text for v in kv.findall("com:Value", NS))
    return ContentConstraint(ref=_maint_ref(el), name=_name(el), attached_to=_ref(r), include=include)


@dataclass
class Registry:
    """All structures found in a set of SDMX-ML 2.1 structure messages, indexed by reference."""

    codelists: dict[Ref, Codelist] = field(default_factory=dict)
    dsds: dict[Ref, DataStructure] = field(default_factory=dict)
    dataflows: dict[Ref, Dataflow] = field(default_factory=dict)
    constraints: dict[Ref, ContentConstraint] = field(default_factory=dict)
    #: concept scheme -> {concept id: name}
    concepts: dict[Ref, dict[str, str]] = field(default_factory=dict)
    #: artefact ref -> file that defines it (the server serves structures from these)
    files: dict[Ref, Path] = field(default_factory=dict)
    #: agency scheme -> ids of its agencies (the fullest copy where several files hold one)
    agencies: dict[Ref, frozenset[str]] = field(default_factory=dict)
    #: categorisation -> (the dataflow, the category scheme, the category's dotted id path)
    categorisations: dict[Ref, tuple[Ref, Ref, str]] = field(default_factory=dict)

    def add_file(self, path: Path) -> None:
        root = xmlsafe.parse(path).getroot()
        structures = root.find("mes:Structures", NS)
        if structures is None:
            raise StructureError("not an SDMX-ML 2.1 structure message", where=str(path),
                                 fix="structure files in dsd/ must be <mes:Structure> messages")
        for el in structures.iterfind("str:Codelists/str:Codelist", NS):
            cl = read_codelist(el)
            self.codelists[cl.ref] = cl
            self.files[cl.ref] = path
        for el in structures.iterfind("str:DataStructures/str:DataStructure", NS):
            dsd = read_dsd(el)
            self.dsds[dsd.ref] = dsd
            self.files[dsd.ref] = path
        for el in structures.iterfind("str:Dataflows/str:Dataflow", NS):
            df = read_dataflow(el)
            self.dataflows[df.ref] = df
            self.files[df.ref] = path
        for el in structures.iterfind("str:Concepts/str:ConceptScheme", NS):
            self.files[_maint_ref(el)] = path
            # a scheme may come whole in one file and partial in another: the union
            self.concepts.setdefault(_maint_ref(el), {}).update({c.get("id"): _name(c) for c in el.findall("str:Concept", NS)})
        for el in structures.iterfind("str:OrganisationSchemes/str:AgencyScheme", NS):
            ref, ids = _maint_ref(el), frozenset(a.get("id") for a in el.findall("str:Agency", NS))
            if len(ids) >= len(self.agencies.get(ref, ())):
                self.agencies[ref] = ids
                self.files[ref] = path
        for el in structures.iterfind("str:CategorySchemes/str:CategoryScheme", NS):
            self.files[_maint_ref(el)] = path
        for el in structures.iterfind("str:Categorisations/str:Categorisation", NS):
            src, tgt = el.find("str:Source/Ref", NS), el.find("str:Target/Ref", NS)
            if src is None or tgt is None:
                raise StructureError("Categorisation without a Source and Target reference", where=str(_maint_ref(el)))
            scheme = Ref(agency=tgt.get("agencyID", ""), id=tgt.get("maintainableParentID", ""),
                         version=tgt.get("maintainableParentVersion", "1.0"))
            self.categorisations[_maint_ref(el)] = (_ref(src), scheme, tgt.get("id", ""))
            self.files[_maint_ref(el)] = path
        for el in structures.iterfind("str:Constraints/str:ContentConstraint", NS):
            cc = read_constraint(el)
            if cc is not None:
                self.constraints[cc.ref] = cc
                self.files[cc.ref] = path

    def dataflow(self, flow_id: str, agency: str | None = None) -> Dataflow:
        """The dataflow with this id (latest version if several)."""
        found = [d for r, d in self.dataflows.items() if r.id == flow_id and (agency is None or r.agency == agency)]
        if not found:
            known = ", ".join(sorted({r.id for r in self.dataflows})) or "none"
            raise NotFound(f"unknown dataflow {flow_id!r}", fix=f"use one of: {known}")
        return max(found, key=lambda d: _version_key(d.ref.version))

    def flow(self, flow_id: str, agency: str | None = None) -> Flow:
        """Assemble the dataflow, its DSD, the codelists of its components and its constraints."""
        df = self.dataflow(flow_id, agency)
        dsd = self.dsds.get(df.structure)
        if dsd is None:
            raise StructureError(f"dataflow {df.ref} refers to DSD {df.structure}, which is not loaded",
                                 fix=f"add the structure message defining {df.structure} to {config.dsd_dir()}")
        codelists = {}
        for comp in (*dsd.dimensions, *dsd.attributes):
            if comp.codelist is None:
                continue
            cl = self.codelists.get(comp.codelist)
            if cl is None:
                raise StructureError(f"codelist {comp.codelist} of {comp.id} is not loaded",
                                     fix=f"add the structure message defining it to {config.dsd_dir()}")
            codelists[comp.id] = cl
        constraints = tuple(c for c in self.constraints.values() if c.attached_to == df.ref)
        names = {cid: self.concepts[scheme][concept] for cid, (scheme, concept) in dsd.concepts.items()
                 if concept in self.concepts.get(scheme, {})}
        return Flow(dataflow=df, dsd=dsd, codelists=codelists, constraints=constraints, names=names)


def _version_key(v: str) -> tuple[int, ...]:
    return tuple(int(p) if p.isdigit() else 0 for p in v.split("."))


@lru_cache(maxsize=8)
def _load(folder: Path) -> Registry:
    reg = Registry()
    files = sorted(folder.glob("*.xml"))
    if not files:
        raise StructureError("no structure messages found", where=str(folder),
                             fix="run `sdmx-publish structures` or set SDMX_PUBLISH_DSD_DIR")
    for f in files:
        reg.add_file(f)
    return reg


def load_registry(folder: str | Path | None = None) -> Registry:
    """Load (once per process) every structure message in ``folder`` (default: ``dsd/``)."""
    return _load(Path(folder or config.dsd_dir()).resolve())
