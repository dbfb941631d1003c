"""HTTP behaviour of the real server: SDMX errors with the right status, path tricks, caching, gzip, CORS,
OpenAPI, the Atom feeds and the release files."""

from __future__ import annotations

import gzip
import http.client
from urllib.parse import urlparse

import pytest
from lxml import etree

from tests.schemas import validate_xml

V1 = "/sdmx/v1/data/CCJS,DF_SDG_16_CRIME,1.0"
ALL15 = "." * 14  # a key with 15 empty positions


def raw_get(server: str, path: str) -> tuple[int, bytes]:
    """GET with the path sent exactly as given (no client-side normalisation)."""
    u = urlparse(server)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
    conn.putrequest("GET", path, skip_accept_encoding=True)
    conn.endheaders()
    r = conn.getresponse()
    body = r.read()
    conn.close()
    return r.status, body


@pytest.mark.parametrize("path,status,words", [
    ("/sdmx/v1/data/DF_NOPE/all", 404, "published dataflows: CCJS:DF_"),  # agency:id, as SDMX writes it
    (f"{V1}/A.G", 400, "15 dimensions"),
    (f"{V1}/A.G.VC!X" + "." * 12, 400, "invalid code"),
    (f"{V1}/all?startPeriod=2020-13", 400, "startPeriod"),
    (f"{V1}/all?endPeriod=yesterday", 400, "endPeriod"),
    (f"{V1}/all?updatedAfter=soon", 400, "updatedAfter"),
    (f"{V1}/all?firstNObservations=-1", 400, "positive integer"),
    (f"{V1}/all?detail=everything", 400, "detail"),
    (f"{V1}/all?dimensionAtObservation=NOPE", 400, "dimensionAtObservation"),
    (f"{V1}/all?colour=blue", 400, "unknown query parameter 'colour'"),
    (f"{V1}/all?includeHistory=yes", 400, "includeHistory"),
    (f"{V1}/all?asOf=2020-01-01", 501, "asOf"),
    (f"{V1}/all?format=pdf", 406, "unsupported format"),
    (f"{V1}/all?release=19990101T000000Z-deadbeef", 404, "no release"),
    (f"{V1}/{'A+' * 2500}A{ALL15}", 413, "limit"),
    ("/sdmx/v2/data/dataflow/CCJS/DF_SDG_16_CRIME/1.0/*?c[SEX]=zz:F", 400, "unknown operator"),
    ("/sdmx/v2/data/dataflow/CCJS/DF_SDG_16_CRIME/1.0/*?c[NOPE]=F", 400, "not a component"),
    ("/sdmx/v2/data/dataflow/CCJS/DF_SDG_16_CRIME/1.0/*?c[TIME_PERIOD]=ge:someday", 400, "time period"),
    ("/sdmx/v2/data/datastructure/IAEG-SDGs/SDG/1.14/*", 501, "not implemented"),
    ("/sdmx/v2/data/dataflow/CCJS/DF_SDG_16_CRIME/1.0/*?attributes=msd", 406, "sdmx-csv-2.0"),
    ("/sdmx/v2/data/dataflow/CCJS/DF_SDG_16_CRIME/1.0/*?attributes=msd&format=sdmx-csv-2.0&includeHistory=true",
     501, "includeHistory"),
    (f"{V1}/A.G.VC_DTH_TOTN.999" + "." * 11, 404, "no results"),
    ("/sdmx/v1/codelist/NOBODY/CL_NONE", 404, "no codelist"),
    ("/sdmx/v1/codelist/all/all/latest?detail=raw", 501, "detail=raw"),
    ("/sdmx/v1/codelist/all/all/latest?references=cousins", 400, "references"),
    ("/sdmx/v1/codelist/all/all/latest?depth=2", 400, "unknown query parameter"),
    ("/sdmx/v1/nonsense", 404, "no resource"),
    (f"{V1}/all/ECB", 501, "provider"),
    (f"{V1}/all?startPeriod=2018&endPeriod=2015", 400, "endPeriod is before startPeriod"),
    (f"{V1}/all?format=genericdata&labels=both", 400, "SDMX-CSV only"),
    (f"{V1}/all?format=sdmx-csv-2.0&labels=name", 501, "labels=name"),
    (f"{V1}/all?format=sdmx-csv-2.0&timeFormat=normalized", 501, "time_format"),
])
def test_errors_are_sdmx_messages(http, path, status, words):
    r = http.get(path)
    assert r.status_code == status, r.text
    assert words in r.text
    assert r.headers["content-type"].startswith("application/xml")
    validate_xml(r.content)  # an SDMX-ML mes:Error message
    root = etree.fromstring(r.content)
    assert ("v3_0" in root.tag) == path.startswith("/sdmx/v2/")  # SDMX-ML 3.0 errors on the v2 API
    code = root.find(".//{*}ErrorMessage").get("code")
    assert code == {400: "140", 404: "100", 406: "406", 413: "510", 501: "501"}[status]


