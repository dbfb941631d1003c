"""Test helper: validate SDMX-ML messages against the official XSDs (bundled in ``reference/schemas``).

Generic data, structure and query messages validate against ``SDMXMessage.xsd``. Structure-
specific data need a schema specific to the DSD: :func:`dsd_schema` generates it from a
:class:`Flow` (codes allowed by the codelists and constraints, typed measure and time), and
a small wrapper imports ``SDMXMessage.xsd`` first and that schema second. Compiled schemas are
cached per (DSD, version, observation level, time-series or not).
"""

from __future__ import annotations

import tempfile
from functools import lru_cache
from pathlib import Path
from xml.sax.saxutils import quoteattr

from lxml import etree

from sdmx_publish import config
from sdmx_publish.errors import StructureError, ValidationFailed
from sdmx_publish.formats import ML_NAMESPACES, XS, namespace
from sdmx_publish.structure.model import Attribute, Flow

SS = {v: namespace(v, "data/structurespecific") for v in ML_NAMESPACES}
COMMON = {v: namespace(v, "common") for v in ML_NAMESPACES}
MESSAGE = {v: namespace(v, "message") for v in ML_NAMESPACES}
#: SDMX text types -> XML Schema types of uncoded attribute values
TEXT_TYPES = {"Double": "xs:double", "Float": "xs:double", "Decimal": "xs:decimal", "Integer": "xs:integer",
              "Long": "xs:long", "Short": "xs:short", "Boolean": "xs:boolean"}
MAX_ERRORS = 20


class SchemaInvalid(ValidationFailed):
    """An XML message breaks its schema; ``errors`` lists the violations (line: message)."""

    def __init__(self, errors: list[str], *, where: str | None = None) -> None:
        self.errors = errors
        shown = "\n  ".join(errors[:MAX_ERRORS]) + (f"\n  … and {len(errors) - MAX_ERRORS} more" if len(errors) > MAX_ERRORS else "")
        super().__init__(f"{len(errors)} schema violation(s):\n  {shown}", where=where,
                         fix="the writer or the input produced content the SDMX schema forbids")


# -- DSD-specific schema --------------------------------------------------------------------
def _simple_types(flow: Flow, components: list[str]) -> list[str]:
    out = []
    for cid in components:
        allowed = flow.allowed(cid)
        if allowed is None:
            continue
        enums = "".join(f"<xs:enumeration value={quoteattr(c)}/>" for c in sorted(allowed))
        out.append(f'<xs:simpleType name="{cid}.Type"><xs:restriction base="xs:string">{enums}</xs:restriction></xs:simpleType>')
    return out


def _type(flow: Flow, cid: str) -> str:
    if cid == flow.dsd.time_dimension:
        return "common:ObservationalTimePeriodType"
    if flow.allowed(cid) is not None:
        return f"{cid}.Type"
    comp = flow.dsd.component(cid)
    return TEXT_TYPES.get(comp.text_type or "", "xs:string") if isinstance(comp, Attribute) else "xs:string"


def _attr(flow: Flow, cid: str, use: str) -> str:
    return f'<xs:attribute name="{cid}" type="{_type(flow, cid)}" use="{use}"/>'


def _level(a: Attribute, obs_dim: str, flat: bool) -> str:
    if a.attachment == "series" and (flat or obs_dim in a.dimensions):
        return "observation"
    return a.attachment


