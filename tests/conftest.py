"""Shared fixtures: the bundled structures; Airflow's test configuration.

Airflow reads its configuration once, when it is first imported. This file is loaded before any
test module, whatever tests are selected and in whatever order they are collected, so Airflow is
pointed here at a temporary AIRFLOW_HOME with a SQLite DB and our ``dags/`` (tests/airflow/conftest.py
migrates the DB once per session).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from sdmx_publish import config
from sdmx_publish.structure import Flow, load_registry

ROOT = config.ROOT
EXAMPLES = ROOT / "examples"

AIRFLOW_HOME = Path(tempfile.mkdtemp(prefix="airflow-home-"))
os.environ.update({
    "AIRFLOW_HOME": str(AIRFLOW_HOME),
    "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
    "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",  # the regional DAG must be live to be queued
    "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
    "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{AIRFLOW_HOME / 'airflow.db'}",
    "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
    "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING",
    "SDMX_PUBLISH_RETRIES": "0",  # a test run must fail at once, not wait for a retry
})


#: modules of slow tests only whose import alone takes seconds (schemathesis builds the API's strategies):
#: the quick suite (``-m "not slow"``) does not collect them at all
SLOW_MODULES = {Path("serve", "test_fuzz.py")}


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    if config.getoption("markexpr") == "not slow" and collection_path.is_relative_to(ROOT / "tests") \
            and collection_path.relative_to(ROOT / "tests") in SLOW_MODULES:
        return True
    return None


@pytest.fixture(scope="session")
def registry():
    return load_registry()


@pytest.fixture(scope="session")
def iccs_flow(registry) -> Flow:
    return registry.flow("DF_ICCS")


@pytest.fixture(scope="session")
def sdg_flow(registry) -> Flow:
    return registry.flow("DF_SDG_16_CRIME")


@pytest.fixture(scope="session")
def airflow_db() -> Path:
    """The migrated SQLite metadata DB of the test AIRFLOW_HOME (once per session): DAG runs, and the
    tokens of Airflow's auth manager (checked against its revoked-token table)."""
    from airflow.utils import db

    db.resetdb(skip_init=False)
    return AIRFLOW_HOME / "airflow.db"
