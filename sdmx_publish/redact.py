"""Secrets: never written or printed. URLs and connection strings are redacted wherever they are shown
(manifests, reports, logs, errors), and credentials come from the environment or an Airflow Connection.

Redacted: the user and password of ``scheme://user:password@host``, and the value of every query
parameter whose name looks like a secret (key, token, secret, password, signature, ...). The
pattern of secret names can be widened with ``SDMX_PUBLISH_SECRET_PARAMS`` (a regular expression).

In a spec, ``source.url`` and ``source.connection`` may say ``${NAME}`` (replaced by the environment
variable ``NAME`` when the source is read) or be ``airflow:CONN_ID`` (the URI of that Airflow Connection).
"""

from __future__ import annotations

import os
import re
from urllib.parse import parse_qsl, quote, urlsplit, urlunsplit

MASK = "***"
#: query parameter names that hold a secret (case-insensitive, anywhere in the name)
SECRET_PARAMS = r"key|token|secret|passw|pwd|signature|sig|auth|credential|session"
_URL = re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.\-]*://[^\s'\"<>]+")
_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def _secret_name() -> re.Pattern[str]:
    extra = os.environ.get("SDMX_PUBLISH_SECRET_PARAMS")
    return re.compile(f"{SECRET_PARAMS}|{extra}" if extra else SECRET_PARAMS, re.IGNORECASE)


def redact_url(url: str) -> str:
    """``url`` with its user, password and secret-looking query values replaced by ``***``."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return MASK
    netloc = parts.netloc
    if "@" in netloc:
        netloc = f"{MASK}@{netloc.rsplit('@', 1)[1]}"
    secret = _secret_name()
    query = "&".join(f"{quote(k, safe='')}={MASK if secret.search(k) else quote(v, safe='')}"
                     for k, v in parse_qsl(parts.query, keep_blank_values=True))
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def redact_text(text: str) -> str:
    """Every URL inside ``text`` redacted (:func:`redact_url`)."""
    return _URL.sub(lambda m: redact_url(m.group(0)), text) if "://" in text else text


def resolve(value: str, where: str) -> str:
    """A spec's URL or connection with its credentials filled in: ``${NAME}`` from the environment,
    ``airflow:CONN_ID`` from an Airflow Connection. Raises :class:`SpecError` naming what is missing
    (never the value)."""
    from .errors import SpecError

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
