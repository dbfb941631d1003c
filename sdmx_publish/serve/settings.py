"""Settings of the web service, each with a default and an environment variable: the canonical
base URL of absolute links, the limits that bound what one request may cost, and the size of the
per-process cache of rendered answers.

Worker processes (``sdmx-publish serve --workers N``) read them from the environment, so that
every worker has the same settings without sharing anything but the store's read-only files.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from urllib.parse import urlsplit

from ..errors import PermanentError
from .query import DataQuery, QueryError

BASE_URL_ENV = "SDMX_PUBLISH_BASE_URL"
ANSWER_CACHE_ENV = "SDMX_PUBLISH_ANSWER_CACHE_MIB"


@dataclass(frozen=True, kw_only=True)
class Limits:
    """What one request may ask for; beyond a limit the answer is a 413 (SDMX error 510) naming it.

    Each limit's environment variable is ``SDMX_PUBLISH_MAX_`` + its name in capitals.
    """

    #: characters of the path and query string together
    url_chars: int = 8192
    #: characters of a data or availability key
    key_chars: int = 4000
    #: codes in one position of a key (v1 ``A+B+C``)
    key_codes: int = 1000
    #: keys of one query (v2 ``A.B,C.D``): each costs a pass over the release
    keys: int = 50
    #: conditions over all ``c[...]`` filters of one query (``c[REF_AREA]=A,B`` has two)
    filter_terms: int = 500

    @staticmethod
    def env(name: str) -> str:
        return "SDMX_PUBLISH_MAX_" + name.upper()

    def _refuse(self, what: str, name: str, fix: str) -> QueryError:
        return QueryError(f"{what}; the limit is {getattr(self, name)}", status=413,
                          fix=f"{fix} (the service's operator can raise {self.env(name)})")

    def check_url(self, chars: int) -> None:
        if chars > self.url_chars:
            raise self._refuse(f"the URL is {chars} characters long", "url_chars",
                               "split the query into several, or use wildcards")

    def check_key(self, key: str) -> None:
        if len(key) > self.key_chars:
            raise self._refuse(f"the key is {len(key)} characters long", "key_chars",
                               "split the query into several, or use wildcards")

    def check_query(self, q: DataQuery) -> None:
        """Refuse a parsed query whose selection would cost more than the limits allow."""
        if len(q.keys) > self.keys:
            raise self._refuse(f"the query has {len(q.keys)} keys", "keys",
                               "split the query, or put alternatives in one key position (A+B)")
        for key in q.keys:
            for dim, codes in key.items():
                if len(codes) > self.key_codes:
                    raise self._refuse(f"key position {dim} has {len(codes)} codes", "key_codes",
                                       "split the query into several, or leave the position empty for any code")
        terms = sum(len(alt) for alts in q.filters.values() for alt in alts)
        if terms > self.filter_terms:
            raise self._refuse(f"the c[...] filters have {terms} conditions", "filter_terms",
                               "split the query into several, or filter on fewer values")


@dataclass(frozen=True, kw_only=True)
class Settings:
    """Everything a worker process needs besides the store."""

    #: public root URL of the service for absolute links (Atom feeds, structure stubs, the index);
    #: None: taken from each request (development only; such answers are not cacheable by proxies)
    base_url: str | None = None
    limits: Limits = field(default_factory=Limits)
    #: MiB of rendered small data answers each worker keeps (0: none)
    answer_cache_mib: int = 64

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        limits = Limits(**{f.name: _positive(env, Limits.env(f.name), f.default)  # type: ignore[arg-type]
                           for f in fields(Limits)})
        return cls(base_url=canonical_base_url(env.get(BASE_URL_ENV) or None, BASE_URL_ENV), limits=limits,
                   answer_cache_mib=_positive(env, ANSWER_CACHE_ENV, 64, zero=True))


def _positive(env: Mapping[str, str], name: str, default: int, *, zero: bool = False) -> int:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    if not raw.strip().isdigit() or (int(raw) == 0 and not zero):
        raise PermanentError(f"{name}={raw!r} is not a {'whole number' if zero else 'positive whole number'}",
                           where=name, fix=f"set it to e.g. {default}, or unset it for the default {default}")
    return int(raw)


def canonical_base_url(url: str | None, where: str = "--base-url") -> str | None:
    """``url`` checked (http or https, a host, no query or fragment) and without a trailing slash."""
    if url is None:
        return None
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise PermanentError(f"base URL {url!r} is not an http(s) URL of the service's root", where=where,
                           fix="give the public root URL, e.g. https://data.example.org or "
                               "https://example.org/sdmx-publish (no query, no fragment)")
    return url.strip().rstrip("/")