def dsd_schema(flow: Flow, *, version: str = "2.1", obs_dim: str = "TIME_PERIOD", ts: bool = False) -> str:
    """Text of the DSD-specific XSD for structure-specific data with ``obs_dim`` at observation
    level (``AllDimensions`` for flat data); ``ts`` for the 2.1 time-series message."""
    dsd, flat = flow.dsd, obs_dim == "AllDimensions"
    dims = [*dsd.dimension_ids, dsd.time_dimension]
    if not flat and obs_dim not in dims:
        raise StructureError(f"{obs_dim} is not a dimension of {dsd.ref}")
    level = {a.id: _level(a, obs_dim, flat) for a in dsd.attributes}
    at = lambda lv: [a for a in level if level[a] == lv]  # noqa: E731
    ns = f"urn:sdmx:org.sdmx.infomodel.datastructure.DataStructure={dsd.ref.agency}:{dsd.ref.id}({dsd.ref.version}):ObsLevelDim:{obs_dim}"
    v21, td = version == "2.1", dsd.time_dimension
    base = {"ds": "dsd:TimeSeriesDataSetType" if ts else "dsd:DataSetType",
            "series": "dsd:TimeSeriesType" if ts else "dsd:SeriesType", "obs": "dsd:TimeSeriesObsType" if ts else "dsd:ObsType"}
    rysd = '<xs:attribute name="REPORTING_YEAR_START_DAY" type="xs:gMonthDay" use="prohibited"/>' if v21 else ""
    head = ('<xs:element ref="common:Annotations" minOccurs="0"/>'
            '<xs:element name="DataProvider" type="common:DataProviderReferenceType" form="unqualified" minOccurs="0"/>')
    child = "Obs" if flat else "Series"
    many = ' maxOccurs="unbounded"'
    choice = (f'<xs:choice minOccurs="0"{"" if v21 else many}>'
              f'<xs:element name="{child}" type="{child}Type" form="unqualified"{many if v21 else ""}/></xs:choice>')
    obs_keys = dims if flat else [obs_dim]
    obs_attrs = [_attr(flow, d, "required") for d in obs_keys if not (ts and d == td)]
    if not flat and obs_dim != td:
        obs_attrs.append(f'<xs:attribute name="{td}" use="prohibited"/>')
    obs_attrs += [f'<xs:attribute name="{dsd.primary_measure}" type="xs:double" use="optional"/>']
    obs_attrs += [_attr(flow, a, "optional") for a in at("observation")]
    if not ts:
        obs_attrs.append('<xs:attribute name="type" use="prohibited"/>')
    parts = [
        f'<xs:complexType name="DataSetType"><xs:complexContent><xs:restriction base="{base["ds"]}"><xs:sequence>{head}{choice}</xs:sequence>'
        + "".join(_attr(flow, a, "optional") for a in at("dataset")) + rysd + "</xs:restriction></xs:complexContent></xs:complexType>",
        f'<xs:complexType name="ObsType"><xs:complexContent><xs:restriction base="{base["obs"]}"><xs:sequence>'
        '<xs:element ref="common:Annotations" minOccurs="0"/></xs:sequence>' + "".join(obs_attrs) + rysd
        + "</xs:restriction></xs:complexContent></xs:complexType>",
    ]
    if not flat:
        s_attrs = [_attr(flow, d, "required") for d in dims if d != obs_dim]
        if obs_dim == td and not ts:
            s_attrs.append(f'<xs:attribute name="{td}" use="prohibited"/>')
        s_attrs += [_attr(flow, a, "optional") for a in at("series")]
        parts.append(
            f'<xs:complexType name="SeriesType"><xs:complexContent><xs:restriction base="{base["series"]}"><xs:sequence>'
            '<xs:element ref="common:Annotations" minOccurs="0"/>'
            '<xs:element name="Obs" type="ObsType" form="unqualified" minOccurs="0" maxOccurs="unbounded"/></xs:sequence>'
            + "".join(s_attrs) + rysd + "</xs:restriction></xs:complexContent></xs:complexType>")
    sdir = config.schema_dir(version)
    ss_file = "SDMXDataStructureSpecificTimeSeries.xsd" if ts else "SDMXDataStructureSpecific.xsd"
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<xs:schema xmlns:xs="{XS}" xmlns={quoteattr(ns)} xmlns:dsd="{SS[version]}"'
        f' xmlns:common="{COMMON[version]}" targetNamespace={quoteattr(ns)} elementFormDefault="qualified"'
        ' attributeFormDefault="unqualified">'
        f'<xs:import namespace="{SS[version]}" schemaLocation={quoteattr((sdir / ss_file).as_uri())}/>'
        f'<xs:import namespace="{COMMON[version]}" schemaLocation={quoteattr((sdir / "SDMXCommon.xsd").as_uri())}/>'
        + "".join(_simple_types(flow, dims + [a.id for a in dsd.attributes])) + "".join(parts) + "</xs:schema>\n"
    )


