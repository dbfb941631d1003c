"""Content negotiation: the ``Accept`` header (with q-values) or the ``format`` parameter -> a format.

Media types come from :mod:`sdmx_publish.formats`; only aliases of the ``format`` parameter and the
generic types (``application/xml``, ``text/csv``, ``application/json``) are listed here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..formats import Format
from .query import QueryError

#: ``format=`` values accepted besides the Format names themselves
DATA_ALIASES: dict[str, Format] = {
    "genericdata": Format.ML21_GENERIC, "structurespecificdata": Format.ML21_STRUCTURE_SPECIFIC,
    "generictimeseriesdata": Format.ML21_GENERIC_TS,
    "structurespecifictimeseriesdata": Format.ML21_STRUCTURE_SPECIFIC_TS,
    "sdmx-ml-3.0": Format.ML30_STRUCTURE_SPECIFIC, "csv": Format.CSV10, "csvfile": Format.CSV10,
    "sdmx-csv": Format.CSV10, "jsondata": Format.JSON20, "sdmx-json": Format.JSON20, "json": Format.JSON20,
}
#: structure formats: ``format=`` name (the Format names and a few aliases) -> Format
STRUCTURE_FORMATS: dict[str, Format] = {
    **{f.value: f for f in Format.structures()},
    "structure": Format.STRUCTURE_ML21, "sdmx-json": Format.STRUCTURE_JSON20, "json": Format.STRUCTURE_JSON20,
}


@dataclass(frozen=True, kw_only=True)
class MediaRange:
    type: str
    params: dict[str, str] = field(default_factory=dict)
    q: float = 1.0


def parse_accept(header: str | None) -> list[MediaRange]:
    """Media ranges of an ``Accept`` header, best first (stable for equal q)."""
    out = []
    for part in (header or "*/*").split(","):
        bits = [b.strip() for b in part.split(";") if b.strip()]
        if not bits:
            continue
        params = {}
        q = 1.0
        for b in bits[1:]:
            k, _, v = b.partition("=")
            k, v = k.strip(), v.strip().strip('"')
            if k == "q":
                try:
                    q = float(v)
                except ValueError:
                    q = 0.0
            else:
                params[k] = v
        out.append(MediaRange(type=bits[0].lower(), params=params, q=q))
    return sorted((m for m in out if m.q > 0), key=lambda m: -m.q)


def _split(media_type: str) -> tuple[str, dict[str, str]]:
    t, *ps = media_type.split(";")
    return t.strip(), dict(p.strip().split("=", 1) for p in ps)


Candidate = tuple[str, dict[str, str], Format]


def _data_candidates(api: int) -> list[Candidate]:
    """(type, params, format) in preference order: the API's default first."""
    table: list[Candidate] = [(*_split(f.media_type), f) for f in Format.data()]
    default = Format.ML21_GENERIC if api == 1 else Format.ML30_STRUCTURE_SPECIFIC
    csv, xml = (Format.CSV10, Format.ML21_GENERIC) if api == 1 else (Format.CSV20, Format.ML30_STRUCTURE_SPECIFIC)
    generic: list[Candidate] = [("application/xml", {}, xml), ("text/xml", {}, xml), ("text/csv", {}, csv),
                                ("application/json", {}, Format.JSON20), ("*/*", {}, default)]
    return sorted(table, key=lambda t: t[2] != default) + generic


@dataclass(frozen=True, kw_only=True)
class Choice:
    """The negotiated format plus the options carried by media type parameters."""

    format: Format
    media_type: str
    labels: str = "id"
    time_format: str = "original"


def _matches(rng: MediaRange, typ: str, params: dict[str, str]) -> bool:
    if rng.type not in (typ, "*/*") and not (rng.type.endswith("/*") and typ.startswith(rng.type[:-1])):
        return False
    v = rng.params.get("version")
    return v is None or "version" not in params or _version(v) == _version(params["version"])


