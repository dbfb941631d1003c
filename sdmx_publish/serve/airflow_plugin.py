"""Mount the SDMX REST API in Airflow 3's API server, as a plugin (``fastapi_apps``), behind Airflow's
authentication, and link each publishing task to its release (``global_operator_extra_links``).

Airflow finds the plugin through the ``airflow.plugins`` entry point of this package: install the
package (a wheel, or ``pip install -e .``), never both that and a copy on ``PYTHONPATH``, or Airflow
sees two distributions and registers the plugin twice. The service answers under ``/sdmx-publish/``
of the API server (``/sdmx-publish/sdmx/v1/...``, ``/sdmx-publish/feed.atom``,
``/sdmx-publish/releases/...``), over the store named by ``SDMX_PUBLISH_STORE``, with the settings of
:mod:`.settings` from the environment, to requests that carry an Airflow JWT (``Authorization: Bearer``
from ``POST /auth/token``, or the UI's session cookie). The public feed is ``sdmx-publish serve``, a
separate process.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from airflow.configuration import conf
from airflow.plugins_manager import AirflowPlugin
from airflow.sdk import BaseOperatorLink
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from .. import config
from ..errors import PublishError
from .settings import Settings, canonical_base_url

#: where the service is mounted in the API server (must not start with Airflow's reserved prefixes)
URL_PREFIX = "/sdmx-publish"
#: the tasks whose return value (XCom) names a release: the national, all-countries and regional publishers
PUBLISHERS = ("publish", "regional")


def require_airflow_login(app: FastAPI) -> FastAPI:
    """Answer only requests carrying a valid Airflow token (401 without one, 403 for a bad one)."""
    from airflow.api_fastapi.auth.managers.base_auth_manager import COOKIE_NAME_JWT_TOKEN
    from airflow.api_fastapi.core_api.security import resolve_user_from_token
    from fastapi import HTTPException

    @app.middleware("http")
    async def airflow_login(request: Request, call_next: Any) -> Any:
        scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
        token = credentials if scheme.lower() == "bearer" else request.cookies.get(COOKIE_NAME_JWT_TOKEN)
        try:
            await resolve_user_from_token(token)
        except HTTPException as e:
            return JSONResponse({"detail": e.detail, "fix": "log in to Airflow, or send Authorization: Bearer "
                                 "<token from POST /auth/token>"}, status_code=e.status_code,
                                headers={"WWW-Authenticate": "Bearer"})
        return await call_next(request)

    return app


def unconfigured_app(error: PublishError) -> FastAPI:
    """Stands in for the service when the store is not configured: every request is a 503 saying so."""
    app = FastAPI(title="sdmx-publish (not configured)")

    @app.api_route("/{path:path}", methods=["GET", "HEAD"])
    def not_configured(path: str) -> JSONResponse:
        return JSONResponse({"detail": error.what, "fix": error.fix}, status_code=503)

    return app


def fastapi_app() -> dict[str, Any]:
    """The ``fastapi_apps`` entry: the app over the configured store, its prefix and name. Absolute
    links use ``SDMX_PUBLISH_BASE_URL``, else Airflow's ``[api] base_url`` and the prefix."""
    from .app import create_app

    try:
        settings = Settings.from_env()
        airflow_base = conf.get("api", "base_url", fallback=None)
        if settings.base_url is None and airflow_base:
            settings = replace(settings, base_url=canonical_base_url(airflow_base.rstrip("/") + URL_PREFIX,
                                                                     "Airflow [api] base_url"))
        app = create_app(config.configured_store(), settings=settings)
    except PublishError as e:  # no SDMX_PUBLISH_STORE (or a bad setting) on the API server: say so, serve nothing
        app = unconfigured_app(e)
    return {"app": require_airflow_login(app), "url_prefix": URL_PREFIX, "name": "sdmx-publish SDMX REST API"}

def task_result(ti_key: Any) -> dict[str, Any] | None:
    """The return value (XCom) of a task instance, read by the API server from the metadata DB."""
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        row = session.scalars(select(XComModel).where(
            XComModel.dag_id == ti_key.dag_id, XComModel.run_id == ti_key.run_id, XComModel.task_id == ti_key.task_id,
            XComModel.map_index == ti_key.map_index, XComModel.key == "return_value")).first()
        value = None if row is None else XComModel.deserialize_value(row)
    return value if isinstance(value, dict) and "release_id" in value else None


def release_url(result: dict[str, Any], name: str = "") -> str:
    """Where the plugin serves a file of the release a task made."""
    agency = result.get("agency") or config.agency()
    return f"{URL_PREFIX}/releases/{agency}/{result['dataflow']}/{result['release_id']}/{name}"


class _ReleaseLink(BaseOperatorLink):
    """A link from a publishing task to a file of its release ("" for other tasks: no link)."""

    file = ""

    def get_link(self, operator: Any, *, ti_key: Any) -> str:
        if not ti_key.task_id.startswith(PUBLISHERS):
            return ""
        result = task_result(ti_key)
        return release_url(result, self.file) if result else ""


class ReleaseLink(_ReleaseLink):
    """The release: its manifest (files, checksums, sources, the run, the transform's mapping report)."""

    name = "Release (manifest)"
    file = "manifest.json"


class ValidationLink(_ReleaseLink):
    """The release's validation report."""

    name = "Validation report"
    file = "validation.html"


class MappingLink(_ReleaseLink):
    """The mapping review of the release: the web explorer's release page when the service has one, else the
    manifest's transform report (rows read, filtered, unmapped values, classifications)."""

    name = "Mapping review"

    def get_link(self, operator: Any, *, ti_key: Any) -> str:
        if not ti_key.task_id.startswith(PUBLISHERS):
            return ""
        result = task_result(ti_key)
        if not result:
            return ""
        page = f"{URL_PREFIX}/ui/history/{result.get('agency') or config.agency()}/{result['dataflow']}"
        app = SdmxPublishPlugin.fastapi_apps[0]["app"]
        if any(getattr(r, "path", "").startswith("/ui/history/") for r in app.routes):
            return f"{page}/{result['release_id']}#map-h"
        return release_url(result, "manifest.json")


class SdmxPublishPlugin(AirflowPlugin):
    """Serves every published release through the SDMX REST API inside Airflow's API server, and links
    each publishing task instance to its release."""

    name = "sdmx_publish_serve"
    fastapi_apps = [fastapi_app()]
    global_operator_extra_links = [ReleaseLink(), ValidationLink(), MappingLink()]