def test_unacceptable_media_type_is_406(http):
    r = http.get(f"{V1}/all", headers={"Accept": "image/png"})
    assert r.status_code == 406 and "accept one of" in r.text


def test_json_clients_get_json_errors(http):
    r = http.get("/sdmx/v1/data/DF_NOPE/all", headers={"Accept": "application/json"})
    assert r.status_code == 404 and r.json()["errors"][0]["code"] == 100


@pytest.mark.parametrize("path", [
    "/releases/CCJS/DF_SDG_16_CRIME/../../../../etc/passwd",
    "/releases/CCJS/DF_SDG_16_CRIME/%2E%2E/%2E%2E/%2E%2E/etc/passwd",
    "/releases/CCJS/..%2F..%2F..%2Fetc/x/passwd",
    "/releases/..%2F..%2F..%2F..%2Fetc/a/b/passwd",
    "/sdmx/v1/data/..%2F..%2Fetc%2Fpasswd/all",
    "/feed/..%2F..%2Fetc/passwd.atom",
])
def test_path_tricks_never_leave_the_store(server, published, path):
    status, body = raw_get(server, path)
    assert status in (400, 404)
    assert b"root:" not in body


def test_only_manifest_files_are_served(http, published):
    rel = published.latest
    base = f"/releases/CCJS/DF_SDG_16_CRIME/{rel.id}"
    r = http.get(f"{base}/data.csv")
    assert r.status_code == 200 and r.content == rel.open("data.csv").read()  # assembled from the parts' files
    assert "etag" in r.headers
    plain = http.get(f"{base}/data.csv", headers={"Accept-Encoding": "identity"})
    assert plain.headers["content-length"] == str(rel.manifest.file("data.csv").bytes) == str(len(plain.content))
    assert http.get(f"{base}/data.csv", headers={"If-None-Match": r.headers["etag"]}).status_code == 304
    assert r.headers["content-type"].startswith("application/vnd.sdmx.data+csv")
    assert http.get(f"{base}/manifest.json").json()["release_id"] == rel.id
    (rel.path / "secret.txt").write_text("not listed")
    try:
        assert http.get(f"{base}/secret.txt").status_code == 404
    finally:
        (rel.path / "secret.txt").unlink()


def test_etag_and_last_modified_give_304(http):
    r = http.get(f"{V1}/all", params={"format": "csv"})
    tag, modified = r.headers["etag"], r.headers["last-modified"]
    assert tag.startswith('W/"')  # weak: the gzip and the plain answer share it
    assert http.get(f"{V1}/all", params={"format": "csv"}, headers={"If-None-Match": tag}).status_code == 304
    assert http.get(f"{V1}/all", params={"format": "csv"}, headers={"If-Modified-Since": modified}).status_code == 304
    other = http.get(f"{V1}/all", params={"format": "genericdata"}, headers={"If-None-Match": tag})
    assert other.status_code == 200 and other.headers["etag"] != tag
    s = http.get("/sdmx/v1/codelist/SDMX/CL_FREQ")
    assert http.get("/sdmx/v1/codelist/SDMX/CL_FREQ", headers={"If-None-Match": s.headers["etag"]}).status_code == 304


