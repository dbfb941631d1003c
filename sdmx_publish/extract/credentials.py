"""Credentials of a source, filled in only when it is read: a spec's ``source.url`` and
``source.connection`` may say ``${NAME}`` (the environment variable ``NAME``) or be ``airflow:CONN_ID``
(the URI of that Airflow Connection), so that no secret is written in a spec.
"""

from __future__ import annotations

import os
import re

from ..errors import SpecError

_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def resolve(value: str, where: str) -> str:
    """A spec's URL or connection with its credentials filled in: ``${NAME}`` from the environment,
    ``airflow:CONN_ID`` from an Airflow Connection. Raises :class:`SpecError` naming what is missing
    (never the value)."""
    if value.startswith("airflow:"):
        conn_id = value.removeprefix("airflow:")
        try:
            from airflow.sdk import BaseHook  # only where the DAGs run

            return BaseHook.get_connection(conn_id).get_uri()
        except Exception as e:  # Airflow missing, or no such connection
            raise SpecError(f"Airflow connection {conn_id!r} is not available ({type(e).__name__})", where=where,
                            fix=f"create the connection {conn_id!r} in Airflow, or give the URL with ${{NAME}} "
                                "environment variables") from None

    def env(m: re.Match[str]) -> str:
        if m.group(1) not in os.environ:
            raise SpecError(f"environment variable {m.group(1)} is not set", where=where,
                            fix=f"export {m.group(1)} (the secret) in the environment of the run")
        return os.environ[m.group(1)]

    return _ENV.sub(env, value)
