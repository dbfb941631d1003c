"""The web pages over a real store (the serve fixture's releases), read back as HTML with lxml.

What a page shows must be what the REST API returns for the URL the page offers, and what the
release recorded; the page URL alone must reproduce the view.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import shutil
from urllib.parse import urlsplit

import lxml.html
import numpy as np
import pandas as pd
import pytest
from fastapi import FastAPI
from starlette.testclient import TestClient

from sdmx_publish.formats import Format
from sdmx_publish.publish import publish
from sdmx_publish.serve.app import create_app
from sdmx_publish.serve.web import PREFIX
from sdmx_publish.serve.web.pages import HERE
from tests.serve.sample import sample_frame

FLOW = "/ui/data/CCJS/DF_SDG_16_CRIME"


@pytest.fixture(scope="module")
def client(published):
    with TestClient(create_app(published.store)) as c:
        yield c


def page(client: TestClient, url: str, status: int = 200) -> lxml.html.HtmlElement:
    r = client.get(url)
    assert r.status_code == status, r.text[:500]
    assert r.headers["content-type"].startswith("text/html")
    return lxml.html.fromstring(r.text)


def rest_path(doc: lxml.html.HtmlElement) -> str:
    url = urlsplit(doc.get_element_by_id("rest-url").get("value"))
    return url.path + (f"?{url.query}" if url.query else "")


def table(doc: lxml.html.HtmlElement) -> list[dict[str, str]]:
    """Rows of the data table: component id -> code (dimensions), period or exact value."""
    out = []
    for tr in doc.get_element_by_id("data-table").iterfind(".//tbody/tr"):
        row = {}
        for td in tr.iterfind("td"):
            row[td.get("data-c")] = td.get("data-code") or td.get("data-value") or td.text_content().strip()
        out.append(row)
    return out


def test_catalogue_lists_every_dataflow_with_its_latest_release(client, published):
    doc = page(client, "/ui/")
    cards = {c.get("data-flow"): c for c in doc.cssselect("article.card")}
    assert set(cards) == {"DF_SDG_16_CRIME", "DF_ICCS"}
    for rel in (published.latest, published.iccs):
        card = cards[rel.path.parent.parent.name]
        obs = json.loads((rel.path / "manifest.json").read_text())["observations"]
        assert card.cssselect("dd.obs")[0].text_content() == f"{obs:,}"
        assert rel.path.name in card.cssselect("a[href*='/ui/history/']")[0].get("href")
    # categories from the structures: SDG targets of the series, ICCS sections of the codes
    assert doc.cssselect("#sdg-h") and doc.cssselect("#iccs-h")
    sdg_series = set(published.frame()["SERIES"])
    linked = {a.get("href").rsplit("SERIES=", 1)[1] for a in doc.cssselect("details.category a")}
    assert linked == sdg_series


def test_explorer_table_is_what_the_rest_url_returns(client, published):
    df = published.frame()
    area, series = df["REF_AREA"].iloc[0], df["SERIES"].iloc[0]
    doc = page(client, f"{FLOW}?REF_AREA={area}&SERIES={series}&view=table")
    # the URL reproduces the view: the selection is checked, the table tab is the selected one
    checked = {(i.get("name"), i.get("value")) for i in doc.cssselect("input[type=checkbox][checked]")}
    assert checked == {("REF_AREA", area), ("SERIES", series)}
    assert doc.get_element_by_id("tab-table").get("aria-current") == "page"
    rows = table(doc)
    want = df[(df["REF_AREA"] == area) & (df["SERIES"] == series)]
    assert len(rows) == len(want) > 0
    answer = client.get(rest_path(doc), headers={"Accept": Format.CSV10.media_type})
    assert answer.status_code == 200
    got = pd.read_csv(io.StringIO(answer.text), dtype=str, keep_default_na=False)
    assert len(got) == len(rows)
    by_key = {(r["SEX"], r["AGE"], r["TIME_PERIOD"]): float(r["OBS_VALUE"]) for _, r in got.iterrows()}
    for row in rows:
        key = (row.get("SEX", want["SEX"].iloc[0]), row.get("AGE", want["AGE"].iloc[0]), row["TIME_PERIOD"])
        assert float(row["OBS_VALUE"]) == pytest.approx(by_key[key], rel=1e-12)
    summary = doc.get_element_by_id("summary").text_content()
    assert summary.split()[0] == str(len(want))


def test_every_download_link_is_a_served_format_of_the_selection(client, published):
    area = published.frame()["REF_AREA"].iloc[0]
    doc = page(client, f"{FLOW}?REF_AREA={area}&start=2016&end=2019")
    links = doc.cssselect("ul.downloads a")
    assert {a.get("data-format") for a in links} == {f.value for f in Format.data()}
    for a in links:
        url = urlsplit(a.get("href"))
        r = client.get(f"{url.path}?{url.query}")
        assert r.status_code == 200, (a.get("data-format"), r.text[:300])
        assert r.headers["content-type"].startswith(Format(a.get("data-format")).media_type.split(";")[0])
    csv = next(a for a in links if a.get("data-format") == Format.CSV10.value)
    url = urlsplit(csv.get("href"))
    got = pd.read_csv(io.StringIO(client.get(f"{url.path}?{url.query}").text), dtype=str)
    assert set(got["REF_AREA"]) == {area} and set(got["TIME_PERIOD"]) <= {"2016", "2017", "2018", "2019"}


def test_chart_draws_the_selected_series(client, published):
    df = published.frame()
    area, series, sex = df["REF_AREA"].iloc[0], df["SERIES"].iloc[0], df["SEX"].iloc[0]
    doc = page(client, f"{FLOW}?REF_AREA={area}&SERIES={series}&SEX={sex}&chart=bar")
    spec = json.loads(doc.get_element_by_id("series-chart-spec").text)
    want = df[(df["REF_AREA"] == area) & (df["SERIES"] == series) & (df["SEX"] == sex)]
    assert len(spec["data"]["values"]) == want["OBS_VALUE"].notna().sum()
    assert [layer["mark"]["type"] for layer in spec["layer"]] == ["bar"]
    assert sorted(v["value"] for v in spec["data"]["values"]) == sorted(want["OBS_VALUE"].dropna())
    # too many series: no chart, and the page says why
    doc = page(client, FLOW)
    assert not doc.cssselect("#series-chart") and "at most" in doc.cssselect("p.note")[0].text_content()


def test_hierarchical_filters_show_the_tree(client):
    doc = page(client, "/ui/data/CCJS/DF_ICCS")
    areas = doc.cssselect("details[data-dim=REF_AREA] li")
    depths = [int(re.search(r"--depth: (\d+)", li.get("style")).group(1)) for li in areas]
    assert max(depths) >= 2  # country under subregion under region
    groups = doc.cssselect("details[data-dim=REF_AREA] span.group code")
    assert groups and all(not doc.cssselect(f"input[name=REF_AREA][value='{g.text}']") for g in groups)


@pytest.fixture(scope="module")
def bounded(tmp_path_factory, registry, sdg_flow):
    """A release whose observations carry LOWER_BOUND/UPPER_BOUND (as survey estimates do)."""
    store = tmp_path_factory.mktemp("bounds")
    frame = sample_frame(sdg_flow, 12, years=range(2010, 2022), vary=("SERIES",))
    frame["LOWER_BOUND"] = (frame["OBS_VALUE"] * 0.9).round(3).astype(str)
    frame["UPPER_BOUND"] = (frame["OBS_VALUE"] * 1.1).round(3).astype(str)
    frame["OBS_STATUS"] = "E"
    frame["COMMENT_OBS"] = np.where(np.arange(len(frame)) % 3 == 0, "Design-based estimate from a victimisation survey", None)
    publish(frame, sdg_flow, registry, store=store, part="survey")
    return store, frame


@pytest.mark.slow  # a second store and server structures: about 4 s
def test_confidence_bands_where_the_data_have_bounds(bounded):
    store, frame = bounded
    with TestClient(create_app(store)) as c:
        doc = page(c, FLOW)
        spec = json.loads(doc.get_element_by_id("series-chart-spec").text)
        layers = {layer["name"]: layer for layer in spec["layer"]}
        assert layers["bounds"]["mark"]["type"] == "area"
        assert layers["bounds"]["encoding"]["y2"]["field"] == "upper"
        values = sorted((v["lower"], v["upper"]) for v in spec["data"]["values"])
        assert values == sorted(zip(frame["LOWER_BOUND"].astype(float), frame["UPPER_BOUND"].astype(float)))
        doc = page(c, FLOW + "?view=table")
        rows = table(doc)
        assert {"LOWER_BOUND", "UPPER_BOUND", "OBS_STATUS", "NOTES"} <= set(rows[0])
        assert {r["OBS_STATUS"] for r in rows} == {"E"}
        # the note is written once below the table, and each row it applies to points at it
        notes = doc.cssselect("ol.footnotes li")
        assert [n.text_content() for n in notes] == ["Design-based estimate from a victimisation survey"]
        assert sum(r["NOTES"] == "1" for r in rows) == (frame["COMMENT_OBS"].notna()).sum()


def test_release_history_and_review(client, published):
    doc = page(client, "/ui/history/CCJS/DF_SDG_16_CRIME")
    ids = [a.text_content() for a in doc.cssselect("#history tbody td:first-child a")]
    assert ids == [published.latest.path.name, published.first.path.name]
    doc = page(client, f"/ui/history/CCJS/DF_SDG_16_CRIME/{published.latest.path.name}")
    manifest = json.loads((published.latest.path / "manifest.json").read_text())
    text = doc.get_element_by_id("rev-h").getparent().text_content()
    assert manifest["revisions"] is None and "recorded no revisions summary" in text  # published without a report
    files = {a.text_content() for a in doc.cssselect("a[href*='/releases/CCJS/']")}
    assert {f["path"] for f in manifest["files"]} <= files
    for a in doc.cssselect("a[href*='/releases/CCJS/']")[:3]:
        assert client.get(a.get("href")).status_code == 200


def test_errors_are_pages_with_the_api_status(client):
    assert "no SDG 16 or ICCS data" in page(client, "/ui/country/999", status=404).text_content()
    assert page(client, "/ui/data/CCJS/NOPE", status=404).cssselect("p.error")
    assert "invalid code" in page(client, FLOW + "?REF_AREA=a%20b", status=400).text_content()


def test_a_browser_at_the_root_goes_to_the_pages(client):
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    r = client.get("/", headers={"Accept": browser}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/ui/"
    assert client.get("/", headers={"Accept": "*/*"}).json()["web"].endswith("/ui/")


@pytest.mark.slow  # the plugin checks an Airflow login: the Airflow DB (revoked tokens) is migrated first
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_links_keep_the_prefix_in_the_airflow_plugin(published, monkeypatch, airflow_db):
    """The Airflow plugin mounts the same app: the pages answer under its prefix, their links keep it."""
    monkeypatch.setenv("SDMX_PUBLISH_STORE", str(published.store))
    from sdmx_publish.serve.airflow_plugin import URL_PREFIX, fastapi_app
    from tests.airflow.helpers import airflow_token

    parent = FastAPI()
    parent.mount(URL_PREFIX, fastapi_app()["app"])
    # the plugin answers Airflow's logged-in users only: a real token from Airflow's auth manager
    with TestClient(parent, headers={"Authorization": f"Bearer {airflow_token()}"}) as c:
        doc = page(c, f"{URL_PREFIX}/ui/")
        hrefs = [a.get("href") for a in doc.cssselect("a[href^='/']")] + \
                [s.get("href") for s in doc.cssselect("link[rel=stylesheet]")]
        assert hrefs and all(h.startswith(URL_PREFIX + "/") for h in hrefs)
        assert c.get(doc.cssselect("link[rel=stylesheet]")[0].get("href")).status_code == 200
        explore = next(h for h in hrefs if "/ui/data/" in h)
        rest = urlsplit(page(c, explore).get_element_by_id("rest-url").get("value"))
        assert rest.path.startswith(f"{URL_PREFIX}/sdmx/v1/data/")


def test_vendored_scripts_are_served_and_match_their_record(client):
    record = (HERE / "static" / "vendor" / "VENDOR.md").read_text()
    rows = re.findall(r"\| (\S+) \| ([0-9.]+) \| (\S+) .*?\| `([^`]+\.js)` \| `([0-9a-f]{64})` \|", record)
    assert {r[0] for r in rows} == {"vega", "vega-lite", "vega-embed"}
    for name, _, licence, file, sha in rows:
        body = client.get(f"{PREFIX}/static/vendor/{file}").content
        assert hashlib.sha256(body).hexdigest() == sha
        assert licence == "BSD-3-Clause" and (HERE / "static" / "vendor" / f"LICENSE.{name}").is_file()
    # no page loads anything from another host
    doc = page(client, FLOW + "?SERIES=" + "VC_IHR_PSRC")
    for el in doc.cssselect("script[src], link[href]"):
        assert (el.get("src") or el.get("href")).startswith("/")


def test_numbers_are_printed_readably():
    from sdmx_publish.serve.web.numbers import format_values

    assert format_values(np.array([2886.0, 0.600750747, 12.3456, 0.2, np.nan, 1234567.5])) == \
        ["2,886", "0.6008", "12.35", "0.2", "", "1,234,568"]


@pytest.mark.slow  # a copy of dsd/ with a Korean name, read twice: about 6 s
def test_korean_names_where_the_structures_have_them(tmp_path, sdg_flow):
    """A code with a Korean name (xml:lang="ko") in the release's structures shows it next to the English one."""
    from lxml import etree

    from sdmx_publish import config
    from sdmx_publish.structure import load_registry
    from sdmx_publish.structure.read import NS, XML_LANG

    dsd = tmp_path / "dsd"
    shutil.copytree(config.dsd_dir(), dsd, ignore=shutil.ignore_patterns("sources"))
    path = dsd / "IAEG-SDGs_SDG_1.14.xml"
    tree = etree.parse(str(path))
    code = tree.find(".//str:Codelist[@id='CL_AREA']/str:Code[@id='410']", NS)
    english = code.find("com:Name", NS)
    korean = etree.Element(english.tag, {XML_LANG: "ko"})
    korean.text = "대한민국"
    english.addnext(korean)
    tree.write(str(path), xml_declaration=True, encoding="UTF-8")
    registry = load_registry(dsd)
    flow = registry.flow("DF_SDG_16_CRIME")
    assert flow.codelists["REF_AREA"].codes["410"].names == {"ko": "대한민국"}
    frame = sample_frame(flow, 12, years=range(2010, 2022), vary=("SERIES",))
    frame["REF_AREA"] = "410"
    publish(frame, flow, registry, store=tmp_path / "store", part="korea")
    with TestClient(create_app(tmp_path / "store", dsd)) as c:
        doc = page(c, FLOW)
        fixed = next(dd for dd in doc.cssselect("details.fixed dd") if dd.cssselect("code")[0].text == "410")
        assert fixed.cssselect("span[lang=ko]")[0].text == "대한민국"
        assert "Republic of Korea" in fixed.text_content()
