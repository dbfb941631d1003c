"""Rates per 100,000 population derived from counts and a population table."""

from __future__ import annotations

from functools import lru_cache

import pandas as pd

from .. import config, reference
from ..errors import SpecError
from ..spec.model import Spec
from ..structure import Flow

PER = 100_000
POPULATION_COLUMNS = ["REF_AREA", "TIME_PERIOD", "POPULATION"]


def population_table(spec: Spec) -> pd.DataFrame:
    """Population by REF_AREA code and year (TIME_PERIOD), from the spec's ``derive_rates``."""
    r = spec.derive_rates
    assert r is not None
    if r.population == "bundled":
        return m49_population()
    pop = pd.read_csv(spec.resolve(r.population), dtype={r.area_column: str, r.year_column: str}, encoding="utf-8-sig")
    missing = [c for c in (r.area_column, r.year_column, r.value_column) if c not in pop.columns]
    if missing:
        raise SpecError(f"population table lacks {missing}", where=f"{spec.path}: derive_rates",
                        fix="set area_column/year_column/value_column")
    pop = pop.rename(columns={r.area_column: "REF_AREA", r.year_column: "TIME_PERIOD", r.value_column: "POPULATION"})
    return pop[["REF_AREA", "TIME_PERIOD", "POPULATION"]].dropna()


def add_rates(frame: pd.DataFrame, population: pd.DataFrame, *, unit_column: str = "UNIT_MEASURE") -> pd.DataFrame:
    """Append a rate row (``PER_100000_POP``) for every count row (``NUMBER``) that has a population.

    A rate the source already gives for the same key is kept, not duplicated.
    """
    if "COMMENT_OBS" not in frame.columns:
        frame = frame.assign(COMMENT_OBS="")
    counts = frame[frame[unit_column] == "NUMBER"]
    rates = counts.merge(population, on=["REF_AREA", "TIME_PERIOD"], how="inner")
    rates["OBS_VALUE"] = rates["OBS_VALUE"] / rates.pop("POPULATION") * PER
    rates[unit_column] = "PER_100000_POP"
    rates["COMMENT_OBS"] = "Rate per 100,000 derived from the count and the population"
    key = [c for c in frame.columns if not c.startswith("_") and c not in ("OBS_VALUE", "OBS_STATUS", "COMMENT_OBS",
                                                                           "SOURCE_DETAIL", "NAT_CATEGORY", "UNIT_MULT")]
    have = frame[frame[unit_column] == "PER_100000_POP"][key].drop_duplicates()
    rates = rates.merge(have.assign(__have=True), on=key, how="left")
    rates = rates[rates.pop("__have").isna()]
    return pd.concat([frame, rates[frame.columns.intersection(rates.columns)]], ignore_index=True)


@lru_cache(maxsize=1)
def m49_population() -> pd.DataFrame:
    """Bundled World Bank population by M49 code (``REF_AREA``), year and ``POPULATION``."""
    ref = config.reference_dir()
    pop = pd.read_csv(ref / "population.csv", dtype={"Year": str})
    m49 = reference.m49()[["ISO-alpha3 Code", "M49 Code"]]
    pop = pop.merge(m49, left_on="Country Code", right_on="ISO-alpha3 Code")
    return pop.rename(columns={"M49 Code": "REF_AREA", "Year": "TIME_PERIOD", "Value": "POPULATION"})[
        POPULATION_COLUMNS]


def population_for(flow: Flow) -> pd.DataFrame | None:
    """The population table for a dataflow whose REF_AREA uses M49 codes, else None."""
    return m49_population() if "REF_AREA" in flow.dsd.dimension_ids else None
