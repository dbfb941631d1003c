"""Parse SDMX REST data queries (v1 = SDMX 2.1 web services, v2 = SDMX 3.0) into a typed :class:`DataQuery`.

Order: errors; the query model; key syntax (v1 and v2); component filters (``c[DIM]=``);
query parameters of v1 and v2; the two entry points :func:`parse_v1` and :func:`parse_v2`.

Every problem is a :class:`QueryError` carrying the HTTP status the standard asks for: 400 for a
malformed query, 501 for a parameter or value we do not implement. The limits on what one query may
ask for (413) are checked by :class:`.settings.Limits`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Literal, Mapping

from ..errors import PublishError
from ..periods import parse_bound

ID = re.compile(r"^[A-Za-z0-9_@$\-]+$")
VERSION = re.compile(r"^[0-9]+(\.[0-9]+){0,2}(-[A-Za-z0-9]+)?$")

Detail = Literal["full", "dataonly", "serieskeysonly", "nodata"]
DETAILS = ("full", "dataonly", "serieskeysonly", "nodata")
Operator = Literal["eq", "ne", "lt", "le", "gt", "ge", "co", "nc", "sw", "ew"]
OPERATORS = ("eq", "ne", "lt", "le", "gt", "ge", "co", "nc", "sw", "ew")


class QueryError(PublishError):
    """A query the service refuses; ``status`` is the HTTP status to answer with."""

    def __init__(self, what: str, *, status: int = 400, where: str | None = None, fix: str | None = None) -> None:
        self.status = status
        super().__init__(what, where=where, fix=fix)


@dataclass(frozen=True, kw_only=True)
class FlowRef:
    """The dataflow a query addresses; ``None`` means any (``all``/``*``), version ``None`` the latest."""

    agency: str | None
    id: str
    version: str | None = None


@dataclass(frozen=True, kw_only=True)
class Condition:
    """One component filter: ``op`` applied to ``value`` (``c[DIM]=op:value``)."""

    op: Operator
    value: str


@dataclass(frozen=True, kw_only=True)
class DataQuery:
    """A data query, independent of the API version it came from."""

    flow: FlowRef
    #: alternatives (OR) of partial keys: dimension id -> allowed codes; a missing id is a wildcard
    keys: tuple[dict[str, frozenset[str]], ...] = ()
    #: component filters: id -> alternatives (OR) of conjunctions (AND) of conditions
    filters: dict[str, tuple[tuple[Condition, ...], ...]] = field(default_factory=dict)
    start: str | None = None
    end: str | None = None
    first_n: int | None = None
    last_n: int | None = None
    dimension_at_observation: str = "TIME_PERIOD"
    detail: Detail = "full"
    attributes: str = "dsd"
    measures: str = "all"
    updated_after: datetime | None = None
    #: every release's version of the selected observations (``includeHistory=true``)
    include_history: bool = False
    release: str | None = None


# -- keys -------------------------------------------------------------------------------------------

def _codes(part: str, where: str) -> frozenset[str]:
    codes = frozenset(part.split("+"))
    bad = sorted(c for c in codes if not ID.match(c))
    if bad:
        raise QueryError(f"invalid code {bad[0]!r} in the key", where=where,
                         fix="codes are letters, digits, _ @ $ -; join alternatives with '+'")
    return codes


def parse_key_v1(key: str, dims: list[str]) -> tuple[dict[str, frozenset[str]], ...]:
    """``A.B+C..D`` (empty = wildcard, ``+`` = OR) or ``all``; one position per dimension."""
    if key in ("all", ""):
        return ()
    parts = key.split(".")
    if len(parts) != len(dims):
        raise QueryError(f"the key has {len(parts)} positions but the dataflow has {len(dims)} dimensions",
                         where=f"key {key!r}", fix="give one position per dimension: " + ".".join(dims))
    pairs = enumerate(zip(dims, parts, strict=True))
    return ({d: _codes(p, f"key position {i + 1} ({d})") for i, (d, p) in pairs if p},)


def parse_key_v2(key: str, dims: list[str]) -> tuple[dict[str, frozenset[str]], ...]:
    """``*`` or comma-separated keys, each ``A.*.B`` (``*`` = wildcard position)."""
    if key in ("*", ""):
        return ()
    out = []
    for one in key.split(","):
        parts = one.split(".")
        if len(parts) != len(dims):
            raise QueryError(f"the key {one!r} has {len(parts)} positions but the dataflow has {len(dims)} dimensions",
                             fix="give one position per dimension (* for any): " + ".".join(dims))
        keyd = {}
        for i, (d, p) in enumerate(zip(dims, parts, strict=True)):
            if p == "*":
                continue
            if not ID.match(p):
                raise QueryError(f"invalid code {p!r} in key position {i + 1} ({d})",
                                 fix="codes are letters, digits, _ @ $ -; use * for any, ',' between keys")
            keyd[d] = frozenset([p])
        out.append(keyd)
    if any(not k for k in out):
        return ()
    return tuple(out)


# -- component filters (v2) -------------------------------------------------------------------------

_FILTER = re.compile(r"^c\[([A-Za-z0-9_@$\-]+)\]$")


def parse_filter(component: str, value: str) -> tuple[tuple[Condition, ...], ...]:
    """``c[DIM]=A,ne:B+lt:C``: ``,`` separates alternatives (OR), ``+`` conditions (AND)."""
    if not value:
        raise QueryError(f"empty filter c[{component}]", fix="write c[DIM]=CODE or c[DIM]=op:value")
    alts = []
    for alt in value.split(","):
        conds = []
        for term in alt.replace(" ", "+").split("+"):  # a raw "+" in a query string arrives as a space
            op, sep, val = term.partition(":")
            if not sep:
                op, val = "eq", term
            if op not in OPERATORS:
                raise QueryError(f"unknown operator {op!r} in c[{component}]", fix="use one of " + ", ".join(OPERATORS))
            if not val:
                raise QueryError(f"empty value in c[{component}]={value}")
            conds.append(Condition(op=op, value=val))  # type: ignore[arg-type]
        alts.append(tuple(conds))
    return tuple(alts)


# -- parameters ---------------------------------------------------------------------------------------

#: parameters outside the data query itself, handled by content negotiation or the release choice
COMMON = {"format", "labels", "timeFormat", "release"}
V1_PARAMS = {"startPeriod", "endPeriod", "updatedAfter", "firstNObservations", "lastNObservations",
             "dimensionAtObservation", "detail", "includeHistory"} | COMMON
V2_PARAMS = {"updatedAfter", "firstNObservations", "lastNObservations", "dimensionAtObservation",
             "attributes", "measures", "includeHistory", "asOf"} | COMMON


def _positive(params: Mapping[str, str], name: str) -> int | None:
    raw = params.get(name)
    if raw is None:
        return None
    if not raw.isdigit() or int(raw) < 1:
        raise QueryError(f"{name} must be a positive integer, not {raw!r}")
    return int(raw)


def _updated_after(raw: str | None) -> datetime | None:
    if raw is None:
        return None
    try:
        t = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise QueryError(f"updatedAfter {raw!r} is not an ISO 8601 date-time",
                         fix="write e.g. updatedAfter=2026-01-31T00:00:00Z") from None
    return t if t.tzinfo else t.replace(tzinfo=timezone.utc)


def _common(params: Mapping[str, str], dims: list[str], time_dim: str) -> dict:
    history = params.get("includeHistory", "false")
    if history not in ("true", "false"):
        raise QueryError(f"includeHistory must be true or false, not {history!r}")
    dao = params.get("dimensionAtObservation", time_dim)
    if dao not in (*dims, time_dim, "AllDimensions"):
        raise QueryError(f"dimensionAtObservation {dao!r} is not a dimension of the dataflow",
                         fix="use TIME_PERIOD, AllDimensions or one of " + ", ".join(dims))
    first, last = _positive(params, "firstNObservations"), _positive(params, "lastNObservations")
    release = params.get("release")
    if release is not None and not ID.match(release):
        raise QueryError(f"invalid release id {release!r}")
    return dict(first_n=first, last_n=last, dimension_at_observation=dao,
                updated_after=_updated_after(params.get("updatedAfter")), include_history=history == "true",
                release=release)


def _unknown(params: Mapping[str, str], known: set[str]) -> None:
    extra = sorted(p for p in params if p not in known and not _FILTER.match(p))
    if extra:
        raise QueryError(f"unknown query parameter {extra[0]!r}", status=501 if extra[0] in _NOT_IMPLEMENTED else 400,
                         fix="supported parameters: " + ", ".join(sorted(known)))


#: standard parameters of the other API version, answered with 501 rather than 400
_NOT_IMPLEMENTED = {"asOf", "references", "detail", "startPeriod", "endPeriod", "attributes", "measures"}


def parse_v1(flow: FlowRef, key: str, params: Mapping[str, str], dims: list[str],
             time_dim: str = "TIME_PERIOD") -> DataQuery:
    """A v1 (SDMX 2.1) data query: ``/data/{flowRef}/{key}?startPeriod=..&detail=..``."""
    _unknown(params, V1_PARAMS)
    detail = params.get("detail", "full")
    if detail not in DETAILS:
        raise QueryError(f"unknown detail {detail!r}", fix="use one of " + ", ".join(DETAILS))
    start, end = params.get("startPeriod"), params.get("endPeriod")
    for name, v in (("startPeriod", start), ("endPeriod", end)):
        if v is not None and parse_bound(v) is None:
            raise QueryError(f"{name} {v!r} is not an SDMX time period",
                             fix="write e.g. 2020, 2020-Q3, 2020-07 or 2020-07-31")
    if start and end and parse_bound(start)[0] >= parse_bound(end)[1]:  # type: ignore[index]
        raise QueryError(f"the period range {start}..{end} is empty: endPeriod is before startPeriod",
                         fix="give the earlier period as startPeriod")
    return DataQuery(flow=flow, keys=parse_key_v1(key, dims), start=start, end=end, detail=detail,  # type: ignore[arg-type]
                     **_common(params, dims, time_dim))


def parse_v2(flow: FlowRef, key: str, params: Mapping[str, str], dims: list[str],
             time_dim: str = "TIME_PERIOD") -> DataQuery:
    """A v2 (SDMX 3.0) data query: ``/data/dataflow/{agency}/{id}/{version}/{key}?c[DIM]=..``."""
    _unknown(params, V2_PARAMS)
    if "asOf" in params:
        raise QueryError("asOf is not implemented", status=501, fix="use release=<RELEASE_ID> for an earlier release")
    filters = {}
    for name, value in params.items():
        m = _FILTER.match(name)
        if m:
            filters[m.group(1)] = parse_filter(m.group(1), value)
    attributes, measures = params.get("attributes", "dsd"), params.get("measures", "all")
    for name, v in (("attributes", attributes), ("measures", measures)):
        if not all(ID.match(x) for x in v.split(",")):
            raise QueryError(f"invalid {name} value {v!r}")
    return DataQuery(flow=flow, keys=parse_key_v2(key, dims), filters=filters, attributes=attributes,
                     measures=measures, **_common(params, dims, time_dim))


def parse_flow_v1(flow_ref: str) -> FlowRef:
    """``ID``, ``AGENCY,ID`` or ``AGENCY,ID,VERSION`` (``all``/``latest`` allowed)."""
    parts = flow_ref.split(",")
    if len(parts) > 3 or not all(ID.match(p) or (i == 2 and VERSION.match(p)) for i, p in enumerate(parts)):
        raise QueryError(f"invalid flowRef {flow_ref!r}", fix="write ID, AGENCY,ID or AGENCY,ID,VERSION")
    if len(parts) == 1:
        return FlowRef(agency=None, id=parts[0])
    agency = None if parts[0] == "all" else parts[0]
    version = parts[2] if len(parts) == 3 and parts[2] not in ("latest", "all") else None
    return FlowRef(agency=agency, id=parts[1], version=version)


def parse_flow_v2(context: str, agency: str, flow_id: str, version: str) -> FlowRef:
    """The v2 context/agency/id/version path segments; only the dataflow context is served."""
    if context not in ("dataflow", "*"):
        raise QueryError(f"data queries by {context!r} are not implemented", status=501,
                         fix="query by dataflow: /data/dataflow/{agency}/{id}/{version}/{key}")
    for what, v in (("agency", agency), ("dataflow id", flow_id)):
        if v != "*" and not ID.match(v):
            raise QueryError(f"invalid {what} {v!r}")
    if flow_id == "*":
        raise QueryError("a data query needs one dataflow id", fix="name the dataflow instead of *")
    if version not in ("*", "~", "latest") and not VERSION.match(version.rstrip("+")):
        raise QueryError(f"invalid version {version!r}")
    return FlowRef(agency=None if agency == "*" else agency, id=flow_id,
                   version=None if version in ("*", "~", "latest") else version.rstrip("+"))
