"""Select the observations a :class:`DataQuery` asks for, with vectorised masks over a release frame.

Code columns are categoricals: a condition is evaluated once per category into a lookup table,
then applied to the integer codes of all rows at once (``lut[codes]``). The last slot of each
table answers for missing values (code -1).
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd

from ..metadata.model import ATTRIBUTES as MSD_ATTRIBUTES
from ..periods import bounds, overlapping, parse_bound
from ..structure.model import DataStructure
from .query import Condition, DataQuery, QueryError


def _lut(col: pd.Series, test: Callable[[pd.Index], np.ndarray], missing: bool = False) -> np.ndarray:
    """Row mask of a categorical column from a test over its categories."""
    cats = col.cat.categories
    table = np.empty(len(cats) + 1, dtype=bool)
    table[:-1] = test(cats) if len(cats) else []
    table[-1] = missing
    return table[col.cat.codes.to_numpy()]


@dataclass(frozen=True)
class Columns:
    """The integer codes of a frame's categorical columns and each category's position by its
    text, extracted once per frame (a key's codes are then dictionary lookups)."""

    codes: dict[str, np.ndarray]
    positions: dict[str, dict[str, int]]
    #: each category's text by position, and None last (for code -1, a missing value): ``texts[c][codes[c]]``
    texts: dict[str, np.ndarray]
    #: per column, its row positions ordered by code and where each code's rows start (built on first use)
    index: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)

    def rows_where(self, column: str, table: np.ndarray) -> np.ndarray:
        """Ascending positions of the rows whose code the lookup ``table`` wants (last slot: missing).

        Few rows (a key's most selective code): slices of the column's index, so a one-series query
        costs about its own rows, not a pass over every row; many rows: one pass over the codes."""
        order, starts = self._index(column)
        wanted = np.flatnonzero(np.concatenate((table[-1:], table[:-1])))  # slot 0 is code -1
        if (starts[wanted + 1] - starts[wanted]).sum() > len(order) // 16:
            return np.flatnonzero(table[self.codes[column]])
        rows = np.concatenate([order[starts[w]:starts[w + 1]] for w in wanted]) if len(wanted) else order[:0]
        return np.sort(rows).astype(np.intp)

    def _index(self, column: str) -> tuple[np.ndarray, np.ndarray]:
        hit = self.index.get(column)
        if hit is None:
            codes = self.codes[column]
            shifted = codes.astype(np.int16 if len(self.positions[column]) < 32_000 else np.int32) + 1
            order = np.argsort(shifted, kind="stable").astype(np.int32 if len(codes) < 2**31 else np.int64)
            starts = np.concatenate(([0], np.cumsum(np.bincount(shifted, minlength=len(self.positions[column]) + 1))))
            hit = self.index[column] = (order, starts)
        return hit

    @classmethod
    def of(cls, frame: pd.DataFrame) -> "Columns":
        key = id(frame)
        hit = _COLUMNS.get(key)
        if hit is not None and hit[0]() is frame:
            return hit[1]
        cat = [c for c in frame.columns if isinstance(frame[c].dtype, pd.CategoricalDtype)]
        positions = {c: {str(v): i for i, v in enumerate(frame[c].cat.categories.to_numpy().tolist())} for c in cat}
        texts = {c: np.array([*positions[c], None], dtype=object) for c in cat}
        cols = cls({c: frame[c].cat.codes.to_numpy() for c in cat}, positions, texts)
        _COLUMNS[key] = (weakref.ref(frame), cols)
        weakref.finalize(frame, _COLUMNS.pop, key, None)
        return cols


_COLUMNS: dict[int, tuple[weakref.ref, Columns]] = {}


def _table(positions: dict[str, int], codes: frozenset[str]) -> np.ndarray:
    """Lookup table category -> wanted (last slot: missing)."""
    table = np.zeros(len(positions) + 1, dtype=bool)
    table[[i for i in map(positions.get, codes) if i is not None]] = True
    return table


def key_rows(frame: pd.DataFrame, keys: tuple[dict[str, frozenset[str]], ...]) -> np.ndarray | None:
    """Positions of the rows matching any of ``keys`` (None: no key, every row).

    Each key narrows progressively, most selective dimension first; the first test reads the rows of
    the wanted codes from the column's index (:meth:`Columns.rows_where`), so a one-series query on ten
    million rows costs about the rows of its most selective code.
    """
    if not keys:
        return None
    cols = Columns.of(frame)
    found = []
    for key in keys:
        rows: np.ndarray | None = None
        for dim, codes in sorted(key.items(), key=lambda kv: len(kv[1]) / max(len(cols.positions[kv[0]]), 1)):
            table = _table(cols.positions[dim], codes)
            if rows is None:
                rows = cols.rows_where(dim, table)
            else:
                rows = rows[table[cols.codes[dim][rows]]]
        found.append(np.arange(len(frame)) if rows is None else rows)
    return found[0] if len(found) == 1 else np.unique(np.concatenate(found))


