"""Totals and hierarchies: a total is never smaller than a part and equals the sum of complete parts.

Two families: breakdown totals (``SEX`` ``_T`` vs ``F`` + ``M``, ``AGE`` ``_T`` vs age bands that
tile 0..open end) and the ICCS hierarchy (a parent category vs its children; the level-1 sections
are children of ``_T``). Only counts are additive, so only rows whose unit is a count take part in
the sums; for rates and percentages a total of complete parts is their weighted average, so it lies
within their range.

How (numpy only, no per-row Python): rows are sorted once by the id of "every other dimension +
period" into segments; a segment holds a total and its parts. Sums are ``bincount``s over segment
ids, completeness a bit mask per segment (sex) or a chain test on sorted bands (age), parents are
found by binary search on ``segment x code``. The preparation is shared by the two rules of a family.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from .context import Context, empty, findings, number_text, stable_order

_BAND = re.compile(r"^Y(\d+)T(\d+)$|^Y_GE(\d+)$|^Y(\d+)$|^Y_LT(\d+)$")
OPEN_END = 999


def age_band(code: str) -> tuple[float, float]:
    """Years covered by an SDG AGE code (``Y15T29`` -> (15, 29), ``Y_GE65`` -> (65, 999)); NaN if none."""
    m = _BAND.match(code or "")
    if m is None:
        return np.nan, np.nan
    a, b, ge, one, lt = m.groups()
    if a is not None:
        return float(a), float(b)
    if ge is not None:
        return float(ge), float(OPEN_END)
    if one is not None:
        return float(one), float(one)
    return 0.0, float(int(lt) - 1)


def _tol(total: np.ndarray, params: Mapping[str, Any]) -> np.ndarray:
    return np.maximum(params["abs_tolerance"], params["rel_tolerance"] * np.abs(total))


def _segments(ctx: Context, dim: str, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """Rows sorted by the id of every dimension but ``dim`` plus the period: positions, segment ids, count.

    Every row is sorted once per ``dim`` (stably, kept for the rules and unit sets that ask again); the
    ``rows`` wanted are picked from that order, which is their own stable order."""
    ids = ctx.group_ids([d for d in ctx.dims if d != dim] + [ctx.time])
    cache_key = f"segments:{dim}"
    if cache_key not in ctx.cache:
        ctx.cache[cache_key] = stable_order(ids).astype(np.min_scalar_type(max(len(ids) - 1, 0)))
    everyone = ctx.cache[cache_key]
    pos = everyone[rows[everyone]].astype(np.int64)
    key = ids[pos]
    start = np.ones(len(key), dtype=bool)
    start[1:] = key[1:] != key[:-1]
    seg = np.cumsum(start) - 1
    return pos, seg, int(start.sum())


def _units(params: Mapping[str, Any]) -> list[str]:
    """The units a breakdown rule looks at: ``count_units`` (additive), or ``units`` (rates, percentages)."""
    return sorted(params["units"] if "units" in params else params["count_units"])


def _breakdown(ctx: Context, dim: str, spec: Mapping[str, Any], params: Mapping[str, Any]) -> dict[str, Any] | None:
    """Per segment: the total row, its value, the sum of parts and whether the parts are complete."""
    cache_key = f"breakdown:{dim}:{_units(params)}:{sorted(spec.items(), key=str)}"
    if cache_key in ctx.cache:
        return ctx.cache[cache_key]  # type: ignore[return-value]
    codes, uniques = ctx.factor(dim)
    text = [str(u) for u in uniques] + [""]
    bands = np.array([age_band(t) if spec.get("kind") == "age" else (np.nan, np.nan) for t in text]).reshape(-1, 2)
    required = list(spec.get("parts", []))
    role = np.array([1 if t == spec.get("total", "_T") else 2 if (t in required or not np.isnan(bands[i, 0]))
                     else 3 if t in spec.get("extra_parts", []) else 0 for i, t in enumerate(text)])
    rows = ctx.unit_in(_units(params)) & np.isfinite(ctx.values) & (role[codes] > 0)
    if not (role[codes[rows]] == 1).any():
        ctx.cache[cache_key] = None
        return None
    pos, seg, n = _segments(ctx, dim, rows)
    k, v = codes[pos], ctx.values[pos]
    r = role[k]
    is_total, is_part = r == 1, r >= 2
    tot_pos = np.full(n, -1, dtype=np.int64)
    tot_pos[seg[is_total]] = pos[is_total]
    tot_val = np.full(n, np.nan)
    tot_val[seg[is_total]] = v[is_total]
    part_sum = np.bincount(seg[is_part], weights=v[is_part], minlength=n)
    if spec.get("kind") == "age":
        complete = _tiles(seg, bands[k, 0], bands[k, 1], r == 2, n)
    else:
        bit = np.array([1 << required.index(t) if t in required else 0 for t in text], dtype=np.int64)
        got = np.zeros(n, dtype=np.int64)
        np.bitwise_or.at(got, seg, bit[k])
        complete = got == (1 << len(required)) - 1
    out = {"pos": pos, "seg": seg, "k": k, "v": v, "is_part": is_part, "tot_pos": tot_pos, "tot_val": tot_val,
           "part_sum": part_sum, "complete": complete, "text": text}
    ctx.cache[cache_key] = out
    return out


def _tiles(seg: np.ndarray, start: np.ndarray, end: np.ndarray, band: np.ndarray, n: int) -> np.ndarray:
    """Per segment: do the age bands tile 0..open end exactly (no gap, no overlap)?"""
    b = np.flatnonzero(band)
    b = b[np.lexsort((end[b], start[b], seg[b]))]
    s, st, en = seg[b], start[b], end[b]
    first = np.ones(len(s), dtype=bool)
    first[1:] = s[1:] != s[:-1]
    prev_end = np.concatenate([[np.nan], en[:-1]])
    ok = np.where(first, st == 0, st == prev_end + 1)
    last = np.ones(len(s), dtype=bool)
    last[:-1] = s[1:] != s[:-1]
    complete = np.zeros(n, dtype=bool)
    complete[s[last]] = en[last] == OPEN_END
    complete[s[~ok]] = False
    return complete


def _smaller(prep: dict[str, Any], seg_total_pos: np.ndarray, total_val: np.ndarray, part: np.ndarray,
             component: str, params: Mapping[str, Any]) -> pd.DataFrame:
    """Findings on the total row for every part larger than its total."""
    v = prep["v"]
    bad = part & (seg_total_pos >= 0) & (v > total_val + _tol(total_val, params))
    if not bad.any():
        return empty()
    names = np.array(prep["text"], dtype=object)[prep["k"][bad]]
    exp = ">= " + pd.Series(number_text(v[bad]), dtype=object) + " (part " + pd.Series(names, dtype=object) + ")"
    return findings(seg_total_pos[bad], component, total_val[bad], exp.to_numpy())


def _part_names(prep: dict[str, Any], group: np.ndarray, member: np.ndarray, wanted: np.ndarray) -> list[str]:
    """'+'-joined codes (sorted) of the parts of each wanted group: a bit set of codes per group, each
    distinct set of codes joined once."""
    sel = member & np.isin(group, wanted)
    text = np.array(prep["text"], dtype=object)
    rank = np.argsort(np.argsort(text.astype(str), kind="stable"), kind="stable")  # code -> place in sorted order
    order = np.argsort(wanted, kind="stable")
    g = order[np.searchsorted(wanted[order], group[sel])]  # the place in ``wanted`` of each part's group
    r = rank[prep["k"][sel]]
    masks = np.zeros((len(wanted), len(text) // 64 + 1), dtype=np.uint64)
    np.bitwise_or.at(masks, (g, r // 64), np.left_shift(np.uint64(1), (r % 64).astype(np.uint64)))
    sets, inv = np.unique(masks, axis=0, return_inverse=True)
    by_rank = text[np.argsort(rank, kind="stable")]
    joined = ["+".join(by_rank[[i for i in range(len(text)) if int(m[i // 64]) >> (i % 64) & 1]]) for m in sets]
    return [joined[i] for i in inv.ravel()]


def check_total_smaller(ctx: Context, params: Mapping[str, Any]) -> pd.DataFrame:
    parts = []
    for dim, spec in params["dimensions"].items():
        prep = _breakdown(ctx, dim, spec, params) if dim in ctx.frame.columns else None
        if prep is not None:
            seg = prep["seg"]
            parts.append(_smaller(prep, prep["tot_pos"][seg], prep["tot_val"][seg], prep["is_part"], dim, params))
    return pd.concat(parts, ignore_index=True) if parts else empty()


def check_total_sum(ctx: Context, params: Mapping[str, Any]) -> pd.DataFrame:
    parts = []
    for dim, spec in params["dimensions"].items():
        prep = _breakdown(ctx, dim, spec, params) if dim in ctx.frame.columns else None
        if prep is None:
            continue
        tv, ps = prep["tot_val"], prep["part_sum"]
        bad = np.flatnonzero((prep["tot_pos"] >= 0) & prep["complete"] & (np.abs(tv - ps) > _tol(tv, params)))
        if len(bad):
            names = _part_names(prep, prep["seg"], prep["is_part"], bad)
            exp = [f"{s:g} (sum of {n})" for s, n in zip(ps[bad], names)]
            parts.append(findings(prep["tot_pos"][bad], dim, tv[bad], exp))
    return pd.concat(parts, ignore_index=True) if parts else empty()


def check_total_incomplete(ctx: Context, params: Mapping[str, Any]) -> pd.DataFrame:
    """Totals with a breakdown that is not complete (age bands that leave ages out, one sex only)."""
    parts = []
    for dim, spec in params["dimensions"].items():
        prep = _breakdown(ctx, dim, spec, params) if dim in ctx.frame.columns else None
        if prep is None:
            continue
        given = np.bincount(prep["seg"][prep["is_part"]], minlength=len(prep["tot_pos"])) > 0
        bad = np.flatnonzero((prep["tot_pos"] >= 0) & given & ~prep["complete"])
        if len(bad):
            names = _part_names(prep, prep["seg"], prep["is_part"], bad)
            exp = [f"{s:g} in the parts given ({n})" for s, n in zip(prep["part_sum"][bad], names)]
            parts.append(findings(prep["tot_pos"][bad], dim, prep["tot_val"][bad], exp))
    return pd.concat(parts, ignore_index=True) if parts else empty()


def half_unit(v: np.ndarray, max_decimals: int = 12) -> np.ndarray:
    """Half a unit of the last digit of each value as published (1.5 -> 0.05, 0.28 -> 0.005, 12 -> 0.5):
    the rounding a value may carry. The decimals are the fewest that write the value exactly."""
    v = np.asarray(v, dtype=np.float64)
    dec = np.full(len(v), max_decimals)
    for d in range(max_decimals - 1, -1, -1):
        dec[np.isclose(np.round(v, d), v, rtol=1e-13, atol=0)] = d
    return 0.5 * 10.0 ** -dec


def check_total_outside_parts(ctx: Context, params: Mapping[str, Any]) -> pd.DataFrame:
    """Rates and percentages: a total lies within the range of its complete parts (it is their weighted
    average), give or take the rounding of the published digits of the total and of the parts."""
    parts = []
    for dim, spec in params["dimensions"].items():
        prep = _breakdown(ctx, dim, spec, params) if dim in ctx.frame.columns else None
        if prep is None:
            continue
        n, seg, v, part, tv = len(prep["tot_pos"]), prep["seg"], prep["v"], prep["is_part"], prep["tot_val"]
        lo, hi = np.full(n, np.inf), np.full(n, -np.inf)
        np.minimum.at(lo, seg[part], v[part])
        np.maximum.at(hi, seg[part], v[part])
        out = (prep["tot_pos"] >= 0) & prep["complete"] & ((tv < lo) | (tv > hi))
        # only there: the smallest and the largest each value may have been before rounding
        near = part & out[seg]
        low, high = np.full(n, np.inf), np.full(n, -np.inf)
        np.minimum.at(low, seg[near], v[near] - half_unit(v[near]))
        np.maximum.at(high, seg[near], v[near] + half_unit(v[near]))
        th = np.zeros(n)
        th[out] = half_unit(tv[out])
        bad = np.flatnonzero(out & ((tv + th < low) | (tv - th > high)))
        if len(bad):
            names = pd.Series(_part_names(prep, seg, part, bad), dtype=object)
            exp = ("within [" + pd.Series(number_text(lo[bad]), dtype=object) + ", "
                   + pd.Series(number_text(hi[bad]), dtype=object) + "] (range of " + names + ")")
            parts.append(findings(prep["tot_pos"][bad], dim, tv[bad], exp.to_numpy()))
    return pd.concat(parts, ignore_index=True) if parts else empty()


def _hierarchy(ctx: Context, params: Mapping[str, Any]) -> dict[str, Any] | None:
    """Each child row with its parent row in the same segment (same other dimensions and period).

    Rows in ``count_units`` take part, and those in ``rate_units`` (rates per population: parent and
    children of one segment share the denominator, so a child's rate is never above its parent's)."""
    dim = params["dimension"]
    units = sorted({*params["count_units"], *params.get("rate_units", ())})
    cache_key = f"hierarchy:{dim}:{units}"
    if cache_key in ctx.cache:
        return ctx.cache[cache_key]  # type: ignore[return-value]
    cl = ctx.flow.codelists.get(dim)
    rows = ctx.unit_in(units) & np.isfinite(ctx.values)
    if dim not in ctx.frame.columns or cl is None or not rows.any():
        return None
    codes, uniques = ctx.factor(dim)
    text = [str(u) for u in uniques] + [""]
    root = "_T" if "_T" in cl.codes else None
    parent_of = {c.id: c.parent or (root if c.id != root else None) for c in cl.codes.values()}
    index = {t: i for i, t in enumerate(text[:-1])}
    pk = np.array([index.get(parent_of.get(t) or "", -1) for t in text], dtype=np.int64)
    n_kids = pd.Series(list(parent_of.values())).value_counts()
    kids_of = np.array([n_kids.get(t, 0) for t in text], dtype=np.int64)
    # only codes whose parent, or one of whose children, the data have can be part of a pair
    pair = pk >= 0
    pair[pk[pair]] = True
    pair[-1] = False
    if not pair.any():
        ctx.cache[cache_key] = None
        return None
    pos, seg, _n = _segments(ctx, dim, rows & pair[codes])
    k, v, width = codes[pos], ctx.values[pos], len(text)
    comp = seg * width + k
    order = stable_order(comp)
    sc = comp[order]
    has_parent = pk[k] >= 0
    want = seg * width + pk[k]
    if len(sc):
        j = np.searchsorted(sc, want).clip(0, len(sc) - 1)
        found = has_parent & (sc[j] == want)
        prow = order[j]
    else:
        found, prow = np.zeros(0, dtype=bool), np.zeros(0, dtype=np.int64)
    out = {"pos": pos, "k": k, "v": v, "text": text, "found": found, "parent_pos": np.where(found, pos[prow], -1),
           "parent_val": np.where(found, v[prow], np.nan), "want": want, "kids_of": kids_of, "width": width}
    ctx.cache[cache_key] = out
    return out


def check_iccs_smaller(ctx: Context, params: Mapping[str, Any]) -> pd.DataFrame:
    h = _hierarchy(ctx, params)
    if h is None:
        return empty()
    return _smaller(h, h["parent_pos"], h["parent_val"], h["found"], params["dimension"], params)


def check_iccs_sum(ctx: Context, params: Mapping[str, Any]) -> pd.DataFrame:
    h = _hierarchy(ctx, params)
    if h is None or not h["found"].any():
        return empty()
    f = h["found"]
    groups, inv = np.unique(h["want"][f], return_inverse=True)
    sums = np.bincount(inv, weights=h["v"][f])
    count = np.bincount(inv)
    pval = np.zeros(len(groups))
    ppos = np.zeros(len(groups), dtype=np.int64)
    pval[inv], ppos[inv] = h["parent_val"][f], h["parent_pos"][f]
    complete = count == h["kids_of"][groups % h["width"]]
    bad = np.flatnonzero(complete & (np.abs(pval - sums) > _tol(pval, params)))
    if not len(bad):
        return empty()
    group_of_row = np.full(len(h["pos"]), -1, dtype=np.int64)
    group_of_row[f] = inv
    names = _part_names(h, group_of_row, f, bad)
    exp = [f"{s:g} (sum of {n})" for s, n in zip(sums[bad], names)]
    return findings(ppos[bad], params["dimension"], pval[bad], exp)


def _at(sorted_pos: np.ndarray, order: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Index (into the unsorted array) of each wanted position, -1 where it is not there."""
    j = np.searchsorted(sorted_pos, wanted).clip(0, max(len(sorted_pos) - 1, 0))
    hit = (sorted_pos[j] == wanted) if len(sorted_pos) else np.zeros(len(wanted), dtype=bool)
    return np.where(hit, order[j] if len(order) else -1, -1)


