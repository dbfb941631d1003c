"""Comparing two versions of a dataflow's observations, by key: what is new, revised or gone.

Used when publishing (the release each observation was last changed in, ``publish/changed.py``) and
when serving history (``updatedAfter``, ``includeHistory``: ``serve/history.py``).

Cells compare as their text ("" for missing; the primary measure as a number, equal when equal to 15
significant digits), but on integer codes: the distinct values of each column are turned into text
once, and both frames' codes numbered alike, never a Python string per cell.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..structure.model import Flow


def _column(frame: pd.DataFrame, column: str) -> pd.Series:
    """A column of ``frame``; all missing if it has none."""
    if column in frame.columns:
        return frame[column]
    return pd.Series(pd.Categorical.from_codes(np.full(len(frame), -1, dtype=np.int8), categories=[]))


def _codes(columns: list[pd.Series]) -> list[np.ndarray]:
    """Per column, int64 codes numbered alike across ``columns``: equal code, equal text; ``""`` and
    missing are -1."""
    coded = []
    for s in columns:
        if isinstance(s.dtype, pd.CategoricalDtype):
            coded.append((s.cat.codes.to_numpy(), [str(v) for v in s.cat.categories]))
        else:
            codes, uniques = pd.factorize(s, use_na_sentinel=True)
            coded.append((codes, [str(v) for v in uniques]))
    names = pd.Index([t for _, text in coded for t in text], dtype=object).unique()
    out = []
    for codes, text in coded:
        lookup = np.append(names.get_indexer(pd.Index(text, dtype=object)), -1)
        lookup[[i for i, t in enumerate(text) if t == ""]] = -1
        out.append(lookup[np.asarray(codes, dtype=np.int64)])
    return out


def _key_ids(left: pd.DataFrame, right: pd.DataFrame, key: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """One int64 per row of each frame, equal where the ``key`` columns' texts are."""
    n = len(left)
    ids = np.zeros(n + len(right), dtype=np.int64)
    for k in key:
        a, b = _codes([_column(left, k), _column(right, k)])
        codes = np.concatenate([a, b]) + 1
        radix = int(codes.max(initial=0)) + 1
        if len(ids) and int(ids.max()) >= (1 << 62) // radix:  # renumber densely before it overflows
            ids = pd.factorize(ids)[0].astype(np.int64)
        ids = ids * radix + codes
    return ids[:n], ids[n:]


def match(left: pd.DataFrame, right: pd.DataFrame, key: list[str]) -> np.ndarray:
    """Per row of ``left``, the position of the row of ``right`` with the same ``key`` (the first, if
    several), or -1."""
    a, b = _key_ids(left, right, key)
    order = np.argsort(b, kind="stable")
    at = np.minimum(np.searchsorted(b[order], a), max(len(b) - 1, 0))
    found = (b[order][at] == a) if len(b) else np.zeros(len(a), dtype=bool)
    return np.where(found, order[at] if len(b) else -1, -1)


def _numbers(frame: pd.DataFrame, column: str) -> np.ndarray:
    if column not in frame.columns:
        return np.full(len(frame), np.nan)
    return pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=np.float64)


def _number_text(v: np.ndarray) -> np.ndarray:
    """The measure as compared: 15 significant digits, "" for missing."""
    return np.where(np.isnan(v), "", np.char.mod("%.15g", np.nan_to_num(v)))


def compared(before: pd.DataFrame, after: pd.DataFrame, flow: Flow) -> tuple[np.ndarray, np.ndarray]:
    """Per row of ``after``: the position of the row of ``before`` with its series key and period (-1: new),
    and whether it is new or differs from that row in its value or any attribute."""
    key = [*flow.dsd.dimension_ids, flow.dsd.time_dimension]
    measure = flow.dsd.primary_measure
    rest = sorted((set(before.columns) | set(after.columns)) - set(key))
    at = match(after, before, key)
    mine = np.flatnonzero(at >= 0)
    theirs = at[mine]
    differs = np.zeros(len(mine), dtype=bool)
    for c in rest:
        if c == measure:
            a, b = _numbers(after, c)[mine], _numbers(before, c)[theirs]
            d = ~((a == b) | (np.isnan(a) & np.isnan(b)))
            maybe = np.flatnonzero(d)  # unequal numbers may still be equal to 15 digits
            d[maybe] = _number_text(a[maybe]) != _number_text(b[maybe])
        else:
            a, b = _codes([_column(after, c), _column(before, c)])
            d = a[mine] != b[theirs]
        differs |= d
    changed = at < 0
    changed[mine[differs]] = True
    return at, changed


def diff(before: pd.DataFrame, after: pd.DataFrame, flow: Flow) -> tuple[np.ndarray, np.ndarray]:
    """Rows of ``after`` that are new or changed since ``before``, and rows of ``before`` gone from
    ``after`` (positions, ascending), comparing by series key and period."""
    at, changed = compared(before, after, flow)
    kept = np.zeros(len(before), dtype=bool)
    kept[at[at >= 0]] = True
    return np.flatnonzero(changed), np.flatnonzero(~kept)
