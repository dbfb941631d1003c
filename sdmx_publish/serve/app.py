"""The ASGI application: SDMX REST v1 (``/sdmx/v1``) and v2 (``/sdmx/v2``), Atom feeds, release files.

Order: application factory (middleware, error handlers); service description; structure routes;
data and availability routes; feeds and release files; :func:`run`. Handlers are thin: parsing
is in :mod:`.query`, selection in :mod:`.select`, structures in :mod:`.structures`.
"""

from __future__ import annotations

import os
import sys
from datetime import datetime
from pathlib import Path
from typing import Any, Callable

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.responses import FileResponse, JSONResponse, RedirectResponse, Response, StreamingResponse

from .. import config
from ..errors import PublishError
from ..formats import Format
from ..store import chunks
from . import metadata, openapi, structures, web
from .answers import Answers
from .convert import convert
from .data import availability_response, data_response
from .docs import add_docs
from .feed import feed
from .http import BoundedURL, cache_headers, error_response, etag, not_modified, root_url, status_of
from .negotiate import negotiate_structure
from .query import FlowRef, QueryError, parse_flow_v1, parse_flow_v2
from .settings import BASE_URL_ENV, Settings, canonical_base_url
from .snapshot import Holdings
from .store import SAFE_ID, Store


def _route(app: FastAPI, path: str, endpoint: Callable[..., Response], **kw: Any) -> None:
    """A GET route (in the OpenAPI description) and its HEAD twin (not listed twice)."""
    app.add_api_route(path, endpoint, methods=["GET"], **kw)
    app.add_api_route(path, endpoint, methods=["HEAD"], include_in_schema=False, **kw)


def _get(app: FastAPI, path: str, **kw: Any) -> Callable[[Callable[..., Response]], Callable[..., Response]]:
    def register(endpoint: Callable[..., Response]) -> Callable[..., Response]:
        _route(app, path, endpoint, **kw)
        return endpoint
    return register


def create_app(store: Path, dsd_dir: Path | None = None, *, settings: Settings | None = None) -> FastAPI:
    """The web service over the release store ``store`` (structures also from ``dsd_dir``), with
    ``settings`` (default: from the environment, :meth:`Settings.from_env`)."""
    settings = settings or Settings.from_env()
    app = FastAPI(title="sdmx-publish SDMX REST API",
                  description="Read-only SDMX REST API (v1 = SDMX 2.1, v2 = SDMX 3.0) and Atom release feeds "
                              "over an sdmx-publish release store.", version="1.0.0", docs_url=None, redoc_url=None)
    holdings = Holdings(Store(store), dsd_dir)
    app.state.holdings = holdings
    app.state.settings = settings
    app.state.answers = Answers(settings.answer_cache_mib << 20)
    app.add_middleware(BoundedURL, limits=settings.limits)
    app.add_middleware(GZipMiddleware, minimum_size=1024)
    app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["GET", "HEAD", "OPTIONS"],
                       allow_headers=["*"], expose_headers=["ETag", "Last-Modified", "X-SDMX-Release"])

    @app.exception_handler(PublishError)
    async def publish_error(request: Request, exc: PublishError) -> Response:
        return error_response(request, status_of(exc), exc.message())

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        text = "no such resource: " + request.url.path if exc.status_code == 404 else str(exc.detail)
        return error_response(request, exc.status_code, text)

    @app.exception_handler(Exception)
    async def crash(request: Request, exc: Exception) -> Response:
        return error_response(request, 500, f"internal error: {type(exc).__name__}")

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        return error_response(request, 400, f"malformed request: {exc.errors()}")

    _service_routes(app, holdings)
    _data_routes(app, holdings)  # before the structure routes: /sdmx/v1/{kind}/... would match data paths
    _structure_routes(app, holdings)
    _feed_routes(app, holdings)
    _metadata_routes(app, holdings)
    add_docs(app)
    web.mount(app, holdings)
    openapi.segments_only_in_paths(app)
    return app


def _link_cache(request: Request, tag: str, modified: datetime | None) -> dict[str, str]:
    """Cache headers of an answer holding absolute links: not for shared caches when the links come
    from the request's Host header rather than the configured base URL."""
    return cache_headers(tag, modified, shared=request.app.state.settings.base_url is not None)


