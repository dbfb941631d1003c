"""Real DAG runs (``dag.test()``, SQLite metadata DB) that publish into a temporary release store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sdmx_publish.store import latest, releases

from .conftest import add_country
from .helpers import asset_events, run_dag, task_states, xcom

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("airflow_db")]

ICCS = "sdmx://CCJS/DF_ICCS"


def test_national_dag_publishes_a_release_and_reruns_are_idempotent(specs: Path, store: Path):
    add_country(specs, "kor")
    run = run_dag("publish_kor_homicide")
    assert str(run.state) == "success"
    assert task_states(run) == dict.fromkeys(["extract", "transform", "validate", "publish"], "success")

    release = latest(store, "CCJS", "DF_ICCS")
    assert release is not None
    manifest = release.manifest
    assert manifest.parts == ["kor_homicide"] and manifest.observations == 166
    assert manifest.run["airflow_run_id"] == run.run_id and manifest.run["by"] == "airflow"
    assert manifest.validation.errors == 0
    assert (release.path / "data.ss.xml").is_file() and (release.path / "parts" / "kor_homicide.csv").is_file()

    # XCom holds paths and counts, never data
    published = xcom(run, "publish")
    assert published["release_id"] == release.id and published["new"] is True
    assert published["path"] == str(release.path)
    assert len(json.dumps(xcom(run, "validate"))) < 5000
    assert Path(xcom(run, "transform")["frame"]).name == "frame.parquet"

    events = [e for e in asset_events(ICCS) if e["run_id"] == run.run_id]
    assert [(e["dag_id"], e["extra"]["release_id"]) for e in events] == [("publish_kor_homicide", release.id)]
    notes = [json.loads(line) for line in (store / "notifications" / "kor.jsonl").read_text().splitlines()]
    assert [(n["event"], n["release_id"], n["warnings"]) for n in notes] == [
        ("warnings", release.id, manifest.validation.warnings)]

    # a rerun for a period range: same source, so no new release and no new warnings notification
    again = run_dag("publish_kor_homicide", {"start_period": "2015", "end_period": "2016"})
    assert str(again.state) == "success"
    assert xcom(again, "transform")["carried_forward"] > 0
    assert xcom(again, "publish")["new"] is False
    assert [r.id for r in releases(store, "CCJS", "DF_ICCS")] == [release.id]
    assert len((store / "notifications" / "kor.jsonl").read_text().splitlines()) == 1