def key_mask(frame: pd.DataFrame, keys: tuple[dict[str, frozenset[str]], ...]) -> np.ndarray | None:
    """:func:`key_rows` as a boolean mask."""
    rows = key_rows(frame, keys)
    if rows is None:
        return None
    mask = np.zeros(len(frame), dtype=bool)
    mask[rows] = True
    return mask


_TEXT_OPS: dict[str, Callable[[pd.Index, str], np.ndarray]] = {
    "eq": lambda c, v: np.asarray(c == v), "ne": lambda c, v: np.asarray(c != v),
    "lt": lambda c, v: np.asarray(c < v), "le": lambda c, v: np.asarray(c <= v),
    "gt": lambda c, v: np.asarray(c > v), "ge": lambda c, v: np.asarray(c >= v),
    "co": lambda c, v: np.asarray(c.str.contains(v, regex=False)),
    "nc": lambda c, v: ~np.asarray(c.str.contains(v, regex=False)),
    "sw": lambda c, v: np.asarray(c.str.startswith(v)), "ew": lambda c, v: np.asarray(c.str.endswith(v)),
}
_NUM_OPS: dict[str, Callable[[np.ndarray, float], np.ndarray]] = {
    "eq": np.equal, "ne": np.not_equal, "lt": np.less, "le": np.less_equal, "gt": np.greater,
    "ge": np.greater_equal,
}


def _period_test(cond: Condition) -> Callable[[pd.Index], np.ndarray]:
    b = parse_bound(cond.value)
    if b is None:
        raise QueryError(f"c[TIME_PERIOD] value {cond.value!r} is not an SDMX time period",
                         fix="write e.g. c[TIME_PERIOD]=ge:2020+le:2022-Q2")
    lo, hi = np.datetime64(b[0], "D"), np.datetime64(b[1], "D")

    def test(cats: pd.Index) -> np.ndarray:
        s, e = bounds(cats)
        return {"ge": e > lo, "gt": s >= hi, "le": s < hi, "lt": e <= lo,
                "eq": (s == lo) & (e == hi), "ne": ~((s == lo) & (e == hi))}[cond.op]
    if cond.op not in ("ge", "gt", "le", "lt", "eq", "ne"):
        return lambda cats: _TEXT_OPS[cond.op](cats, cond.value)
    return test


def _condition_table(cats: pd.Index, comp: str, cond: Condition, time_dim: str) -> np.ndarray:
    """Whether each category (last slot: a missing value) meets one condition."""
    table = np.empty(len(cats) + 1, dtype=bool)
    if comp == time_dim:
        table[:-1], table[-1] = _period_test(cond)(cats) if len(cats) else [], False
    else:
        table[:-1] = _TEXT_OPS[cond.op](cats.astype(str), cond.value) if len(cats) else []
        table[-1] = cond.op in ("ne", "nc")
    return table


def _category_table(col: pd.Series, comp: str, alternatives: tuple[tuple[Condition, ...], ...],
                    time_dim: str) -> np.ndarray:
    """A categorical column's filter evaluated once per category, not per row: alternatives that
    are one ``eq`` are looked up together, so a long list of codes costs one lookup."""
    cats = col.cat.categories
    table = np.zeros(len(cats) + 1, dtype=bool)
    codes = [alt[0].value for alt in alternatives if len(alt) == 1 and alt[0].op == "eq" and comp != time_dim]
    if codes:
        table[:-1] = np.asarray(cats.astype(str).isin(codes))
    for alt in alternatives:
        if len(alt) == 1 and alt[0].op == "eq" and comp != time_dim:
            continue
        both = np.ones(len(cats) + 1, dtype=bool)
        for cond in alt:
            both &= _condition_table(cats, comp, cond, time_dim)
        table |= both
    return table


def _number_mask(values: np.ndarray, comp: str, cond: Condition) -> np.ndarray:
    if cond.op not in _NUM_OPS:
        raise QueryError(f"operator {cond.op!r} does not apply to the number {comp}",
                         fix="use eq, ne, lt, le, gt or ge")
    try:
        value = float(cond.value)
    except ValueError:
        raise QueryError(f"c[{comp}] needs a number, not {cond.value!r}") from None
    return _NUM_OPS[cond.op](values, value)


