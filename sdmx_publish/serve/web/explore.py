"""The explorer's view of one dataflow: the selection from the page URL, filters, table, chart, links.

The page URL carries the selection (``?REF_AREA=410&SERIES=VC_IHR_PSRC&view=table``); it is turned
into an SDMX REST key and parsed and selected by the same functions as the REST API
(:func:`..query.parse_v1`, :func:`..select.select`), so the page shows exactly what the REST URL
it offers returns.

Order: the selection; filter counts; the view (table rows, chart data, links).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urlencode

import numpy as np
import pandas as pd

from ...formats import Format
from ...structure.model import Flow
from ..data import resolve
from ..query import FlowRef, QueryError, parse_v1
from ..select import Columns, key_rows, select
from ..snapshot import Holdings
from ..store import Release
from . import charts
from .labels import Label, Option, component_name, label, options
from .table import BOUNDS, Table
from .table import build as build_table

#: rows of the table per page; the chart is drawn up to MAX_SERIES series
PAGE_ROWS = 1000
MAX_SERIES = 12

View = Literal["chart", "table"]


@dataclass(frozen=True, kw_only=True)
class Selection:
    """What the page shows: codes per dimension (none = all), period range, view, chart type, page."""

    codes: dict[str, tuple[str, ...]] = field(default_factory=dict)
    start: str | None = None
    end: str | None = None
    view: View = "chart"
    chart: Literal["line", "bar"] = "line"
    page: int = 1

    @classmethod
    def from_params(cls, params: Mapping[str, Sequence[str]], dims: list[str]) -> Selection:
        """From the page's query string (``DIM=code`` repeated, ``start``, ``end``, ``view``, ``chart``, ``page``)."""
        def one(name: str) -> str | None:
            v = [x for x in params.get(name, []) if x]
            return v[-1] if v else None

        codes = {d: tuple(sorted({c for c in params.get(d, []) if c})) for d in dims}
        view = one("view")
        chart = one("chart")
        page = one("page")
        return cls(codes={d: c for d, c in codes.items() if c}, start=one("start"), end=one("end"),
                   view="table" if view == "table" else "chart", chart="bar" if chart == "bar" else "line",
                   page=int(page) if page and page.isdigit() and 0 < int(page) < 10**6 else 1)

    def key(self, dims: list[str]) -> str:
        """The SDMX REST (v1) key: ``A..VC_IHR_PSRC.410+156...``, or ``all``."""
        if not self.codes:
            return "all"
        return ".".join("+".join(self.codes.get(d, ())) for d in dims)

    def period_params(self) -> dict[str, str]:
        return {k: v for k, v in (("startPeriod", self.start), ("endPeriod", self.end)) if v}

    def query(self, **changes: object) -> str:
        """The page's query string, with ``changes`` applied (``view="table"``, ``page=2``)."""
        items: list[tuple[str, str]] = [(d, c) for d, cs in self.codes.items() for c in cs]
        state = {"start": self.start, "end": self.end, "view": self.view, "chart": self.chart, "page": self.page}
        state.update(changes)
        defaults = {"view": "chart", "chart": "line", "page": 1}
        items += [(k, str(v)) for k, v in state.items() if v is not None and defaults.get(k) != v]
        return urlencode(items)


@dataclass(frozen=True, kw_only=True)
class Filter:
    """One dimension's filter: its options (with counts given the other dimensions' selection)."""

    id: str
    name: str
    options: list[Option]
    selected: tuple[str, ...]
    hierarchical: bool


@dataclass(frozen=True, kw_only=True)
class Download:
    label: str
    url: str
    filename: str
    format: str


@dataclass(kw_only=True)
class Explorer:
    """Everything the explorer template shows."""

    release: Release
    flow: Flow
    selection: Selection
    filters: list[Filter]
    fixed: list[tuple[str, Label]]
    total: int
    table: Table | None
    series: int
    chart: dict | None
    chart_note: str | None
    points: int
    bands: bool
    rest_url: str
    downloads: list[Download]
    pages: int


def code_counts(frame: pd.DataFrame, dim: str, rows: np.ndarray | None = None) -> dict[str, int]:
    """Observations per code of ``dim`` among ``rows`` (all rows when None)."""
    cols = Columns.of(frame)  # the frame's codes and category texts, extracted once per frame
    codes = cols.codes[dim] if rows is None else cols.codes[dim][rows]
    texts = cols.texts[dim]
    n = np.bincount(codes[codes >= 0], minlength=len(texts) - 1)
    return {texts[i]: int(n[i]) for i in np.flatnonzero(n)}


def _filters(frame: pd.DataFrame, flow: Flow, sel: Selection) -> tuple[list[Filter], list[tuple[str, Label]]]:
    """Filters of the dimensions that have several codes; the others are fixed (one code, shown as text).

    Each dimension's counts are given the selection of the other dimensions, so that a code that
    would select nothing shows 0.
    """
    filters, fixed = [], []
    for dim in flow.dsd.dimension_ids:
        everywhere = code_counts(frame, dim, None)
        if len(everywhere) == 1:
            fixed.append((component_name(flow, dim), label(flow, dim, next(iter(everywhere)))))
            continue
        others = {d: frozenset(c) for d, c in sel.codes.items() if d != dim}
        rows = key_rows(frame, (others,)) if others else None
        counts = {c: 0 for c in everywhere} | code_counts(frame, dim, rows)
        opts = options(flow, dim, counts)
        filters.append(Filter(id=dim, name=component_name(flow, dim), options=opts,
                              selected=sel.codes.get(dim, ()), hierarchical=any(o.depth for o in opts)))
    return filters, fixed


