"""Revision history over two real releases: Statistics Korea's 16.1.1 victim counts as its English
platform gave them (2021: 2015-2018) and then as its Korean platform gives them (2024: 2015-2022,
2015 revised from 363 to 365, victims of unknown sex added).

``updatedAfter`` must return exactly what a diff of the two releases' files says changed (new and
revised as Replace, gone as Delete); ``includeHistory`` every version. Read back with sdmx1, over a
real server.
"""

from __future__ import annotations

import functools
import io
from datetime import timedelta
from pathlib import Path

import httpx
import pandas as pd
import pytest
import sdmx
import yaml
from lxml import etree

from sdmx_publish import pipeline
from sdmx_publish.serve.app import create_app
from sdmx_publish.store import latest, read_frame, releases
from tests.conftest import EXAMPLES

from .conftest import running

KOSTAT = EXAMPLES / "kostat"
FLOW = "DF_SDG_16_CRIME"
KEY = ["SEX", "TIME_PERIOD"]
SS = "application/vnd.sdmx.structurespecificdata+xml;version=2.1"
#: two pipeline runs, a server and sdmx1 reading every observation back (~3 s of CPU): the full suite's;
#: the quick suite asks for updatedAfter and includeHistory in test_data.py and test_query.py
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def history_store(tmp_path_factory) -> Path:
    """Two releases of one part (kostat_homicide_victims): the 2021 English file, then the 2024 Korean one."""
    root = tmp_path_factory.mktemp("history")
    spec = yaml.safe_load((KOSTAT / "homicide_victims.yaml").read_text(encoding="utf-8"))
    spec["source"]["path"] = str(KOSTAT / "eng_indicator_16-1-1.csv")
    spec["maps"] = [{"file": str(KOSTAT / "maps" / "sex_eng.csv"), "from": "Sex", "to": "SEX"}]
    (root / "kostat").mkdir()
    old = root / "kostat" / "homicide_victims.yaml"  # the same part name as the real spec
    old.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    store = root / "store"
    assert pipeline.run(old, store)["new"]
    assert pipeline.run(KOSTAT / "homicide_victims.yaml", store)["new"]
    return store


@pytest.fixture(scope="module")
def url(history_store):
    with running(create_app(history_store)) as base:
        yield base


def _two(store: Path):
    first, second = releases(store, "CCJS", FLOW)[-2:]
    return first, second


def _diff(store: Path) -> tuple[pd.Series, pd.Series]:
    """The changes a plain diff of the two releases' part files shows: changed (new, or revised in value
    or an attribute such as OBS_STATUS) and gone; values of the changed and gone observations."""
    first, second = _two(store)
    a = read_frame(first, "kostat_homicide_victims").set_index(KEY).sort_index()
    b = read_frame(second, "kostat_homicide_victims").set_index(KEY).sort_index()
    both = a.index.intersection(b.index)
    cols = sorted(set(a.columns) | set(b.columns))
    ta, tb = (f.reindex(columns=cols).fillna("").astype(str).loc[both] for f in (a, b))  # absent = empty
    revised = both[(ta != tb).any(axis=1).to_numpy()]
    changed = b.loc[revised.union(b.index.difference(a.index)), "OBS_VALUE"]
    return changed.sort_index(), a.loc[a.index.difference(b.index), "OBS_VALUE"].sort_index()


def _get(url: str, **params) -> httpx.Response:
    return httpx.get(f"{url}/sdmx/v1/data/CCJS,{FLOW},1.0/all", params=params, headers={"Accept": SS}, timeout=60)


@functools.cache
def _dsd(store: Path):
    """The SDG DSD as sdmx1 reads it from the latest release (read once: it is large)."""
    return sdmx.read_sdmx(latest(store, "CCJS", FLOW).path / "structure.xml").structure["SDG"]


def _read(body: bytes, store: Path):
    return sdmx.read_sdmx(io.BytesIO(body), structure=_dsd(store))


def _actions(body: bytes) -> list[str]:
    """Each DataSet's action, in order (sdmx1 reads the observations but not the SDMX-ML action)."""
    root = etree.fromstring(body)
    return [next(v for k, v in ds.attrib.items() if etree.QName(k).localname == "action")
            for ds in root if etree.QName(ds).localname == "DataSet"]