def _self_url(request: Request) -> str:
    """The request's URL on the canonical base (for a feed's self link)."""
    path = request.url.path.removeprefix(request.scope.get("root_path", ""))
    query = request.url.query
    return f"{root_url(request)}{path}" + (f"?{query}" if query else "")


def _service_routes(app: FastAPI, holdings: Holdings) -> None:
    @_get(app, "/", summary="Service description")
    def index(request: Request) -> Response:
        if web.wants_html(request):  # a browser: the web pages
            return RedirectResponse(request.scope.get("root_path", "").rstrip("/") + web.PREFIX + "/", status_code=303)
        base = root_url(request)
        flows = [{"agency": a, "id": f, "latest": holdings.store.latest(a, f).id,
                  "data": f"{base}/sdmx/v1/data/{a},{f}/all", "feed": f"{base}/feed/{a}/{f}.atom"}
                 for a, f in holdings.store.flows()]
        return JSONResponse({"sdmx_v1": f"{base}/sdmx/v1", "sdmx_v2": f"{base}/sdmx/v2", "web": f"{base}{web.PREFIX}/",
                             "feed": f"{base}/feed.atom", "openapi": f"{base}/openapi.json", "dataflows": flows})


# -- structures ------------------------------------------------------------------------------------

def _structure(request: Request, holdings: Holdings, api: int, kind: str, agency: str, aid: str,
               version: str) -> Response:
    params = dict(request.query_params)
    allowed = {"references", "detail", "format"}
    extra = sorted(set(params) - allowed)
    if extra:
        raise QueryError(f"unknown query parameter {extra[0]!r}", fix="supported: " + ", ".join(sorted(allowed)))
    references, detail = params.get("references", "none"), params.get("detail", "full")
    structures.check_params(references, detail)
    media = negotiate_structure(request.headers.get("accept"), params.get("format"), api)
    snap = holdings.snapshot()
    tag = etag(snap.tag, request.url.path, sorted(params.items()), media)
    cached = not_modified(request, tag, None)
    if cached is not None:
        return cached
    main = snap.index.match(kind, agency, aid, version)
    if not main:
        raise QueryError(f"no {kind} matches {agency}/{aid}/{version}", status=404,
                         fix=f"list them with /sdmx/v{api}/{'structure/' if api == 2 else ''}{kind}")
    base = f"{root_url(request)}/sdmx/v{api}" + ("/structure" if api == 2 else "")
    body = structures.compose(snap.index, main, references, detail, base)
    if media != Format.STRUCTURE_ML21.media_type:
        body = convert(body, media, tag)
    return Response(body, media_type=media, headers=_link_cache(request, tag, None))


#: SDMX 3.0 names of structure types that SDMX 2.1 names differently (v2 accepts both)
V2_KINDS = {"dataconstraint": "contentconstraint"}


def _structure_routes(app: FastAPI, holdings: Holdings) -> None:
    def v1(request: Request, kind: str, agency: str = "all", rid: str = "all", version: str = "latest") -> Response:
        if kind not in structures.KINDS:
            raise QueryError(f"no resource {kind!r}", status=404,
                             fix="resources: data, availableconstraint, " + ", ".join(structures.KINDS))
        return _structure(request, holdings, 1, kind, agency, rid, version)

    def v2(request: Request, kind: str, agency: str = "*", rid: str = "*", version: str = "~") -> Response:
        kind = V2_KINDS.get(kind, kind)
        if kind in metadata.STRUCTURE_KINDS:
            return metadata.structure_answer(request, kind, agency, rid, version)
        if kind not in (*structures.KINDS, "*"):
            raise QueryError(f"structure type {kind!r} is not served", status=501 if kind.isalpha() else 400,
                             fix="served: " + ", ".join(structures.KINDS))
        return _structure(request, holdings, 2, kind, agency, rid, version)

    structure = openapi.extra(openapi.STRUCTURE)
    for suffix in ("", "/{agency}", "/{agency}/{rid}", "/{agency}/{rid}/{version}"):
        _route(app, "/sdmx/v1/{kind}" + suffix, v1, summary="SDMX 2.1 structure query", tags=["v1 structures"],
               openapi_extra=structure)
        _route(app, "/sdmx/v2/structure/{kind}" + suffix, v2, summary="SDMX 3.0 structure query",
               tags=["v2 structures"], openapi_extra=structure)


# -- data ---------------------------------------------------------------------------------------------

