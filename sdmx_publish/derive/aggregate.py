"""Regional aggregates (``REPORTING_TYPE=R``) of national SDG observations: Asia-Pacific and its M49 subregions.

Regions and their members come from the bundled M49 table (``reference/m49.csv``); every region
code is a code of IAEG-SDGs CL_AREA 1.14:

- M49 regions Asia (142) and Oceania (9), and their M49 subregions (30, 34, 35, 143, 145, 53, 54, 57, 61);
- the SDG regional groups inside Asia-Pacific, made of M49 subregions as the SDG regional groupings
  define them: Eastern and South-Eastern Asia (753 = 30 + 35), Central and Southern Asia
  (62 = 143 + 34), Oceania excluding Australia and New Zealand (543 = 54 + 57 + 61).

CL_AREA has no code for "Asia and Oceania" as a whole (902 is the ILO's "Asia and the Pacific",
a different membership), so no such aggregate is made.

Counts (``NUMBER``) are summed; rates and percentages are population-weighted means. Declared
coverage rules decide what is published: an aggregate needs at least ``min_countries`` countries with
a value (or all the region's members with a population, when the region has fewer) **and** a
coverage (the share of the region's population living in countries with a value) of at least
``threshold``; below either, nothing is published (the coverage report says why). A breakdown (a
sex, an age group) is published only where it is made of the same countries as the region's total,
so that the parts of a region add up as the countries' parts do.

Flags, as the global SDG database marks regional aggregates: every regional value has ``NATURE=E``
(estimated); below full coverage ``OBS_STATUS=E`` (a sum over the covered countries, or a weighted
mean standing for the region; the comment says which share of the region it covers); with
``impute=True`` a count is scaled up to the whole region (``sum / coverage``) and carries
``OBS_STATUS=I`` (imputed). Where the countries of an aggregate differ from those of the same
aggregate's previous published year, the value is a break in composition: ``OBS_STATUS=B`` and the
comment names the countries that entered and left. Complete, unchanged aggregates keep ``A``.

The membership of every published aggregate (its countries, their values, populations and weights)
is returned as a table that the regional release publishes as ``membership.csv``.
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


def coverage_table(national: pd.DataFrame, population: pd.DataFrame,
                   members: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per region, series, breakdown, year and unit: countries with data, their population, coverage,
    value, and the region's members with a population; and the member rows behind each candidate."""
    with_pop = members.merge(population, on="REF_AREA")
    region_pop = (with_pop.groupby(["REGION", "TIME_PERIOD"], as_index=False)
                  .agg(region_population=("POPULATION", "sum"), region_members=("REF_AREA", "nunique")))
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
    return g.drop(columns=["total", "weighted"]), data[[*KEY, "REF_AREA", "OBS_VALUE", "POPULATION"]]


def _same_countries_as_total(cov: pd.DataFrame) -> pd.Series:
    """Whether each candidate is made of the countries of its region's total (same series, year, unit)."""
    group = ["REGION", "SERIES", "TIME_PERIOD", "UNIT_MEASURE"]
    total = cov[cov["SEX"].eq("_T") & cov["AGE"].eq("_T")][[*group, "members"]]
    merged = cov[group].merge(total.rename(columns={"members": "__total"}), on=group, how="left")
    return pd.Series(merged["__total"].to_numpy() == cov["members"].to_numpy(), index=cov.index)


def _composition_changes(pub: pd.DataFrame) -> pd.Series:
    """For each published aggregate, the change of countries since the same aggregate's previous
    published year (``"+608 -356"``), "" where none or where it is the first year."""
    series = [k for k in KEY if k != "TIME_PERIOD"]
    order = pub.assign(__year=pub["TIME_PERIOD"].astype(int)).sort_values([*series, "__year"], kind="stable")
    prev = order.groupby(series, sort=False)["members"].shift(1)
    out = pd.Series("", index=order.index, dtype=object)
    changed = prev.notna() & prev.ne(order["members"])
    for i in np.flatnonzero(changed.to_numpy()):  # only the few aggregates whose composition changed
        now, before = set(order["members"].iat[i].split(",")), set(prev.iat[i].split(","))
        out.iat[i] = " ".join([*(f"+{c}" for c in sorted(now - before, key=int)),
                               *(f"-{c}" for c in sorted(before - now, key=int))])
    return out.reindex(pub.index)


def _withheld_note(cov: pd.DataFrame, enough_countries: pd.Series, enough_people: pd.Series,
                   consistent: pd.Series, threshold: float, need: pd.Series) -> np.ndarray:
    notes = np.where(~consistent, "not published: other countries than the region's total", "")
    notes = np.where(consistent & ~enough_people,
                     f"not published: coverage below the threshold ({threshold * 100:g}%)", notes)
    few = "not published: fewer than " + need.astype(str) + " countries"
    return np.where(consistent & enough_people & ~enough_countries, few.to_numpy(), notes)


