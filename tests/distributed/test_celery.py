"""The production setup, for real: PostgreSQL metadata DB, Redis broker, CeleryExecutor with two workers,
scheduler, dag-processor and api-server as separate processes, the store shared by all of them.

Three countries' national DAGs are triggered at once through the REST API; their releases must land
in the shared store (serialised by the dataflow's pool and lock), each with its Asset event, and the
regional DAG must run on those events and publish. Needs the Debian packages ``postgresql`` and
``redis-server`` (``.ci/run`` installs them) and the ``celery`` extra; skipped without them, and unless
``SDMX_PUBLISH_TEST_DISTRIBUTED=1`` (or ``CI``) is set, to keep developers' test runs short.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sdmx_publish import config
from sdmx_publish.orchestrate.sources import pools

from .services import Api, Postgres, Processes, free_port, postgres_bin, wait_for

pytestmark = pytest.mark.slow

ROOT = config.ROOT
COUNTRIES = ("jpn", "kor", "phl")
#: budget of the whole run once everything is up (the machine has 2 cores)
RUN_TIMEOUT = 900


def missing() -> str | None:
    if not (os.environ.get("SDMX_PUBLISH_TEST_DISTRIBUTED") or os.environ.get("CI")):
        return "a few minutes of real services: set SDMX_PUBLISH_TEST_DISTRIBUTED=1 to run it (.ci/run does)"
    if postgres_bin() is None:
        return "PostgreSQL server (Debian package postgresql) not installed"
    if shutil.which("redis-server") is None:
        return "Redis (Debian package redis-server) not installed"
    for module in ("airflow.providers.celery", "psycopg2", "asyncpg"):
        try:
            __import__(module)
        except ImportError:
            return f"{module} missing: pip install -e '.[celery]'"
    return None


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory):
    """Every service up, the DAGs parsed, the pools created; yields (api, store, processes)."""
    if reason := missing():
        pytest.skip(reason)
    tmp = tmp_path_factory.mktemp("distributed")
    logs = tmp / "logs"
    logs.mkdir()
    procs = Processes(logs)
    pg = Postgres(postgres_bin())
    try:
        yield from _cluster(tmp, procs, pg)
    finally:
        procs.stop()
        pg.stop()


def specs_folder(tmp: Path) -> Path:
    """The three bundled countries, their paths made absolute and without a schedule: runs come from the test."""
    specs = tmp / "specs"
    for code in COUNTRIES:
        (specs / code).mkdir(parents=True)
        shutil.copy(ROOT / "countries" / code / "country.yaml", specs / code)
        text = (ROOT / "countries" / code / "homicide.yaml").read_text(encoding="utf-8")
        text = text.replace("../../", f"{ROOT}/").replace('schedule: "@yearly"', "schedule: null")
        (specs / code / "homicide.yaml").write_text(text, encoding="utf-8")
    return specs


def _cluster(tmp: Path, procs: Processes, pg: Postgres):
    db = pg.start()
    redis_port, api_port = free_port(), free_port()
    procs.start("redis", ["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "",
                          "--appendonly", "no"], os.environ.copy())
    store = tmp / "store"
    store.mkdir()
    # admin for the test; notes (role op) for the workers, which write a failed task's reason as its note
    (tmp / "passwords.json").write_text('{"admin": "admin-pw", "notes": "notes-pw"}')
    airflow = str(Path(sys.executable).parent / "airflow")
    # one environment for every component (docs/airflow.md, "Production"): the same DB, broker, result
    # backend, DAGs, JWT secret, execution API URL and SDMX_PUBLISH_* settings
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "SDMX_PUBLISH_"))}
    env.update({
        "AIRFLOW_HOME": str(tmp / "airflow-home"),
        "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"postgresql+psycopg2://{db}",
        "AIRFLOW__CELERY__BROKER_URL": f"redis://127.0.0.1:{redis_port}/0",
        "AIRFLOW__CELERY__RESULT_BACKEND": f"db+postgresql+psycopg2://{db}",
        "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{api_port}/execution/",
        "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_urlsafe(32),
        "AIRFLOW__API__SECRET_KEY": secrets.token_urlsafe(32),
        "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{api_port}",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin,notes:op",
        "AIRFLOW_CONN_SDMX_PUBLISH_API": json.dumps({"conn_type": "http", "host": f"http://127.0.0.1:{api_port}",
                                                     "login": "notes", "password": "notes-pw"}),
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(tmp / "passwords.json"),
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
        "AIRFLOW__SCHEDULER__TASK_QUEUED_TIMEOUT": "600",
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
        "SDMX_PUBLISH_STORE": str(store),
        "SDMX_PUBLISH_SPECS_DIR": str(specs_folder(tmp)),
        "SDMX_PUBLISH_RETRIES": "1",
        # the regional DAG's own schedule far away: its runs here come from the Asset events
        "SDMX_PUBLISH_REGIONAL_SCHEDULE": "0 0 29 2 *",
    })
    migrated = subprocess.run([airflow, "db", "migrate"], env=env, capture_output=True, text=True,
                                            timeout=600, check=False)
    assert migrated.returncode == 0, migrated.stdout[-3000:] + migrated.stderr[-3000:]
    procs.start("api-server", [airflow, "api-server", "--host", "127.0.0.1", "--port", str(api_port),
                               "--workers", "1"], env)
    procs.start("scheduler", [airflow, "scheduler"], env)
    procs.start("dag-processor", [airflow, "dag-processor"], env)
    for n in (1, 2):
        procs.start(f"worker{n}", [airflow, "celery", "worker", "--concurrency", "2", "--celery-hostname",
                                   f"worker{n}@%h", "--without-mingle", "--without-gossip"],
                    {**env, "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port())})
    api = Api(f"http://127.0.0.1:{api_port}")

    def up() -> bool:
        procs.check_alive()
        return api.status("/api/v2/monitor/health", auth=False) == 200

    wait_for("the api-server", up, 300, every=3)
    api.login("admin", "admin-pw")

    def parsed() -> bool:
        procs.check_alive()
        ids = {d["dag_id"] for d in api.call("GET", "/api/v2/dags?limit=100")["dags"]}
        return {*(f"publish_{c}_homicide" for c in COUNTRIES), "publish_regional"} <= ids

    wait_for("the DAGs parsed by the dag-processor", parsed, 300, every=3)
    # one pool per dataflow, as `sdmx-publish pools` writes them (docs/airflow.md, step 6)
    for name, text in pools().items():
        api.call("POST", "/api/v2/pools", {"name": name, "slots": 1, "description": text})
    for dag_id in (*(f"publish_{c}_homicide" for c in COUNTRIES), "publish_regional"):
        api.call("PATCH", f"/api/v2/dags/{dag_id}", {"is_paused": False})
    yield api, store, procs


def asset_events(api: Api, uri: str) -> list[dict]:
    """The events of the Asset ``uri``, through the REST API."""
    assets = {a["uri"]: a["id"] for a in api.call("GET", "/api/v2/assets?limit=100")["assets"]}
    assert uri in assets, f"no Asset {uri}; the API server has {sorted(assets)}"
    return api.call("GET", f"/api/v2/assets/events?asset_id={assets[uri]}&limit=100")["asset_events"]


def test_three_countries_on_celery_workers_then_the_regional_dag_through_assets(cluster):
    api, store, procs = cluster
    started = time.monotonic()
    runs = {}
    for code in COUNTRIES:  # triggered together: they run concurrently on the two workers
        dag_id = f"publish_{code}_homicide"
        runs[dag_id] = api.call("POST", f"/api/v2/dags/{dag_id}/dagRuns", {"logical_date": None})["dag_run_id"]

    def finished() -> dict[str, str] | None:
        procs.check_alive()
        states = {d: api.call("GET", f"/api/v2/dags/{d}/dagRuns/{r}")["state"] for d, r in runs.items()}
        return states if all(s in ("success", "failed") for s in states.values()) else None

    states = wait_for("the national runs", finished, RUN_TIMEOUT, every=5)
    assert states == dict.fromkeys(runs, "success"), {d: procs.tail("scheduler", 2000) for d in runs}

    # the releases: one per publication, each adding its country's part, in the shared store
    from sdmx_publish.store import latest, releases

    published = releases(store, "CCJS", "DF_ICCS")
    assert len(published) == 3
    assert sorted(latest(store, "CCJS", "DF_ICCS").manifest.parts) == [f"{c}_homicide" for c in COUNTRIES]
    # the Asset events, one per national run, each naming its release
    events = asset_events(api, "sdmx://CCJS/DF_ICCS")
    by_dag = {e["source_dag_id"]: e["extra"]["release_id"] for e in events if e["source_run_id"] in runs.values()}
    assert by_dag.keys() == runs.keys()
    assert set(by_dag.values()) == {r.id for r in published}
    # each publishing task's extra links point at its release, served by the plugin behind Airflow's login
    dag_id, run_id = next(iter(runs.items()))
    links = api.call("GET", f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances/publish/links")
    manifest_url = links["extra_links"]["Release (manifest)"]
    assert manifest_url.endswith(f"/{by_dag[dag_id]}/manifest.json")
    assert api.status(manifest_url) == 200 and api.status(manifest_url, auth=False) == 401
    assert api.status(links["extra_links"]["Validation report"]) == 200
    assert api.status(links["extra_links"]["Mapping review"].split("#")[0]) == 200

    # the regional DAG ran on the Asset events and published the SDG dataflow
    def regional_done() -> list[dict] | None:
        procs.check_alive()
        found = api.call("GET", "/api/v2/dags/publish_regional/dagRuns?limit=50")["dag_runs"]
        triggered = [r for r in found if r["run_type"] == "asset_triggered"]
        if triggered and all(r["state"] in ("success", "failed") for r in triggered) and latest(
                store, "CCJS", "DF_SDG_16_CRIME") is not None:
            return triggered
        return None

    triggered = wait_for("the asset-triggered regional run", regional_done, RUN_TIMEOUT, every=5)
    assert {r["state"] for r in triggered} == {"success"}
    sdg = latest(store, "CCJS", "DF_SDG_16_CRIME")
    assert sdg.manifest.observations > 0
    # derived from one of the national releases (the last one, or an earlier one if a run started in between)
    assert sdg.manifest.extra["derivation"]["source_release"]["release_id"] in {r.id for r in published}
    sdg_events = asset_events(api, "sdmx://CCJS/DF_SDG_16_CRIME")
    assert [e["source_dag_id"] for e in sdg_events] and {e["source_dag_id"] for e in sdg_events} == {
        "publish_regional"}
    # both workers took part: the runs were distributed
    hosts = {ti["hostname"] for d, r in runs.items()
             for ti in api.call("GET", f"/api/v2/dags/{d}/dagRuns/{r}/taskInstances")["task_instances"]}
    assert all(hosts)
    received = {n: procs.tail(n, 10**7).count("execute_workload") for n in ("worker1", "worker2")}
    print(f"distributed run: {time.monotonic() - started:.0f} s from trigger to regional release; "
          f"task hosts {sorted(hosts)}; Celery log lines about task workloads per worker {received}")


def test_a_failed_task_s_reason_and_fix_are_its_note_written_by_a_celery_worker(cluster):
    """A worker has no metadata DB: it writes the note through the REST API (Connection sdmx_publish_api)."""
    api, _, procs = cluster
    dag_id = "publish_kor_homicide"
    run_id = api.call("POST", f"/api/v2/dags/{dag_id}/dagRuns",
                      {"logical_date": None, "conf": {"start_period": "2020", "end_period": "2010"}})["dag_run_id"]

    def finished() -> str | None:
        procs.check_alive()
        state = api.call("GET", f"/api/v2/dags/{dag_id}/dagRuns/{run_id}")["state"]
        return state if state in ("success", "failed") else None

    assert wait_for("the failing run", finished, RUN_TIMEOUT, every=5) == "failed"
    tis = api.call("GET", f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances")["task_instances"]
    failed = [ti for ti in tis if ti["state"] == "failed"]
    assert len(failed) == 1, [(ti["task_id"], ti["state"]) for ti in tis]
    assert failed[0]["note"] == ("the period range 2020..2010 is empty: it ends before it starts\n"
                                 "  fix: give the earlier period as the start")