def _data_routes(app: FastAPI, holdings: Holdings) -> None:
    def v1_data(request: Request, flow_ref: str, key: str = "all", provider: str = "all") -> Response:
        flow = parse_flow_v1(flow_ref)
        # every release has one provider, the dataflow's maintainer: naming it selects everything
        if provider not in ("all", flow.agency or config.agency()):
            raise QueryError(f"selecting data by provider ({provider!r}) is not implemented", status=501,
                             fix="use all (or the dataflow's agency): every release has one provider, the agency")
        return data_response(request, holdings, 1, flow, key)

    def v2_data(request: Request, context: str, agency: str = "*", rid: str = "*", version: str = "*",
                key: str = "*") -> Response:
        return data_response(request, holdings, 2, parse_flow_v2(context, agency, rid, version), key)

    def v1_available(request: Request, flow_ref: str, key: str = "all", provider: str = "all",
                     component: str = "all") -> Response:
        return availability_response(request, holdings, 1, parse_flow_v1(flow_ref), key, component)

    def v2_available(request: Request, context: str, agency: str, rid: str, version: str = "*", key: str = "*",
                     component: str = "*") -> Response:
        return availability_response(request, holdings, 2, parse_flow_v2(context, agency, rid, version), key,
                                     component)

    available = "Codes that have data for a key (Actual content constraint)"
    for suffix in ("", "/{key}", "/{key}/{provider}"):
        _route(app, "/sdmx/v1/data/{flow_ref}" + suffix, v1_data, tags=["v1 data"], summary="SDMX 2.1 data query",
               openapi_extra=openapi.extra(openapi.DATA_V1))
    for suffix in ("", "/{agency}", "/{agency}/{rid}", "/{agency}/{rid}/{version}", "/{agency}/{rid}/{version}/{key}"):
        _route(app, "/sdmx/v2/data/{context}" + suffix, v2_data, tags=["v2 data"], summary="SDMX 3.0 data query",
               openapi_extra=openapi.extra(openapi.DATA_V2))
    for suffix in ("", "/{key}", "/{key}/{provider}", "/{key}/{provider}/{component}"):
        _route(app, "/sdmx/v1/availableconstraint/{flow_ref}" + suffix, v1_available, tags=["v1 data"],
               summary=available, openapi_extra=openapi.extra(openapi.AVAILABILITY))
    for suffix in ("", "/{version}", "/{version}/{key}", "/{version}/{key}/{component}"):
        _route(app, "/sdmx/v2/availability/{context}/{agency}/{rid}" + suffix, v2_available, tags=["v2 data"],
               summary=available, openapi_extra=openapi.extra(openapi.AVAILABILITY))


# -- reference metadata -------------------------------------------------------------------------------

def _metadata_routes(app: FastAPI, holdings: Holdings) -> None:
    def by_set(request: Request, provider: str = "*", rid: str = "*", version: str = "~") -> Response:
        return metadata.by_set(request, holdings, provider, rid, version)

    def by_structure(request: Request, stype: str, agency: str = "*", rid: str = "*", version: str = "~") -> Response:
        return metadata.by_structure(request, holdings, stype, agency, rid, version)

    def by_flow(request: Request, agency: str = "*", rid: str = "*", version: str = "~",
                provider: str = "*") -> Response:
        return metadata.by_metadataflow(request, holdings, agency, rid, version, provider)

    tags = ["v2 reference metadata"]
    for suffix in ("", "/{provider}", "/{provider}/{rid}", "/{provider}/{rid}/{version}"):
        _route(app, "/sdmx/v2/metadata/metadataset" + suffix, by_set, tags=tags,
               summary="SDMX 3.0 metadata query by metadata set")
    for suffix in ("", "/{agency}", "/{agency}/{rid}", "/{agency}/{rid}/{version}"):
        _route(app, "/sdmx/v2/metadata/structure/{stype}" + suffix, by_structure, tags=tags,
               summary="SDMX 3.0 metadata query by structure (dataflow, codelist: the SDG series codes)")
    for suffix in ("", "/{agency}", "/{agency}/{rid}", "/{agency}/{rid}/{version}", "/{agency}/{rid}/{version}/{provider}"):
        _route(app, "/sdmx/v2/metadata/metadataflow" + suffix, by_flow, tags=tags,
               summary="SDMX 3.0 metadata query by metadataflow")


# -- feeds and release files --------------------------------------------------------------------------

