"""Each observation carries the release it was last changed in (``attachments/<part>/last_changed.csv``)."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pandas as pd
import pytest

from sdmx_publish.publish import publish
from sdmx_publish.publish.changed import FILE, LAST_CHANGED
from sdmx_publish.store import read_sdmx_csv
from sdmx_publish.store.changed import read_dates
from tests.serve.sample import sample_frame


def dates(release, part: str) -> pd.Series:
    """Each observation's LAST_CHANGED, by key, as the server reads it."""
    rows = read_sdmx_csv(release.path / "parts" / f"{part}.csv")
    key = ["SERIES", "REF_AREA", "SEX", "AGE", "TIME_PERIOD"]
    keys = list(rows.columns[:rows.columns.get_loc("OBS_VALUE")])
    got = read_dates(release.path / "attachments" / part / FILE, rows, keys)
    return pd.Series(np.asarray(got, dtype=object), index=pd.MultiIndex.from_frame(rows[key].astype(str)))


def forget(release, path: str) -> None:
    """Remove a file from a release and its manifest (a release made before the file existed)."""
    (release.path / path).unlink()
    manifest = release.path / "manifest.json"
    doc = json.loads(manifest.read_text(encoding="utf-8"))
    doc["files"] = [f for f in doc["files"] if f["path"] != path]
    manifest.write_text(json.dumps(doc), encoding="utf-8")


@pytest.mark.slow
def test_only_the_revised_observation_moves_to_the_new_release(tmp_path, registry, sdg_flow):
    store = tmp_path / "store"
    frame = sample_frame(sdg_flow, 120, years=range(2015, 2021), seed=1)
    first, _ = publish(frame, sdg_flow, registry, store=store, part="a")
    assert set(dates(first, "a")) == {first.id} and len(dates(first, "a")) == len(frame)
    revised = frame.copy()
    revised.loc[7, "OBS_VALUE"] = revised.loc[7, "OBS_VALUE"] + 1.5
    second, new = publish(revised, sdg_flow, registry, store=store, part="a")
    assert new
    got = dates(second, "a")
    key = tuple(str(revised.loc[7, c]) for c in ["SERIES", "REF_AREA", "SEX", "AGE", "TIME_PERIOD"])
    assert got[key] == second.id
    assert (got.drop(key) == first.id).all() and len(got) == len(frame)
    entry = next(f for f in second.files if f.path == f"attachments/a/{FILE}")
    assert entry.sha256 == hashlib.sha256((second.path / entry.path).read_bytes()).hexdigest()


@pytest.mark.slow
def test_an_attribute_change_and_a_new_observation_date_to_the_new_release(tmp_path, registry, sdg_flow):
    store = tmp_path / "store"
    frame = sample_frame(sdg_flow, 60, years=range(2015, 2021), seed=2)
    first, _ = publish(frame, sdg_flow, registry, store=store, part="a")
    later = frame.copy()
    later.loc[3, "OBS_STATUS"] = "E"
    later = pd.concat([later, sample_frame(sdg_flow, 6, years=range(2021, 2022), seed=2)], ignore_index=True)
    second, _ = publish(later, sdg_flow, registry, store=store, part="a")
    got = dates(second, "a")
    assert (got == second.id).sum() == 1 + 6
    assert (got == first.id).sum() == len(frame) - 1


@pytest.mark.slow
def test_a_part_carried_forward_keeps_its_dates_and_an_old_release_is_dated_from_history(tmp_path, registry,
                                                                                          sdg_flow):
    store = tmp_path / "store"
    a = sample_frame(sdg_flow, 60, years=range(2010, 2013), seed=1)
    first, _ = publish(a, sdg_flow, registry, store=store, part="a")
    forget(first, f"attachments/a/{FILE}")  # as a release made before the file existed
    b = sample_frame(sdg_flow, 60, years=range(2016, 2020), seed=3)
    second, _ = publish(b, sdg_flow, registry, store=store, part="b")
    assert set(dates(second, "a")) == {first.id}  # dated from the history: unchanged since the first
    revised = a.copy()
    revised.loc[0, "OBS_VALUE"] = revised.loc[0, "OBS_VALUE"] * 2
    third, _ = publish(revised, sdg_flow, registry, store=store, part="a")
    assert (third.path / "attachments" / "b" / FILE).read_bytes() == (second.path / "attachments" / "b" / FILE).read_bytes()
    assert (dates(third, "a") == third.id).sum() == 1


def test_runs_of_the_part_files_rows_and_an_earlier_file_of_keys_is_read(tmp_path, registry, sdg_flow):
    """A first publication is one line (nothing read back); a revised value splits the run; a file written
    before runs (every key and its LAST_CHANGED) is read by key."""
    frame = sample_frame(sdg_flow, 240, years=range(2015, 2021), seed=4).sample(frac=1, random_state=1)
    first, _ = publish(frame, sdg_flow, registry, store=tmp_path, part="a")
    path = lambda rel: rel.path / "attachments" / "a" / FILE  # noqa: E731
    assert path(first).read_text(encoding="utf-8") == f"ROWS,{LAST_CHANGED}\n240,{first.id}\n"
    revised = frame.assign(OBS_VALUE=frame["OBS_VALUE"].where(frame.index != frame.index[0], -1.0))
    second, _ = publish(revised, sdg_flow, registry, store=tmp_path, part="a")
    assert 2 <= len(path(second).read_text(encoding="utf-8").splitlines()) - 1 <= 3
    assert (dates(second, "a") == second.id).sum() == 1 and (dates(second, "a") == first.id).sum() == 239
    rows = read_sdmx_csv(second.path / "parts" / "a.csv")  # the file as releases before runs wrote it
    keyed = rows.drop(columns=["OBS_VALUE", "OBS_STATUS"], errors="ignore").astype(str)
    keyed.assign(**{LAST_CHANGED: dates(second, "a").to_numpy()}).to_csv(path(second), index=False)
    again = revised.assign(OBS_VALUE=revised["OBS_VALUE"].where(revised.index != revised.index[9], -2.0))
    third, _ = publish(again, sdg_flow, registry, store=tmp_path, part="a")
    got = dates(third, "a")
    assert (got == third.id).sum() == 1 and (got == second.id).sum() == 1 and (got == first.id).sum() == 238
