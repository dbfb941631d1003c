"""Standard SDMX clients against the real server: sdmx1's Client (custom source) and pysdmx.

Both must get structures and data without knowing anything about us, and the data must equal
the published release.
"""

from __future__ import annotations

import io

import pandas as pd
import pytest
import sdmx
from pysdmx.io import get_datasets, read_sdmx

pytestmark = pytest.mark.slow  # a real server and real SDMX clients (sdmx1, pysdmx)

FLOW = "DF_SDG_16_CRIME"


@pytest.fixture(scope="module")
def client(server) -> sdmx.Client:
    sdmx.add_source({"id": "CCJS", "url": f"{server}/sdmx/v1", "name": "sdmx-publish (test server)",
                     "supports": {"availableconstraint": True}}, override=True)
    return sdmx.Client("CCJS")


def _as_series(df: pd.DataFrame, dims: list[str]) -> pd.Series:
    return df.set_index([*dims, "TIME_PERIOD"])["OBS_VALUE"].sort_index()


def test_sdmx1_structures(client, sdg_flow):
    msg = client.dataflow(FLOW, params={"references": "all"})
    df = msg.dataflow[FLOW]
    assert df.maintainer.id == "CCJS"
    dsd = msg.structure["SDG"]
    assert [d.id for d in dsd.dimensions if d.id != "TIME_PERIOD"] == sdg_flow.dsd.dimension_ids
    assert set(msg.codelist["CL_SEX"].items) == set(sdg_flow.codelists["SEX"].codes)
    assert "CC_SDG_16_CRIME" in msg.constraint
    cl = client.codelist("CL_FREQ", agency_id="SDMX")
    assert "A" in cl.codelist["CL_FREQ"].items


def test_sdmx1_data_key_and_period(client, published, sdg_flow):
    msg = client.data(FLOW, key={"SEX": "F"}, params={"startPeriod": "2018"})
    got = sdmx.to_pandas(msg).sort_index()
    df = published.frame()
    want = _as_series(df[(df["SEX"] == "F") & (df["TIME_PERIOD"].astype(int) >= 2018)], sdg_flow.dsd.dimension_ids)
    assert len(got) == len(want) > 0
    assert got.index.to_list() == want.index.to_list()
    assert got.to_numpy() == pytest.approx(want.to_numpy())


def test_sdmx1_structure_specific_and_or(client, published, sdg_flow):
    series = sorted(published.frame()["SERIES"].unique())[:2]
    msg = client.data(FLOW, key={"SERIES": series}, params={"lastNObservations": 3},
                      headers={"Accept": "application/vnd.sdmx.structurespecificdata+xml;version=2.1"})
    got = sdmx.to_pandas(msg).sort_index()
    df = published.frame()
    want = _as_series(df[df["SERIES"].isin(series) & (df["TIME_PERIOD"].astype(int) >= 2020)],
                      sdg_flow.dsd.dimension_ids)
    assert got.index.to_list() == want.index.to_list()
    assert got.to_numpy() == pytest.approx(want.to_numpy())


def test_sdmx1_availableconstraint(client, published):
    msg = client.availableconstraint(FLOW, key={"SEX": "M"})
    cc = next(iter(msg.constraint.values()))
    region = cc.data_content_region[0]
    members = {dim.id: {v.value for v in ms.values} for dim, ms in region.member.items() if dim.id != "TIME_PERIOD"}
    df = published.frame()
    assert members["SEX"] == {"M"}
    assert members["REF_AREA"] == set(df.loc[df["SEX"] == "M", "REF_AREA"])


@pytest.mark.parametrize("fmt", ["sdmx-csv-1.0", "sdmx-csv-2.0"])
def test_pysdmx_reads_csv(http, published, fmt):
    r = http.get(f"/sdmx/v1/data/{FLOW}/all", params={"format": fmt})
    data = read_sdmx(io.BytesIO(r.content), validate=False).data[0].data
    df = published.frame()
    assert len(data) == len(df)
    assert sorted(data["OBS_VALUE"].astype(float)) == pytest.approx(sorted(df["OBS_VALUE"]))