def related_total_parts(ctx: Context, params: Mapping[str, Any], found: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """The part rows of each total a finding points at (so that F and M are flagged with their total)."""
    idx, rel = [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.int64)]
    for dim, spec in params["dimensions"].items():
        sel = np.flatnonzero(found["component"].to_numpy() == dim)
        prep = _breakdown(ctx, dim, spec, params) if len(sel) and dim in ctx.frame.columns else None
        if prep is None:
            continue
        order = np.argsort(prep["tot_pos"], kind="stable")
        seg = _at(prep["tot_pos"][order], order, found["pos"].to_numpy(dtype=np.int64)[sel])
        finding_of_seg = np.full(len(prep["tot_pos"]), -1, dtype=np.int64)
        finding_of_seg[seg[seg >= 0]] = sel[seg >= 0]
        f = finding_of_seg[prep["seg"]]
        part = prep["is_part"] & (f >= 0)
        idx.append(f[part])
        rel.append(prep["pos"][part])
    return np.concatenate(idx), np.concatenate(rel)


def related_children(ctx: Context, params: Mapping[str, Any], found: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """The child rows of each ICCS parent a finding points at."""
    h = _hierarchy(ctx, params)
    if h is None:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    fpos = found["pos"].to_numpy(dtype=np.int64)
    order = np.argsort(fpos, kind="stable")
    f = _at(fpos[order], order, h["parent_pos"])
    child = h["found"] & (f >= 0)
    return f[child], h["pos"][child]
