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
from .structural import unparsed

VALUE_EPS = 1e-9
#: ``state`` codes of the comparison table; ``unread``: the current cell is text that is not a number
#: (rule ``value.non_numeric``), neither a revision nor a new observation
STATES = ("unchanged", "new", "revised", "deleted", "unread")


def _key_hashes(cur: Context, prev: Context, cols: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """A 64-bit hash of each row's key columns in both frames, from each column's codes and hashed
    distinct texts (the same for a value however each frame codes it)."""
    out = []
    for ctx in (cur, prev):
        h = np.zeros(len(ctx), dtype=np.uint64)
        for c in cols:
            codes, uniques = ctx.factor(c)
            texts = np.append(as_text(pd.Series(uniques, dtype=object)).to_numpy(dtype=object), "\x00missing")
            h *= np.uint64(1_000_003)
            h ^= pd.util.hash_array(texts)[codes]
        out.append(h)
    return out[0], out[1]


def _numbers(frame: pd.DataFrame, measure: str) -> np.ndarray:
    if measure not in frame.columns:
        return np.full(len(frame), np.nan)
    return pd.to_numeric(frame[measure], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)


def _unique_sorted(h: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct hashes in order and the position of each one's first row."""
    order = np.argsort(h)
    s = h[order]
    first = np.ones(len(s), dtype=bool)
    first[1:] = s[1:] != s[:-1]
    return s[first], order[first]


def compare(ctx: Context) -> pd.DataFrame | None:
    """One row per observation in either release: ``pos`` (current), ``ppos`` (previous), old, new, state."""
    if ctx.previous is None:
        return None
    if "revisions.table" in ctx.cache:
        return ctx.cache["revisions.table"]  # type: ignore[return-value]
    prev = ctx.previous
    cols = [c for c in [*ctx.flow.dsd.dimension_ids, ctx.time] if c in ctx.frame.columns and c in prev.columns]
    hc, pc = (_unique_sorted(h) for h in _key_hashes(ctx, Context(prev, ctx.flow), cols))
    at = np.searchsorted(hc[0], pc[0])
    found = at < len(hc[0])
    found[found] = hc[0][at[found]] == pc[0][found]
    in_prev = np.zeros(len(hc[0]), dtype=bool)
    in_prev[at[found]] = True
    cur_pos = np.concatenate([hc[1], np.full(int((~found).sum()), -1)])
    prev_pos = np.concatenate([np.full(len(hc[0]), -1), pc[1][~found]])
    prev_pos[: len(hc[0])][in_prev] = pc[1][found]
    old_all = _numbers(prev, ctx.measure)
    a = np.where(cur_pos >= 0, ctx.values[cur_pos.clip(0)], np.nan) if len(ctx) else np.full(len(cur_pos), np.nan)
    b = np.where(prev_pos >= 0, old_all[prev_pos.clip(0)], np.nan) if len(prev) else np.full(len(cur_pos), np.nan)
    with np.errstate(invalid="ignore", over="ignore"):
        same = (np.isnan(a) & np.isnan(b)) | (np.abs(a - b) <= VALUE_EPS * np.maximum(1.0, np.abs(b)))
    unread = np.append(unparsed(ctx)[0], False)[np.where(cur_pos >= 0, cur_pos, len(ctx))]
    state = np.select([unread, prev_pos < 0, cur_pos < 0, ~same], [4, 1, 3, 2], 0).astype(np.int8)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        # signed relative change: -0.99 for a fall from 3274 to 32, +1.0 for a doubling
        change = np.where(b != 0, (a - b) / np.abs(b), np.where(a == b, 0.0, np.inf))
    table = pd.DataFrame({"pos": cur_pos, "ppos": prev_pos, "new": a, "old": b, "state": state, "change": change,
                          "rel": np.abs(change)}, copy=False)  # one block per column: nothing stacked
    ctx.cache["revisions.table"] = table
    return table


def summary(ctx: Context, threshold: float) -> dict[str, Any]:
    """The ``revisions`` block of the report and of the release manifest."""
    table = compare(ctx)
    if table is None:
        return {"previous_release": False, "new": len(ctx), "revised": 0, "deleted": 0, "unchanged": 0,
                "large": 0, "threshold": threshold}
    counts = np.bincount(table["state"].to_numpy(), minlength=len(STATES))
    large = int(((table["state"] == STATES.index("revised")) & (table["rel"] > threshold)).sum())
    return {"previous_release": True, **{k: int(counts[STATES.index(k)]) for k in ("new", "revised", "deleted", "unchanged")},
            "large": large, "threshold": threshold}


def _state(ctx: Context, state: str) -> pd.DataFrame | None:
    table = compare(ctx)
    if table is None:
        return None
    return table[table["state"] == STATES.index(state)]


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
           else f"{o:g} (revised from zero or missing)" for o, r in zip(t["old"], t["change"])]
    return findings(t["pos"].to_numpy(), ctx.measure, t["new"].to_numpy(), exp)


def check_deleted(ctx: Context, params: Mapping[str, Any]) -> pd.DataFrame:
    """Observations of the previous release that are gone; they point into the previous frame."""
    t = _state(ctx, "deleted")
    if t is None or t.empty:
        return empty()
    prev = ctx.previous
    assert prev is not None
    ppos = t["ppos"].to_numpy()
    release = prev.attrs.get("release")
    out = findings(np.full(len(t), -1), ctx.measure, t["old"].to_numpy(),
                   f"present, as in release {release}" if release else "present, as in the previous release")
    out["key"] = sdmx_key(prev, ctx.flow.dsd.dimension_ids, ctx.time, ppos).to_numpy()
    for col in ("_source", "_row", "_column"):
        if col in prev.columns:
            out[col[1:]] = as_text(prev[col].iloc[ppos]).to_numpy()
    return out


def _part_share(ctx: Context, chosen: pd.Series, max_share: float, what: str, fix: str, *,
                sample: str = "") -> pd.DataFrame:
    """One finding about the whole part when the ``chosen`` observations are more than ``max_share``
    of the previous release's observations of the part (``sample``: some of their keys, for the message)."""
    prev = ctx.previous
    n, total = int(chosen.sum()), len(prev) if prev is not None else 0
    if not n or not total or n / total <= max_share:
        return empty()
    allowed = f"at most {max_share:.0%}" if max_share else "none"
    return findings([-1], ctx.measure, f"{n} of {total} observations ({n / total:.1%}) {what}{sample}",
                    f"{allowed} of the previous release's observations of this part; {fix}")


#: how to allow deletions, in the rule's finding and in the docs
DELETION_FIX = ("check the source is complete (a cut or truncated file, a filter?); if the deletions are intended, "
                "run again with --allow-deletions (DAG param allow_deletions), or declare it in the spec: "
                "allow_deletions: true, or the share this part may lose, validation: {rules: "
                "{revision.deleted_share: {max_share: 0.05}}}")

#: keys of deleted observations named in the ``revision.deleted_share`` message
SAMPLE_KEYS = 3


def check_deleted_share(ctx: Context, params: Mapping[str, Any]) -> pd.DataFrame:
    """The part loses more than ``max_share`` of its observations (by default any): a cut or truncated
    source? Deletions pass only with the run's or the spec's consent (``pipeline.deletion_consent``)."""
    table = compare(ctx)
    if table is None:
        return empty()
    gone = table["state"] == STATES.index("deleted")
    ppos = table.loc[gone, "ppos"].to_numpy()[:SAMPLE_KEYS]
    keys = list(sdmx_key(ctx.previous, ctx.flow.dsd.dimension_ids, ctx.time, ppos))
    sample = f", e.g. {', '.join(keys)}" if keys else ""
    return _part_share(ctx, gone, params["max_share"], "deleted", sample=sample, fix=DELETION_FIX)


#: errors that lose rows or change their keys (rows the transform dropped, codes not in the codelists):
#: observations gone for one of these are no evidence of a cut source
KEY_ERRORS = ("map.unmapped", "dim.missing", "dim.empty", "code.unknown", "code.not_allowed", "time.freq_mismatch")


def without_explained_deletions(found: pd.DataFrame, ctx: Context) -> pd.DataFrame:
    """The findings without the ``revision.deleted_share`` error when this run's errors of
    :data:`KEY_ERRORS` may be why the observations are missing: no more are gone than rows have such an
    error (the rows of unmapped values included). That error is the one to fix, with its own fix; the
    share is checked again on the run after, and ``revision.deleted`` still lists each observation."""
    table = compare(ctx)
    share = found["rule"].eq("revision.deleted_share").to_numpy() & found["severity"].eq("error").to_numpy()
    if table is None or not share.any():
        return found
    keyed = found["severity"].eq("error").to_numpy() & found["rule"].isin(KEY_ERRORS).to_numpy()
    rows = found.loc[keyed & (found["pos"].to_numpy() >= 0), "pos"].nunique()
    rows += sum(int(u.get("count", 0)) for u in ctx.unmapped)
    if not rows or rows < int((table["state"] == STATES.index("deleted")).sum()):
        return found
    return found[~share].reset_index(drop=True)


def check_revised_share(ctx: Context, params: Mapping[str, Any]) -> pd.DataFrame:
    """More than ``max_share`` of the part's observations move by more than ``threshold``: a wrong unit,
    a shifted column or a cut number?"""
    table = compare(ctx)
    if table is None:
        return empty()
    big = (table["state"] == STATES.index("revised")) & (table["rel"] > params["threshold"])
    return _part_share(ctx, big, params["max_share"], f"revised by more than {params['threshold']:.0%}",
                       "if the revisions are confirmed by the data producer, raise "
                       "validation.rules.revision.revised_share.max_share in the spec")
