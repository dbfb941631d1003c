"""Secrets are never written or printed: URLs and connection strings are redacted wherever they are
shown (manifests, reports, logs, errors). Credentials come from the environment or an Airflow
Connection (:mod:`sdmx_publish.extract.credentials`).

Redacted: the user and password of ``scheme://user:password@host``, and the value of every query
parameter whose name looks like a secret (key, token, secret, password, signature, ...). The
pattern of secret names can be widened with ``SDMX_PUBLISH_SECRET_PARAMS`` (a regular expression).
"""

from __future__ import annotations

import os
import re
from urllib.parse import parse_qsl, quote, urlsplit, urlunsplit

MASK = "***"
#: query parameter names that hold a secret (case-insensitive, anywhere in the name)
SECRET_PARAMS = r"key|token|secret|passw|pwd|signature|sig|auth|credential|session"
_URL = re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.\-]*://[^\s'\"<>]+")


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
