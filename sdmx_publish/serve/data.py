"""Data and availability answers: query -> release -> selected frame -> streamed writer output.

Order: resolving the release and parsing; data responses (validators, 304, streaming through
:func:`sdmx_publish.write.stream`); availability (an Actual content constraint of the codes that
have data for a key).
"""

from __future__ import annotations

from typing import Iterator, Mapping

import numpy as np
import pandas as pd
from lxml import etree
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from ..formats import Format
from ..periods import bounds
from ..store.layout import LAST_CHANGED
from ..structure.message import structure_message
from ..structure.model import Flow
from ..structure.read import NS
from . import changed, history, msd
from .answers import Answers, kept_response
from .convert import convert
from .http import cache_headers, etag, not_modified
from .negotiate import Choice, negotiate_data, negotiate_structure
from .query import DataQuery, FlowRef, QueryError, parse_v1, parse_v2
from .select import key_mask, select
from .settings import Limits
from .snapshot import Holdings
from .store import Release
from .structures import Key, compose


def resolve(holdings: Holdings, flow: FlowRef, params: Mapping[str, str]) -> tuple[Release, Flow]:
    """The release a query addresses (latest unless ``release=``) and its structures."""
    release = holdings.store.find(flow.id, flow.agency, flow.version, params.get("release"))
    return release, holdings.flow(release)


def _no_data(what: str) -> QueryError:
    return QueryError(f"no results: {what}", status=404, fix="widen the key, the period or the filters")


#: answers of at most this many observations are written whole (then kept in the answer cache);
#: larger ones are streamed
SMALL_ANSWER_ROWS = 10_000


def _parse(request: Request, api: int, flow_ref: FlowRef, key: str, params: Mapping[str, str],
           flow: Flow) -> DataQuery:
    """The query, refused with a 413 when it would cost more than the service's limits allow."""
    limits: Limits = request.app.state.settings.limits
    limits.check_key(key)
    q = (parse_v1 if api == 1 else parse_v2)(flow_ref, key, params, flow.dsd.dimension_ids, flow.dsd.time_dimension)
    limits.check_query(q)
    return q


def data_response(request: Request, holdings: Holdings, api: int, flow_ref: FlowRef, key: str) -> Response:
    """Answer a data query of API version ``api`` (1 or 2)."""
    params = dict(request.query_params)
    release, flow = resolve(holdings, flow_ref, params)
    q = _parse(request, api, flow_ref, key, params, flow)
    choice = negotiate_data(request.headers.get("accept"), params.get("format"), api,
                            params.get("labels"), params.get("timeFormat"))
    metadata = msd.wanted(q)
    if metadata:
        msd.check_format(choice.format)
        if q.updated_after is not None or q.include_history:
            raise QueryError("metadata attributes with updatedAfter or includeHistory are not implemented",
                             status=501, fix="ask for the metadata attributes without updatedAfter and includeHistory")
    if q.updated_after is not None and release.created <= q.updated_after:
        raise _no_data(f"release {release.id} of {release.flow} was published {release.created:%Y-%m-%dT%H:%M:%SZ}, "
                       f"not after {q.updated_after:%Y-%m-%dT%H:%M:%SZ}")
    if q.updated_after is not None or q.include_history:
        return _history_response(holdings, q, release, flow, choice)
    tag = etag(release.id, request.url.path, sorted(params.items()), choice.media_type)
    cached = not_modified(request, tag, release.created)
    if cached is not None:
        return cached
    headers = cache_headers(tag, release.created) | {"X-SDMX-Release": release.id}
    answers: Answers = request.app.state.answers
    accept_encoding = request.headers.get("accept-encoding", "")
    kept = answers.get(tag) if request.method == "GET" else None
    if kept is not None:
        return kept_response(kept, accept_encoding, choice.media_type, headers)
    sub = select(holdings.store.frame(release), q, flow.dsd)
    if sub.empty:
        raise _no_data(f"nothing in release {release.id} of {release.flow} matches the query")
    if request.method == "HEAD":  # the status and headers, without writing the message
        head = Response(media_type=choice.media_type, headers=headers)
        del head.headers["content-length"]  # unknown until written; 0 would be wrong
        return head
    if choice.format is Format.CSV20:
        sub = changed.with_dates(holdings.store, release, flow, sub)
    if metadata:
        sub = msd.with_attributes(holdings.store, release, flow, sub, metadata)
    chunks = _stream(sub, flow, q, choice, release)
    if len(sub) > SMALL_ANSWER_ROWS:
        return StreamingResponse(chunks, media_type=choice.media_type, headers=headers)
    return kept_response(answers.put(tag, b"".join(chunks)), accept_encoding, choice.media_type, headers)


