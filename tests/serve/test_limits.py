"""Bounded query cost: limits refused with a 413 SDMX error naming the limit and its setting, the
settings read from the environment, filters over many codes evaluated once per category, and the
per-process cache of rendered answers."""

from __future__ import annotations

import gzip
import re

import httpx
import pandas as pd
import pytest
from lxml import etree

from sdmx_publish.errors import PublishError
from sdmx_publish.serve.answers import Answers
from sdmx_publish.serve.app import create_app
from sdmx_publish.serve.query import FlowRef, parse_v2
from sdmx_publish.serve.select import select
from sdmx_publish.serve.settings import Limits, Settings
from tests.schemas import validate_xml
from tests.serve.sample import sample_frame

from .conftest import running

V1 = "/sdmx/v1/data/CCJS,DF_SDG_16_CRIME,1.0"
V2 = "/sdmx/v2/data/dataflow/CCJS/DF_SDG_16_CRIME/1.0"
BLANK14 = "." * 14
SMALL = Limits(url_chars=600, key_chars=300, key_codes=5, keys=3, filter_terms=4)


@pytest.fixture(scope="module")
def limited(published):
    with running(create_app(published.store, settings=Settings(limits=SMALL))) as url, \
            httpx.Client(base_url=url, timeout=30) as client:
        yield client


@pytest.mark.parametrize("path,words,setting", [
    (f"{V1}/A" + BLANK14 + "?" + "&".join(f"c{i}=x" for i in range(120)), "the URL is", "SDMX_PUBLISH_MAX_URL_CHARS"),
    (f"{V1}/{'A+' * 150}A{BLANK14}", "the key is 315 characters long", "SDMX_PUBLISH_MAX_KEY_CHARS"),
    (f"{V1}/A.G.VC_DTH_TOTN.{'+'.join(map(str, range(6)))}{'.' * 11}", "key position REF_AREA has 6 codes",
     "SDMX_PUBLISH_MAX_KEY_CODES"),
    (f"{V2}/" + ",".join(["A" + ".*" * 14] * 4), "the query has 4 keys", "SDMX_PUBLISH_MAX_KEYS"),
    (f"{V2}/*?c[REF_AREA]=1,2,3&c[SEX]=F,M", "the c[...] filters have 5 conditions", "SDMX_PUBLISH_MAX_FILTER_TERMS"),
    (f"{V2}/*?c[TIME_PERIOD]=ge:2015+le:2016+ge:2017,2018+ne:2019", "have 5 conditions",
     "SDMX_PUBLISH_MAX_FILTER_TERMS"),
    ("/sdmx/v1/availableconstraint/CCJS,DF_SDG_16_CRIME,1.0/" + "A+" * 150 + "A" + BLANK14, "key is",
     "SDMX_PUBLISH_MAX_KEY_CHARS"),
])
def test_limits_are_413_sdmx_errors_that_say_which(limited, path, words, setting):
    r = limited.get(path)
    assert r.status_code == 413, r.text
    assert words in r.text and "the limit is" in r.text and setting in r.text
    validate_xml(r.content)
    assert etree.fromstring(r.content).find(".//{*}ErrorMessage").get("code") == "510"


def test_under_the_limits_queries_are_answered(limited):
    assert limited.get(f"{V2}/*?c[REF_AREA]=1,2,4,8&format=csv").status_code in (200, 404)
    assert limited.get(f"{V2}/" + ",".join(["A" + ".*" * 14] * 3)).status_code == 200
    r = limited.get(f"{V1}/A" + BLANK14, headers={"Accept": "application/json"})
    assert r.status_code == 200


def test_default_limits_refuse_the_reviewed_attack(http):
    # c[REF_AREA]= with 3,000 alternatives (0.66 s of server time each in the review): refused at once
    r = http.get(f"{V2}/*", params={"c[REF_AREA]": ",".join(str(i) for i in range(3000))})
    assert r.status_code == 413 and "SDMX_PUBLISH_MAX_URL_CHARS" in r.text
    r = http.get(f"{V2}/*", params={"c[REF_AREA]": ",".join(str(i) for i in range(600))})
    assert r.status_code == 413 and "600 conditions" in r.text


