"""Frames handed from one pipeline step to the next, as Parquet files (pyarrow).

Parquet is open and columnar: any worker reads it whatever its pandas version, and loading one runs
no code (a pickle may). Categorical columns and the index round-trip.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq


def save(frame: pd.DataFrame, path: Path) -> Path:
    """Write ``frame`` to ``path``. A text column that also holds other values (numbers, dates) is
    written as text, its missing cells kept missing."""
    try:
        table = pa.Table.from_pandas(frame)
    except (pa.ArrowTypeError, pa.ArrowInvalid):
        mixed = [c for c in frame.columns if frame[c].dtype == object
                 and pd.api.types.infer_dtype(frame[c], skipna=True).startswith("mixed")]
        table = pa.Table.from_pandas(frame.assign(**{c: frame[c].astype(str).where(frame[c].notna())
                                                     for c in mixed}))
    pq.write_table(table, path)
    return path


def load(path: Path) -> pd.DataFrame:
    """The frame :func:`save` wrote; its categorical columns come back categorical (Parquet dictionaries)."""
    return pq.read_table(path).to_pandas()


def categorical(frame: pd.DataFrame, keep: tuple[str, ...] = ()) -> pd.DataFrame:
    """``frame`` with every text column except ``keep`` as a categorical of sorted categories (missing
    cells stay missing): codes are factorized once, so that later steps group, compare and sort the
    small integer codes, and Parquet stores them as dictionaries."""
    text = [c for c in frame.columns if c not in keep and (frame[c].dtype == object or pd.api.types.is_string_dtype(
        frame[c].dtype)) and not isinstance(frame[c].dtype, pd.CategoricalDtype)]
    return frame.assign(**{c: frame[c].astype("category") for c in text}) if text else frame
