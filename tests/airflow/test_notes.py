"""A failed task's reason and fix as its note: real DAG runs (``dag.test()``, SQLite metadata DB) with a
real Airflow API server on the same DB, which the failing task calls through the public REST API with
the credentials of the Connection ``sdmx_publish_api``."""

from __future__ import annotations

import json
import logging
import os
import secrets
import signal
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.distributed.services import free_port, wait_for

from .conftest import COUNTRIES
from .helpers import run_dag, task_states

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("airflow_db")]

API_PASSWORD, KEY = "PLANTED-notes-pw-3e8a", "PLANTED-src-key-61f0"


@pytest.fixture(scope="module")
def api_server(airflow_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``airflow api-server`` on the tests' SQLite metadata DB, with one user (``notes``, role Op) for the
    notes; its base URL."""
    folder = tmp_path_factory.mktemp("api-server")
    (folder / "passwords.json").write_text(json.dumps({"notes": API_PASSWORD}))
    port = free_port()
    env = {**os.environ, "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "notes:op",
           "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(folder / "passwords.json"),
           "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_urlsafe(32),
           "AIRFLOW__API__SECRET_KEY": secrets.token_urlsafe(32)}
    log = open(folder / "api-server.log", "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen([str(Path(sys.executable).parent / "airflow"), "api-server", "--host", "127.0.0.1",
                             "--port", str(port), "--workers", "1"], env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    base = f"http://127.0.0.1:{port}"

    def up() -> bool:
        if proc.poll() is not None:
            raise RuntimeError((folder / "api-server.log").read_text()[-3000:])
        with urllib.request.urlopen(f"{base}/api/v2/monitor/health", timeout=5) as answer:
            return answer.status == 200

    try:
        wait_for("the api-server", up, 300, every=2)
        yield base
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=60)
        log.close()


def note_of(run, task_id: str, map_index: int = -1) -> str | None:
    from airflow.models import TaskInstance
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        ti = session.scalars(select(TaskInstance).where(
            TaskInstance.dag_id == run.dag_id, TaskInstance.run_id == run.run_id, TaskInstance.task_id == task_id,
            TaskInstance.map_index == map_index)).one()
        return ti.note


def unreachable_source(specs: Path) -> None:
    """KOR's spec reading a URL nothing answers, with an API key in its query string."""
    folder = specs / "kor"
    folder.mkdir()
    (folder / "country.yaml").write_text("name: Republic of Korea\nm49: '410'\nnotify: {on_failure: false}\n")
    (folder / "homicide.yaml").write_text((COUNTRIES / "kor" / "homicide.yaml").read_text().replace(
        "  path: ../../examples/unodc/data_cts_intentional_homicide.ASIA_OCEANIA_subset.csv",
        f"  url: http://127.0.0.1:{free_port()}/homicide.csv?api_key={KEY}").replace("../../", f"{COUNTRIES.parent}/"))


@pytest.mark.parametrize("dag_id, task_id, map_index", [("publish_kor_homicide", "extract", -1),
                                                        ("publish_countries", "publish_source_DF_ICCS", 0)])
def test_a_failed_task_s_note_is_its_reason_and_fix_with_no_secret(
        api_server: str, specs: Path, store: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
        dag_id: str, task_id: str, map_index: int):
    unreachable_source(specs)
    monkeypatch.setenv("AIRFLOW_CONN_SDMX_PUBLISH_API", json.dumps(
        {"conn_type": "http", "host": api_server, "login": "notes", "password": API_PASSWORD}))
    with caplog.at_level(logging.INFO):
        run = run_dag(dag_id)
    assert str(run.state) == "failed"
    assert task_states(run)[task_id if map_index < 0 else f"{task_id}[{map_index}]"] == "failed"
    reasons = [r.getMessage() for r in caplog.records if r.name == "sdmx_publish.orchestrate.dags"
               and r.levelno == logging.ERROR]
    note = note_of(run, task_id, map_index)
    assert note == reasons[0]  # the reason and the fix, as logged first
    reason, fix = note.splitlines()
    assert "/homicide.csv?api_key=***: cannot download: " in reason and fix.startswith("  fix: ")
    assert KEY not in note and API_PASSWORD not in note
    assert [r for r in caplog.records if KEY in r.getMessage() or API_PASSWORD in r.getMessage()] == []
    if dag_id == "publish_countries":  # its summary fails too, its note the summary
        summary = note_of(run, "summary")
        assert summary.startswith("0 published, 1 failed") and "FAILED kor_homicide at extract: " in summary
        assert KEY not in summary


@pytest.mark.parametrize("api", [None, "down"])
def test_without_a_usable_connection_no_note_and_the_task_fails_as_before(
        specs: Path, store: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, api: str | None):
    """No Connection: an info line says how to get notes; an API server that is down: a warning naming the
    Connection (never its password); the task's own failure is unchanged."""
    unreachable_source(specs)
    if api:
        monkeypatch.setenv("AIRFLOW_CONN_SDMX_PUBLISH_API", json.dumps(
            {"conn_type": "http", "host": f"http://127.0.0.1:{free_port()}", "login": "notes",
             "password": API_PASSWORD}))
    with caplog.at_level(logging.INFO):
        run = run_dag("publish_kor_homicide")
    assert str(run.state) == "failed" and note_of(run, "extract") is None
    assert task_states(run)["extract"] == "failed" and task_states(run)["publish"] == "upstream_failed"
    said = [r.getMessage() for r in caplog.records if r.name == "sdmx_publish.orchestrate.notes"]
    expected = ("the task note could not be written through http://127.0.0.1:" if api else
                "no task note: define the Airflow Connection 'sdmx_publish_api'")
    assert len(said) == 1 and said[0].startswith(expected) and API_PASSWORD not in said[0]
