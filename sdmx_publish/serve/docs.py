"""The interactive API documentation at ``/docs``: Swagger UI from files shipped in this package
(``static/swagger-ui/``, provenance and licence in its ``SOURCE.md``), so that it works offline
and loads nothing from a third party.

The page refers to its assets and to ``openapi.json`` by relative URLs, so it also works where the
service is mounted under a prefix (e.g. ``/sdmx-publish`` in Airflow's API server).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from starlette.responses import FileResponse, HTMLResponse

from ..errors import NotFound

ASSETS = Path(__file__).resolve().parent / "static" / "swagger-ui"
#: the files served under /docs/, with their media types (nothing else in the folder is served)
FILES = {"swagger-ui-bundle.js": "text/javascript; charset=utf-8", "swagger-ui.css": "text/css; charset=utf-8",
         "favicon-32x32.png": "image/png", "LICENSE": "text/plain; charset=utf-8",
         "NOTICE": "text/plain; charset=utf-8", "swagger-ui-bundle.js.LICENSE.txt": "text/plain; charset=utf-8"}


def add_docs(app: FastAPI) -> None:
    """``/docs`` (the page) and ``/docs/{file}`` (its assets) on ``app``, outside the OpenAPI description."""

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url="openapi.json", title=f"{app.title} - Swagger UI",
                                   swagger_js_url="docs/swagger-ui-bundle.js", swagger_css_url="docs/swagger-ui.css",
                                   swagger_favicon_url="docs/favicon-32x32.png",
                                   # no call to the public validator service: the page stays offline
                                   swagger_ui_parameters={"validatorUrl": None})

    @app.get("/docs/{name}", include_in_schema=False)
    def asset(name: str) -> FileResponse:
        if name not in FILES:
            raise NotFound(f"no documentation asset {name!r}", fix="the API documentation is at /docs")
        return FileResponse(ASSETS / name, media_type=FILES[name], headers={"Cache-Control": "public, max-age=86400"})
