"""Airflow test setup: the SQLite metadata DB of the temporary AIRFLOW_HOME (configured in
tests/conftest.py, before any test module imports Airflow), migrated once per session; specs and
store folders for the DAGs.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sdmx_publish import config

from ..conftest import AIRFLOW_HOME as HOME

DAGS = config.ROOT / "dags"
COUNTRIES = config.ROOT / "countries"


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
