"""A country's SDG 16 factsheet: latest values and trends, regional comparison, ICCS offence profile.

Everything is read from the latest releases of ``DF_SDG_16_CRIME`` and ``DF_ICCS``; nothing is
computed here but the choice of what to show:

- per SDG series, the *headline* observations: the totals (``_T``) of every breakdown that has
  one, national reporting (``REPORTING_TYPE=N``) where there is a choice; one line per remaining
  breakdown;
- the regional comparison: the same series and breakdown for the regions the country is in
  (aggregates published by ``sdmx-publish regional``) and the other countries of its subregion,
  in the latest period the country and at least one of them have;
- the ICCS profile: offences by ICCS code (``INDICATOR=OFFENCES``, totals of the other breakdowns),
  per 100,000 population where published, else counts, each code in its latest period.

Order: models; series headline; comparison; profile; the entry point :func:`build`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ...derive.regional import ICCS_FLOW, SDG_FLOW
from ...errors import NotFound
from ...periods import bounds
from ...reference import m49_countries
from ...structure.model import Flow
from ..catalog import Catalog
from ..store import Release
from . import charts
from .catalogue import indicator_of
from .labels import Label, ancestors, label
from .numbers import format_value

#: dimensions that never make a breakdown line of their own
_KEYS = ("SERIES", "REF_AREA", "FREQ")


@dataclass(frozen=True, kw_only=True)
class Latest:
    breakdown: str
    period: str
    value: float
    text: str
    flag: Label | None


@dataclass(frozen=True, kw_only=True)
class Comparison:
    period: str
    chart: dict
    rows: list[tuple[str, str, bool]]


@dataclass(frozen=True, kw_only=True)
class Indicator:
    series: Label
    indicator: str | None
    unit: str
    latest: list[Latest]
    chart: dict
    comparison: Comparison | None
    query: str


@dataclass(frozen=True, kw_only=True)
class Profile:
    release: Release
    unit: str
    chart: dict
    rows: list[tuple[Label, str, str]]
    query: str


@dataclass(frozen=True, kw_only=True)
class Factsheet:
    area: Label
    regions: list[Label]
    release: Release | None
    indicators: list[Indicator]
    profile: Profile | None
    sources: list[str]
    notes: list[str]


def _time_order(periods: pd.Series) -> np.ndarray:
    """Sort keys of SDMX periods (start dates), so that ``2020-Q4`` comes before ``2021``."""
    cats = pd.Categorical(periods.astype(str))
    starts, _ = bounds(cats.categories)
    return starts.astype("int64")[cats.codes]


def _headline(rows: pd.DataFrame, dims: list[str]) -> tuple[pd.DataFrame, list[str]]:
    """The totals of each breakdown that has one; the dimensions still varying make the lines."""
    for d in dims:
        if d in _KEYS or d not in rows.columns:
            continue
        values = set(rows[d].astype(str))
        keep = "_T" if "_T" in values else ("N" if d == "REPORTING_TYPE" and "N" in values else None)
        if keep is not None:
            rows = rows[rows[d].astype(str) == keep]
    varying = [d for d in dims if d not in _KEYS and d in rows.columns and rows[d].nunique() > 1]
    return rows, varying


def _series_label(row: pd.Series, flow: Flow, varying: list[str]) -> str:
    return " · ".join(label(flow, d, str(row[d])).name for d in varying) or "Total"


def _comparison(frame: pd.DataFrame, flow: Flow, area: str, head: pd.DataFrame, dims: list[str],
                unit: str) -> Comparison | None:
    """The series in the regions of ``area`` and the countries of its subregion, in one period."""
    regions = ancestors(flow, "REF_AREA", area)
    if not regions:
        return None
    cl = flow.codelists["REF_AREA"]
    peers = {c for c, code in cl.codes.items() if code.parent == regions[0]}
    wanted = {area, *regions, *peers}
    # regional aggregates are REPORTING_TYPE=R (regional), countries' data G or N: compare across them
    same = [d for d in dims if d not in ("REF_AREA", "REPORTING_TYPE") and d in head.columns]
    key = head.iloc[0][same]
    rows = frame[frame["REF_AREA"].astype(str).isin(wanted)]
    for d in same:
        rows = rows[rows[d].astype(str) == str(key[d])]
    rows = rows[rows["OBS_VALUE"].notna()]
    own = rows[rows["REF_AREA"].astype(str) == area]
    others = rows[rows["REF_AREA"].astype(str) != area]
    common = sorted(set(own["TIME_PERIOD"].astype(str)) & set(others["TIME_PERIOD"].astype(str)),
                    key=lambda p: _time_order(pd.Series([p]))[0])
    if not common:
        return None
    with_region = set(others.loc[others["REF_AREA"].astype(str).isin(regions), "TIME_PERIOD"].astype(str))
    period = next((p for p in reversed(common) if p in with_region), common[-1])
    at = rows[rows["TIME_PERIOD"].astype(str) == period].sort_values("OBS_VALUE", ascending=False)
    names = []
    for code in at["REF_AREA"].astype(str):
        name = label(flow, "REF_AREA", code).name
        names.append(f"{name} (region)" if code in regions else name)
    data = pd.DataFrame({"label": names, "value": at["OBS_VALUE"].to_numpy(float)})
    own_name = label(flow, "REF_AREA", area).name
    rows_out = [(n, format_value(v), n == own_name) for n, v in zip(names, data["value"], strict=True)]
    return Comparison(period=period, chart=charts.bars(data, unit=unit, highlight=own_name), rows=rows_out)


def _indicators(catalog: Catalog, area: str) -> tuple[Release | None, list[Indicator], list[str], list[str]]:
    try:
        release = catalog.store.find(SDG_FLOW, None)
    except NotFound:
        return None, [], [], []
    flow = catalog.flow(release)
    frame = catalog.store.frame(release)
    dims = flow.dsd.dimension_ids
    mine = frame[frame["REF_AREA"].astype(str) == area]
    out: list[Indicator] = []
    sources: set[str] = set()
    notes: list[str] = []
    for series in sorted(mine["SERIES"].astype(str).unique(), key=lambda s: (indicator_of(label(flow, "SERIES", s).name) or "", s)):
        rows = mine[(mine["SERIES"].astype(str) == series) & mine["OBS_VALUE"].notna()]
        head, varying = _headline(rows, dims)
        if head.empty:
            continue
        head = head.assign(_t=_time_order(head["TIME_PERIOD"])).sort_values("_t")
        unit = label(flow, "UNIT_MEASURE", str(head["UNIT_MEASURE"].iloc[0])).name if "UNIT_MEASURE" in head else ""
        lines = head.apply(_series_label, axis=1, args=(flow, varying)) if varying else \
            pd.Series("Total", index=head.index)
        latest = []
        for name, grp in head.groupby(lines, sort=False):
            last = grp.iloc[-1]
            status = str(last["OBS_STATUS"]) if "OBS_STATUS" in grp and pd.notna(last["OBS_STATUS"]) else None
            latest.append(Latest(breakdown=str(name), period=str(last["TIME_PERIOD"]), value=float(last["OBS_VALUE"]),
                                 text=format_value(float(last["OBS_VALUE"])),
                                 flag=label(flow, "OBS_STATUS", status) if status and status != "A" else None))
        data = pd.DataFrame({"series": lines.to_numpy(), "time": head["TIME_PERIOD"].astype(str).to_numpy(),
                             "value": head["OBS_VALUE"].to_numpy(float)})
        for col in ("SOURCE_DETAIL",):
            if col in head:
                sources.update(str(s) for s in head[col].dropna().unique())
        for col in ("COMMENT_OBS", "COMMENT_TS"):
            if col in head:
                notes.extend(str(n) for n in head[col].dropna().unique() if str(n) not in notes)
        # counts are not comparable between a country and a region (a sum over countries): rates only
        comparable = not varying and str(head["UNIT_MEASURE"].iloc[0]) != "NUMBER"
        comparison = _comparison(frame, flow, area, head, dims, unit) if comparable else None
        query = f"REF_AREA={area}&SERIES={series}"
        out.append(Indicator(series=label(flow, "SERIES", series), indicator=indicator_of(label(flow, "SERIES", series).name),
                             unit=unit, latest=latest, query=query, comparison=comparison,
                             chart=charts.series_chart(data, kind="line", unit=unit, bands=False, height=200)))
    return release, out, sorted(sources), notes


def _profile(catalog: Catalog, area: str) -> Profile | None:
    try:
        release = catalog.store.find(ICCS_FLOW, None)
    except NotFound:
        return None
    flow = catalog.flow(release)
    frame = catalog.store.frame(release)
    rows = frame[(frame["REF_AREA"].astype(str) == area) & (frame["INDICATOR"].astype(str) == "OFFENCES")
                 & frame["OBS_VALUE"].notna()]
    if rows.empty:
        return None
    units = set(rows["UNIT_MEASURE"].astype(str))
    unit_code = "PER_100000_POP" if "PER_100000_POP" in units else min(units)
    rows = rows[rows["UNIT_MEASURE"].astype(str) == unit_code]
    rows, _ = _headline(rows, [d for d in flow.dsd.dimension_ids if d not in ("ICCS", "UNIT_MEASURE", "INDICATOR")])
    rows = rows.assign(_t=_time_order(rows["TIME_PERIOD"])).sort_values("_t")
    last = rows.groupby(rows["ICCS"].astype(str), observed=True).tail(1)
    order = {c: i for i, c in enumerate(flow.codelists["ICCS"].codes)}
    last = last.iloc[np.argsort([order.get(str(c), 10**6) for c in last["ICCS"]], kind="stable")]
    labels = [label(flow, "ICCS", str(c)) for c in last["ICCS"]]
    periods = last["TIME_PERIOD"].astype(str).tolist()
    data = pd.DataFrame({"label": [f"{lab.id} {lab.name}" for lab in labels], "value": last["OBS_VALUE"].to_numpy(float),
                         "note": periods})
    unit = label(flow, "UNIT_MEASURE", unit_code).name
    return Profile(release=release, unit=unit, chart=charts.bars(data, unit=unit),
                   rows=[(lab, format_value(v), p) for lab, v, p in zip(labels, data["value"], periods, strict=True)],
                   query=f"REF_AREA={area}&INDICATOR=OFFENCES&UNIT_MEASURE={unit_code}")


def build(catalog: Catalog, area: str) -> Factsheet:
    """The factsheet of the M49 area ``area`` (404 when neither dataflow has data for it)."""
    release, indicators, sources, notes = _indicators(catalog, area)
    profile = _profile(catalog, area)
    if not indicators and profile is None:
        raise NotFound(f"no SDG 16 or ICCS data for area {area!r}", fix="the country list is at /ui/country/")
    flow = catalog.flow(release if release is not None else profile.release)  # type: ignore[union-attr]
    return Factsheet(area=label(flow, "REF_AREA", area),
                     regions=[label(flow, "REF_AREA", r) for r in ancestors(flow, "REF_AREA", area)],
                     release=release, indicators=indicators, profile=profile, sources=sources, notes=notes)


def countries(catalog: Catalog) -> list[tuple[Label, int]]:
    """Areas with SDG 16 data that are countries or areas of M49 (not regions), with their number of series."""
    try:
        release = catalog.store.find(SDG_FLOW, None)
    except NotFound:
        return []
    flow = catalog.flow(release)
    frame = catalog.store.frame(release)
    known = m49_countries()
    pairs = frame[["REF_AREA", "SERIES"]].drop_duplicates()
    counts = pairs["REF_AREA"].astype(str).value_counts()
    out = [(label(flow, "REF_AREA", a), int(n)) for a, n in counts.items() if a in known]
    return sorted(out, key=lambda x: x[0].name)
