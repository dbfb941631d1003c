"""Mount the SDMX REST API in Airflow 3's API server, as a plugin (``fastapi_apps``).

Airflow finds the plugin through the ``airflow.plugins`` entry point of this package (or put
``from sdmx_publish.serve.airflow_plugin import SdmxPublishPlugin`` in a file of
``$AIRFLOW_HOME/plugins``). The service then answers under ``/sdmx-publish/`` of the API server
(``/sdmx-publish/sdmx/v1/...``, ``/sdmx-publish/feed.atom``), over the store named by
``SDMX_PUBLISH_STORE``, with the settings of :mod:`.settings` from the environment.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from airflow.configuration import conf
from airflow.plugins_manager import AirflowPlugin

from .. import config
from .app import create_app
from .settings import Settings, canonical_base_url

#: where the service is mounted in the API server (must not start with Airflow's reserved prefixes)
URL_PREFIX = "/sdmx-publish"


def fastapi_app() -> dict[str, Any]:
    """The ``fastapi_apps`` entry: the app over the configured store, its prefix and name. Absolute
    links use ``SDMX_PUBLISH_BASE_URL``, else Airflow's ``[api] base_url`` and the prefix."""
    settings = Settings.from_env()
    airflow_base = conf.get("api", "base_url", fallback=None)
    if settings.base_url is None and airflow_base:
        settings = replace(settings, base_url=canonical_base_url(airflow_base.rstrip("/") + URL_PREFIX,
                                                                 "Airflow [api] base_url"))
    return {"app": create_app(config.store_dir(), settings=settings), "url_prefix": URL_PREFIX,
            "name": "sdmx-publish SDMX REST API"}


class SdmxPublishPlugin(AirflowPlugin):
    """Serves every published release through the SDMX REST API inside Airflow's API server."""

    name = "sdmx_publish_serve"
    fastapi_apps = [fastapi_app()]
