"""Bundled reference tables (``reference/``), read once per process."""

from __future__ import annotations

from functools import lru_cache

import pandas as pd

from . import config


@lru_cache(maxsize=1)
def m49() -> pd.DataFrame:
    """UN M49 areas with their region, subregion and ISO alpha-3 codes (all columns as text)."""
    return pd.read_csv(config.reference_dir() / "m49.csv", dtype=str, encoding="utf-8-sig")


@lru_cache(maxsize=1)
def m49_countries() -> frozenset[str]:
    """M49 codes of countries and areas (as CL_AREA writes them: no leading zeros)."""
    return frozenset(m49()["M49 Code"].dropna())


@lru_cache(maxsize=1)
def m49_codes() -> frozenset[str]:
    """Every M49 code of the table: countries and the regions, subregions and intermediate regions they are in."""
    regions = m49()[["Global Code", "Region Code", "Sub-region Code", "Intermediate Region Code"]]
    return m49_countries() | frozenset(regions.stack().dropna())
