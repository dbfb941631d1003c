"""The population behind derived rates and regional weights: the bundled World Bank table, or a
table the user gives (``sdmx-publish regional --population``) laid over it.

A given table may be complete (the UN WPP file, as the UN publishes it) or cover a few countries
(a national statistics office's own estimates); for the area-years it lacks, the bundled table is
used, and the ``SOURCE`` column says which table each value came from.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from .. import reference
from ..errors import InputError
from ..store import sha256_file
from ..transform.rates import POPULATION_COLUMNS, m49_population

BUNDLED = "World Bank population (SP.POP.TOTL)"
#: the UN World Population Prospects CSV as downloaded (``WPP20xx_TotalPopulationBySex.csv``):
#: LocID is the M49 code, PopTotal is in thousands, one row per variant for projected years
WPP_COLUMNS = ["LocID", "Time", "PopTotal"]
KEY = ["REF_AREA", "TIME_PERIOD"]
FORMATS = (f"columns {','.join(POPULATION_COLUMNS)} (M49 code, year, persons), or the UN WPP "
           f"TotalPopulationBySex CSV as published ({', '.join(WPP_COLUMNS)}; thousands)")


def bundled() -> pd.DataFrame:
    """The bundled World Bank table, with its ``SOURCE``."""
    return m49_population().assign(SOURCE=BUNDLED)


def _fail(path: Path, what: str, bad: pd.DataFrame, column: str, fix: str) -> InputError:
    rows = ", ".join(f"row {i + 2} {column}={v!r}" for i, v in bad[column].head(5).items())
    return InputError(f"{what}: {len(bad)} row(s), e.g. {rows}", where=str(path), fix=fix)


def read_population(path: str | Path) -> pd.DataFrame:
    """A user's population table as ``REF_AREA`` (M49), ``TIME_PERIOD`` (year), ``POPULATION`` (persons), ``SOURCE``.

    Either those columns, or the UN WPP ``TotalPopulationBySex`` CSV (Medium variant, thousands; its
    regional aggregates are left out). Wrong codes, years or numbers are errors with their rows.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError("population table not found", where=str(path), fix="check the path given to --population")
    try:
        raw = pd.read_csv(path, dtype=str, encoding="utf-8-sig", keep_default_na=False)
    except (UnicodeDecodeError, pd.errors.ParserError) as e:
        raise InputError(f"cannot read the population table: {e}", where=str(path),
                         fix=f"give a UTF-8 CSV file with {FORMATS}") from e
    countries, codes = reference.m49_countries(), reference.m49_codes()
    if set(WPP_COLUMNS) <= set(raw.columns):
        if "Variant" in raw.columns:
            raw = raw[raw["Variant"].eq("Medium")]
        pop = pd.DataFrame({"REF_AREA": raw["LocID"].str.strip(), "TIME_PERIOD": raw["Time"].str.strip(),
                            "POPULATION": raw["PopTotal"].str.strip()}, index=raw.index)
        value_column, scale = "PopTotal", 1000
        pop = pop[pop["REF_AREA"].isin(countries)]
        if pop.empty:
            raise InputError("no row of the WPP table has the LocID of a country (M49 code)", where=str(path),
                             fix="give the WPP TotalPopulationBySex file with its LocID column unchanged")
    elif set(POPULATION_COLUMNS) <= set(raw.columns):
        pop = raw[POPULATION_COLUMNS].apply(lambda c: c.str.strip())
        value_column, scale = "POPULATION", 1
        unknown = pop[~pop["REF_AREA"].isin(codes)]
        if len(unknown):
            raise _fail(path, "REF_AREA is not an M49 code", unknown, "REF_AREA",
                        "use M49 codes (e.g. 410 for the Republic of Korea, 4 for Afghanistan), not ISO codes or names")
    else:
        raise InputError(f"the population table has columns {list(raw.columns)}", where=str(path),
                         fix=f"give {FORMATS}")
    years = pop[~pop["TIME_PERIOD"].map(lambda t: bool(re.fullmatch(r"\d{4}", t)))]
    if len(years):
        raise _fail(path, "the year is not a four-digit year", years, "TIME_PERIOD", "give years as e.g. 2020")
    values = pd.to_numeric(pop["POPULATION"], errors="coerce")
    bad = pop[~(values > 0)].rename(columns={"POPULATION": value_column})
    if len(bad):
        raise _fail(path, "the population is not a positive number", bad, value_column,
                    "give persons as plain numbers (no thousands separators or notes)")
    dup = pop[pop.duplicated(KEY, keep=False)]
    if len(dup):
        raise _fail(path, "an area and year appear more than once", dup, "REF_AREA", "give one row per area and year")
    return pop.assign(POPULATION=values * scale, SOURCE=f"population table {path.name}").reset_index(drop=True)


def population(path: str | Path | None = None) -> tuple[pd.DataFrame, dict]:
    """The population table to use and its description for the manifest: the user's table where it
    has a value, the bundled one elsewhere (or the bundled one alone when ``path`` is None)."""
    if path is None:
        return bundled(), {"table": f"bundled reference/population.csv ({BUNDLED})"}
    own = read_population(path)
    table = pd.concat([own, bundled()], ignore_index=True).drop_duplicates(KEY, keep="first")
    return table.reset_index(drop=True), {
        "table": str(path), "sha256": sha256_file(Path(path)), "area_years": len(own),
        "elsewhere": f"bundled reference/population.csv ({BUNDLED})"}
