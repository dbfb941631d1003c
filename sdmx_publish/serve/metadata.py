"""Reference metadata over the REST API: the v2 ``/metadata`` queries (by metadata set, by structure,
by metadataflow), answered from the latest release of every dataflow (:mod:`sdmx_publish.metadata`)."""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone

from fastapi import Request
from starlette.responses import Response

from .. import config
from ..metadata import METADATAFLOW, NOTES_FILE, MetadataSet, notes_set, series_set
from ..metadata.model import dataflow_urn
from ..metadata.structures import structure_message
from ..metadata.write import JSON20, ML30, to_json, to_xml
from .http import cache_headers, etag, not_modified
from .query import ID, QueryError
from .snapshot import Holdings

#: ``format=`` values of a metadata query
FORMATS = {"sdmx-ml-3.0": ML30, "xml": ML30, ML30: ML30, "sdmx-json": JSON20, "json": JSON20, JSON20: JSON20}
#: structure types a metadata query by structure may name (our sets target dataflows and SDG series codes)
STRUCTURE_TYPES = ("dataflow", "codelist", "*")


#: the sets of the last state of the store seen (its snapshot tag), built once per state
_SETS: dict[str, list[MetadataSet]] = {}


def metadata_sets(holdings: Holdings) -> list[MetadataSet]:
    """Every set: one per SDG series in the latest releases (targets: the series code and each dataflow
    that has it), then one per part with national notes (target: its dataflow). Built again only when
    a release becomes visible."""
    tag = f"{holdings.store.root}|{config.agency()}|{holdings.snapshot().tag}"
    sets = _SETS.get(tag)
    if sets is None:
        sets = _build(holdings)
        _SETS.clear()
        _SETS[tag] = sets
    return sets


def _build(holdings: Holdings) -> list[MetadataSet]:
    agency = config.agency()
    series: dict[str, tuple[str, list[str]]] = {}
    notes = []
    for a, f in holdings.store.flows():
        rel = holdings.store.latest(a, f)
        flow_urn = dataflow_urn(a, f, rel.dataflow.version)
        dsd = holdings.flow(rel).dsd
        if "SERIES" in dsd.dimension_ids:
            cl = dsd.component("SERIES").codelist
            codes = holdings.store.frame(rel)["SERIES"].dropna().unique() if cl is not None else []
            for code in sorted(str(c) for c in codes):
                prefix = f"urn:sdmx:org.sdmx.infomodel.codelist.Code={cl.agency}:{cl.id}({cl.version})"  # type: ignore[union-attr]
                series.setdefault(code, (prefix, []))[1].append(flow_urn)
        for entry in rel.files:
            if entry.path.endswith(f"/{NOTES_FILE}"):
                doc = json.loads(holdings.store.file(rel, entry.path).read_text(encoding="utf-8"))
                notes.append(notes_set(doc, agency=a, flow=f, flow_urn=flow_urn, release=rel.id))
    found = [series_set(code, agency, prefix, flows) for code, (prefix, flows) in sorted(series.items())]
    return [s for s in found if s is not None] + notes


def _matches(value: str, pattern: str) -> bool:
    """SDMX REST v2 matching: ``*`` (``~`` for versions) or a comma-separated list."""
    return pattern in ("*", "~") or value in pattern.split(",")


def _check(**segments: str) -> None:
    for what, v in segments.items():
        if not all(x in ("*", "~") or ID.match(x) or (what == "version" and x.replace(".", "").isalnum())
                   for x in v.split(",")):
            raise QueryError(f"invalid {what} {v!r}")


def _media(request: Request) -> str:
    fmt = request.query_params.get("format")
    if fmt is not None:
        if fmt not in FORMATS:
            raise QueryError(f"unknown format {fmt!r}", status=406, fix="use one of " + ", ".join(sorted(FORMATS)))
        return FORMATS[fmt]
    accept = (request.headers.get("accept") or "").lower()
    return JSON20 if "json" in accept and ("xml" not in accept or accept.index("json") < accept.index("xml")) else ML30


def answer(request: Request, holdings: Holdings, pick: list[MetadataSet], what: str) -> Response:
    """The sets ``pick`` as an SDMX-ML 3.0 or SDMX-JSON 2.0 metadata message (404 when there are none)."""
    extra = sorted(set(request.query_params) - {"detail", "format"})
    if extra:
        raise QueryError(f"unknown query parameter {extra[0]!r}", status=501 if extra[0] == "asOf" else 400,
                         fix="supported: detail, format")
    if request.query_params.get("detail", "full") != "full":
        raise QueryError("only detail=full is implemented", status=501, fix="use detail=full")
    if not pick:
        raise QueryError(f"no metadata set matches {what}", status=404,
                         fix="list every set with /sdmx/v2/metadata/metadataset/*/*/*")
    media = _media(request)
    tag = etag("metadata", holdings.snapshot().tag, request.url.path, sorted(request.query_params.items()), media)
    cached = not_modified(request, tag, None)
    if cached is not None:
        return cached
    write = to_json if media == JSON20 else to_xml
    body = write(pick, message_id="MD-" + re.sub(r"[^A-Za-z0-9]", "", tag)[-16:], sender=config.agency(),
                 prepared=datetime.now(timezone.utc))
    return Response(body, media_type=media, headers=cache_headers(tag, None))


