"""Time-series checks against each series' own history: outliers, breaks and gaps.

A series is all dimensions but time. Changes are between consecutive periods. The robust z-score
of a change is ``0.6745 (d - median) / MAD`` over the series' changes (Iglewicz and Hoaglin), with
the mean absolute deviation (x 1.2533) standing in when the MAD is 0. A large change followed by
a large change back is a one-period **outlier**; a large change that stays is a **break** (level
shift), unless the observation already carries OBS_STATUS ``B`` (break flagged by the source).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from .context import Context, empty, findings


def _ordered(ctx: Context, finite_values: bool) -> pd.DataFrame:
    ok = np.isfinite(ctx.periods)
    if finite_values:
        ok &= np.isfinite(ctx.values)
    df = pd.DataFrame({"s": ctx.series_ids[ok], "t": ctx.periods[ok], "v": ctx.values[ok],
                       "pos": np.flatnonzero(ok)})
    return df.sort_values(["s", "t"], kind="stable").reset_index(drop=True)


def _changes(ctx: Context, params: Mapping[str, Any]) -> pd.DataFrame:
    """Per observation: the change from the previous period and its robust z-score in the series."""
    key = "series.changes"
    if key in ctx.cache:
        return ctx.cache[key]  # type: ignore[return-value]
    df = _ordered(ctx, finite_values=True)
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        return _score(ctx, df, params, key)


def _score(ctx: Context, df: pd.DataFrame, params: Mapping[str, Any], key: str) -> pd.DataFrame:
    same = df["s"].to_numpy()[1:] == df["s"].to_numpy()[:-1]
    step = np.diff(df["t"].to_numpy()) == 1
    d = np.concatenate([[np.nan], np.where(same & step, np.diff(df["v"].to_numpy()), np.nan)])
    df["d"] = d
    g = df.groupby("s")["d"]
    med = g.transform("median")
    dev = (df["d"] - med).abs()
    df["dev"] = dev
    mad = df.groupby("s")["dev"].transform("median")
    mean_ad = df.groupby("s")["dev"].transform("mean")
    n = g.transform("count")
    scale = np.where(mad > 0, mad / 0.6745, mean_ad * 1.2533)
    z = np.where((n >= params["min_changes"]) & (scale > 0), (df["d"] - med) / scale, np.nan)
    df["z"] = z
    nxt = df.groupby("s")["d"].shift(-1)
    big = np.abs(df["z"].to_numpy()) > params["threshold"]
    back = (np.sign(nxt) == -np.sign(df["d"])) & (nxt.abs() >= 0.5 * df["d"].abs())
    spike = big & back.to_numpy()
    returns = pd.Series(spike).groupby(df["s"]).shift(1, fill_value=False).to_numpy(dtype=bool)
    df["outlier"] = spike
    df["break"] = big & ~spike & ~returns
    ctx.cache[key] = df
    return df


def _prev_value(df: pd.DataFrame, mask: pd.Series) -> np.ndarray:
    return (df["v"] - df["d"])[mask].to_numpy()


def check_outlier(ctx: Context, params: Mapping[str, Any]) -> pd.DataFrame:
    df = _changes(ctx, params)
    hit = df["outlier"]
    if not hit.any():
        return empty()
    exp = [f"about {p:g} (change {d:+g}, robust z {z:.1f}, then back)"
           for p, d, z in zip(_prev_value(df, hit), df.loc[hit, "d"], df.loc[hit, "z"])]
    return findings(df.loc[hit, "pos"].to_numpy(), ctx.measure, df.loc[hit, "v"].to_numpy(), exp)


def check_break(ctx: Context, params: Mapping[str, Any]) -> pd.DataFrame:
    df = _changes(ctx, params)
    hit = df["break"].to_numpy()
    status = ctx.column("OBS_STATUS")
    if status is not None and hit.any():
        flagged = (status == "B").to_numpy()[df["pos"].to_numpy()]
        hit = hit & ~flagged
    hit = pd.Series(hit, index=df.index)
    if not hit.any():
        return empty()
    exp = [f"about {p:g} (change {d:+g}, robust z {z:.1f}, level stays); mark a real break with OBS_STATUS B"
           for p, d, z in zip(_prev_value(df, hit), df.loc[hit, "d"], df.loc[hit, "z"])]
    return findings(df.loc[hit, "pos"].to_numpy(), ctx.measure, df.loc[hit, "v"].to_numpy(), exp)


def check_gap(ctx: Context, params: Mapping[str, Any]) -> pd.DataFrame:
    df = _ordered(ctx, finite_values=False)
    if len(df) < 2:
        return empty()
    same = df["s"].to_numpy()[1:] == df["s"].to_numpy()[:-1]
    step = np.diff(df["t"].to_numpy())
    gap = np.concatenate([[False], same & (step > 1)])
    if not gap.any():
        return empty()
    pos = df["pos"].to_numpy()
    here, before = pos[gap], pos[np.flatnonzero(gap) - 1]
    t = ctx.frame[ctx.time]
    missing = np.concatenate([[0], step - 1])[gap].astype(int)
    value = [f"{a} after {b}" for a, b in zip(t.iloc[here], t.iloc[before])]
    exp = [f"consecutive periods ({m} missing)" for m in missing]
    return findings(here, ctx.time, value, exp)
