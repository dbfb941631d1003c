"""Fixtures: the bundled UNODC homicide table as an ICCS observation frame, and the bundled population."""

from __future__ import annotations

import pandas as pd
import pytest

from sdmx_publish.extract import extract
from sdmx_publish.spec import load_spec
from sdmx_publish.transform import transform
from sdmx_publish.transform.rates import m49_population
from tests.conftest import EXAMPLES


@pytest.fixture(scope="session")
def homicide_iccs(iccs_flow) -> pd.DataFrame:
    """``examples/unodc/homicide.yaml`` transformed onto DF_ICCS (UNODC counts and UNODC rates)."""
    spec = load_spec(EXAMPLES / "unodc" / "homicide.yaml")
    frame, _ = transform(extract(spec), spec, iccs_flow)
    return frame


@pytest.fixture(scope="session")
def population() -> pd.DataFrame:
    return m49_population()
