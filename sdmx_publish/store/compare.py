"""Comparing two versions of a dataflow's observations, by key: what is new, revised or gone.

Used when publishing (the release each observation was last changed in, ``publish/changed.py``) and
when serving history (``updatedAfter``, ``includeHistory``: ``serve/history.py``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..structure.model import Flow


def _text(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """The columns as text ("" for missing), OBS_VALUE written canonically, for comparison."""
    out = {}
    for c in columns:
        col = frame[c] if c in frame.columns else pd.Series("", index=frame.index)
        if c == "OBS_VALUE":
            v = pd.to_numeric(col, errors="coerce").to_numpy(dtype=np.float64)
            out[c] = np.where(np.isnan(v), "", np.char.mod("%.15g", np.nan_to_num(v)))
        else:
            s = col.astype(object)
            out[c] = s.where(s.notna(), "").astype(str).to_numpy()
    return pd.DataFrame(out, index=frame.index)


def diff(before: pd.DataFrame, after: pd.DataFrame, flow: Flow) -> tuple[np.ndarray, np.ndarray]:
    """Rows of ``after`` that are new or changed since ``before``, and rows of ``before`` gone from
    ``after`` (positions), comparing by series key and period."""
    key = [*flow.dsd.dimension_ids, flow.dsd.time_dimension]
    rest = sorted((set(before.columns) | set(after.columns)) - set(key))
    a = _text(after, key + rest).reset_index(drop=True)
    b = _text(before, key + rest).reset_index(drop=True)
    merged = a.assign(__a=np.arange(len(a))).merge(b.assign(__b=np.arange(len(b))), on=key, how="outer",
                                                   suffixes=("", "__old"), indicator=True)
    both = merged["_merge"].eq("both").to_numpy()
    differs = np.zeros(len(merged), dtype=bool)
    for c in rest:
        differs |= merged[c].to_numpy() != merged[f"{c}__old"].to_numpy()
    changed = merged["_merge"].eq("left_only").to_numpy() | (both & differs)
    gone = merged["_merge"].eq("right_only").to_numpy()
    return (np.sort(merged.loc[changed, "__a"].to_numpy(dtype=np.int64)),
            np.sort(merged.loc[gone, "__b"].to_numpy(dtype=np.int64)))