def _history_response(holdings: Holdings, q: DataQuery, release: Release, flow: Flow, choice: Choice) -> Response:
    """``updatedAfter``: the changes since then (replacements and deletions); ``includeHistory``: every
    release's version of the selected observations (:mod:`.history`)."""
    store = holdings.store
    earlier = [r for r in store.releases(release.agency, release.flow) if r.created <= release.created]
    if q.include_history:
        sets = history.versions([(r, select(store.frame(r), q, flow.dsd)) for r in earlier], flow, q.updated_after)
    else:
        sets = history.changes(store, earlier, release, flow, q.updated_after, lambda f: select(f, q, flow.dsd))
    sets = [s for s in sets if len(s.frame)]
    if not sets:
        raise _no_data(f"nothing in the history of {release.flow} up to release {release.id} matches the query")
    history.check_format(choice.format, sets)
    body = history.assemble([b"".join(_stream(s.frame, flow, q, choice, release)) for s in sets], sets, choice.format)
    return Response(body, media_type=choice.media_type, headers={"X-SDMX-Release": release.id})


def _stream(sub: pd.DataFrame, flow: Flow, q: DataQuery, choice: Choice, release: Release) -> Iterator[bytes]:
    """The writer's chunks (the writer checks the frame and options before the first one)."""
    from ..write import WriteOptions, stream

    options = WriteOptions(dimension_at_observation=q.dimension_at_observation, labels=choice.labels,  # type: ignore[arg-type]
                           time_format=choice.time_format, detail=q.detail,  # type: ignore[arg-type]
                           sender=release.agency, message_id=f"{release.flow}-{release.id}",
                           custom_columns=tuple(c for c in (LAST_CHANGED, *msd.ATTRIBUTES) if c in sub.columns))
    return stream(sub, flow, choice.format, options=options)


# -- availability -----------------------------------------------------------------------------------

def _available(frame: pd.DataFrame, q: DataQuery, flow: Flow, mode: str, component: str) -> dict[str, list[str]]:
    """Codes with data per dimension: given the whole key (``exact``) or the key minus that dimension."""
    dims = flow.dsd.dimension_ids
    wanted = dims + [flow.dsd.time_dimension] if component == "all" else [component]
    out: dict[str, list[str]] = {}
    full = key_mask(frame, q.keys)
    for dim in wanted:
        if mode == "available" and dim in dims:
            mask = key_mask(frame, tuple({d: c for d, c in k.items() if d != dim} for k in q.keys))
        else:
            mask = full
        codes = frame[dim].cat.codes.to_numpy()
        present = np.unique(codes if mask is None else codes[mask])
        out[dim] = [str(frame[dim].cat.categories[i]) for i in present if i >= 0]
    return out


