"""Bundled reference tables (``reference/``), read once per process."""

from __future__ import annotations

from functools import lru_cache

import pandas as pd

from . import config


@lru_cache(maxsize=1)
def m49() -> pd.DataFrame:
    """UN M49 areas with their region, subregion and ISO alpha-3 codes (all columns as text)."""
    return pd.read_csv(config.reference_dir() / "m49.csv", dtype=str, encoding="utf-8-sig")
