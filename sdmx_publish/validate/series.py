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


def _ordered(ctx: Context) -> dict[str, np.ndarray]:
    """Rows with a valid period sorted by series then period (one lexsort, shared by the rules)."""
    if "series.order" not in ctx.cache:
        pos = np.flatnonzero(np.isfinite(ctx.periods))
        s, t = ctx.series_ids[pos], ctx.periods[pos]
        rank, n_periods = ctx.period_rank()
        if len(s) and int(s.max()) < 2**62 // (n_periods + 1):
            order = np.argsort(s * (n_periods + 1) + rank[pos])
        else:
            order = np.lexsort((t, s))
        pos, s, t = pos[order], s[order], t[order]
        start = np.ones(len(s), dtype=bool)
        start[1:] = s[1:] != s[:-1]
        ctx.cache["series.order"] = {"pos": pos, "t": t, "v": ctx.values[pos], "start": start,
                                     "seg": np.cumsum(start) - 1}
    return ctx.cache["series.order"]  # type: ignore[return-value]


def _median_mad(x: np.ndarray, seg: np.ndarray, starts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per segment (segments contiguous in ``seg``): the median of the non-NaN ``x``, the median of their
    absolute deviations from it (MAD), and their count.

    Series are short: the segments of up to ``w`` rows (``w`` a power of two) are laid out as the rows of
    a ``(segments, w)`` matrix padded with NaN and sorted along the rows (NaN last), a few vectorised
    sorts in all; the padding at most doubles the memory of ``x``."""
    n, n_seg = len(x), len(starts)
    cnt = np.bincount(seg, weights=~np.isnan(x), minlength=n_seg).astype(np.int64)
    length = np.diff(np.append(starts, n))
    width = np.left_shift(1, np.ceil(np.log2(np.maximum(length, 1))).astype(np.int64))
    med, mad = np.full(n_seg, np.nan), np.full(n_seg, np.nan)
    classes = np.unique(width)
    for w in classes:
        sel = np.flatnonzero(width == w)
        elem = np.arange(n) if len(classes) == 1 else np.flatnonzero(width[seg] == w)
        row_of = np.zeros(n_seg, dtype=np.int64)
        row_of[sel] = np.arange(len(sel))
        table = np.full(len(sel) * w, np.nan)
        table[row_of[seg[elem]] * w + (elem - starts[seg[elem]])] = x[elem]
        table = table.reshape(len(sel), w)
        c, row = cnt[sel], np.arange(len(sel))
        for out in (med, mad):
            table.sort(axis=1)
            mid = np.where(c > 0, (table[row, np.maximum(c - 1, 0) // 2] + table[row, c // 2]) / 2, np.nan)
            out[sel] = mid
            table = np.abs(table - mid[:, None])  # the deviations, for the MAD (padding stays NaN)
    return med, mad, cnt


def _changes(ctx: Context, params: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """Per observation: the change from the previous period, its robust z-score, outlier and break flags."""
    key = f"series.changes:{params['threshold']}:{params['min_changes']}"
    if key not in ctx.cache:
        with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
            ctx.cache[key] = _score(_ordered(ctx), params)
    return ctx.cache[key]  # type: ignore[return-value]


def _score(o: dict[str, np.ndarray], params: Mapping[str, Any]) -> dict[str, np.ndarray]:
    v, t, seg, start = o["v"], o["t"], o["seg"], o["start"]
    n = len(v)
    if n == 0:
        return {**o, "d": v, "z": v, "outlier": start, "break": start}
    same = ~start[1:]
    d = np.concatenate([[np.nan], np.where(same & (np.diff(t) == 1), np.diff(v), np.nan)])
    starts = np.flatnonzero(start)
    med, mad, cnt = _median_mad(d, seg, starts)
    dev = np.abs(d - med[seg])
    mean_ad = np.bincount(seg, weights=np.nan_to_num(dev), minlength=len(starts)) / np.maximum(cnt, 1)
    scale = np.where(mad > 0, mad / 0.6745, mean_ad * 1.2533)
    ok = (cnt >= params["min_changes"]) & (scale > 0)
    z = np.where(ok[seg], (d - med[seg]) / scale[seg], np.nan)
    nxt = np.concatenate([np.where(same, d[1:], np.nan), [np.nan]])
    big = np.abs(z) > params["threshold"]
    spike = big & (np.sign(nxt) == -np.sign(d)) & (np.abs(nxt) >= 0.5 * np.abs(d))
    returns = np.concatenate([[False], spike[:-1] & same])
    return {**o, "d": d, "z": z, "outlier": spike, "break": big & ~spike & ~returns}


def _describe(c: dict[str, np.ndarray], hit: np.ndarray, tail: str) -> list[str]:
    prev = c["v"][hit] - c["d"][hit]
    return [f"about {p:g} (change {d:+g}, robust z {z:.1f}{tail})" for p, d, z in zip(prev, c["d"][hit], c["z"][hit])]


def check_outlier(ctx: Context, params: Mapping[str, Any]) -> pd.DataFrame:
    c = _changes(ctx, params)
    hit = c["outlier"]
    if not hit.any():
        return empty()
    return findings(c["pos"][hit], ctx.measure, c["v"][hit], _describe(c, hit, ", then back"))


def check_break(ctx: Context, params: Mapping[str, Any]) -> pd.DataFrame:
    c = _changes(ctx, params)
    hit = c["break"]
    status = ctx.column("OBS_STATUS")
    if status is not None and hit.any():
        hit = hit & ~ctx.is_code("OBS_STATUS", "B")[c["pos"]]
    if not hit.any():
        return empty()
    return findings(c["pos"][hit], ctx.measure, c["v"][hit],
                    _describe(c, hit, ", level stays; mark a real break with OBS_STATUS B"))


def check_gap(ctx: Context, params: Mapping[str, Any]) -> pd.DataFrame:
    o = _ordered(ctx)
    if len(o["pos"]) < 2:
        return empty()
    step = np.diff(o["t"])
    gap = np.concatenate([[False], ~o["start"][1:] & (step > 1)])
    if not gap.any():
        return empty()
    pos = o["pos"]
    here, before = pos[gap], pos[np.flatnonzero(gap) - 1]
    t = ctx.frame[ctx.time]
    missing = np.concatenate([[0], step - 1])[gap].astype(int)
    value = [f"{a} after {b}" for a, b in zip(t.iloc[here], t.iloc[before])]
    exp = [f"consecutive periods ({m} missing)" for m in missing]
    return findings(here, ctx.time, value, exp)