def aggregate(national: pd.DataFrame, population: pd.DataFrame, *, threshold: float = 0.5, min_countries: int = 3,
              impute: bool = False, source: str = "national values") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Regional observations (``REPORTING_TYPE=R``) and the coverage report of every candidate aggregate.

    ``national``: SDG observations with ``REPORTING_TYPE=N`` (e.g. from :func:`derive_sdg`);
    ``population``: ``REF_AREA``, ``TIME_PERIOD``, ``POPULATION``. The coverage report has one row
    per candidate with ``countries``, ``coverage``, ``published`` and, where it is not published, a
    ``note`` saying why. ``source`` is named in ``SOURCE_DETAIL``. The membership of the published
    aggregates is :func:`aggregate_membership`'s.
    """
    out, cov, _members = aggregate_membership(national, population, threshold=threshold,
                                              min_countries=min_countries, impute=impute, source=source)
    return out, cov


def aggregate_membership(national: pd.DataFrame, population: pd.DataFrame, *, threshold: float = 0.5,
                         min_countries: int = 3, impute: bool = False,
                         source: str = "national values") -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """:func:`aggregate`, plus the membership of every published aggregate: one row per aggregate and
    member country with the country's value, population and weight (its share of the covered
    population for a weighted mean, 1 for a sum)."""
    if not 0 <= threshold <= 1:
        raise InputError(f"coverage threshold {threshold!r} is not a share between 0 and 1",
                         fix="give the threshold as a fraction, e.g. 0.5 for half of the region's population")
    if isinstance(min_countries, bool) or not isinstance(min_countries, (int, np.integer)) or min_countries < 1:
        raise InputError(f"minimum number of countries {min_countries!r} is not a whole number of at least 1",
                         fix="give the minimum number of countries with data per aggregate, e.g. 3")
    national = national[national["REPORTING_TYPE"].eq("N")]
    cov, rows = coverage_table(national, population, membership())
    consistent = _same_countries_as_total(cov)
    need = np.minimum(min_countries, cov["region_members"]).astype(int)
    enough_countries = cov["countries"] >= need
    enough_people = cov["coverage"] >= threshold
    cov["published"] = enough_people & enough_countries & consistent
    cov["note"] = _withheld_note(cov, enough_countries, enough_people, consistent, threshold, need)
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
    partial = (pub["coverage"] < 1).to_numpy()
    changes = _composition_changes(pub)
    broken = changes.ne("").to_numpy()
    out["OBS_STATUS"] = np.where(broken, "B", np.where(imputed, "I", np.where(partial, "E", "A")))
    out["UNIT_MULT"] = "0"
    out["UNIT_MEASURE"] = pub["UNIT_MEASURE"]
    out["NATURE"] = "E"
    out["SOURCE_DETAIL"] = f"Regional aggregate of {source}"
    how = np.where(is_count, "sum", "population-weighted mean")
    tail = np.where(imputed, "; scaled up to the whole region (imputed)",
                    np.where(partial & is_count, "; countries without data are not in the sum", ""))
    brk = np.where(broken, "; break in composition since the previous year: " + changes.astype(str), "")
    pct = (pub["coverage"] * 100).round(1).astype(str)
    out["COMMENT_OBS"] = (pd.Series(how, index=pub.index) + " over " + pub["countries"].astype(str)
                          + " countries covering " + pct + "% of the region's population (threshold "
                          + f"{threshold * 100:g}%, at least {min_countries} countries)"
                          + pd.Series(tail, index=pub.index) + pd.Series(brk, index=pub.index))
    cov["composition_change"] = changes.reindex(cov.index).fillna("")
    members = _members(rows, pub)
    cov = cov.rename(columns={"REGION": "REF_AREA"}).drop(columns="members")
    return out[SDG_COLUMNS].reset_index(drop=True), cov.reset_index(drop=True), members


MEMBERSHIP_COLUMNS = ["REF_AREA", "SERIES", "SEX", "AGE", "UNIT_MEASURE", "TIME_PERIOD", "MEMBER", "MEMBER_VALUE",
                      "POPULATION", "WEIGHT"]


def _members(rows: pd.DataFrame, pub: pd.DataFrame) -> pd.DataFrame:
    """The member rows of the published aggregates, with each country's weight in its aggregate."""
    m = rows.merge(pub[[*KEY, "covered_population"]], on=KEY, how="inner")
    weight = np.where(m["UNIT_MEASURE"].eq("NUMBER"), 1.0, m["POPULATION"] / m["covered_population"])
    out = pd.DataFrame({"REF_AREA": m["REGION"], "SERIES": m["SERIES"], "SEX": m["SEX"], "AGE": m["AGE"],
                        "UNIT_MEASURE": m["UNIT_MEASURE"], "TIME_PERIOD": m["TIME_PERIOD"], "MEMBER": m["REF_AREA"],
                        "MEMBER_VALUE": m["OBS_VALUE"], "POPULATION": m["POPULATION"], "WEIGHT": weight})
    return out.sort_values(MEMBERSHIP_COLUMNS[:7], kind="stable").reset_index(drop=True)
