"""Totals and hierarchies: a total is never smaller than a part and equals the sum of complete parts.

Two families share one engine (:func:`_compare`): breakdown totals (``SEX`` ``_T`` vs ``F`` + ``M``,
``AGE`` ``_T`` vs age bands that tile 0..open end) and the ICCS hierarchy (a parent category vs its
children, the level-1 sections being children of ``_T``). Only counts are additive, so only rows
whose unit is a count take part. Everything is a group-by over integer ids.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from .context import Context, empty, findings

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


def _counts(ctx: Context, params: Mapping[str, Any]) -> np.ndarray:
    return ctx.unit_in(params["count_units"]) & np.isfinite(ctx.values)


def _tol(total: pd.Series, params: Mapping[str, Any]) -> pd.Series:
    return np.maximum(params["abs_tolerance"], params["rel_tolerance"] * total.abs())


def _compare(ctx: Context, parents: pd.DataFrame, children: pd.DataFrame, complete: pd.Series,
             component: str, params: Mapping[str, Any], mode: str) -> pd.DataFrame:
    """``parents``: g, code, v, pos; ``children``: g, parent, code, v. ``complete``: (g, parent) -> bool.

    ``mode`` ``smaller``: a parent row per child larger than it; ``sum``: a parent row whose value
    differs from the sum of its complete children.
    """
    if parents.empty or children.empty:
        return empty()
    if mode == "smaller":
        m = children.merge(parents, left_on=["g", "parent"], right_on=["g", "code"], suffixes=("_c", ""))
        m = m[m["v_c"] > m["v"] + _tol(m["v"], params)]
        exp = [f">= {c:g} (part {k})" for c, k in zip(m["v_c"], m["code_c"])]
        return findings(m["pos"].to_numpy(), component, m["v"].to_numpy(), exp)
    agg = children.groupby(["g", "parent"])["v"].sum().rename("total")
    agg = agg[complete.reindex(agg.index, fill_value=False).to_numpy()].reset_index()
    m = agg.merge(parents, left_on=["g", "parent"], right_on=["g", "code"])
    m = m[(m["v"] - m["total"]).abs() > _tol(m["v"], params)]
    bad = children.merge(m[["g", "parent"]], on=["g", "parent"])
    names = bad.groupby(["g", "parent"])["code"].agg(lambda s: "+".join(sorted(s)))
    names = names.reindex(pd.MultiIndex.from_frame(m[["g", "parent"]])).to_numpy()
    exp = [f"{t:g} (sum of {p})" for t, p in zip(m["total"], names)]
    return findings(m["pos"].to_numpy(), component, m["v"].to_numpy(), exp)


def _breakdown(ctx: Context, params: Mapping[str, Any], mode: str) -> pd.DataFrame:
    rows = _counts(ctx, params)
    parts = []
    for dim, spec in params["dimensions"].items():
        if dim not in ctx.frame.columns or not rows.any():
            continue
        codes, uniques = ctx.factor(dim)
        g = ctx.group_ids([d for d in ctx.dims if d != dim] + [ctx.time])
        code = np.append(uniques, "").astype(object)[codes]
        base = pd.DataFrame({"g": g, "code": code, "v": ctx.values, "pos": np.arange(len(ctx))})[rows]
        total = spec.get("total", "_T")
        tot = base[base["code"] == total]
        if spec.get("kind") == "age":
            bands = {u: age_band(str(u)) for u in uniques}
            start = base["code"].map({u: b[0] for u, b in bands.items()})
            kids = base[start.notna()].assign(start=start[start.notna()],
                                              end=base["code"].map({u: b[1] for u, b in bands.items()}))
            extra = base[base["code"].isin(spec.get("extra_parts", []))]
            complete = _tiles(kids)
            kids = pd.concat([kids, extra])
        else:
            kids = base[base["code"].isin([*spec["parts"], *spec.get("extra_parts", [])])]
            req = kids[kids["code"].isin(spec["parts"])].groupby("g")["code"].nunique()
            complete = req == len(spec["parts"])
        kids = kids.assign(parent=total)
        complete.index = pd.MultiIndex.from_arrays([complete.index, [total] * len(complete)])
        parts.append(_compare(ctx, tot, kids[["g", "parent", "code", "v"]], complete, dim, params, mode))
    return pd.concat(parts, ignore_index=True) if parts else empty()


def _tiles(kids: pd.DataFrame) -> pd.Series:
    """Per group: do the age bands tile 0..open end exactly (no gap, no overlap)?"""
    if kids.empty:
        return pd.Series(dtype=bool)
    k = kids.sort_values(["g", "start", "end"])
    prev_end = k.groupby("g")["end"].shift()
    ok = np.where(prev_end.isna(), k["start"] == 0, k["start"] == prev_end + 1)
    k = k.assign(ok=ok)
    by = k.groupby("g").agg(ok=("ok", "all"), last=("end", "last"))
    return by["ok"] & (by["last"] == OPEN_END)


def check_total_smaller(ctx: Context, params: Mapping[str, Any]) -> pd.DataFrame:
    return _breakdown(ctx, params, "smaller")


def check_total_sum(ctx: Context, params: Mapping[str, Any]) -> pd.DataFrame:
    return _breakdown(ctx, params, "sum")


def _iccs(ctx: Context, params: Mapping[str, Any], mode: str) -> pd.DataFrame:
    dim = params["dimension"]
    cl = ctx.flow.codelists.get(dim)
    rows = _counts(ctx, params)
    if dim not in ctx.frame.columns or cl is None or not rows.any():
        return empty()
    root = "_T" if "_T" in cl.codes else None
    parent_of = {c.id: c.parent or (root if c.id != root else None) for c in cl.codes.values()}
    n_children = pd.Series(list(parent_of.values())).value_counts()
    codes, uniques = ctx.factor(dim)
    code = np.append(uniques, "").astype(object)[codes]
    g = ctx.group_ids([d for d in ctx.dims if d != dim] + [ctx.time])
    base = pd.DataFrame({"g": g, "code": code, "v": ctx.values, "pos": np.arange(len(ctx))})[rows]
    kids = base.assign(parent=base["code"].map(parent_of)).dropna(subset=["parent"])
    have = kids.groupby(["g", "parent"])["code"].nunique()
    complete = have == n_children.reindex(have.index.get_level_values("parent")).to_numpy()
    return _compare(ctx, base, kids[["g", "parent", "code", "v"]], complete, dim, params, mode)


def check_iccs_smaller(ctx: Context, params: Mapping[str, Any]) -> pd.DataFrame:
    return _iccs(ctx, params, "smaller")


def check_iccs_sum(ctx: Context, params: Mapping[str, Any]) -> pd.DataFrame:
    return _iccs(ctx, params, "sum")
