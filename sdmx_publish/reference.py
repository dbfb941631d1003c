"""Bundled reference tables (``reference/``), read once per process."""

from __future__ import annotations

import csv
from functools import lru_cache
from typing import TYPE_CHECKING

from . import config

if TYPE_CHECKING:
    import pandas as pd


@lru_cache(maxsize=1)
def m49() -> pd.DataFrame:
    """UN M49 areas with their region, subregion and ISO alpha-3 codes (all columns as text)."""
    import pandas as pd

    return pd.read_csv(config.reference_dir() / "m49.csv", dtype=str, encoding="utf-8-sig")


@lru_cache(maxsize=1)
def m49_countries() -> frozenset[str]:
    """M49 codes of countries and areas (as CL_AREA writes them: no leading zeros).

    Read without pandas: the DAG processor checks ``country.yaml`` with it at parse time."""
    with open(config.reference_dir() / "m49.csv", encoding="utf-8-sig", newline="") as f:
        return frozenset(row["M49 Code"] for row in csv.DictReader(f) if row["M49 Code"])


@lru_cache(maxsize=1)
def m49_codes() -> frozenset[str]:
    """Every M49 code of the table: countries and the regions, subregions and intermediate regions they are in."""
    regions = m49()[["Global Code", "Region Code", "Sub-region Code", "Intermediate Region Code"]]
    return m49_countries() | frozenset(regions.stack().dropna())