def _obs(ds) -> pd.Series:
    s = sdmx.to_pandas(ds)
    return s.reset_index().set_index(KEY)["value"].sort_index()


def test_updated_after_returns_exactly_the_changes(history_store, url):
    first, second = _two(history_store)
    changed, gone = _diff(history_store)
    assert len(changed) > 0 and changed.loc[("_T", "2015")] == 365  # the real revision 363 -> 365
    r = _get(url, updatedAfter=first.created.isoformat())
    assert r.status_code == 200, r.text
    msg = _read(r.content, history_store)
    actions = _actions(r.content)
    assert actions == (["Replace", "Delete"] if len(gone) else ["Replace"]) and len(msg.data) == len(actions)
    got = _obs(msg.data[0])
    assert got.index.tolist() == changed.index.tolist()
    assert got.to_numpy() == pytest.approx(changed.to_numpy())
    if len(gone):
        assert _obs(msg.data[1]).index.tolist() == gone.index.tolist()
    # nothing changed after the second release; before the first, everything is new
    assert _get(url, updatedAfter=second.created.isoformat()).status_code == 404
    everything = _read(_get(url, updatedAfter=(first.created - timedelta(days=1)).isoformat()).content,
                       history_store)
    assert len(_obs(everything.data[0])) == len(read_frame(second, "kostat_homicide_victims"))


def test_deletions_are_marked_delete_in_csv(history_store, url):
    """The other way round (the earlier release addressed with release=... is not what we diff): a key
    filter still applies, and SDMX-CSV 2.0 marks each row's action."""
    first, _ = _two(history_store)
    r = httpx.get(f"{url}/sdmx/v2/data/dataflow/CCJS/{FLOW}/1.0/*", params={"updatedAfter": first.created.isoformat(),
                  "c[SEX]": "_T"}, headers={"Accept": "application/vnd.sdmx.data+csv;version=2.0.0"}, timeout=60)
    assert r.status_code == 200, r.text
    table = pd.read_csv(io.StringIO(r.text), dtype=str)
    changed, _ = _diff(history_store)
    want = changed.xs("_T", level="SEX")
    assert set(table["ACTION"]) == {"R"} and sorted(table["TIME_PERIOD"]) == sorted(want.index)


def test_include_history_returns_every_version(history_store, url):
    r = _get(url, includeHistory="true", startPeriod="2015", endPeriod="2015")
    assert r.status_code == 200, r.text
    msg = _read(r.content, history_store)
    assert len(msg.data) == 2  # the first release's 2015, and the second's (revised, one more sex)
    totals = [float(_obs(ds).loc[("_T", "2015")]) for ds in msg.data]
    assert totals == [363.0, 365.0]
    assert len(_obs(msg.data[1])) == len(_obs(msg.data[0])) + 1  # victims of unknown sex, new in 2024
    assert r.content.count(b'validFromDate="') == 2 and r.content.count(b'validToDate="') == 1


def test_history_in_a_format_without_data_set_actions(url, history_store):
    """SDMX-CSV 1.0 has no action per row: new and revised observations alone are an ordinary answer,
    several versions are a 406."""
    first, _ = _two(history_store)
    csv10 = {"Accept": "application/vnd.sdmx.data+csv;version=1.0.0"}
    r = httpx.get(f"{url}/sdmx/v1/data/CCJS,{FLOW},1.0/all", params={"updatedAfter": first.created.isoformat()},
                  headers=csv10, timeout=60)
    changed, gone = _diff(history_store)
    if len(gone):
        assert r.status_code == 406
    else:
        assert r.status_code == 200 and len(pd.read_csv(io.StringIO(r.text))) == len(changed)
    r = httpx.get(f"{url}/sdmx/v1/data/CCJS,{FLOW},1.0/all", params={"includeHistory": "true"}, headers=csv10,
                  timeout=60)
    assert r.status_code == 406 and "SDMX-CSV 2.0" in r.text
    assert _get(url, includeHistory="maybe").status_code == 400
