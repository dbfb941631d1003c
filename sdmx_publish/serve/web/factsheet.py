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

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ...derive.regional import ICCS_FLOW, SDG_FLOW
from ...errors import NotFound
from ...metadata.model import dataflow_urn
from ...metadata.sdg import plain
from ...periods import bounds
from ...reference import m49_countries
from ...structure.model import Flow
from ..metadata import metadata_sets
from ..select import Columns, key_rows
from ..snapshot import Holdings
from ..store import Release
from . import charts
from .catalogue import indicator_of
from .labels import Label, ancestors, label
from .numbers import format_value

#: dimensions that never make a breakdown line of their own
_KEYS = ("SERIES", "REF_AREA", "FREQ")
#: attributes a factsheet does not show
_UNUSED = frozenset({"NAT_CATEGORY", "UNIT_MULT", "NATURE", "TIME_DETAIL", "TIME_COVERAGE", "BASE_PER",
                     "GEO_INFO_URL", "GEO_INFO_TYPE", "CUST_BREAKDOWN_LB", "DATA_LAST_UPDATE", "DATAFLOW"})


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
class MetadataNote:
    """One reference metadata set shown under "Sources and notes": its fields as plain text."""

    title: str
    fields: list[tuple[str, str]]
    provenance: str
    path: str  # the set's REST path


#: the metadata fields a factsheet shows, with their names for people
NOTE_FIELDS = {"STAT_CONC_DEF": "Definition", "DATA_SOURCE": "Source", "DATA_COMP": "Method",
               "COMPARABILITY": "Comparability", "CONTACT_ORGANISATION": "Contact",
               "META_LAST_UPDATE": "Metadata last updated"}


def _metadata(holdings: Holdings, series: list[str], flows: list[Release]) -> list[MetadataNote]:
    """The reference metadata of the factsheet's series and of the sources of its dataflows."""
    targets = {dataflow_urn(r.agency, r.flow, r.dataflow.version) for r in flows}
    out = []
    for s in metadata_sets(holdings):
        if s.id in series or s.targets[0] in targets:  # a series' set targets its code first, a source's its flow
            fields = [(name, plain(s.get(a) or "")) for a, name in NOTE_FIELDS.items() if s.get(a)]
            out.append(MetadataNote(title=s.name, fields=fields, provenance=s.description,
                                    path=f"/sdmx/v2/metadata/metadataset/{s.agency}/{s.id}/{s.version}"))
    return out


@dataclass(frozen=True, kw_only=True)
class Factsheet:
    area: Label
    regions: list[Label]
    release: Release | None
    indicators: list[Indicator]
    profile: Profile | None
    sources: list[str]
    notes: list[str]
    metadata: list[MetadataNote]


def _time_order(periods: pd.Series) -> np.ndarray:
    """Sort keys of SDMX periods (start dates), so that ``2020-Q4`` comes before ``2021``."""
    cats = pd.Categorical(periods.astype(str))
    starts, _ = bounds(cats.categories)
    return starts.astype("int64")[cats.codes]


def _rows(frame: pd.DataFrame, **codes: Iterable[str]) -> pd.DataFrame:
    """The observations with these codes (selected like a REST key, :func:`..select.key_rows`) that
    have a value, their code columns as plain text (the result is small: one country, one series)."""
    rows = key_rows(frame, ({d: frozenset(c) for d, c in codes.items()},))
    rows = rows[~np.isnan(frame["OBS_VALUE"].to_numpy()[rows])]
    cols = Columns.of(frame)
    # object columns (not pandas' default string dtype): cheap to take, filter and compare in small frames
    return pd.DataFrame({c: pd.Series(cols.texts[c][cols.codes[c][rows]], dtype=object) if c in cols.texts
                         else frame[c].to_numpy()[rows] for c in frame.columns if c not in _UNUSED})