def by_set(request: Request, holdings: Holdings, provider: str, rid: str, version: str) -> Response:
    _check(provider=provider, id=rid, version=version)
    pick = [s for s in metadata_sets(holdings)
            if _matches(s.agency, provider) and _matches(s.id, rid) and _matches(s.version, version)]
    return answer(request, holdings, pick, f"{provider}/{rid}/{version}")


def by_structure(request: Request, holdings: Holdings, stype: str, agency: str, rid: str, version: str) -> Response:
    if stype not in STRUCTURE_TYPES:
        raise QueryError(f"metadata of {stype!r} structures is not served", status=501,
                         fix="query by " + ", ".join(STRUCTURE_TYPES))
    _check(agency=agency, id=rid, version=version)
    kinds = ("datastructure.Dataflow", "codelist.Code") if stype == "*" else \
        ("datastructure.Dataflow",) if stype == "dataflow" else ("codelist.Code",)

    def hit(urn: str) -> bool:
        kind, _, ref = urn.removeprefix("urn:sdmx:org.sdmx.infomodel.").partition("=")
        a, _, rest = ref.partition(":")
        i, _, v = rest.partition("(")
        return kind in kinds and _matches(a, agency) and _matches(i, rid) and _matches(v.split(")")[0], version)

    pick = [s for s in metadata_sets(holdings) if any(hit(t) for t in s.targets)]
    return answer(request, holdings, pick, f"{stype}/{agency}/{rid}/{version}")


def by_metadataflow(request: Request, holdings: Holdings, agency: str, rid: str, version: str,
                    provider: str) -> Response:
    _check(agency=agency, id=rid, version=version, provider=provider)
    ours = _matches(config.agency(), agency) and _matches(METADATAFLOW, rid) and _matches("1.0.0", version)
    pick = [s for s in metadata_sets(holdings) if _matches(s.agency, provider)] if ours else []
    return answer(request, holdings, pick, f"metadataflow {agency}/{rid}/{version}")


#: the structure types of the metadata: our metadataflow and the SDG MSD (SDMX-ML 3.0 only)
STRUCTURE_KINDS = ("metadataflow", "metadatastructure")
STRUCTURE_ML30 = "application/vnd.sdmx.structure+xml;version=3.0.0"


def structure_answer(request: Request, kind: str, agency: str, rid: str, version: str) -> Response:
    """``/structure/metadataflow`` (``references=children|descendants|all`` adds the MSD) and
    ``/structure/metadatastructure``: an SDMX-ML 3.0 structure message."""
    _check(agency=agency, id=rid, version=version)
    params = request.query_params
    extra = sorted(set(params) - {"references", "detail", "format"})
    if extra:
        raise QueryError(f"unknown query parameter {extra[0]!r}", fix="supported: references, detail, format")
    references = params.get("references", "none")
    if references not in ("none", "children", "descendants", "all") or params.get("detail", "full") != "full":
        raise QueryError("metadata structures take references=none|children|descendants|all and detail=full",
                         status=501, fix="leave references and detail out")
    accept = params.get("format") or request.headers.get("accept") or STRUCTURE_ML30
    if not any(t in accept for t in ("*/*", "application/xml", "structure+xml;version=3.0", "sdmx-ml-3.0")):
        raise QueryError("the metadata structures are served as SDMX-ML 3.0 only", status=406,
                         fix=f"ask for {STRUCTURE_ML30}")
    ours = config.agency()
    if kind == "metadataflow":
        found = _matches(ours, agency) and _matches(METADATAFLOW, rid) and _matches("1.0.0", version)
        flows, msd = found, found and references != "none"
    else:
        found = _matches("IAEG-SDGs", agency) and _matches("SDG_MSD", rid) and _matches("1.0", version)
        flows, msd = False, found
    if not found:
        raise QueryError(f"no {kind} matches {agency}/{rid}/{version}", status=404,
                         fix=f"served: {ours}:{METADATAFLOW}(1.0.0) on IAEG-SDGs:SDG_MSD(1.0)")
    body = structure_message(flows=flows, msd=msd, agency=ours, prepared=datetime.now(timezone.utc))
    return Response(body, media_type=STRUCTURE_ML30)
