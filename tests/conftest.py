"""Shared fixtures: the bundled structures, and helpers to write small source tables and specs."""

from __future__ import annotations

import pytest

from sdmx_publish import config
from sdmx_publish.structure import Flow, load_registry

ROOT = config.ROOT
EXAMPLES = ROOT / "examples"


@pytest.fixture(scope="session")
def registry():
    return load_registry()


@pytest.fixture(scope="session")
def iccs_flow(registry) -> Flow:
    return registry.flow("DF_ICCS")


@pytest.fixture(scope="session")
def sdg_flow(registry) -> Flow:
    return registry.flow("DF_SDG_16_CRIME")
