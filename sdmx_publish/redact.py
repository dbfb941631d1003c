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
from urllib.parse import parse_qsl, quote, urlsplit

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
    out = url
    if "@" in parts.netloc:
        out = out.replace(parts.netloc, f"{MASK}@{parts.netloc.rsplit('@', 1)[1]}", 1)
    if parts.query:
        secret = _secret_name()
        query = "&".join(f"{quote(k, safe='')}={MASK if secret.search(k) else quote(v, safe='')}"
                         for k, v in parse_qsl(parts.query, keep_blank_values=True))
        head, _, tail = out.partition("?")
        out = f"{head}?{query}" + (f"#{parts.fragment}" if parts.fragment else "")
    return out


def redact_text(text: str) -> str:
    """Every URL inside ``text`` redacted (:func:`redact_url`)."""
    return _URL.sub(lambda m: redact_url(m.group(0)), text) if "://" in text else text
