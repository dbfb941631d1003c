"""HTTP plumbing shared by the routes: SDMX error messages, ETag / Last-Modified and 304 answers.

SDMX 2.1 web services name an error code for each HTTP status (section 5.8 of the SDMX 2.1 web
services guidelines); the body is an SDMX-ML 2.1 ``mes:Error`` message, or SDMX-JSON style
``{"errors": [...]}`` when the client only accepts JSON.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime, timezone
from email.utils import format_datetime, parsedate_to_datetime

from lxml import etree
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from ..errors import NotFound, PublishError, Unsupported
from ..formats import namespace
from .query import QueryError
from .settings import Limits

#: HTTP status -> SDMX error code
SDMX_CODES = {400: "140", 401: "110", 403: "150", 404: "100", 406: "406", 413: "510", 500: "500", 501: "501",
              503: "503"}
ERROR_MEDIA_XML = "application/xml"
ERROR_MEDIA_JSON = "application/json"


def root_url(request: Request) -> str:
    """This service's root URL for absolute links: the configured base URL; without one (development),
    the request's own, with the prefix the service is mounted under (e.g. in Airflow's API server)."""
    configured = request.app.state.settings.base_url
    if configured:
        return configured
    return f"{request.url.scheme}://{request.url.netloc}{request.scope.get('root_path', '')}".rstrip("/")


def status_of(err: PublishError) -> int:
    """The HTTP status an error of our family maps to."""
    if isinstance(err, QueryError):
        return err.status
    if isinstance(err, NotFound):
        return 404
    if isinstance(err, Unsupported):
        return 501
    return 500


#: characters XML 1.0 cannot hold: control characters but tab, LF and CR; surrogates; U+FFFE, U+FFFF
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def error_xml(status: int, text: str, version: str = "2.1") -> bytes:
    """An SDMX-ML ``mes:Error`` message (2.1, or 3.0 for the v2 API). Characters XML cannot hold
    (a control character echoed from the query) are written as ``\\uXXXX``."""
    text = _NOT_XML.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    mes, com = namespace(version, "message"), namespace(version, "common")
    root = etree.Element(f"{{{mes}}}Error", nsmap={"mes": mes, "com": com})
    msg = etree.SubElement(root, f"{{{mes}}}ErrorMessage", code=SDMX_CODES.get(status, str(status)))
    t = etree.SubElement(msg, f"{{{com}}}Text")
    t.set("{http://www.w3.org/XML/1998/namespace}lang", "en")
    t.text = text
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def error_response(request: Request, status: int, text: str) -> Response:
    """The SDMX error answer: JSON when the client asks for JSON and not XML, else SDMX-ML
    (3.0 for the v2 API, 2.1 otherwise)."""
    accept = request.headers.get("accept", "")
    if "json" in accept and "xml" not in accept:
        body = json.dumps({"errors": [{"code": int(SDMX_CODES.get(status, status)), "title": text}]}).encode()
        return Response(body, status_code=status, media_type=ERROR_MEDIA_JSON)
    version = "3.0" if "/sdmx/v2/" in request.url.path else "2.1"
    return Response(error_xml(status, text, version), status_code=status, media_type=ERROR_MEDIA_XML)


def etag(*parts: object) -> str:
    """A weak validator from everything the response depends on: weak, because the gzip and the
    plain representation of an answer carry the same one (a strong one must differ by encoding)."""
    return 'W/"' + hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()[:32] + '"'


def http_date(t: datetime) -> str:
    return format_datetime(t.astimezone(timezone.utc), usegmt=True)


def not_modified(request: Request, tag: str, modified: datetime | None) -> Response | None:
    """A 304 answer when the client's copy is current (If-None-Match wins over If-Modified-Since)."""
    headers = cache_headers(tag, modified)
    inm = request.headers.get("if-none-match")
    if inm is not None:
        tags = {t.strip().removeprefix("W/") for t in inm.split(",")}  # weak comparison (RFC 9110)
        return Response(status_code=304, headers=headers) if (tag.removeprefix("W/") in tags or "*" in tags) else None
    ims = request.headers.get("if-modified-since")
    if ims and modified is not None:
        try:
            since = parsedate_to_datetime(ims)
        except (TypeError, ValueError):
            return None
        if since.tzinfo is None:
            since = since.replace(tzinfo=timezone.utc)
        if modified.replace(microsecond=0) <= since:
            return Response(status_code=304, headers=headers)
    return None


def cache_headers(tag: str, modified: datetime | None, *, shared: bool = True) -> dict[str, str]:
    """Validators and caching rules; ``shared=False`` for answers that shared caches must not keep
    (absolute links taken from the request's Host header when no base URL is configured)."""
    headers = {"ETag": tag, "Cache-Control": f"{'public' if shared else 'private'}, max-age=60",
               "Vary": "Accept, Accept-Encoding"}
    if modified is not None:
        headers["Last-Modified"] = http_date(modified)
    return headers


class BoundedURL:
    """ASGI middleware: a request whose path and query string are longer than ``limits.url_chars``
    gets a 413 SDMX error before any routing or parsing."""

    def __init__(self, app: ASGIApp, limits: Limits) -> None:
        self.app, self.limits = app, limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            chars = len(scope.get("raw_path") or scope["path"]) + len(scope.get("query_string", b""))
            try:
                self.limits.check_url(chars)
            except QueryError as e:
                await error_response(Request(scope), e.status, e.message())(scope, receive, send)
                return
        await self.app(scope, receive, send)
