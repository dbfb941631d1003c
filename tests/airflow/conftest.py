"""Airflow test setup: specs and store folders for the DAGs. The temporary AIRFLOW_HOME is configured in
tests/conftest.py (before any test module imports Airflow), which also migrates its DB (``airflow_db``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sdmx_publish import config

DAGS = config.ROOT / "dags"
COUNTRIES = config.ROOT / "countries"


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