def _filter_mask(frame: pd.DataFrame, q: DataQuery, time_dim: str) -> np.ndarray | None:
    mask = None
    for comp, alternatives in q.filters.items():
        if comp not in frame.columns:
            # a known component without values: only "ne"/"nc" conditions can hold
            one = np.full(len(frame), all(any(c.op in ("ne", "nc") for c in alt) for alt in alternatives))
        elif isinstance(frame[comp].dtype, pd.CategoricalDtype):
            one = _category_table(frame[comp], comp, alternatives, time_dim)[frame[comp].cat.codes.to_numpy()]
        else:
            values = frame[comp].to_numpy()
            one = np.zeros(len(frame), dtype=bool)
            for alt in alternatives:
                both = np.ones(len(frame), dtype=bool)
                for cond in alt:
                    both &= _number_mask(values, comp, cond)
                one |= both
        mask = one if mask is None else mask & one
    return mask


def _period_mask(frame: pd.DataFrame, q: DataQuery, time_dim: str) -> np.ndarray | None:
    if q.start is None and q.end is None:
        return None
    return _lut(frame[time_dim], lambda cats: overlapping(cats, q.start, q.end))


def check_components(q: DataQuery, dsd: DataStructure) -> None:
    """Filters must name components of the DSD (400 otherwise)."""
    known = {*dsd.dimension_ids, dsd.time_dimension, dsd.primary_measure, *dsd.attribute_ids}
    for comp in q.filters:
        if comp not in known:
            raise QueryError(f"c[{comp}]: {comp} is not a component of {dsd.ref}",
                             fix="components: " + ", ".join(sorted(known)))


def _first_last(sub: pd.DataFrame, q: DataQuery, dsd: DataStructure) -> pd.DataFrame:
    time = sub[dsd.time_dimension]
    starts, _ = bounds(time.cat.categories)
    order = np.append(starts.astype("int64"), np.iinfo("int64").max)[time.cat.codes.to_numpy()]
    ranked = sub.assign(_t=order).sort_values("_t", kind="stable")
    groups = ranked.groupby(dsd.dimension_ids, observed=True, sort=False)
    keep = np.zeros(len(ranked), dtype=bool)
    if q.first_n:
        keep |= (groups.cumcount() < q.first_n).to_numpy()
    if q.last_n:
        keep |= (groups.cumcount(ascending=False) < q.last_n).to_numpy()
    return ranked[keep].drop(columns="_t").sort_index()


def select(frame: pd.DataFrame, q: DataQuery, dsd: DataStructure) -> pd.DataFrame:
    """The rows (and columns) of ``frame`` that ``q`` selects; the frame itself is never modified."""
    check_components(q, dsd)
    rows = key_rows(frame, q.keys)
    sub = frame if rows is None else frame.take(rows)
    masks = [m for m in (_filter_mask(sub, q, dsd.time_dimension), _period_mask(sub, q, dsd.time_dimension))
             if m is not None]
    if masks:
        mask = masks[0]
        for m in masks[1:]:
            mask = mask & m
        sub = sub[mask]
    if q.first_n or q.last_n:
        sub = _first_last(sub, q, dsd)
    return _columns(sub, q, dsd)


def _columns(sub: pd.DataFrame, q: DataQuery, dsd: DataStructure) -> pd.DataFrame:
    """v1 ``detail=dataonly`` and v2 ``attributes``/``measures`` drop columns."""
    attrs = [a.id for a in dsd.attributes if a.id in sub.columns]
    drop: list[str] = []
    if q.detail == "dataonly" or q.attributes in ("none", "msd"):
        drop += attrs
    elif q.attributes not in ("all", "dsd"):
        levels = {"dataset": "dataset", "series": "series", "obs": "observation"}
        wanted = set(q.attributes.split(","))
        unknown = sorted(wanted - set(levels) - set(dsd.attribute_ids) - set(MSD_ATTRIBUTES))
        if unknown:
            raise QueryError(f"attributes: {unknown[0]!r} is not an attribute of {dsd.ref} nor of the SDG_MSD",
                             fix="use all, none, dsd, msd, dataset, series, obs or attribute ids")
        at = {levels[w] for w in wanted if w in levels}
        drop += [a.id for a in dsd.attributes if a.id not in wanted and a.attachment not in at]
    if q.measures == "none":
        drop.append(dsd.primary_measure)
    elif q.measures not in ("all", dsd.primary_measure):
        raise QueryError(f"unknown measure {q.measures!r}", fix=f"the only measure is {dsd.primary_measure}")
    return sub.drop(columns=[c for c in drop if c in sub.columns]) if drop else sub
