"""Data queries over plain HTTP against the real server: results equal the published release.

Answers are read back as SDMX-CSV 1.0 (pandas) and compared with the same selection done
directly on the release's data.csv; every XML answer validates against the official XSDs.
"""

from __future__ import annotations

import io

import pandas as pd
import pytest

from sdmx_publish.formats import Format
from sdmx_publish.serve import data
from tests.schemas import validate_xml

V1 = "/sdmx/v1/data/CCJS,DF_SDG_16_CRIME,1.0"
V2 = "/sdmx/v2/data/dataflow/CCJS/DF_SDG_16_CRIME/1.0"
CSV = {"Accept": Format.CSV10.media_type}
KEYCOLS = ["SERIES", "REF_AREA", "SEX", "AGE", "TIME_PERIOD"]


def key(**codes: str) -> str:
    dims = ["FREQ", "REPORTING_TYPE", "SERIES", "REF_AREA", "SEX", "AGE", "URBANISATION", "INCOME_WEALTH_QUANTILE",
            "EDUCATION_LEV", "OCCUPATION", "CUST_BREAKDOWN", "COMPOSITE_BREAKDOWN", "DISABILITY_STATUS",
            "ACTIVITY", "PRODUCT"]
    return ".".join(codes.get(d, "") for d in dims)


def csv_frame(text: str) -> pd.DataFrame:
    df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    df["OBS_VALUE"] = df["OBS_VALUE"].astype(float)
    return df.sort_values(KEYCOLS).reset_index(drop=True)


def expected(df: pd.DataFrame) -> pd.DataFrame:
    return df.sort_values(KEYCOLS).reset_index(drop=True)


def same(got: pd.DataFrame, want: pd.DataFrame) -> None:
    assert len(got) == len(want) > 0
    for c in [*KEYCOLS, "OBS_STATUS", "UNIT_MEASURE"]:
        assert got[c].tolist() == want[c].tolist(), c
    assert got["OBS_VALUE"].tolist() == pytest.approx(want["OBS_VALUE"].tolist())


def test_whole_dataflow_equals_release(http, published, monkeypatch):
    r = http.get(f"{V1}/all", headers=CSV)
    assert r.status_code == 200 and r.headers["content-type"].startswith(Format.CSV10.media_type)
    assert r.headers["x-sdmx-release"] == published.latest.id
    assert "content-length" in r.headers and "transfer-encoding" not in r.headers  # small: written whole
    same(csv_frame(r.text), expected(published.frame()))
    monkeypatch.setattr(data, "SMALL_ANSWER_ROWS", 10)  # the server runs in this process
    # (detail=full: another ETag than the answer above, which each worker keeps)
    streamed = http.get(f"{V1}/all?detail=full", headers=CSV | {"Accept-Encoding": "identity"})
    assert streamed.headers["transfer-encoding"] == "chunked" and "content-length" not in streamed.headers
    assert streamed.content == r.content


def test_key_with_or_and_wildcards(http, published):
    df = published.frame()
    s1, s2 = sorted(df["SERIES"].unique())[:2]
    r = http.get(f"{V1}/{key(SERIES=f'{s1}+{s2}', SEX='F')}", headers=CSV)
    assert r.status_code == 200
    same(csv_frame(r.text), expected(df[df["SERIES"].isin([s1, s2]) & (df["SEX"] == "F")]))


def test_periods_and_first_last_n(http, published):
    df = published.frame()
    r = http.get(f"{V1}/all", params={"startPeriod": "2017-06", "endPeriod": "2019-Q1"}, headers=CSV)
    same(csv_frame(r.text), expected(df[df["TIME_PERIOD"].astype(int).between(2017, 2019)]))
    r = http.get(f"{V1}/all", params={"lastNObservations": "2"}, headers=CSV)
    same(csv_frame(r.text), expected(df[df["TIME_PERIOD"].isin(["2021", "2022"])]))
    r = http.get(f"{V1}/all", params={"firstNObservations": "1", "lastNObservations": "1"}, headers=CSV)
    same(csv_frame(r.text), expected(df[df["TIME_PERIOD"].isin(["2015", "2022"])]))


def test_v2_keys_and_component_filters(http, published):
    df = published.frame()
    areas = sorted(df["REF_AREA"].unique(), key=int)
    k = ".".join(p or "*" for p in key(REF_AREA=areas[0]).split("."))
    r = http.get(f"{V2}/{k}", params={"c[TIME_PERIOD]": "ge:2018+le:2020", "c[SEX]": "F,M"}, headers=CSV)
    assert r.status_code == 200
    want = df[(df["REF_AREA"] == areas[0]) & df["TIME_PERIOD"].astype(int).between(2018, 2020)
              & df["SEX"].isin(["F", "M"])]
    same(csv_frame(r.text), expected(want))
    r = http.get(f"{V2}/*", params={"c[OBS_STATUS]": "ne:A", "c[OBS_VALUE]": "gt:5"}, headers=CSV)
    same(csv_frame(r.text), expected(df[(df["OBS_STATUS"] != "A") & (df["OBS_VALUE"] > 5)]))


