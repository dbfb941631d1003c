"""Three countries, one with a broken source: the others publish, the regional DAG runs on their Assets,
the failure is notified and summarised."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from sdmx_publish import config
from sdmx_publish.store import latest, releases

from .conftest import COUNTRIES, add_country
from .helpers import asset_events, generated_dags, mapped_names, run_dag, task_states, xcom

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("airflow_db")]

ICCS = "sdmx://CCJS/DF_ICCS"
TABLE = config.ROOT / "examples/unodc/data_cts_intentional_homicide.ASIA_OCEANIA_subset.csv"


def broken_country(specs: Path) -> Path:
    """PHL's configuration with a source table whose value column was renamed by its sender."""
    folder = specs / "phl"
    folder.mkdir()
    (folder / "country.yaml").write_text((COUNTRIES / "phl" / "country.yaml").read_text())
    table = pd.read_csv(TABLE, dtype=str)
    table[table["Iso3_code"] == "PHL"].rename(columns={"VALUE": "Value (persons)"}).to_csv(
        folder / "phl_homicide.csv", index=False)
    spec = (COUNTRIES / "phl" / "homicide.yaml").read_text()
    spec = spec.replace("../../examples/unodc/data_cts_intentional_homicide.ASIA_OCEANIA_subset.csv",
                        "phl_homicide.csv").replace("../../", f"{config.ROOT}/")
    (folder / "homicide.yaml").write_text(spec)
    return folder


def clear_asset_queue() -> None:
    """Forget Asset events queued by earlier tests in this session's DB."""
    from airflow.models.asset import AssetDagRunQueue
    from airflow.utils.session import create_session
    from sqlalchemy import delete

    with create_session() as session:
        session.execute(delete(AssetDagRunQueue))


def scheduler_creates_asset_triggered_run(dag_id: str):
    """What the scheduler does with the queued Asset events: create the asset-triggered run(s)."""
    from airflow.jobs.job import Job
    from airflow.jobs.scheduler_job_runner import SchedulerJobRunner
    from airflow.models.dag import DagModel
    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        query, triggered = DagModel.dags_needing_dagruns(session)
        due = [d for d in query.all() if d.dag_id == dag_id]
        assert dag_id in triggered, f"{dag_id} is not due on Asset events"
        runner = SchedulerJobRunner(job=Job(), executors=[])
        runner._create_dag_runs_asset_triggered(dag_models=due, session=session)
        session.flush()
        run = session.scalars(select(DagRun).where(DagRun.dag_id == dag_id, DagRun.run_type == "asset_triggered")
                              .order_by(DagRun.id.desc())).first()
        return [(e.source_dag_id, e.source_run_id, dict(e.extra or {})) for e in run.consumed_asset_events]


def test_one_broken_country_never_blocks_the_others(specs: Path, store: Path):
    add_country(specs, "kor")
    add_country(specs, "jpn")
    broken_country(specs)
    assert {"publish_kor_homicide", "publish_jpn_homicide", "publish_phl_homicide"} <= set(generated_dags())

    clear_asset_queue()
    states = {code: run_dag(f"publish_{code}_homicide") for code in ("kor", "jpn", "phl")}
    assert {c: str(r.state) for c, r in states.items()} == {"kor": "success", "jpn": "success", "phl": "failed"}
    assert task_states(states["phl"]) == {"extract": "failed", "transform": "upstream_failed",  # a column missing
                                          "validate": "upstream_failed", "publish": "upstream_failed"}

    # the two good countries are in the release; the broken one published nothing
    release = latest(store, "CCJS", "DF_ICCS")
    assert release.manifest.parts == ["jpn_homicide", "kor_homicide"]
    assert not any(p.name.startswith("phl") for p in (release.path / "parts").iterdir())

    # the failure went to PHL's notifications, with the source problem and how to fix it
    (note,) = [json.loads(x) for x in (store / "notifications" / "phl.jsonl").read_text().splitlines()]
    assert note["event"] == "failure" and note["task_id"] == "extract" and "VALUE" in note["message"]

    # both national releases were emitted as Asset events; the scheduler triggers the regional DAG on them
    runs = {r.run_id for r in states.values()}
    emitted = [e for e in asset_events(ICCS) if e["run_id"] in runs]
    assert sorted(e["dag_id"] for e in emitted) == ["publish_jpn_homicide", "publish_kor_homicide"]
    consumed = scheduler_creates_asset_triggered_run("publish_regional")
    # (the scheduler consumes the events up to the first queued one, KOR's; later ones feed the next run)
    assert states["kor"].run_id in {run_id for _, run_id, _ in consumed}
    assert not any(dag == "publish_phl_homicide" for dag, _, _ in consumed)
    ours = [extra for _, run_id, extra in consumed if run_id in runs]
    assert {extra["release_id"] for extra in ours} <= {r.id for r in releases(store, "CCJS", "DF_ICCS")}

    # an unchanged rerun makes no release and emits no event: it triggers no regional run
    again = run_dag("publish_kor_homicide")
    assert str(again.state) == "success" and not [e for e in asset_events(ICCS) if e["run_id"] == again.run_id]

    # the regional DAG's run: SDG 16 series derived from the current ICCS release, failures summarised
    regional = run_dag("publish_regional")
    assert str(regional.state) == "success"
    assert task_states(regional) == {"regional": "success", "national_summary": "success"}
    derived = xcom(regional, "regional")
    assert derived["source_release"] == release.id and derived["national"] > 0
    assert latest(store, "CCJS", "DF_SDG_16_CRIME").id == derived["release_id"]
    summary = xcom(regional, "national_summary")
    assert summary["published"] == ["jpn_homicide", "kor_homicide"]
    assert [(f["part"], f["step"]) for f in summary["failed"]] == [("phl_homicide", "extract")]
    assert "VALUE" in summary["failed"][0]["error"]


