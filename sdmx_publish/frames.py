"""Frames handed from one pipeline step to the next, as Parquet files (pyarrow).

Parquet is open and columnar: any worker reads it whatever its pandas version, and loading one runs
no code (a pickle may). Categorical columns and the index round-trip.

When the next step runs in the same process (``sdmx-publish run``), :func:`load` takes the Arrow table
:func:`save` has just written instead of decoding the file again, if the file is still the one written
(same inode, size and modification time); the file is written either way.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

#: the table this process last saved, with the identity of the file it wrote (one at most: memory)
_last: tuple[tuple, pa.Table] | None = None


def _identity(path: Path) -> tuple:
    st = os.stat(path)
    return os.path.realpath(path), st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns


def save(frame: pd.DataFrame, path: Path) -> Path:
    """Write ``frame`` to ``path``. A text column that also holds other values (numbers, dates) is
    written as text, its missing cells kept missing."""
    global _last
    _last = None
    try:
        table = pa.Table.from_pandas(frame)
    except (pa.ArrowTypeError, pa.ArrowInvalid):
        mixed = [c for c in frame.columns if frame[c].dtype == object
                 and pd.api.types.infer_dtype(frame[c], skipna=True).startswith("mixed")]
        table = pa.Table.from_pandas(frame.assign(**{c: frame[c].astype(str).where(frame[c].notna())
                                                     for c in mixed}))
    pq.write_table(table, path, write_statistics=False)  # read whole by the next step: no statistics to skip by
    _last = (_identity(path), table)
    return path


def load(path: Path) -> pd.DataFrame:
    """The frame :func:`save` wrote; its categorical columns come back categorical (Parquet dictionaries)."""
    global _last
    last, _last = _last, None
    table = last[1] if last is not None and last[0] == _identity(path) else pq.read_table(path)
    frame = table.to_pandas()
    pa.default_memory_pool().release_unused()  # the decoding's buffers, which numpy's arrays cannot reuse
    return frame


def categorical(frame: pd.DataFrame, keep: tuple[str, ...] = ()) -> pd.DataFrame:
    """``frame`` with every text column except ``keep`` as a categorical of sorted categories (missing
    cells stay missing): codes are factorized once, so that later steps group, compare and sort the
    small integer codes, and Parquet stores them as dictionaries. A categorical column gets its
    categories sorted (sorting a column then sorts its text) and its unused ones dropped."""
    out = {}
    for c in frame.columns:
        col = frame[c]
        if c in keep:
            continue
        if isinstance(col.dtype, pd.CategoricalDtype):
            used = used_only(col)
            cats = used.cat.categories
            out[c] = used if cats.is_monotonic_increasing else used.cat.reorder_categories(cats.sort_values())
        elif col.dtype == object or pd.api.types.is_string_dtype(col.dtype):
            out[c] = col.astype("category")
    return frame.assign(**out) if out else frame


def used_only(col: pd.Series) -> pd.Series:
    """A categorical column without the categories no row holds (pandas' ``remove_unused_categories``
    sorts the codes; this counts them)."""
    codes = col.cat.codes.to_numpy()
    held = np.zeros(len(col.cat.categories) + 1, dtype=bool)
    held[codes] = True  # a missing cell (code -1) marks the last slot
    held = held[:-1]
    if held.all():
        return col
    new = np.cumsum(held, dtype=np.int64) - 1  # each held category's new position
    rows = np.append(new, -1)[codes]  # a missing cell (code -1) stays missing
    return pd.Series(pd.Categorical.from_codes(rows, col.cat.categories[held]), index=col.index, name=col.name)


def constant(value: str, index: pd.Index) -> pd.Series:
    """A column holding ``value`` in every row, as a categorical of one category (no text per row)."""
    return pd.Series(pd.Categorical.from_codes(np.zeros(len(index), dtype=np.int8), [value]), index=index)


def as_text(col: pd.Series) -> pd.Series:
    """``col`` as text; a categorical stays one, its categories as text."""
    if not isinstance(col.dtype, pd.CategoricalDtype):
        return col.astype(str)
    return col.cat.rename_categories(col.cat.categories.astype(str)) if col.cat.categories.dtype != "str" else col


def recode(col: pd.Series, change: Callable[[pd.Index], Any]) -> pd.Series:
    """A categorical column with ``change`` applied to its categories (not to its rows); categories that
    become equal become one. A missing cell stays missing."""
    codes, uniques = pd.factorize(pd.Index(change(col.cat.categories)))
    rows = np.append(codes, -1)[col.cat.codes.to_numpy()]
    return pd.Series(pd.Categorical.from_codes(rows, uniques), index=col.index, name=col.name)


def stripped(col: pd.Series) -> pd.Series:
    """``col`` as text without surrounding blanks. A categorical stays one: its categories are stripped
    once (two that differ only by blanks become one), not its rows."""
    if not isinstance(col.dtype, pd.CategoricalDtype):
        return col.astype(str).str.strip()
    return recode(col, lambda cats: cats.astype(str).str.strip())