def test_pysdmx_reads_structure_specific_with_our_structures(http, published):
    st = http.get(f"/sdmx/v1/dataflow/CCJS/{FLOW}/latest", params={"references": "all"})
    r = http.get(f"/sdmx/v1/data/{FLOW}/all", params={"format": "structurespecificdata"})
    data = get_datasets(io.BytesIO(r.content), io.BytesIO(st.content), validate=False)[0].data
    df = published.frame()
    assert len(data) == len(df)
    assert set(data["REF_AREA"].astype(str)) == set(df["REF_AREA"])
    assert sorted(data["OBS_VALUE"].astype(float)) == pytest.approx(sorted(df["OBS_VALUE"]))


def test_pysdmx_reads_json_structures(http, sdg_flow):
    r = http.get(f"/sdmx/v1/dataflow/CCJS/{FLOW}/latest", params={"references": "descendants"},
                 headers={"Accept": "application/vnd.sdmx.structure+json;version=2.0.0"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/vnd.sdmx.structure+json")
    body = r.json()
    assert [d["id"] for d in body["data"]["dataflows"]] == [FLOW]
    assert {c["id"] for c in body["data"]["codelists"]} >= {"CL_SEX", "CL_AREA"}
    structures = read_sdmx(io.BytesIO(r.content), validate=False).structures
    assert any(getattr(s, "id", None) == "SDG" for s in structures)


@pytest.fixture(scope="module")
def sdmx1_structures(http):
    st = http.get(f"/sdmx/v1/dataflow/CCJS/{FLOW}/latest", params={"references": "all"})
    return sdmx.read_sdmx(io.BytesIO(st.content))


@pytest.mark.parametrize("detail", ["full", "dataonly", "serieskeysonly", "nodata"])
@pytest.mark.parametrize("fmt", ["genericdata", "generictimeseriesdata", "structurespecificdata",
                                 "structurespecifictimeseriesdata"])
def test_sdmx1_reads_every_sdmx_ml_21_format_and_detail(http, published, sdg_flow, sdmx1_structures, fmt, detail):
    r = http.get(f"/sdmx/v1/data/{FLOW}/....F..........", params={"format": fmt, "detail": detail})
    msg = sdmx.read_sdmx(io.BytesIO(r.content), structure=sdmx1_structures.structure["SDG"])
    df = published.frame()
    want = df[df["SEX"] == "F"]
    dims = sdg_flow.dsd.dimension_ids
    assert len(msg.data[0].series) == len(want[dims].drop_duplicates())
    got = sdmx.to_pandas(msg)
    if detail in ("full", "dataonly"):
        want_s = _as_series(want, dims)
        assert got.sort_index().to_numpy() == pytest.approx(want_s.to_numpy())
    else:
        assert len(got) == 0
    attrs = {a for s in msg.data[0].series for a in s.attrib}
    assert ("UNIT_MEASURE" in attrs) == (detail in ("full", "nodata"))


def test_pysdmx_reads_sdmx_ml_30(http, published):
    st = http.get(f"/sdmx/v1/dataflow/CCJS/{FLOW}/latest", params={"references": "all"})
    r = http.get(f"/sdmx/v2/data/dataflow/CCJS/{FLOW}/1.0/*", params={"c[SEX]": "M"})
    assert r.headers["content-type"] == "application/vnd.sdmx.data+xml;version=3.0.0"
    data = get_datasets(io.BytesIO(r.content), io.BytesIO(st.content), validate=False)[0].data
    df = published.frame()
    want = df[df["SEX"] == "M"]
    assert len(data) == len(want)
    assert sorted(data["OBS_VALUE"].astype(float)) == pytest.approx(sorted(want["OBS_VALUE"]))