# -- compiled schemas, cached ---------------------------------------------------------------------
_CACHE: dict[str, etree.XMLSchema] = {}  # DSD-specific schema text -> compiled wrapper schema
_TMP: list[Path] = []


def _compile(text: str) -> etree.XMLSchema:
    try:
        return etree.XMLSchema(etree.fromstring(text.encode()))
    except etree.XMLSchemaParseError as e:
        raise StructureError(f"cannot compile schema: {e}") from None


@lru_cache(maxsize=4)
def message_schema(version: str = "2.1") -> etree.XMLSchema:
    """The official ``SDMXMessage.xsd`` of ``version``, compiled."""
    return etree.XMLSchema(etree.parse(str(config.schema_dir(version) / "SDMXMessage.xsd")))


def _structure_specific(flow: Flow, version: str, obs_dim: str, ts: bool) -> etree.XMLSchema:
    """The wrapper schema (SDMXMessage.xsd, then the DSD-specific schema), compiled once per
    distinct schema text (so two Flows with the same references but other content differ)."""
    text = dsd_schema(flow, version=version, obs_dim=obs_dim, ts=ts)
    if text in _CACHE:
        return _CACHE[text]
    if not _TMP:  # xs:import needs a file; one temporary folder per process
        _TMP.append(Path(tempfile.mkdtemp(prefix="sdmx-publish-xsd-")))
    dsd_file = _TMP[0] / f"dsd-{len(_CACHE)}.xsd"
    dsd_file.write_text(text, encoding="utf-8")
    ns = etree.fromstring(text.encode()).get("targetNamespace")
    msg = (config.schema_dir(version) / "SDMXMessage.xsd").as_uri()
    schema = _compile(f'<xs:schema xmlns:xs="{XS}"><xs:import namespace="{MESSAGE[version]}" schemaLocation="{msg}"/>'
                      f'<xs:import namespace={quoteattr(ns)} schemaLocation="{dsd_file.as_uri()}"/></xs:schema>')
    _CACHE[text] = schema
    return schema


def validate_xml(source: bytes | str | Path, *, flow: Flow | None = None) -> None:
    """Raise :class:`SchemaInvalid` listing every violation; structure-specific data need ``flow``."""
    where = None if isinstance(source, bytes) else str(source)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
    try:
        tree = etree.fromstring(source, parser).getroottree() if isinstance(source, bytes) \
            else etree.parse(str(source), parser)
    except etree.XMLSyntaxError as e:
        raise SchemaInvalid([f"not well-formed: {e}"], where=where) from None
    root = tree.getroot()
    qn = etree.QName(root)
    version = "3.0" if qn.namespace == MESSAGE["3.0"] else "2.1"
    if qn.localname.startswith("StructureSpecific"):
        if flow is None:
            raise StructureError("structure-specific data can only be validated with its Flow",
                                 where=where, fix="pass flow= (the dataflow the data belong to)")
        st = root.find(f"{{{MESSAGE[version]}}}Header/{{{MESSAGE[version]}}}Structure")
        obs_dim = st.get("dimensionAtObservation", "TIME_PERIOD") if st is not None else "TIME_PERIOD"
        schema = _structure_specific(flow, version, obs_dim, qn.localname.endswith("TimeSeriesData"))
    else:
        schema = message_schema(version)
    if not schema.validate(tree):
        raise SchemaInvalid([f"line {e.line}: {e.message}" for e in schema.error_log], where=where)