def _label_column(sub: pd.DataFrame, flow: Flow, comp: str) -> np.ndarray:
    """A code column as display names (one lookup per distinct code, not per row)."""
    col = sub[comp]
    if not isinstance(col.dtype, pd.CategoricalDtype):
        return col.astype(object).where(col.notna(), "").to_numpy()
    names = np.array([label(flow, comp, str(c)).name for c in col.cat.categories] + [""], dtype=object)
    return names[col.cat.codes.to_numpy()]


def _varying(sub: pd.DataFrame, comps: list[str]) -> list[str]:
    return [c for c in comps if c in sub.columns and sub[c].nunique(dropna=False) > 1]


def build(holdings: Holdings, agency: str, flow_id: str, sel: Selection, base: str) -> Explorer:
    """The explorer of ``agency:flow_id``'s latest release for the selection ``sel``."""
    release, flow = resolve(holdings, FlowRef(agency=agency, id=flow_id), {})
    dsd = flow.dsd
    dims = dsd.dimension_ids
    frame = holdings.store.frame(release)
    key = sel.key(dims)
    ref = FlowRef(agency=agency, id=flow_id, version=release.dataflow.version)
    q = parse_v1(ref, key, sel.period_params(), dims, dsd.time_dimension)
    sub = select(frame, q, dsd)
    filters, fixed = _filters(frame, flow, sel)
    series_dims = _varying(sub, dims)
    order = [*series_dims, dsd.time_dimension]
    sub = sub.sort_values(order, kind="stable") if len(sub) else sub
    n_series = int(sub.groupby(series_dims, observed=True).ngroups) if series_dims and len(sub) else min(len(sub), 1)
    pages = max(1, -(-len(sub) // PAGE_ROWS))
    page = min(sel.page, pages)
    shown = sub.iloc[(page - 1) * PAGE_ROWS: page * PAGE_ROWS]
    table = build_table(shown, flow, series_dims) if sel.view == "table" and len(shown) else None
    chart, note, points, bands = None, None, 0, False
    if sel.view == "chart":
        chart, note, points, bands = _chart(sub, flow, series_dims, sel.chart)
    rest = f"{base}/sdmx/v1/data/{agency},{flow_id},{release.dataflow.version}/{key}"
    period = urlencode(sel.period_params())
    rest_url = rest + (f"?{period}" if period else "")
    stem = flow_id if key == "all" else f"{flow_id}_{key.replace('+', '-').replace('.', '_').strip('_')}"[:120]
    downloads = [Download(label=format_label(f), format=f.value, filename=stem + f.suffix,
                          url=rest + "?" + urlencode({**sel.period_params(), "format": f.value})) for f in Format.data()]
    return Explorer(release=release, flow=flow, selection=sel, filters=filters, fixed=fixed, total=len(sub),
                    table=table, series=n_series, chart=chart,
                    chart_note=note, points=points, bands=bands, rest_url=rest_url, downloads=downloads, pages=pages)


def format_label(fmt: Format) -> str:
    """``sdmx-ml-2.1-generic-ts`` -> ``SDMX-ML 2.1 generic (time series)``."""
    _, family, version, *rest = fmt.value.split("-")
    words = {"structurespecific": "structure-specific", "ts": "(time series)"}
    return " ".join([f"SDMX-{family.upper()}", version, *(words.get(w, w) for w in rest)])


def _chart(sub: pd.DataFrame, flow: Flow, series_dims: list[str], kind: str
           ) -> tuple[dict | None, str | None, int, bool]:
    """The Vega-Lite spec of the selected series (None and why not, when there are too many or none),
    its number of points, and whether it draws confidence bands."""
    dsd = flow.dsd
    values = sub[dsd.primary_measure].to_numpy(dtype=float)
    ok = ~np.isnan(values)
    if not ok.any():
        return None, "Nothing to draw: no numeric values in the selection.", 0, False
    groups = sub[series_dims].drop_duplicates() if series_dims else None
    if groups is not None and len(groups) > MAX_SERIES:
        return None, (f"{len(groups)} series are selected; the chart draws at most {MAX_SERIES}. "
                      "Narrow the selection (one code per dimension draws one series) or use the table."), 0, False
    names = [_label_column(sub, flow, d) for d in series_dims]
    if names:
        series = np.array([" · ".join(map(str, parts)) for parts in zip(*names, strict=True)], dtype=object)
    else:
        series = np.full(len(sub), label(flow, "SERIES", str(sub["SERIES"].iloc[0])).name
                         if "SERIES" in sub.columns else flow.dataflow.name, dtype=object)
    data = pd.DataFrame({"series": series, "time": sub[dsd.time_dimension].astype(str).to_numpy(), "value": values})
    bounded = all(b in sub.columns for b in BOUNDS)
    if bounded:
        data["lower"] = pd.to_numeric(sub[BOUNDS[0]], errors="coerce").to_numpy(float)
        data["upper"] = pd.to_numeric(sub[BOUNDS[1]], errors="coerce").to_numpy(float)
    data = data[ok]
    unit = _unit(sub, flow)
    bands = bounded and bool(data[["lower", "upper"]].notna().all(axis=1).any())
    return charts.series_chart(data, kind=kind, unit=unit, bands=bands), None, int(ok.sum()), bands


def _unit(sub: pd.DataFrame, flow: Flow) -> str:
    """The unit of measure of the selection, if it has one (for the axis title)."""
    if "UNIT_MEASURE" not in sub.columns:
        return "Value"
    units = sub["UNIT_MEASURE"].dropna().unique()
    return label(flow, "UNIT_MEASURE", str(units[0])).name if len(units) == 1 else "Value (several units)"


__all__ = ["Explorer", "QueryError", "Selection", "build"]