def _feed_routes(app: FastAPI, holdings: Holdings) -> None:
    atom = "application/atom+xml"

    def _feed(request: Request, flow: tuple[str, str] | None) -> Response:
        store = holdings.store
        tag = etag("feed", holdings.snapshot().tag, request.url.path)
        cached = not_modified(request, tag, None)
        if cached is not None:
            return cached
        body = feed(store, root_url(request), _self_url(request), flow)
        return Response(body, media_type=atom, headers=_link_cache(request, tag, None))

    @_get(app, "/feed.atom", tags=["feed"], summary="Atom feed of every release")
    def all_releases(request: Request) -> Response:
        return _feed(request, None)

    @_get(app, "/feed/{agency}/{flow_file}", tags=["feed"],
                   summary="Atom feed of one dataflow's releases")
    def flow_releases(request: Request, agency: str, flow_file: str) -> Response:
        flow = flow_file.removesuffix(".atom")
        if not flow_file.endswith(".atom") or (agency, flow) not in holdings.store.flows():
            raise QueryError(f"no feed {agency}/{flow_file}", status=404,
                             fix="feeds: " + ", ".join(f"/feed/{a}/{f}.atom" for a, f in holdings.store.flows()))
        return _feed(request, (agency, flow))

    @_get(app, "/releases/{agency}/{flow}/{release_id}/{name:path}", tags=["feed"],
                   summary="A file of a release (only files its manifest lists)")
    def release_file(request: Request, agency: str, flow: str, release_id: str, name: str) -> Response:
        rel = holdings.store.release(agency, flow, release_id)
        if name == "":
            return Response(status_code=307, headers={"Location": f"{request.url.path}manifest.json"})
        assembled = holdings.store.assembled(rel, name)
        path = None if assembled else holdings.store.file(rel, name)
        media = next((f.media_type for f in rel.files if f.path == name), None)
        if media is None:
            media = "application/json" if name.endswith(".json") else "application/xml"
        tag = etag(rel.id, name)
        cached = not_modified(request, tag, rel.created)
        if cached is not None:
            return cached
        headers = cache_headers(tag, rel.created)
        if assembled is None:
            return FileResponse(path, media_type=media, headers=headers)  # type: ignore[arg-type]
        # the whole dataflow's files are streamed from the parts' files (sdmx_publish.store.assembled)
        headers["Content-Length"] = str(assembled.bytes)
        return StreamingResponse(chunks(rel.path, assembled) if request.method == "GET" else iter(()),
                                 media_type=media, headers=headers)


def app_from_env() -> FastAPI:
    """The app over ``SDMX_PUBLISH_STORE`` with the settings of the environment: what each worker
    process of ``sdmx-publish serve`` builds for itself (``uvicorn --factory``)."""
    return create_app(config.store_dir())


def default_base_url(host: str, port: int) -> str | None:
    """``http://host:port`` when the server listens on one address; None for a wildcard address,
    where the public name is not known (then set ``--base-url``)."""
    if host in ("0.0.0.0", "::", ""):
        return None
    return f"http://{f'[{host}]' if ':' in host else host}:{port}"


def run(store: str | Path, host: str = "127.0.0.1", port: int = 8000, *, workers: int = 1,
        base_url: str | None = None, log_level: str = "info") -> None:
    """Serve ``store`` with uvicorn and ``workers`` processes until interrupted (``sdmx-publish serve``).

    The workers share nothing but the store's read-only files: each builds its own app from the
    environment, where the store and the canonical base URL (``base_url``, else
    ``SDMX_PUBLISH_BASE_URL``, else ``http://host:port``) are set here.
    """
    import uvicorn

    env = {"SDMX_PUBLISH_STORE": str(Path(store).resolve())}
    base = canonical_base_url(base_url) or os.environ.get(BASE_URL_ENV) or default_base_url(host, port)
    if base:
        env[BASE_URL_ENV] = base
    else:
        print(f"warning: no base URL: absolute links are taken from each request's Host header and those answers "
              f"are not cacheable by proxies; set --base-url or {BASE_URL_ENV} to the public URL", file=sys.stderr)
    Settings.from_env(os.environ | env)  # a bad setting is one clear error now, not one per worker
    os.environ.update(env)
    uvicorn.run("sdmx_publish.serve.app:app_from_env", factory=True, host=host, port=port, workers=workers,
                log_level=log_level, access_log=log_level in ("debug", "info"))


__all__ = ["FlowRef", "SAFE_ID", "app_from_env", "create_app", "run"]
