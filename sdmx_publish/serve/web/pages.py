"""Routes of the web pages under ``/ui/`` and their static files; each page is one template.

Handlers are thin: the view models come from :mod:`.catalogue`, :mod:`.explore`, :mod:`.factsheet`
and :mod:`.history`. Every page answers with ``Server-Timing: app;dur=<ms>`` (the time spent
building and rendering it), which the page benchmark reads.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jinja2
from fastapi import FastAPI, Request
from markupsafe import Markup
from starlette.responses import HTMLResponse, Response
from starlette.staticfiles import StaticFiles

from ...errors import PublishError
from ..http import root_url, status_of
from ..negotiate import parse_accept
from ..snapshot import Holdings
from . import catalogue, explore, factsheet, history
from .numbers import format_value

HERE = Path(__file__).parent
PREFIX = "/ui"

_env = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True,
                          trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)
_env.filters["number"] = lambda v: format_value(float(v)) if v is not None else ""
_env.filters["day"] = lambda d: d.strftime("%Y-%m-%d %H:%M UTC")


def _json_script(value: Any) -> Markup:
    """JSON for a ``<script type="application/json">`` block (``</`` cannot close the element)."""
    return Markup(json.dumps(value, ensure_ascii=False, allow_nan=False).replace("</", "<\\/"))


_env.filters["json_script"] = _json_script


def wants_html(request: Request) -> bool:
    """Whether the client prefers HTML to anything else (a browser), by its ``Accept`` header."""
    ranges = parse_accept(request.headers.get("accept"))
    return bool(ranges) and ranges[0].type == "text/html"


def render(request: Request, template: str, started: float, status: int = 200, **context: Any) -> HTMLResponse:
    """A page: the template with the links it needs (``root``: the app's path prefix)."""
    root = request.scope.get("root_path", "").rstrip("/")
    html = _env.get_template(template).render(root=root, ui=root + PREFIX, static=root + PREFIX + "/static",
                                              base=root_url(request), request=request, **context)
    ms = (time.perf_counter() - started) * 1000
    return HTMLResponse(html, status_code=status, headers={"Server-Timing": f"app;dur={ms:.1f}",
                                                           "Cache-Control": "no-cache"})


def _page(build: Callable[..., HTMLResponse]) -> Callable[..., Response]:
    """Errors of our family as an HTML page with the status the REST API would give."""
    def handler(request: Request) -> Response:
        started = time.perf_counter()
        try:
            return build(request, started, **request.path_params)
        except PublishError as exc:
            return render(request, "error.html", started, status=status_of(exc), error=exc)
    handler.__name__ = build.__name__
    return handler


def mount(app: FastAPI, holdings: Holdings) -> None:
    """Add the pages and their static files to ``app``."""
    app.mount(PREFIX + "/static", StaticFiles(directory=HERE / "static"), name="ui-static")

    def add(path: str, build: Callable[..., HTMLResponse]) -> None:
        app.add_route(PREFIX + path, _page(build), methods=["GET", "HEAD"], include_in_schema=False)

    def catalogue_page(request: Request, started: float) -> HTMLResponse:
        return render(request, "catalogue.html", started, cat=catalogue.build(holdings),
                      countries=factsheet.countries(holdings))

    def explorer_page(request: Request, started: float, agency: str, flow: str) -> HTMLResponse:
        release = holdings.store.latest(agency, flow)
        dims = holdings.flow(release).dsd.dimension_ids
        params = {k: request.query_params.getlist(k) for k in request.query_params}
        sel = explore.Selection.from_params(params, dims)
        return render(request, "explorer.html", started, ex=explore.build(holdings, agency, flow, sel, root_url(request)))

    def countries_page(request: Request, started: float) -> HTMLResponse:
        return render(request, "countries.html", started, countries=factsheet.countries(holdings))

    def factsheet_page(request: Request, started: float, area: str) -> HTMLResponse:
        return render(request, "factsheet.html", started, fs=factsheet.build(holdings, area))

    def history_page(request: Request, started: float, agency: str, flow: str) -> HTMLResponse:
        name, entries = history.history(holdings, agency, flow)
        return render(request, "history.html", started, agency=agency, flow=flow, name=name, entries=entries)

    def release_page(request: Request, started: float, agency: str, flow: str, release_id: str) -> HTMLResponse:
        return render(request, "release.html", started, rv=history.review(holdings, agency, flow, release_id))

    add("/", catalogue_page)
    add("/data/{agency}/{flow}", explorer_page)
    add("/country/", countries_page)
    add("/country/{area}", factsheet_page)
    add("/history/{agency}/{flow}", history_page)
    add("/history/{agency}/{flow}/{release_id}", release_page)