def _constraint(flow: Flow, values: dict[str, list[str]], time_dim: str) -> etree._Element:
    s, c = (f"{{{NS[p]}}}" for p in ("str", "com"))
    df = flow.dataflow.ref
    cc = etree.Element(s + "ContentConstraint", agencyID=df.agency, id=f"CC_AVAILABLE_{df.id}", version="1.0",
                       type="Actual", urn=f"urn:sdmx:org.sdmx.infomodel.registry.ContentConstraint="
                                          f"{df.agency}:CC_AVAILABLE_{df.id}(1.0)")
    name = etree.SubElement(cc, c + "Name")
    name.set("{http://www.w3.org/XML/1998/namespace}lang", "en")
    name.text = f"Data available in {df}"
    att = etree.SubElement(etree.SubElement(cc, s + "ConstraintAttachment"), s + "Dataflow")
    etree.SubElement(att, "Ref", agencyID=df.agency, id=df.id, version=df.version, package="datastructure",
                     **{"class": "Dataflow"})
    region = etree.SubElement(cc, s + "CubeRegion", include="true")
    for dim, codes in values.items():
        if not codes:
            continue
        kv = etree.SubElement(region, c + "KeyValue", id=dim)
        if dim == time_dim:
            starts, ends = bounds(pd.Index(codes))
            ok = ~np.isnat(starts)
            if not ok.any():
                region.remove(kv)
                continue
            tr = etree.SubElement(kv, c + "TimeRange")
            etree.SubElement(tr, c + "StartPeriod", isInclusive="true").text = str(starts[ok].min())
            etree.SubElement(tr, c + "EndPeriod", isInclusive="false").text = str(ends[ok].max())
        else:
            for code in codes:
                etree.SubElement(kv, c + "Value").text = code
    return cc


def availability_response(request: Request, holdings: Holdings, api: int, flow_ref: FlowRef, key: str,
                          component: str) -> Response:
    """``availableconstraint`` (v1) / ``availability`` (v2): which codes have data for a key."""
    params = dict(request.query_params)
    allowed = {"mode", "references", "format", "release", "startPeriod", "endPeriod"} if api == 1 else \
        {"mode", "references", "format", "release"}
    extra = sorted(set(params) - allowed)
    if extra:
        raise QueryError(f"unknown query parameter {extra[0]!r}", fix="supported: " + ", ".join(sorted(allowed)))
    mode = params.get("mode", "exact")
    if mode not in ("exact", "available"):
        raise QueryError(f"unknown mode {mode!r}", fix="use exact or available")
    media = negotiate_structure(request.headers.get("accept"), params.get("format"), api)
    release, flow = resolve(holdings, flow_ref, params)
    if component not in ("all", "*", *flow.dsd.dimension_ids, flow.dsd.time_dimension):
        raise QueryError(f"{component!r} is not a dimension of {flow.dataflow.ref}")
    q_params = {k: v for k, v in params.items() if k in ("startPeriod", "endPeriod")}
    q = _parse(request, api, flow_ref, key, q_params, flow)
    snap = holdings.snapshot()
    tag = etag(release.id, snap.tag, request.url.path, sorted(params.items()), media)
    cached = not_modified(request, tag, release.created)
    if cached is not None:
        return cached
    frame = holdings.store.frame(release)
    if q.start or q.end:
        frame = select(frame, q, flow.dsd)
    values = _available(frame, q, flow, mode, "all" if component == "*" else component)
    if not any(values.values()):
        raise _no_data(f"no data in release {release.id} for this key")
    main = [_constraint(flow, values, flow.dsd.time_dimension)]
    refs = params.get("references", "none")
    df_key = Key("dataflow", flow.dataflow.ref.agency, flow.dataflow.ref.id, flow.dataflow.ref.version)
    if refs != "none":
        extra_keys = [df_key, *snap.index.referenced([df_key], "descendants")]
        if refs not in ("all", "descendants", "children"):
            extra_keys = [k for k in extra_keys if k.kind == refs]
        main += [snap.index.elements[k] for k in extra_keys]
    body = structure_message(main, message_id="AVAILABILITY", sender=flow.dataflow.ref.agency)
    if media != Format.STRUCTURE_ML21.media_type:
        body = convert(body, media, tag)
    return Response(body, media_type=media, headers=cache_headers(tag, release.created))


__all__ = ["availability_response", "compose", "data_response", "resolve"]
