"""Regional aggregates (``REPORTING_TYPE=R``) of national SDG observations: Asia-Pacific and its M49 subregions.

Regions and their members come from the bundled M49 table (``reference/m49.csv``); every region
code is a code of IAEG-SDGs CL_AREA 1.14:

- M49 regions Asia (142) and Oceania (9), and their M49 subregions (30, 34, 35, 143, 145, 53, 54, 57, 61);
- the SDG regional groups inside Asia-Pacific, made of M49 subregions as the SDG regional groupings
  define them: Eastern and South-Eastern Asia (753 = 30 + 35), Central and Southern Asia
  (62 = 143 + 34), Oceania excluding Australia and New Zealand (543 = 54 + 57 + 61).

CL_AREA has no code for "Asia and Oceania" as a whole (902 is the ILO's "Asia and the Pacific",
a different membership), so no such aggregate is made.

Counts (``NUMBER``) are summed; rates and percentages are population-weighted means. An aggregate
is published only where coverage (the share of the region's population living in countries with a
value) reaches ``threshold``, and a breakdown (a sex, an age group) only where it is made of the same
countries as the region's total, so that the parts of a region add up as the countries' parts do.
Without imputation, a count is the sum over the covered countries; below full coverage it is not
the region's count, so it carries ``OBS_STATUS=D`` (definition differs) and its comment says which
share of the region it covers. With ``impute=True``, a count is scaled up to the whole
region (``sum / coverage``: the uncovered countries are assumed to have the covered countries' count
per head) and carries ``OBS_STATUS=I`` (imputed). Every regional value has ``NATURE=E`` (estimated),
as the global SDG database marks regional aggregates.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from .. import reference
from ..errors import InputError
from .sdg import SDG_COLUMNS

ASIA_PACIFIC = ("142", "9")
SDG_GROUPS = {"753": ("30", "35"), "62": ("143", "34"), "543": ("54", "57", "61")}
KEY = ["REGION", "SERIES", "SEX", "AGE", "TIME_PERIOD", "UNIT_MEASURE"]


@lru_cache(maxsize=1)
def membership() -> pd.DataFrame:
    """``REGION``, ``REF_AREA``: every Asia-Pacific region code with its member countries (M49 codes)."""
    m49 = reference.m49()
    m49 = m49[m49["Region Code"].isin(ASIA_PACIFIC)]
    parts = [m49[["Region Code", "M49 Code"]].set_axis(["REGION", "REF_AREA"], axis=1),
             m49[["Sub-region Code", "M49 Code"]].set_axis(["REGION", "REF_AREA"], axis=1)]
    sub = m49.set_index("Sub-region Code")["M49 Code"]
    for group, subregions in SDG_GROUPS.items():
        members = sub[sub.index.isin(subregions)]
        parts.append(pd.DataFrame({"REGION": group, "REF_AREA": members.to_numpy()}))
    return pd.concat(parts, ignore_index=True).drop_duplicates().reset_index(drop=True)


def coverage_table(national: pd.DataFrame, population: pd.DataFrame, members: pd.DataFrame) -> pd.DataFrame:
    """Per region, series, breakdown, year and unit: countries with data, their population, coverage, value."""
    region_pop = (members.merge(population, on="REF_AREA").groupby(["REGION", "TIME_PERIOD"], as_index=False)
                  ["POPULATION"].sum().rename(columns={"POPULATION": "region_population"}))
    data = national.merge(members, on="REF_AREA").merge(population, on=["REF_AREA", "TIME_PERIOD"], how="inner")
    data = data[np.isfinite(data["OBS_VALUE"].to_numpy()) & (data["POPULATION"] > 0)]
    data = data.assign(__weighted=data["OBS_VALUE"] * data["POPULATION"])
    g = data.groupby(KEY, as_index=False, sort=True).agg(
        countries=("REF_AREA", "nunique"), covered_population=("POPULATION", "sum"), total=("OBS_VALUE", "sum"),
        weighted=("__weighted", "sum"), members=("REF_AREA", lambda a: ",".join(sorted(set(a)))))
    g = g.merge(region_pop, on=["REGION", "TIME_PERIOD"], how="left")
    g["coverage"] = g["covered_population"] / g["region_population"]
    is_count = g["UNIT_MEASURE"].eq("NUMBER")
    g["value"] = np.where(is_count, g["total"], g["weighted"] / g["covered_population"])
    return g.drop(columns=["total", "weighted"])


def _same_countries_as_total(cov: pd.DataFrame) -> pd.Series:
    """Whether each candidate is made of the countries of its region's total (same series, year, unit)."""
    group = ["REGION", "SERIES", "TIME_PERIOD", "UNIT_MEASURE"]
    total = cov[cov["SEX"].eq("_T") & cov["AGE"].eq("_T")][[*group, "members"]]
    merged = cov[group].merge(total.rename(columns={"members": "__total"}), on=group, how="left")
    return pd.Series(merged["__total"].to_numpy() == cov["members"].to_numpy(), index=cov.index)


