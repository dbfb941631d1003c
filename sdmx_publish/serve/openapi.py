"""Query parameters of each route, for the OpenAPI description (handlers read them from the request,
so that unknown ones can be refused with a clear message instead of being ignored)."""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI


def _param(name: str, description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": schema or {"type": "string"}}


_COMMON = [
    _param("format", "Format name instead of Accept, e.g. genericdata, structurespecificdata, csv, "
                     "sdmx-csv-2.0, jsondata, sdmx-ml-3.0-structurespecific"),
    _param("release", "An earlier release id (see the Atom feed); default: the latest release"),
    _param("labels", "SDMX-CSV only: id or both", {"type": "string", "enum": ["id", "both"]}),
    _param("timeFormat", "SDMX-CSV only: original", {"type": "string", "enum": ["original"]}),
    _param("includeHistory", "true: every release's version of the selected observations",
           {"type": "boolean"}),
    _param("updatedAfter", "ISO 8601 instant: only observations new, revised or deleted since then", {"type": "string",
                                                                                      "format": "date-time"}),
    _param("firstNObservations", "First N observations of each series", {"type": "integer", "minimum": 1}),
    _param("lastNObservations", "Last N observations of each series", {"type": "integer", "minimum": 1}),
    _param("dimensionAtObservation", "TIME_PERIOD, another dimension id, or AllDimensions"),
]

DATA_V1 = _COMMON + [
    _param("startPeriod", "SDMX period, e.g. 2020, 2020-Q3, 2020-07"),
    _param("endPeriod", "SDMX period, e.g. 2022, 2022-S1"),
    _param("detail", "full, dataonly, serieskeysonly or nodata",
           {"type": "string", "enum": ["full", "dataonly", "serieskeysonly", "nodata"]}),
]
DATA_V2 = _COMMON + [
    _param("c[COMPONENT]", "Component filter: [op:]value with op eq ne lt le gt ge co nc sw ew; ',' = OR, '+' = AND; "
                           "e.g. c[TIME_PERIOD]=ge:2018+le:2020"),
    _param("attributes", "dsd (default), msd, all, none, dataset, series, obs or attribute ids (DSD or SDG_MSD)"),
    _param("measures", "all, none or OBS_VALUE"),
]
STRUCTURE = [
    _param("references", "none, parents, parentsandsiblings, children, descendants, all, or an artefact type"),
    _param("detail", "full, allstubs, referencestubs, allcompletestubs, referencecompletestubs"),
    _param("format", "structure (SDMX-ML 2.1), sdmx-ml-3.0-structure or sdmx-json"),
]
AVAILABILITY = [
    _param("mode", "exact or available", {"type": "string", "enum": ["exact", "available"]}),
    _param("references", "none, all, or an artefact type"),
    _param("release", "An earlier release id"),
    _param("format", "structure (SDMX-ML 2.1), sdmx-ml-3.0-structure or sdmx-json"),
]


def extra(params: list[dict[str, Any]]) -> dict[str, Any]:
    """``openapi_extra`` for a route taking ``params``."""
    return {"parameters": params}


def segments_only_in_paths(app: FastAPI) -> None:
    """Describe the optional trailing path segments (``key``, ``provider``, ``version``, ...) only in
    the paths that have them. Handlers take them as arguments with defaults, which FastAPI would also
    list as query parameters of the shorter paths, where the service refuses them."""
    build = app.openapi

    def described() -> dict[str, Any]:
        if app.openapi_schema is None:
            spec = build()
            segments = {name for path in spec["paths"] for name in re.findall(r"{(\w+)", path)}
            for ops in spec["paths"].values():
                for op in ops.values():
                    op["parameters"] = [p for p in op.get("parameters", [])
                                        if p["in"] != "query" or p["name"] not in segments]
        return app.openapi_schema  # type: ignore[return-value]

    app.openapi = described  # type: ignore[method-assign]