def _headline(rows: pd.DataFrame, dims: list[str]) -> tuple[pd.DataFrame, list[str]]:
    """The totals of each breakdown that has one; the dimensions still varying make the lines."""
    mask = np.ones(len(rows), dtype=bool)
    for d in dims:
        if d in _KEYS or d not in rows.columns:
            continue
        codes = rows[d].to_numpy(dtype=object)
        values = set(codes[mask])
        keep = "_T" if "_T" in values else ("N" if d == "REPORTING_TYPE" and "N" in values else None)
        if keep is not None:
            mask &= codes == keep
    rows = rows[mask]
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
    rows = _rows(frame, REF_AREA=wanted, **{d: [head[d].iloc[0]] for d in same})
    own = rows[rows["REF_AREA"] == area]
    others = rows[rows["REF_AREA"] != area]
    both = pd.Series(sorted(set(own["TIME_PERIOD"]) & set(others["TIME_PERIOD"])), dtype=object)
    common = both.iloc[np.argsort(_time_order(both), kind="stable")].tolist()
    if not common:
        return None
    with_region = set(others.loc[others["REF_AREA"].isin(regions), "TIME_PERIOD"])
    period = next((p for p in reversed(common) if p in with_region), common[-1])
    at = rows[rows["TIME_PERIOD"] == period].sort_values("OBS_VALUE", ascending=False)
    names = []
    for code in at["REF_AREA"]:
        name = label(flow, "REF_AREA", code).name
        names.append(f"{name} (region)" if code in regions else name)
    data = pd.DataFrame({"label": names, "value": at["OBS_VALUE"].to_numpy(float)})
    own_name = label(flow, "REF_AREA", area).name
    rows_out = [(n, format_value(v), n == own_name) for n, v in zip(names, data["value"], strict=True)]
    return Comparison(period=period, chart=charts.bars(data, unit=unit, highlight=own_name), rows=rows_out)


def _indicators(holdings: Holdings, area: str) -> tuple[Release | None, list[Indicator], list[str], list[str]]:
    try:
        release = holdings.store.find(SDG_FLOW, None)
    except NotFound:
        return None, [], [], []
    flow = holdings.flow(release)
    frame = holdings.store.frame(release)
    dims = flow.dsd.dimension_ids
    mine = _rows(frame, REF_AREA=[area])
    out: list[Indicator] = []
    sources: set[str] = set()
    notes: list[str] = []
    by_indicator = sorted(mine["SERIES"].unique(), key=lambda s: (indicator_of(label(flow, "SERIES", s).name) or "", s))
    for series in by_indicator:
        head, varying = _headline(mine[mine["SERIES"] == series], dims)
        if head.empty:
            continue
        head = head.assign(_t=_time_order(head["TIME_PERIOD"])).sort_values("_t")
        unit_code = str(head["UNIT_MEASURE"].iloc[0]) if "UNIT_MEASURE" in head else ""
        unit = label(flow, "UNIT_MEASURE", unit_code).name if unit_code else ""
        lines = head.apply(_series_label, axis=1, args=(flow, varying)) if varying else \
            pd.Series("Total", index=head.index)
        latest = []
        for name, grp in head.groupby(lines, sort=False):
            last = grp.iloc[-1]
            status = str(last["OBS_STATUS"]) if "OBS_STATUS" in grp and pd.notna(last["OBS_STATUS"]) else None
            latest.append(Latest(breakdown=str(name), period=str(last["TIME_PERIOD"]), value=float(last["OBS_VALUE"]),
                                 text=format_value(float(last["OBS_VALUE"])),
                                 flag=label(flow, "OBS_STATUS", status) if status and status != "A" else None))
        data = pd.DataFrame({"series": lines.to_numpy(), "time": head["TIME_PERIOD"].to_numpy(),
                             "value": head["OBS_VALUE"].to_numpy(float)})
        for col in ("SOURCE_DETAIL",):
            if col in head:
                sources.update(str(s) for s in head[col].dropna().unique())
        for col in ("COMMENT_OBS", "COMMENT_TS"):
            if col in head:
                notes.extend(str(n) for n in head[col].dropna().unique() if str(n) not in notes)
        # counts are not comparable between a country and a region (a sum over countries): rates only
        comparable = not varying and unit_code != "NUMBER"
        comparison = _comparison(frame, flow, area, head, dims, unit) if comparable else None
        query = f"REF_AREA={area}&SERIES={series}"
        name = label(flow, "SERIES", series)
        out.append(Indicator(series=name, indicator=indicator_of(name.name), unit=unit, latest=latest, query=query, comparison=comparison,
                             chart=charts.series_chart(data, kind="line", unit=unit, bands=False, height=200)))
    return release, out, sorted(sources), notes