def test_earlier_release_on_request(http, published):
    r = http.get(f"{V1}/all", params={"release": published.first.id}, headers=CSV)
    assert r.headers["x-sdmx-release"] == published.first.id
    same(csv_frame(r.text), expected(published.frame(published.first)))


def test_updated_after(http, published):
    r = http.get(f"{V1}/all", params={"updatedAfter": "2000-01-01T00:00:00Z"}, headers=CSV)
    assert r.status_code == 200
    r = http.get(f"{V1}/all", params={"updatedAfter": published.latest.created.isoformat()}, headers=CSV)
    assert r.status_code == 404 and "not after" in r.text


@pytest.mark.parametrize("fmt", Format.data())
def test_every_format_answers_and_xml_validates(http, published, sdg_flow, fmt):
    k = key(SEX="M")
    r = http.get(f"{V1}/{k}", params={"format": fmt.value})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].split(";")[0] == fmt.media_type.split(";")[0] or "timeseries" in \
        r.headers["content-type"]
    if "ml" in fmt.value:
        validate_xml(r.content, flow=sdg_flow)
    n = int((published.frame()["SEX"] == "M").sum())
    if fmt == Format.JSON20:
        obs = sum(len(s["observations"]) for s in r.json()["data"]["dataSets"][0]["series"].values())
        assert obs == n
    elif fmt in (Format.CSV10, Format.CSV20):
        assert len(r.text.strip().splitlines()) == n + 1


@pytest.mark.parametrize("accept,fmt", [
    ("application/vnd.sdmx.genericdata+xml;version=2.1", "GenericData"),
    ("application/vnd.sdmx.structurespecificdata+xml;version=2.1", "StructureSpecificData"),
    ("application/vnd.sdmx.generictimeseriesdata+xml;version=2.1", "GenericTimeSeriesData"),
    ("application/vnd.sdmx.structurespecifictimeseriesdata+xml;version=2.1", "StructureSpecificTimeSeriesData"),
    ("application/vnd.sdmx.data+xml;version=3.0.0", "StructureSpecificData"),
    ("text/html;q=0.9, application/vnd.sdmx.data+csv;version=2.0.0;q=0.5", "STRUCTURE,"),
])
def test_content_negotiation(http, sdg_flow, accept, fmt):
    r = http.get(f"{V1}/{key(SEX='F')}", headers={"Accept": accept})
    assert r.status_code == 200
    assert fmt in r.text[:600]
    if "xml" in accept:
        validate_xml(r.content, flow=sdg_flow)


@pytest.mark.parametrize("dao", ["TIME_PERIOD", "REF_AREA", "AllDimensions"])
def test_dimension_at_observation_validates(http, sdg_flow, dao):
    for fmt in ("structurespecificdata", "genericdata"):
        r = http.get(f"{V1}/{key(SEX='F')}", params={"dimensionAtObservation": dao, "format": fmt})
        assert r.status_code == 200, r.text
        assert f'dimensionAtObservation="{dao}"' in r.text[:3000]
        validate_xml(r.content, flow=sdg_flow)


@pytest.mark.parametrize("detail", ["full", "dataonly", "serieskeysonly", "nodata"])
def test_detail_levels(http, sdg_flow, detail):
    r = http.get(f"{V1}/{key(SEX='F')}", params={"detail": detail, "format": "genericdata"})
    assert r.status_code == 200, r.text
    validate_xml(r.content, flow=sdg_flow)
    assert ("<generic:Obs>" in r.text) == (detail in ("full", "dataonly"))
    assert ('id="OBS_STATUS"' in r.text) == (detail == "full")
    assert ('id="UNIT_MEASURE"' in r.text) == (detail in ("full", "nodata"))


def test_csv_labels_both(http, published, sdg_flow):
    r = http.get(f"{V1}/{key(SEX='F')}", headers={"Accept": Format.CSV10.media_type + ";labels=both"})
    assert r.status_code == 200
    assert "labels=both" in r.headers["content-type"]
    assert "SEX: Sex" in r.text.splitlines()[0] or "F: Female" in r.text


def test_v2_attributes_and_measures(http):
    r = http.get(f"{V2}/*", params={"attributes": "none"}, headers=CSV)
    head = r.text.splitlines()[0].split(",")
    assert r.status_code == 200 and "OBS_STATUS" not in head and "UNIT_MEASURE" not in head and "OBS_VALUE" in head
    r = http.get(f"{V2}/*", params={"attributes": "UNIT_MEASURE"}, headers=CSV)
    head = r.text.splitlines()[0].split(",")
    assert "UNIT_MEASURE" in head and "OBS_STATUS" not in head