def _version(v: str) -> str:
    """``2.0.0`` and ``2.0`` and ``2`` are the same version."""
    parts = v.split(".")
    while len(parts) > 1 and parts[-1] == "0":
        parts.pop()
    return ".".join(parts)


def negotiate_data(accept: str | None, fmt: str | None, api: int, labels: str | None = None,
                   time_format: str | None = None) -> Choice:
    """The data format for a request; 406 if none of the acceptable ones is served."""
    chosen: Format | None = None
    rng_params: dict[str, str] = {}
    if fmt is not None:
        chosen = DATA_ALIASES.get(fmt) or next((f for f in Format.data() if f.value == fmt), None)
        if chosen is None:
            raise QueryError(f"unsupported format {fmt!r}", status=406,
                             fix="use one of " + ", ".join([f.value for f in Format.data()] + sorted(DATA_ALIASES)))
    else:
        for rng in parse_accept(accept):
            hit = next((f for t, p, f in _data_candidates(api) if _matches(rng, t, p)), None)
            if hit is not None:
                chosen, rng_params = hit, rng.params
                break
        if chosen is None:
            raise QueryError(f"none of the accepted media types is served: {accept}", status=406,
                             fix="accept one of " + ", ".join(sorted({f.media_type for f in Format.data()})))
    labels = labels or rng_params.get("labels", "id")
    time_format = time_format or rng_params.get("timeFormat", rng_params.get("timeformat", "original"))
    if labels not in ("id", "both", "name"):
        raise QueryError(f"labels={labels!r} is not supported", status=400, fix="use labels=id or labels=both")
    if labels == "name":
        raise QueryError("labels=name is not implemented", status=501, fix="use labels=id or labels=both")
    if time_format not in ("original", "normalized"):
        raise QueryError(f"timeFormat={time_format!r} is not supported", fix="use original or normalized")
    csv = chosen in (Format.CSV10, Format.CSV20)
    if not csv and (labels, time_format) != ("id", "original"):
        raise QueryError(f"labels/timeFormat apply to SDMX-CSV only, not to {chosen.value}",
                         fix="drop them or ask for SDMX-CSV (format=sdmx-csv-1.0 or sdmx-csv-2.0)")
    mt = chosen.media_type
    if csv:
        mt = f"{mt};labels={labels};timeFormat={time_format}" if (labels, time_format) != ("id", "original") else mt
    return Choice(format=chosen, media_type=mt, labels=labels, time_format=time_format)


def negotiate_structure(accept: str | None, fmt: str | None, api: int = 1) -> str:
    """The structure media type: SDMX-ML 2.1, SDMX-ML 3.0 or SDMX-JSON 2.0; 406 otherwise.

    ``*/*`` and ``application/xml`` mean SDMX-ML 2.1 on v1 and SDMX-ML 3.0 on v2.
    """
    if fmt is not None:
        if fmt not in STRUCTURE_FORMATS:
            raise QueryError(f"unsupported structure format {fmt!r}", status=406,
                             fix="use one of " + ", ".join(sorted(STRUCTURE_FORMATS)))
        return STRUCTURE_FORMATS[fmt].media_type
    xml = (Format.STRUCTURE_ML21 if api == 1 else Format.STRUCTURE_ML30).media_type
    json = Format.STRUCTURE_JSON20.media_type
    typed = [(*_split(mt), mt) for mt in (xml, *(f.media_type for f in Format.structures()))]
    candidates = typed + [("application/xml", {}, xml), ("text/xml", {}, xml),
                         ("application/json", {}, json), ("*/*", {}, xml)]
    for rng in parse_accept(accept):
        hit = next((mt for t, p, mt in candidates if _matches(rng, t, p)), None)
        if hit is not None:
            return hit
    raise QueryError(f"none of the accepted media types is served: {accept}", status=406,
                     fix="accept one of " + ", ".join(f.media_type for f in Format.structures()))
