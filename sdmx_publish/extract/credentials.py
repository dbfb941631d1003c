"""Credentials of a source, filled in only when it is read: a spec's ``source.url`` and
``source.connection`` may say ``${NAME}`` (the environment variable ``NAME``) or be ``airflow:CONN_ID``
(that Airflow Connection), so that no secret is written in a spec.

An Airflow Connection is read as Airflow's own hooks read it, not through ``Connection.get_uri()``
(Airflow's URI format, which neither urllib nor SQLAlchemy reads: ``postgres://``, a URL-quoted host):

- for ``source.url``, as the HTTP provider does (:func:`sdmx_publish.config.http_request`): the host is
  the URL (or host, port and ``schema`` the scheme), login and password are HTTP basic auth, the
  extra's entries are request headers (e.g. ``{"X-API-Key": "..."}``);
- for ``source.connection``, as an SQLAlchemy URL: the extra's ``sqlalchemy_scheme`` (else the
  connection type, ``postgres`` read as ``postgresql``), login, password, host, port and ``schema``
  (the database; for ``sqlite`` the host is the database file).
"""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING, Any

from .. import config
from ..errors import SpecError

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
#: prefix of a value naming an Airflow Connection
AIRFLOW = "airflow:"
#: connection types whose SQLAlchemy dialect has another name
_DIALECTS = {"postgres": "postgresql"}


def _connection(value: str, where: str) -> Any:
    """The Airflow Connection ``value`` names (``airflow:CONN_ID``)."""
    conn_id = value.removeprefix(AIRFLOW)
    try:
        from airflow.sdk import BaseHook  # only where Airflow is installed (the DAGs' workers)

        return BaseHook.get_connection(conn_id)
    except Exception as e:  # Airflow missing, or no such connection
        raise SpecError(f"Airflow connection {conn_id!r} is not available ({type(e).__name__})", where=where,
                        fix=f"create the connection {conn_id!r} in Airflow (UI, secrets backend or "
                            f"AIRFLOW_CONN_{conn_id.upper()}), or give the URL with ${{NAME}} environment "
                            "variables") from None


def _env(value: str, where: str) -> str:
    """``value`` with every ``${NAME}`` replaced by that environment variable."""
    def env(m: re.Match[str]) -> str:
        if m.group(1) not in os.environ:
            raise SpecError(f"environment variable {m.group(1)} is not set", where=where,
                            fix=f"export {m.group(1)} (the secret) in the environment of the run")
        return os.environ[m.group(1)]

    return _ENV.sub(env, value)


def resolve_url(value: str, where: str) -> tuple[str, dict[str, str]]:
    """A spec's ``source.url`` as the URL to download and the request's headers (credentials of an
    Airflow Connection). Raises :class:`SpecError` naming what is missing (never the value)."""
    if value.startswith(AIRFLOW):
        return config.http_request(_connection(value, where))
    return _env(value, where), {}


def resolve_sql(value: str, where: str) -> URL:
    """A spec's ``source.connection`` as an SQLAlchemy URL. Raises :class:`SpecError` naming what is
    missing (never the value), or when it is not an SQLAlchemy URL."""
    import sqlalchemy as sa

    if value.startswith(AIRFLOW):
        conn = _connection(value, where)
        scheme = conn.extra_dejson.get("sqlalchemy_scheme") or _DIALECTS.get(conn.conn_type, conn.conn_type)
        if scheme == "sqlite":
            return sa.engine.URL.create("sqlite", database=conn.host or conn.schema)
        return sa.engine.URL.create(scheme, username=conn.login, password=conn.password, host=conn.host,
                                    port=conn.port, database=conn.schema)
    try:
        return sa.engine.make_url(_env(value, where))
    except sa.exc.ArgumentError:
        raise SpecError("source.connection is not an SQLAlchemy URL", where=where,
                        fix="e.g. postgresql://host/db (credentials as ${NAME} or airflow:CONN_ID)") from None
