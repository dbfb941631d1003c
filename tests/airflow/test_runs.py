"""Real DAG runs (``dag.test()``, SQLite metadata DB) that publish into a temporary release store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sdmx_publish.store import latest, releases

from .conftest import COUNTRIES, add_country
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
    assert manifest.file("data.ss.xml") is not None and (release.path / "parts" / "kor_homicide.csv").is_file()

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


def country_with_channels_down(specs: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """KOR with its webhook and SMTP server down (Connections to a local port nothing listens on)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("AIRFLOW_CONN_KOR_HOOK", json.dumps({"conn_type": "http", "host": f"http://127.0.0.1:{port}/"}))
    monkeypatch.setenv("AIRFLOW_CONN_KOR_SMTP", json.dumps(
        {"conn_type": "smtp", "host": "127.0.0.1", "port": port,
         "extra": {"from_email": "stats@example.org", "disable_ssl": True, "timeout": 2, "retry_limit": 0}}))
    folder = specs / "kor"
    folder.mkdir()
    (folder / "country.yaml").write_text(
        "name: Republic of Korea\nm49: '410'\nnotify:\n  log: notifications/kor.jsonl\n"
        "  webhook: {conn_id: kor_hook}\n  smtp: {conn_id: kor_smtp, to: [stats@example.org]}\n")
    (folder / "homicide.yaml").write_text((COUNTRIES / "kor" / "homicide.yaml").read_text().replace(
        "../../", f"{COUNTRIES.parent}/"))


@pytest.mark.parametrize("dag_id, task_id", [("publish_kor_homicide", "publish"),
                                             ("publish_countries", "publish_source_DF_ICCS")])
def test_a_notification_server_down_costs_neither_the_release_nor_its_asset_event(
        specs: Path, store: Path, monkeypatch: pytest.MonkeyPatch, dag_id: str, task_id: str):
    """The reported bug: try 1 published, then failed on the webhook; try 2 found the release unchanged and
    emitted no Asset event, so the regional DAG never ran. Now the notification fails alone."""
    country_with_channels_down(specs, monkeypatch)
    run = run_dag(dag_id)
    assert str(run.state) == "success"
    release = latest(store, "CCJS", "DF_ICCS")
    assert release is not None and release.manifest.parts == ["kor_homicide"]
    events = [e for e in asset_events(ICCS) if e["run_id"] == run.run_id]
    assert [(e["dag_id"], e["extra"]["release_id"]) for e in events] == [(dag_id, release.id)]
    assert {k: v for k, v in task_states(run).items() if k.startswith(task_id)} in (
        {task_id: "success"}, {f"{task_id}[0]": "success"})
    # the log channel still delivered the warnings notification
    notes = [json.loads(x) for x in (store / "notifications" / "kor.jsonl").read_text().splitlines()]
    assert [(n["event"], n["release_id"]) for n in notes] == [("warnings", release.id)]


def test_a_retry_after_the_release_was_made_still_emits_its_asset_event(specs: Path, store: Path):
    """A try that published and then failed (a lost worker): the next try of the same run finds the release
    unchanged but made by this run and part, so the task emits the event; another run does not."""
    from sdmx_publish.orchestrate import steps

    add_country(specs, "kor")
    spec = str(specs / "kor" / "homicide.yaml")
    run = {"by": "airflow", "airflow_run_id": "manual__1", "part": "kor_homicide"}
    for step in steps.STEPS[:-1]:
        steps.run_step(step, spec, str(store), "manual__1")
    first = steps.run_step("publish", spec, str(store), "manual__1", run=run)
    for step in steps.STEPS[:-1]:
        steps.run_step(step, spec, str(store), "manual__1")
    retry = steps.run_step("publish", spec, str(store), "manual__1", run=run)
    assert first["new"] and not retry["new"] and retry["release_id"] == first["release_id"]
    assert retry["released_by_run"] is True
    for step in steps.STEPS[:-1]:
        steps.run_step(step, spec, str(store), "scheduled__2")
    other = steps.run_step("publish", spec, str(store), "scheduled__2", run={**run, "airflow_run_id": "scheduled__2"})
    assert other["new"] is False and other["released_by_run"] is False


def test_a_run_without_a_configured_store_fails_at_once_and_writes_nothing(
        specs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A worker without SDMX_PUBLISH_STORE must not publish into ./releases on its own disk."""
    add_country(specs, "kor")
    monkeypatch.delenv("SDMX_PUBLISH_STORE", raising=False)
    monkeypatch.chdir(tmp_path)
    run = run_dag("publish_kor_homicide")
    assert str(run.state) == "failed"
    assert task_states(run)["extract"] == "failed" and task_states(run)["publish"] == "upstream_failed"
    assert not (tmp_path / "releases").exists()


def test_a_backfill_run_publishes_the_year_before_its_logical_date(specs: Path, store: Path):
    """``run_period: year``: the run of 2016-01-01 (a backfill's or the schedule's) publishes 2015 only."""
    from datetime import datetime, timezone

    from sdmx_publish.publish import read_frame

    from .helpers import generated_dags

    folder = specs / "kor"
    folder.mkdir()
    (folder / "homicide.yaml").write_text((COUNTRIES / "kor" / "homicide.yaml").read_text().replace(
        "../../", f"{COUNTRIES.parent}/").replace('schedule: "@yearly"', 'schedule: "@yearly"\nrun_period: year'))
    dag = generated_dags()["publish_kor_homicide"]
    assert "last complete year before its logical date" in dag.doc_md
    run = dag.test(logical_date=datetime(2016, 1, 1, tzinfo=timezone.utc))
    assert str(run.state) == "success"
    frame = read_frame(latest(store, "CCJS", "DF_ICCS"), "kor_homicide")
    assert set(frame["TIME_PERIOD"].astype(str)) == {"2015"}
    # a manual range still wins over the logical date
    again = run_dag("publish_kor_homicide", {"start_period": "2014", "end_period": "2014"})
    assert str(again.state) == "success"
    frame = read_frame(latest(store, "CCJS", "DF_ICCS"), "kor_homicide")
    assert set(frame["TIME_PERIOD"].astype(str)) == {"2014", "2015"}
