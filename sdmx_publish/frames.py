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
    return pq.read_table(path).to_pandas()
