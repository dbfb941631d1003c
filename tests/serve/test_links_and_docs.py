"""Absolute links come from the configured base URL, never from the Host header of a request that
a shared cache could keep; the API documentation at /docs works offline from vendored files."""

from __future__ import annotations

import hashlib
import http.client
import re
from pathlib import Path
from urllib.parse import urlparse

import httpx
import pytest
from lxml import etree

from sdmx_publish.serve.app import create_app, default_base_url
from sdmx_publish.serve.docs import ASSETS, FILES
from sdmx_publish.serve.settings import Settings

from .conftest import running

ATOM = "{http://www.w3.org/2005/Atom}"
BASE = "https://data.example.org/sdmx-publish"


def get_with_host(url: str, path: str, host: str) -> tuple[int, dict[str, str], bytes]:
    """GET with a forged Host header (as an attacker in front of a shared cache would send)."""
    u = urlparse(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
    conn.request("GET", path, headers={"Host": host, "Accept-Encoding": "identity"})
    r = conn.getresponse()
    body = r.read()
    conn.close()
    return r.status, {k.lower(): v for k, v in r.getheaders()}, body


def hrefs(body: bytes) -> list[str]:
    return [ln.get("href") for ln in etree.fromstring(body).iter(f"{ATOM}link")]


@pytest.fixture(scope="module")
def canonical(published):
    with running(create_app(published.store, settings=Settings(base_url=BASE))) as url:
        yield url


@pytest.mark.parametrize("path", ["/feed.atom", "/feed/CCJS/DF_SDG_16_CRIME.atom"])
def test_feed_links_use_the_base_url_not_the_host_header(canonical, path):
    status, headers, body = get_with_host(canonical, path + "?x=1", "evil.example")
    assert status == 200 and b"evil.example" not in body
    links = hrefs(body)
    assert links and all(h.startswith(BASE + "/") for h in links)
    assert f"{BASE}{path}?x=1" in links  # the self link too
    assert headers["cache-control"].startswith("public")


def test_index_and_structure_stubs_use_the_base_url(canonical):
    _, _, body = get_with_host(canonical, "/", "evil.example")
    assert b"evil.example" not in body and body.count(BASE.encode()) >= 4
    status, headers, body = get_with_host(canonical, "/sdmx/v1/dataflow/all/all/latest?detail=allstubs",
                                          "evil.example")
    assert status == 200 and b"evil.example" not in body and f"{BASE}/sdmx/v1/".encode() in body
    assert headers["cache-control"].startswith("public")


def test_without_a_base_url_host_links_are_private(server):
    status, headers, body = get_with_host(server, "/feed.atom", "evil.example")
    assert status == 200 and all(h.startswith("http://evil.example/") for h in hrefs(body))
    assert headers["cache-control"].startswith("private")  # no shared cache keeps it
    _, data_headers, _ = get_with_host(server, "/sdmx/v1/dataflow/all/all/latest", "evil.example")
    assert data_headers["cache-control"].startswith("private")


def test_default_base_url_of_the_cli():
    assert default_base_url("127.0.0.1", 8000) == "http://127.0.0.1:8000"
    assert default_base_url("::1", 8080) == "http://[::1]:8080"
    assert default_base_url("0.0.0.0", 8000) is None  # a wildcard address names no public host


def test_docs_page_loads_only_vendored_assets(http, server):
    r = http.get("/docs")
    assert r.status_code == 200 and "swagger-ui" in r.text
    refs = re.findall(r'(?:src|href)="([^"]+)"', r.text)
    assert refs and not [u for u in refs if "//" in u]  # nothing from another host
    assert "validatorUrl" in r.text and '"validatorUrl": null' in r.text
    for ref in refs:
        asset = http.get(ref)
        assert asset.status_code == 200 and asset.content, ref
    assert http.get("/openapi.json").status_code == 200
    assert http.get("/redoc").status_code == 404  # FastAPI's ReDoc page would load from a CDN
    assert http.get("/docs/SOURCE.md").status_code == 404  # only the listed files are served
    assert http.get("/docs/..%2Fdocs.py").status_code == 404


def test_vendored_assets_match_their_source_note():
    note = (ASSETS / "SOURCE.md").read_text(encoding="utf-8")
    listed = dict(re.findall(r"`([\w.-]+)` ([0-9a-f]{64})", note))
    assert set(listed) == {"swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png"}
    for name, digest in listed.items():
        assert hashlib.sha256((ASSETS / name).read_bytes()).hexdigest() == digest, name
    assert set(FILES) <= {p.name for p in ASSETS.iterdir()}
    assert "Apache License" in (ASSETS / "LICENSE").read_text(encoding="utf-8")


def test_docs_work_under_a_prefix(published):
    from fastapi import FastAPI

    parent = FastAPI()
    parent.mount("/sdmx-publish", create_app(published.store))
    with running(parent) as url:
        page = httpx.get(url + "/sdmx-publish/docs")
        assert page.status_code == 200
        for ref in re.findall(r'(?:src|href)="([^"]+)"', page.text):  # relative: resolved against the page
            target = httpx.URL(url + "/sdmx-publish/docs").join(ref)
            assert str(target).startswith(url + "/sdmx-publish/") and httpx.get(target).status_code == 200
        assert Path(urlparse(str(httpx.URL(url + "/sdmx-publish/docs").join("openapi.json"))).path).parts[1] == \
            "sdmx-publish"


def test_path_segments_are_not_described_as_query_parameters():
    spec = create_app(Path("no-store")).openapi()
    v1 = {p["name"]: p["in"] for p in spec["paths"]["/sdmx/v1/data/{flow_ref}"]["get"]["parameters"]}
    assert v1["flow_ref"] == "path" and "key" not in v1 and "provider" not in v1 and v1["startPeriod"] == "query"
    full = {p["name"]: p["in"] for p in spec["paths"]["/sdmx/v1/data/{flow_ref}/{key}/{provider}"]["get"]["parameters"]}
    assert full["key"] == full["provider"] == "path"
