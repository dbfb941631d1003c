"""Airflow test setup: a temporary AIRFLOW_HOME with a SQLite metadata DB, our ``dags/`` folder, no examples.

Airflow reads its configuration when first imported, so the environment is set when this file is
loaded, before any test module imports Airflow; the DB is migrated once per session.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import pytest

from sdmx_publish import config

DAGS = config.ROOT / "dags"
COUNTRIES = config.ROOT / "countries"
HOME = Path(tempfile.mkdtemp(prefix="airflow-home-"))

if "airflow" in sys.modules:  # pragma: no cover - only if another test module imported Airflow first
    raise RuntimeError("tests/airflow must configure Airflow before it is imported; run it on its own")
os.environ.update({
    "AIRFLOW_HOME": str(HOME),
    "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
    "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",  # the regional DAG must be live to be queued
    "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS),
    "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{HOME / 'airflow.db'}",
    "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
    "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING",
    "SDMX_PUBLISH_RETRIES": "0",  # a test run must fail at once, not wait for a retry
})


@pytest.fixture(scope="session")
def airflow_db() -> Path:
    """The migrated SQLite metadata DB (once per session)."""
    from airflow.utils import db

    db.resetdb(skip_init=False)
    return HOME / "airflow.db"


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh release store, where the tasks publish (``SDMX_PUBLISH_STORE``)."""
    path = tmp_path / "store"
    monkeypatch.setenv("SDMX_PUBLISH_STORE", str(path))
    return path


@pytest.fixture
def specs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty specs folder the DAGs are generated from (``SDMX_PUBLISH_SPECS_DIR``)."""
    path = tmp_path / "specs"
    path.mkdir()
    monkeypatch.setenv("SDMX_PUBLISH_SPECS_DIR", str(path))
    return path


def add_country(specs: Path, code: str) -> Path:
    """A country of the repository in ``specs`` (a symlink: its specs resolve paths from the repository)."""
    link = specs / code
    link.symlink_to(COUNTRIES / code, target_is_directory=True)
    return link