def _profile(holdings: Holdings, area: str) -> Profile | None:
    try:
        release = holdings.store.find(ICCS_FLOW, None)
    except NotFound:
        return None
    flow = holdings.flow(release)
    frame = holdings.store.frame(release)
    rows = _rows(frame, REF_AREA=[area], INDICATOR=["OFFENCES"])
    if rows.empty:
        return None
    units = set(rows["UNIT_MEASURE"])
    unit_code = "PER_100000_POP" if "PER_100000_POP" in units else min(units)
    rows = rows[rows["UNIT_MEASURE"] == unit_code]
    rows, _ = _headline(rows, [d for d in flow.dsd.dimension_ids if d not in ("ICCS", "UNIT_MEASURE", "INDICATOR")])
    rows = rows.assign(_t=_time_order(rows["TIME_PERIOD"])).sort_values("_t")
    last = rows.groupby("ICCS").tail(1)
    order = {c: i for i, c in enumerate(flow.codelists["ICCS"].codes)}
    last = last.iloc[np.argsort([order.get(str(c), 10**6) for c in last["ICCS"]], kind="stable")]
    labels = [label(flow, "ICCS", str(c)) for c in last["ICCS"]]
    periods = last["TIME_PERIOD"].tolist()
    data = pd.DataFrame({"label": [f"{lab.id} {lab.name}" for lab in labels], "value": last["OBS_VALUE"].to_numpy(float),
                         "note": periods})
    unit = label(flow, "UNIT_MEASURE", unit_code).name
    return Profile(release=release, unit=unit, chart=charts.bars(data, unit=unit),
                   rows=[(lab, format_value(v), p) for lab, v, p in zip(labels, data["value"], periods, strict=True)],
                   query=f"REF_AREA={area}&INDICATOR=OFFENCES&UNIT_MEASURE={unit_code}")


def build(holdings: Holdings, area: str) -> Factsheet:
    """The factsheet of the M49 area ``area`` (404 when neither dataflow has data for it)."""
    release, indicators, sources, notes = _indicators(holdings, area)
    profile = _profile(holdings, area)
    if not indicators and profile is None:
        raise NotFound(f"no SDG 16 or ICCS data for area {area!r}", fix="the country list is at /ui/country/")
    flow = holdings.flow(release if release is not None else profile.release)  # type: ignore[union-attr]
    return Factsheet(area=label(flow, "REF_AREA", area),
                     regions=[label(flow, "REF_AREA", r) for r in ancestors(flow, "REF_AREA", area)],
                     release=release, indicators=indicators, profile=profile, sources=sources, notes=notes,
                     metadata=_metadata(holdings, [i.series.id for i in indicators],
                                        [r for r in (release, profile.release if profile else None) if r is not None]))


def countries(holdings: Holdings) -> list[tuple[Label, int]]:
    """Areas with SDG 16 data that are countries or areas of M49 (not regions), with their number of series."""
    try:
        release = holdings.store.find(SDG_FLOW, None)
    except NotFound:
        return []
    flow = holdings.flow(release)
    frame = holdings.store.frame(release)
    known = m49_countries()
    pairs = frame[["REF_AREA", "SERIES"]].drop_duplicates()
    counts = pairs["REF_AREA"].astype(str).value_counts()
    out = [(label(flow, "REF_AREA", a), int(n)) for a, n in counts.items() if a in known]
    return sorted(out, key=lambda x: x[0].name)