def aggregate(national: pd.DataFrame, population: pd.DataFrame, *, threshold: float = 0.5,
              impute: bool = False, source: str = "national values") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Regional observations (``REPORTING_TYPE=R``) and the coverage report of every candidate aggregate.

    ``national``: SDG observations with ``REPORTING_TYPE=N`` (e.g. from :func:`derive_sdg`);
    ``population``: ``REF_AREA``, ``TIME_PERIOD``, ``POPULATION``. The coverage report has one row
    per candidate with ``coverage``, ``published`` and, for a breakdown left out because other countries
    make its total, ``note``. ``source`` is named in ``SOURCE_DETAIL``.
    """
    if not 0 <= threshold <= 1:
        raise InputError(f"coverage threshold {threshold!r} is not a share between 0 and 1",
                         fix="give the threshold as a fraction, e.g. 0.5 for half of the region's population")
    national = national[national["REPORTING_TYPE"].eq("N")]
    cov = coverage_table(national, population, membership())
    consistent = _same_countries_as_total(cov)
    cov["published"] = (cov["coverage"] >= threshold) & consistent
    cov["note"] = np.where(consistent, "", "not published: other countries than the region's total")
    cov["imputed"] = cov["published"] & impute & cov["UNIT_MEASURE"].eq("NUMBER") & (cov["coverage"] < 1)
    pub = cov[cov["published"]]
    out = pd.DataFrame({"FREQ": "A", "REPORTING_TYPE": "R", "SERIES": pub["SERIES"], "REF_AREA": pub["REGION"],
                        "SEX": pub["SEX"], "AGE": pub["AGE"]}, index=pub.index)
    for c in SDG_COLUMNS[6:15]:
        out[c] = "_T"
    imputed = pub["imputed"].to_numpy()
    out["TIME_PERIOD"] = pub["TIME_PERIOD"]
    out["OBS_VALUE"] = np.where(imputed, pub["value"] / pub["coverage"], pub["value"])
    is_count = pub["UNIT_MEASURE"].eq("NUMBER").to_numpy()
    partial = is_count & ~imputed & (pub["coverage"] < 1).to_numpy()
    # a count over the covered countries only is not the region's count: D (definition differs),
    # its comment says which share of the region it covers
    out["OBS_STATUS"] = np.where(imputed, "I", np.where(partial, "D", "A"))
    out["UNIT_MULT"] = "0"
    out["UNIT_MEASURE"] = pub["UNIT_MEASURE"]
    out["NATURE"] = "E"
    out["SOURCE_DETAIL"] = f"Regional aggregate of {source}"
    how = np.where(is_count, "sum", "population-weighted mean")
    tail = np.where(imputed, "; scaled up to the whole region (imputed)",
                    np.where(partial, "; countries without data are not in the sum", ""))
    pct = (pub["coverage"] * 100).round(1).astype(str)
    out["COMMENT_OBS"] = (pd.Series(how, index=pub.index) + " over " + pub["countries"].astype(str)
                          + " countries covering " + pct + "% of the region's population (threshold "
                          + f"{threshold * 100:g}%)" + pd.Series(tail, index=pub.index))
    cov = cov.rename(columns={"REGION": "REF_AREA"}).drop(columns="members")
    return out[SDG_COLUMNS].reset_index(drop=True), cov.reset_index(drop=True)
