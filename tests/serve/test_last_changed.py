"""SDMX-CSV 2.0 answers carry the custom column LAST_CHANGED: the release each observation was last
changed in (publish twice, one value revised: only that observation moves), read by pysdmx."""

from __future__ import annotations

import io

import httpx
import pandas as pd
import pytest
from pysdmx.io import read_sdmx

from sdmx_publish.publish import publish
from sdmx_publish.serve.app import create_app
from tests.serve.conftest import running
from tests.serve.sample import sample_frame

pytestmark = pytest.mark.slow
CSV20 = "application/vnd.sdmx.data+csv;version=2.0.0"


@pytest.fixture(scope="module")
def two(tmp_path_factory, registry, sdg_flow):
    store = tmp_path_factory.mktemp("changed")
    frame = sample_frame(sdg_flow, 60, years=range(2015, 2021), seed=4)
    first, _ = publish(frame, sdg_flow, registry, store=store, part="a")
    revised = frame.copy()
    revised.loc[5, "OBS_VALUE"] += 10
    second, _ = publish(revised, sdg_flow, registry, store=store, part="a")
    with running(create_app(store)) as base:
        yield base, first, second, revised.loc[5]


def test_only_the_revised_observation_carries_the_second_release(two):
    base, first, second, row = two
    r = httpx.get(f"{base}/sdmx/v2/data/dataflow/CCJS/DF_SDG_16_CRIME/~/*", headers={"Accept": CSV20})
    assert r.status_code == 200
    df = pd.read_csv(io.StringIO(r.text), dtype=str, keep_default_na=False)
    assert df.columns[-1] == "LAST_CHANGED"
    hit = (df["SERIES"] == row["SERIES"]) & (df["REF_AREA"] == row["REF_AREA"]) & (df["SEX"] == row["SEX"]) \
        & (df["AGE"] == row["AGE"]) & (df["TIME_PERIOD"] == str(row["TIME_PERIOD"]))
    assert hit.sum() == 1 and df.loc[hit, "LAST_CHANGED"].item() == second.id
    assert (df.loc[~hit, "LAST_CHANGED"] == first.id).all()
    (data,) = read_sdmx(r.text).data  # the custom column does not stop an SDMX reader
    assert len(data.data) == len(df)


def test_a_selection_keeps_each_observations_release(two):
    base, first, second, row = two
    r = httpx.get(f"{base}/sdmx/v2/data/dataflow/CCJS/DF_SDG_16_CRIME/~/*",
                  params={"c[REF_AREA]": row["REF_AREA"], "c[SEX]": row["SEX"], "c[TIME_PERIOD]": f"ge:{row['TIME_PERIOD']}"},
                  headers={"Accept": CSV20})
    df = pd.read_csv(io.StringIO(r.text), dtype=str, keep_default_na=False)
    mine = (df["SERIES"] == row["SERIES"]) & (df["AGE"] == row["AGE"]) & (df["TIME_PERIOD"] == str(row["TIME_PERIOD"]))
    assert 0 < len(df) < 60 and df.loc[mine, "LAST_CHANGED"].tolist() == [second.id]
    assert (df.loc[~mine, "LAST_CHANGED"] == first.id).all()


def test_other_formats_are_unchanged(two):
    base, *_ = two
    r = httpx.get(f"{base}/sdmx/v1/data/DF_SDG_16_CRIME/all", headers={"Accept": "application/vnd.sdmx.data+csv;version=1.0.0"})
    assert "LAST_CHANGED" not in r.text.splitlines()[0]


def test_each_parts_file_is_read_against_its_own_rows(tmp_path, registry, sdg_flow):
    """Two parts, one with a file of runs and one with a file of keys (as releases before runs wrote it):
    every row of the release frame gets its own part's dates."""
    from sdmx_publish.serve.changed import _lookup
    from sdmx_publish.serve.store import Store
    from sdmx_publish.store import read_sdmx_csv
    b = sample_frame(sdg_flow, 60, years=range(2010, 2014), seed=2)
    first, _ = publish(b, sdg_flow, registry, store=tmp_path, part="b")
    rows = read_sdmx_csv(first.path / "parts" / "b.csv")  # b's file as a file of keys
    keyed = rows.drop(columns=["OBS_VALUE", "OBS_STATUS"], errors="ignore").astype(str).iloc[::-1]
    keyed.assign(LAST_CHANGED=first.id).to_csv(first.path / "attachments" / "b" / "last_changed.csv", index=False)
    second, _ = publish(sample_frame(sdg_flow, 40, years=range(2016, 2020), seed=3), sdg_flow, registry,
                        store=tmp_path, part="a")
    got = _lookup(Store(tmp_path), second, sdg_flow)
    frame = Store(tmp_path).frame(second)
    assert len(got) == len(frame) == 100
    assert (got[:40] == second.id).all() and (got[40:] == first.id).all()  # part a's rows, then b's
