"""``scripts/airflow-standalone.sh``, the quick try of docs/airflow.md, run as a user runs it: from the
repository's root, without the virtual environment activated, with no setup but the script's own.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sdmx_publish import config
from tests.distributed.services import Api, Processes, free_port, wait_for

SCRIPT = config.ROOT / "scripts" / "airflow-standalone.sh"
#: the PATH of a shell where no virtual environment is activated
BARE_PATH = "/usr/local/bin:/usr/bin:/bin"


def test_without_the_package_installed_the_script_says_how_to_install_it(tmp_path):
    """A checkout in the current folder is no installed package: the script stops before starting Airflow,
    saying to create the .venv (a checkout that `python -c "import sdmx_publish"` imports from the cwd once
    passed the check and then failed with "airflow: not found")."""
    repo = tmp_path / "checkout"
    (repo / "scripts").mkdir(parents=True)
    (repo / "sdmx_publish").mkdir()
    (repo / "sdmx_publish" / "__init__.py").write_text("")
    shutil.copy(SCRIPT, repo / "scripts")
    out = subprocess.run(["bash", "scripts/airflow-standalone.sh"], cwd=repo, capture_output=True, text=True,
                         timeout=60, check=False, env={"PATH": BARE_PATH, "HOME": str(tmp_path)})
    assert out.returncode == 2, out.stdout + out.stderr
    assert "sdmx-publish of this checkout is not installed" in out.stderr
    assert f"python3.11 -m venv '{repo}/.venv' && '{repo}/.venv/bin/pip' install -e '{repo}[airflow]'" in out.stderr
    assert not (repo / "airflow-home").exists()  # nothing started


@pytest.mark.slow
def test_the_quick_try_publishes_a_dataflow_no_other_spec_uses(tmp_path):
    """The docs' quick try, then a country added while Airflow runs (the docs: adding a folder is all it
    takes) whose spec publishes DF_ICCS_SUBNAT, a dataflow of no other spec: its DAG, unpaused and
    triggered, publishes into the script's own store under AIRFLOW_HOME, the pool made by the script."""
    home, specs = tmp_path / "airflow-home", tmp_path / "specs"
    specs.mkdir()
    (specs / "kor").symlink_to(config.ROOT / "countries" / "kor", target_is_directory=True)
    port = free_port()
    env = {"PATH": BARE_PATH, "HOME": str(tmp_path), "AIRFLOW_HOME": str(home), "SDMX_PUBLISH_SPECS_DIR": str(specs),
           "AIRFLOW__API__PORT": str(port), "SDMX_PUBLISH_RETRIES": "0",
           "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "5"}
    if Path(sys.prefix) != config.ROOT / ".venv":  # the tests' environment is not the script's default one
        env["VIRTUAL_ENV"] = sys.prefix
    logs = tmp_path / "logs"
    logs.mkdir()
    procs = Processes(logs)
    try:
        procs.start("standalone", ["bash", str(SCRIPT)], env, cwd=config.ROOT)
        api = Api(f"http://127.0.0.1:{port}")
        passwords = home / "simple_auth_manager_passwords.json.generated"

        def up() -> bool:
            procs.check_alive()
            return passwords.is_file() and api.status("/api/v2/monitor/health", auth=False) == 200

        wait_for("airflow standalone", up, 600, every=3)
        api.login("admin", json.loads(passwords.read_text())["admin"])
        (specs / "knpa").symlink_to(config.ROOT / "examples" / "knpa", target_is_directory=True)
        dag_id = "publish_knpa_crime_by_region"
        wait_for(f"{dag_id} parsed", lambda: procs.check_alive() or api.status(f"/api/v2/dags/{dag_id}") == 200,
                 300, every=3)
        api.call("PATCH", f"/api/v2/dags/{dag_id}", {"is_paused": False})
        run_id = api.call("POST", f"/api/v2/dags/{dag_id}/dagRuns", {"logical_date": None})["dag_run_id"]

        def finished() -> str | None:
            procs.check_alive()
            log = (logs / "standalone.log").read_text(errors="replace")
            assert "non-existent pool" not in log, log[log.index("non-existent pool") - 200:][:600]
            state = api.call("GET", f"/api/v2/dags/{dag_id}/dagRuns/{run_id}")["state"]
            return state if state in ("success", "failed") else None

        state = wait_for(f"the run of {dag_id}", finished, 600, every=5)
        tis = api.call("GET", f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances")["task_instances"]
        assert state == "success", ({t["task_id"]: t["state"] for t in tis}, procs.tail("standalone"))
        assert {t["task_id"]: t["pool"] for t in tis}["publish"] == "sdmx_publish_CCJS_DF_ICCS_SUBNAT"
        assert (home / "releases" / "CCJS" / "DF_ICCS_SUBNAT" / "LATEST").is_file()
        # the docs' check against the running Airflow's DB: every pool is there
        check = subprocess.run(["bash", "-c", "airflow pools list -o json | sdmx-publish pools --check -"],
                               capture_output=True, text=True, timeout=300, check=False,
                               env={**env, "PATH": f"{Path(sys.executable).parent}:{BARE_PATH}"})
        assert check.returncode == 0 and "all 4 pools of the sdmx-publish DAGs exist" in check.stdout, check.stderr
    finally:
        procs.stop()
