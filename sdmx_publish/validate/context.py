"""What every rule may look at: the frame, its flow, and column-wide arrays computed once.

Rules never loop over observations. They ask the context for factorised columns (integer codes
plus the few distinct values), group ids over several dimensions, the numeric values and the
period ordinals; each is computed once per run and shared by all rules.
"""

from __future__ import annotations

from functools import cached_property

import numpy as np
import pandas as pd

from ..periods import ordinal
from ..structure.model import Flow

#: Columns every finding frame returned by a rule has (``pos`` is the 0-based row position in the
#: frame, -1 for a finding about the whole frame).
FINDING_COLUMNS = ["pos", "component", "value", "expected"]

def constant(col: pd.Series) -> bool:
    """True if every cell equals the first (and it is not missing): a sample first, then one comparison."""
    if len(col) < 1000 or not pd.api.types.is_string_dtype(col.dtype):
        return False
    first = col.iat[0]
    if not isinstance(first, str):
        return False
    sample = col.iloc[:: max(1, len(col) // 256)]
    if not (sample == first).all():
        return False
    return bool((col == first).all())


def findings(pos: np.ndarray | pd.Index | list[int], component: str | pd.Series | np.ndarray,
             value: object, expected: object) -> pd.DataFrame:
    """Build a rule's result frame (vectorised: scalars are broadcast)."""
    pos = np.asarray(pos, dtype=np.int64)
    n = len(pos)

    def col(x: object) -> pd.Series:
        if isinstance(x, (pd.Series, np.ndarray, list)):
            arr = np.asarray(x)
            if arr.dtype.kind == "f":
                return pd.Series(number_text(arr), dtype=object)
            return as_text(pd.Series(arr.astype(object), dtype=object))
        return pd.Series([number_text(np.array([x]))[0] if isinstance(x, float) else str(x)] * n, dtype=object)

    return pd.DataFrame({"pos": pos, "component": col(component), "value": col(value),
                         "expected": col(expected)})


def as_text(s: pd.Series) -> pd.Series:
    """Text of every cell, missing cells as "" (pandas 3 keeps NaN through ``astype(str)``)."""
    s = s.astype(object)
    return s.where(s.notna(), "").astype(str).astype(object)


def number_text(arr: np.ndarray) -> np.ndarray:
    """Floats as short text: whole numbers without ``.0`` (``100``), others as Python writes them."""
    arr = np.asarray(arr, dtype=np.float64)
    out = arr.astype(str).astype(object)
    whole = np.isfinite(arr) & (np.abs(arr) < 1e15) & (arr == np.round(arr))
    out[whole] = arr[whole].astype(np.int64).astype(str)
    return out


def stable_order(ids: np.ndarray) -> np.ndarray:
    """``np.argsort(ids, kind="stable")`` for non-negative integer ids, as a radix sort on 16 bits at a
    time (numpy sorts 16-bit keys by counting): one pass for the small spans of group ids, a few
    times faster than a merge sort of 64-bit keys."""
    ids = np.asarray(ids)
    order = np.arange(len(ids))
    top = int(ids.max()) if len(ids) else 0
    for shift in range(0, max(top.bit_length(), 1), 16):
        digit = (((ids[order] if shift else ids) >> shift) & 0xFFFF).astype(np.uint16)
        order = order[np.argsort(digit, kind="stable")]
    return order


def empty() -> pd.DataFrame:
    """A finding frame without findings (a copy: callers may add columns)."""
    return _EMPTY.copy()


_EMPTY = findings([], "", "", "")


class Context:
    """One validation run's inputs and shared, lazily computed column arrays."""

    def __init__(self, frame: pd.DataFrame, flow: Flow, *, previous: pd.DataFrame | None = None,
                 population: pd.DataFrame | None = None, others: pd.DataFrame | None = None,
                 unmapped: list[dict] | None = None, summary_checks: list[dict] | None = None) -> None:
        self.frame = frame
        self.flow = flow
        self.previous = previous
        self.population = population
        #: the keys other sources (parts) of the dataflow already publish, with their ``_part``
        self.others = others
        #: what the transform found in the correspondence tables (its report's ``unmapped`` and
        #: ``summary_checks`` records), for the rules of :mod:`.correspondence`
        self.unmapped = unmapped or []
        self.summary_checks = summary_checks or []
        self.time = flow.dsd.time_dimension
        self.measure = flow.dsd.primary_measure
        self.dims = [d for d in flow.dsd.dimension_ids if d in frame.columns]
        self._factors: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._missing: dict[str, bool] = {}
        self._groups: dict[tuple[str, ...], np.ndarray] = {}
        self._distinct: dict[tuple[str, ...], tuple[np.ndarray, np.ndarray]] = {}
        #: results shared between rules (e.g. the revision comparison)
        self.cache: dict[str, object] = {}

    def __len__(self) -> int:
        return len(self.frame)

    def column(self, name: str) -> pd.Series | None:
        return self.frame[name] if name in self.frame.columns else None

    def factor(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """Integer codes (-1 for missing) and distinct values of a column, computed once.

        The codes are in the smallest integer type that holds them (a categorical's own codes, not a
        copy): do arithmetic on them in int64 (``ids * radix + codes``, not ``codes + 1``)."""
        if name not in self._factors:
            col = self.frame[name]
            if isinstance(col.dtype, pd.CategoricalDtype):
                codes = col.cat.codes.to_numpy()
                uniques = np.asarray(col.cat.categories, dtype=object)
            elif constant(col):
                codes, uniques = np.zeros(len(col), dtype=np.int8), np.asarray([col.iat[0]], dtype=object)
            else:
                codes, uniq = pd.factorize(col, use_na_sentinel=True)
                uniques = np.asarray(uniq, dtype=object)
                codes = codes.astype(np.min_scalar_type(-len(uniques) - 1), copy=False)  # signed: -1 is missing
            self._factors[name] = (codes, uniques)
            self._missing[name] = bool(len(codes)) and int(codes.min()) < 0
        return self._factors[name]

    def rows(self, name: str, verdict: np.ndarray) -> np.ndarray:
        """Positions of the rows whose value of column ``name`` gets True in ``verdict`` (one entry per
        distinct value of :meth:`factor`, then one for a missing value); no pass over the rows when no
        value present gets True."""
        codes, _uniques = self.factor(name)
        if not verdict[:-1].any() and not (verdict[-1] and self._missing[name]):
            return np.zeros(0, dtype=np.int64)
        return np.flatnonzero(verdict[codes])

    def _constant(self, name: str) -> bool:
        """One value on every row (none missing): a column that groups nothing."""
        return len(self.factor(name)[1]) == 1 and not self._missing[name]

    def group_ids(self, columns: list[str] | tuple[str, ...]) -> np.ndarray:
        """One int64 id per row for the combination of ``columns`` (missing values are a value).

        Mixed-radix combination of the columns' codes (no hashing), so ids sort as the rows' codes do
        column by column; ids are not dense. Columns absent from the frame or holding one value on
        every row are skipped (they group nothing).
        """
        key = tuple(c for c in columns if c in self.frame.columns and not self._constant(c))
        if key not in self._groups:
            ids = np.zeros(len(self.frame), dtype=np.int64)
            span = 1
            for c in key:
                codes, uniques = self.factor(c)
                radix = len(uniques) + 1
                if span * radix >= 2**62:
                    ids, uniq = pd.factorize(ids)
                    ids, span = ids.astype(np.int64), len(uniq)
                ids = ids * radix + codes + 1  # int64: codes may be int8
                span *= radix
            self._groups[key] = ids
        return self._groups[key]

    @cached_property
    def values(self) -> np.ndarray:
        """OBS_VALUE as float64; text that is not a number becomes NaN (see ``value.non_numeric``)."""
        col = self.column(self.measure)
        if col is None:
            return np.full(len(self.frame), np.nan)
        if pd.api.types.is_float_dtype(col.dtype) or pd.api.types.is_integer_dtype(col.dtype):
            return col.to_numpy(dtype=np.float64, na_value=np.nan)
        return pd.to_numeric(col, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)

    def distinct(self, columns: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Distinct combinations of ``columns``: a dense code per row and the first row of each code."""
        key = tuple(columns)
        if key not in self._distinct:
            codes, uniques = pd.factorize(self.group_ids(columns))
            codes = codes.astype(np.min_scalar_type(len(uniques)))  # for indexing only: the smallest type
            new = np.ones(len(codes), dtype=bool)
            if len(codes):
                running = np.maximum.accumulate(codes)
                new[1:] = running[1:] > running[:-1]
            self._distinct[key] = (codes, np.flatnonzero(new))
        return self._distinct[key]

    @cached_property
    def _period_table(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per distinct (FREQ, period): its ordinal and chronological rank; and the code of each row."""
        n = len(self.frame)
        if self.time not in self.frame.columns:
            return np.full(1, np.nan), np.zeros(1, dtype=np.int64), np.zeros(n, dtype=np.int64)
        codes, first = self.distinct(["FREQ", self.time])
        freq, time = self.column("FREQ"), self.frame[self.time]
        ords = np.array([ordinal(str(freq.iat[i]) if freq is not None else "A", time.iat[i]) for i in first])
        rank = np.empty(len(ords), dtype=np.int64)
        rank[np.argsort(ords, kind="stable")] = np.arange(len(ords))
        return ords, rank, codes

    @cached_property
    def periods(self) -> np.ndarray:
        """Ordinal of each row's period on its frequency's time line (NaN if it does not parse)."""
        ords, _rank, codes = self._period_table
        return ords[codes] if len(ords) else np.full(len(self.frame), np.nan)

    def period_rank(self) -> tuple[np.ndarray, int]:
        """Chronological rank of each row's period among the distinct periods, and their number."""
        _ords, rank, codes = self._period_table
        return (rank[codes] if len(rank) else np.zeros(len(self.frame), dtype=np.int64)), len(rank)

    @cached_property
    def series_ids(self) -> np.ndarray:
        """Id of each row's series: all dimensions but time."""
        return self.group_ids(self.dims)

    def is_code(self, column: str, codes: list[str] | tuple[str, ...] | str) -> np.ndarray:
        """Rows whose ``column`` holds one of ``codes`` (compared on the distinct values only)."""
        if column not in self.frame.columns:
            return np.zeros(len(self.frame), dtype=bool)
        wanted = {codes} if isinstance(codes, str) else set(codes)
        k, uniques = self.factor(column)
        hit = np.array([u in wanted for u in uniques] + [False], dtype=bool)
        if not hit.any():
            return np.zeros(len(self.frame), dtype=bool)
        return hit[k]

    def unit_in(self, units: list[str] | tuple[str, ...]) -> np.ndarray:
        """Rows whose UNIT_MEASURE (dimension or attribute) is one of ``units``; all False if absent."""
        return self.is_code("UNIT_MEASURE", tuple(units))

    def key(self, pos: np.ndarray) -> pd.Series:
        """SDMX series key (dimension codes joined by '.') plus ``@period`` for rows ``pos``."""
        return sdmx_key(self.frame, self.flow.dsd.dimension_ids, self.time, pos)


def sdmx_key(frame: pd.DataFrame, dims: list[str], time: str, pos: np.ndarray) -> pd.Series:
    """``A.410.VICTIMS.0101._T._T@2021`` for rows ``pos`` of ``frame`` (dimensions in DSD order).

    Built per distinct series among the rows (factor codes, then one string per series), so a
    million findings cost a few hundred thousand string joins at most.
    """
    pos = np.asarray(pos, dtype=np.int64)
    cols = [d for d in dims if d in frame.columns]
    if not len(pos):
        return pd.Series([], dtype=object)

    def coded(c: str) -> tuple[np.ndarray, np.ndarray]:
        codes, uniques = pd.factorize(frame[c].iloc[pos], use_na_sentinel=True)
        texts = as_text(pd.Series(np.asarray(uniques, dtype=object), dtype=object)).to_numpy(dtype=object)
        return np.asarray(codes, dtype=np.int64), np.append(texts, "")

    ids = np.zeros(len(pos), dtype=np.int64)
    parts = []
    for c in cols:
        codes, texts = coded(c)
        ids = pd.factorize(ids * (len(texts) + 1) + codes + 1)[0].astype(np.int64)
        parts.append((codes, texts))
    series = pd.factorize(ids)[0]
    running = np.maximum.accumulate(series)
    first = np.flatnonzero(np.concatenate([[True], running[1:] > running[:-1]]))
    key = np.full(len(first), "", dtype=object)
    for i, (codes, texts) in enumerate(parts):
        key = (key + "." + texts[codes[first]]) if i else texts[codes[first]]
    out = key[series]
    if time in frame.columns:
        tcodes, ttexts = coded(time)
        out = out + "@" + ttexts[tcodes]
    return pd.Series(out, dtype=object)
