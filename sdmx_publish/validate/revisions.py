"""Revisions: compare the observations with the previous release of the same dataflow.

Observations are matched on series key and period (a 64-bit hash of the key columns, so two
frames of a million rows compare in a fraction of a second). The comparison is computed once per
run (:func:`compare`) and feeds four rules and the report's ``revisions`` summary.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from .context import Context, as_text, empty, findings, sdmx_key

VALUE_EPS = 1e-9


def _key_hash(frame: pd.DataFrame, cols: list[str]) -> np.ndarray:
    sub = frame[cols].astype(object).where(frame[cols].notna(), "")
    return pd.util.hash_pandas_object(sub.astype(str), index=False).to_numpy()


def _numbers(frame: pd.DataFrame, measure: str) -> np.ndarray:
    if measure not in frame.columns:
        return np.full(len(frame), np.nan)
    return pd.to_numeric(frame[measure], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)


def compare(ctx: Context) -> pd.DataFrame | None:
    """One row per observation in either release: ``pos`` (current), ``ppos`` (previous), old, new."""
    if ctx.previous is None:
        return None
    if "revisions.table" in ctx.cache:
        return ctx.cache["revisions.table"]  # type: ignore[return-value]
    cols = [c for c in [*ctx.flow.dsd.dimension_ids, ctx.time] if c in ctx.frame.columns]
    if any(c not in ctx.previous.columns for c in cols):
        cols = [c for c in cols if c in ctx.previous.columns]
    cur = pd.DataFrame({"h": _key_hash(ctx.frame, cols), "pos": np.arange(len(ctx)), "new": ctx.values})
    prev = pd.DataFrame({"h": _key_hash(ctx.previous, cols), "ppos": np.arange(len(ctx.previous)),
                         "old": _numbers(ctx.previous, ctx.measure)})
    cur = cur.drop_duplicates("h")
    prev = prev.drop_duplicates("h")
    table = cur.merge(prev, on="h", how="outer")
    table["pos"] = table["pos"].fillna(-1).astype(np.int64)
    table["ppos"] = table["ppos"].fillna(-1).astype(np.int64)
    both = (table["pos"] >= 0) & (table["ppos"] >= 0)
    a, b = table["new"].to_numpy(), table["old"].to_numpy()
    with np.errstate(invalid="ignore", over="ignore"):
        same = (np.isnan(a) & np.isnan(b)) | (np.abs(a - b) <= VALUE_EPS * np.maximum(1.0, np.abs(b)))
    table["state"] = np.select([table["ppos"] < 0, table["pos"] < 0, both & ~same],
                               ["new", "deleted", "revised"], "unchanged")
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        table["rel"] = np.where(b != 0, np.abs(a - b) / np.abs(b), np.where(a == b, 0.0, np.inf))
    ctx.cache["revisions.table"] = table
    return table


def summary(ctx: Context, threshold: float) -> dict[str, Any]:
    """The ``revisions`` block of the report and of the release manifest."""
    table = compare(ctx)
    if table is None:
        return {"previous_release": False, "new": len(ctx), "revised": 0, "deleted": 0, "unchanged": 0,
                "large": 0, "threshold": threshold}
    counts = table["state"].value_counts()
    large = int(((table["state"] == "revised") & (table["rel"] > threshold)).sum())
    return {"previous_release": True, **{k: int(counts.get(k, 0)) for k in ("new", "revised", "deleted", "unchanged")},
            "large": large, "threshold": threshold}


def _state(ctx: Context, state: str) -> pd.DataFrame | None:
    table = compare(ctx)
    if table is None:
        return None
    return table[table["state"] == state]


def check_new(ctx: Context, params: Mapping[str, Any]) -> pd.DataFrame:
    t = _state(ctx, "new")
    if t is None or t.empty:
        return empty()
    return findings(t["pos"].to_numpy(), ctx.measure, t["new"].to_numpy(), "(not in the previous release)")


def check_revised(ctx: Context, params: Mapping[str, Any]) -> pd.DataFrame:
    t = _state(ctx, "revised")
    if t is None or t.empty:
        return empty()
    return findings(t["pos"].to_numpy(), ctx.measure, t["new"].to_numpy(),
                    [f"previously {o:g}" for o in t["old"]])


def check_large_revision(ctx: Context, params: Mapping[str, Any]) -> pd.DataFrame:
    t = _state(ctx, "revised")
    if t is None or t.empty:
        return empty()
    t = t[(t["rel"] > params["threshold"]) & ((t["new"] - t["old"]).abs() > params["min_abs"])]
    exp = [f"within {params['threshold']:.0%} of {o:g} (revised by {r:+.1%})" if np.isfinite(r)
           else f"{o:g} (revised from zero or missing)" for o, r in zip(t["old"], t["rel"])]
    return findings(t["pos"].to_numpy(), ctx.measure, t["new"].to_numpy(), exp)


def check_deleted(ctx: Context, params: Mapping[str, Any]) -> pd.DataFrame:
    """Observations of the previous release that are gone; they point into the previous frame."""
    t = _state(ctx, "deleted")
    if t is None or t.empty:
        return empty()
    prev = ctx.previous
    assert prev is not None
    ppos = t["ppos"].to_numpy()
    out = findings(np.full(len(t), -1), ctx.measure, t["old"].to_numpy(), "(kept in this release)")
    out["key"] = sdmx_key(prev, ctx.flow.dsd.dimension_ids, ctx.time, ppos).to_numpy()
    for col in ("_source", "_row", "_column"):
        if col in prev.columns:
            out[col[1:]] = as_text(prev[col].iloc[ppos]).to_numpy()
    return out