def test_all_countries_dag_for_one_country_and_a_period_range(specs: Path, store: Path):
    add_country(specs, "kor")
    broken_country(specs)
    misspelt = specs / "mng"
    misspelt.mkdir()
    (misspelt / "country.yaml").write_text("name: Mongolia\nnotfy: {on_failure: true}\n")
    clear_asset_queue()
    run = run_dag("publish_countries", {"country": "all", "start_period": "2010", "end_period": "2020"})
    states = task_states(run)
    assert str(run.state) == "failed"  # a source failed: the run says so, after every source was tried
    assert states["select_sources"] == "success" and states["summary"] == "failed"
    mapped = sorted(v for k, v in states.items() if k.startswith("publish_source_DF_ICCS["))
    assert mapped == ["failed", "success"]
    summary = xcom(run, "summary", key="summary")
    assert summary["published"] == ["kor_homicide"] and summary["failed"][0]["part"] == "phl_homicide"
    assert summary["config_errors"] == ["mng"]  # a broken country.yaml is in the summary too
    # each source's country is notified as by its own DAG: PHL's failure, KOR's release with warnings
    notes = {c: [json.loads(x) for x in (store / "notifications" / f"{c}.jsonl").read_text().splitlines()]
             for c in ("kor", "phl")}
    assert [(n["event"], n["task_id"]) for n in notes["phl"]] == [("failure", "publish_source_DF_ICCS")]
    assert "VALUE" in notes["phl"][0]["message"]
    assert [n["event"] for n in notes["kor"]] == ["warnings"] and notes["kor"][0]["release_id"]
    # the Asset event says which part and release, as the per-source DAGs' events do
    (event,) = [e for e in asset_events(ICCS) if e["run_id"] == run.run_id]
    assert event["extra"]["part"] == "kor_homicide" and event["extra"]["release_id"] == notes["kor"][0]["release_id"]
    frame = pd.read_csv(latest(store, "CCJS", "DF_ICCS").path / "parts" / "kor_homicide.csv", dtype=str)
    assert frame["TIME_PERIOD"].between("2010", "2020").all()  # nothing before: first publication of the range

    only = run_dag("publish_countries", {"country": "kor"})
    assert str(only.state) == "success"
    assert xcom(only, "select_sources") == [str((COUNTRIES / "kor" / "homicide.yaml").resolve())]
    assert [k for k in task_states(only) if k.startswith("publish_source")] == ["publish_source_DF_ICCS[0]"]
    assert mapped_names(only, "publish_source_DF_ICCS") == ["kor_homicide"]  # map_index_template
    assert xcom(only, "summary") == {"published": ["kor_homicide"], "failed": [], "not_run": [], "config_errors": ["mng"]}


def test_a_regional_run_before_any_national_release_is_skipped_not_failed(specs: Path, store: Path):
    """Unpausing everything at once starts a scheduled regional run on an empty store: nothing to do yet."""
    add_country(specs, "kor")
    run = run_dag("publish_regional")
    assert str(run.state) == "success"
    assert task_states(run) == {"regional": "skipped", "national_summary": "success"}
    assert latest(store, "CCJS", "DF_SDG_16_CRIME") is None