def test_gzip(http):
    r = http.get(f"{V1}/all", params={"format": "genericdata"}, headers={"Accept-Encoding": "gzip"})
    assert r.headers["content-encoding"] == "gzip"
    raw = http.get(f"{V1}/all", params={"format": "genericdata"}, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in raw.headers and r.content == raw.content  # httpx decodes gzip
    with http.stream("GET", f"{V1}/all", params={"format": "genericdata"},
                     headers={"Accept-Encoding": "gzip"}) as s:
        packed = b"".join(s.iter_raw())
    assert gzip.decompress(packed) == raw.content and len(packed) < len(raw.content) / 4


def test_cors(http):
    r = http.get("/sdmx/v1/dataflow", headers={"Origin": "https://example.org"})
    assert r.headers["access-control-allow-origin"] == "*"
    pre = http.options("/sdmx/v1/dataflow", headers={"Origin": "https://example.org",
                                                      "Access-Control-Request-Method": "GET"})
    assert pre.status_code == 200 and "GET" in pre.headers["access-control-allow-methods"]


def test_head_and_openapi(http):
    h = http.head(f"{V1}/all", params={"format": "csv"})
    assert h.status_code == 200 and h.content == b""
    assert h.headers["content-type"].startswith("application/vnd.sdmx.data+csv") and h.headers["etag"]
    assert h.headers.get("content-length") != "0"
    assert http.head(f"{V1}/A.G.VC_DTH_TOTN.999" + "." * 11).status_code == 404
    spec = http.get("/openapi.json").json()
    assert "/sdmx/v1/data/{flow_ref}/{key}" in spec["paths"]
    assert "/sdmx/v2/structure/{kind}/{agency}/{rid}/{version}" in spec["paths"]
    params = {p["name"] for p in spec["paths"]["/sdmx/v1/data/{flow_ref}/{key}"]["get"]["parameters"]}
    assert {"flow_ref", "key", "startPeriod", "lastNObservations", "detail", "format"} <= params
    assert "head" not in spec["paths"]["/sdmx/v1/data/{flow_ref}/{key}"]


def test_feeds_announce_every_release(http, published):
    atom = "{http://www.w3.org/2005/Atom}"
    r = http.get("/feed.atom")
    assert r.headers["content-type"].startswith("application/atom+xml")
    root = etree.fromstring(r.content)
    entries = root.findall(f"{atom}entry")
    assert len(entries) == 3
    r = http.get("/feed/CCJS/DF_SDG_16_CRIME.atom")
    entries = etree.fromstring(r.content).findall(f"{atom}entry")
    assert [e.find(f"{atom}title").text.split()[-1] for e in entries] == [published.latest.id, published.first.id]
    newest = entries[0]
    links = {(ln.get("rel"), ln.get("href").rsplit("/", 1)[-1]) for ln in newest.findall(f"{atom}link")}
    assert ("enclosure", "data.csv") in links and ("describedby", "manifest.json") in links
    assert any(rel == "predecessor-version" for rel, _ in links)
    # the summary says whose revisions they are; a part's first publication is not "no predecessor"
    summary = newest.find(f"{atom}summary").text
    assert f"replaces release {published.first.id}" in summary and "previous_release" not in summary
    for ln in newest.findall(f"{atom}link"):  # every link works
        href = ln.get("href")
        assert http.get(href).status_code == 200, href
    assert http.get("/feed/CCJS/DF_NOPE.atom").status_code == 404


def test_huge_urls_are_refused_and_the_server_lives_on(server, http):
    status, _ = raw_get(server, f"{V1}/" + "A+" * 10_000 + "A" + ALL15)
    assert status == 413
    status, _ = raw_get(server, f"{V1}/" + "A+" * 50_000 + "A" + ALL15)  # beyond the HTTP parser's limit
    assert status in (400, 413, 414, 431)
    assert http.get("/sdmx/v1/dataflow").status_code == 200


def test_naming_the_only_provider_selects_everything_and_v2_knows_dataconstraint(http):
    every = http.get(f"{V1}/all?format=csvfile")
    assert http.get(f"{V1}/all/CCJS?format=csvfile").content == every.content
    r = http.get("/sdmx/v2/structure/dataconstraint/*/*/*")
    assert r.status_code == 200 and b"DataConstraint" in r.content


def test_control_characters_in_an_echoed_value_are_escaped(http):
    # found by the fuzzer: a control character echoed into the message made the error itself fail (500)
    r = http.get("/feed/A%01B/CL%00X.atom")
    assert r.status_code == 404
    text = "".join(etree.fromstring(r.content).find(".//{*}ErrorMessage").itertext())
    assert "A\\u0001B/CL\\u0000X.atom" in text