def test_settings_from_the_environment():
    s = Settings.from_env({"SDMX_PUBLISH_MAX_KEYS": "7", "SDMX_PUBLISH_BASE_URL": "https://data.example.org/sdmx/",
                           "SDMX_PUBLISH_ANSWER_CACHE_MIB": "0"})
    assert s.limits.keys == 7 and s.limits.filter_terms == Limits().filter_terms
    assert s.base_url == "https://data.example.org/sdmx" and s.answer_cache_mib == 0
    assert Settings.from_env({}) == Settings()
    for env, words in [({"SDMX_PUBLISH_MAX_KEYS": "many"}, "SDMX_PUBLISH_MAX_KEYS='many'"),
                       ({"SDMX_PUBLISH_MAX_URL_CHARS": "0"}, "positive whole number"),
                       ({"SDMX_PUBLISH_BASE_URL": "data.example.org"}, "not an http(s) URL"),
                       ({"SDMX_PUBLISH_BASE_URL": "https://x.org/?a=1"}, "not an http(s) URL")]:
        with pytest.raises(PublishError) as e:
            Settings.from_env(env)
        assert words in e.value.message() and "fix:" in e.value.message()


def test_many_code_filters_select_like_pandas(sdg_flow):
    frame = sample_frame(sdg_flow, 400, years=range(2015, 2021), seed=3)
    frame = frame.astype({c: "category" for c in frame.columns if c != "OBS_VALUE"})
    areas = sorted(frame["REF_AREA"].astype(str).unique())
    wanted = areas[::2] + ["NOT_A_CODE", "ALSO_NOT"]
    q = parse_v2(FlowRef(agency=None, id="DF_SDG_16_CRIME"), "*",
                 {"c[REF_AREA]": ",".join(wanted) + ",sw:" + areas[1][:1] + "+ne:" + areas[1],
                  "c[TIME_PERIOD]": "2016,ge:2019"}, sdg_flow.dsd.dimension_ids)
    got = select(frame, q, sdg_flow.dsd)
    area = frame["REF_AREA"].astype(str)
    year = frame["TIME_PERIOD"].astype(str)
    expect = (area.isin(wanted) | (area.str.startswith(areas[1][:1]) & (area != areas[1]))) \
        & year.isin(["2016", "2019", "2020"])
    assert 0 < len(got) < len(frame)
    pd.testing.assert_index_equal(got.index, frame.index[expect.to_numpy()])


def test_answer_cache_is_bounded_and_least_recently_used_goes_first():
    cache = Answers(max_bytes=100)
    cache.put("a", b"x" * 40)
    cache.put("b", b"y" * 40)
    assert cache.get("a").body == b"x" * 40  # a is now the most recently used
    cache.put("c", b"z" * 40)
    assert cache.get("b") is None and cache.get("a") and cache.get("c") and cache.size == 80
    assert gzip.decompress(cache.get("a").gzipped()) == b"x" * 40
    cache.put("big", b"w" * 101)  # larger than the whole cache: not kept
    assert cache.get("big") is None and len(cache) == 2
    off = Answers(max_bytes=0)
    off.put("a", b"x")
    assert off.get("a") is None


@pytest.mark.slow  # two more servers; the cache itself is tested above without one
def test_a_kept_answer_equals_a_fresh_one(published):
    path = f"{V1}/A.G.VC_IHR_PSRCN" + "." * 12
    with running(create_app(published.store, settings=Settings(answer_cache_mib=0))) as url:
        fresh = httpx.get(url + path, headers={"Accept-Encoding": "identity"})
    with running(create_app(published.store)) as url:
        first = httpx.get(url + path, headers={"Accept-Encoding": "identity"})
        kept = httpx.get(url + path, headers={"Accept-Encoding": "identity"})
        zipped = httpx.get(url + path, headers={"Accept-Encoding": "gzip"})  # kept, and sent gzip-encoded
    assert zipped.headers["content-encoding"] == "gzip" and "Accept-Encoding" in zipped.headers["vary"]
    assert zipped.content == kept.content  # (httpx decodes it)
    assert fresh.status_code == first.status_code == kept.status_code == 200
    assert first.content == kept.content  # kept, with the time it was prepared
    prepared = re.compile(rb"<message:Prepared>[^<]*</message:Prepared>")
    assert prepared.sub(b"", fresh.content) == prepared.sub(b"", kept.content)
    assert kept.headers["etag"] == fresh.headers["etag"] and kept.headers["x-sdmx-release"] == published.latest.id
