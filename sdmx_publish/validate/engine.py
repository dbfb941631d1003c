"""``validate()``: run every enabled rule over an observation frame and assemble one :class:`Report`.

Order: resolve each rule's settings (per dataflow, per source); run the rule on the whole frame, or
on the rows of each group of sources when sources are configured differently; turn the rule's
failing rows into findings with source, row, column and SDMX key; quarantine rows with errors;
drop exact duplicates from the data to publish; note the rows the rules' declared outcomes flag or
hold back (:mod:`.flags`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError
from ..structure.model import Flow
from . import flags, revisions
from .catalogue import RULES
from .config import RuleConfig, RuleSettings
from .context import Context, as_text, empty
from .report import FINDING_FIELDS, Report, RuleRun
from .rules import Rule


def _prepare(frame: Any) -> pd.DataFrame:
    if not isinstance(frame, pd.DataFrame):
        raise InputError(f"expected an observation frame (pandas DataFrame), got {type(frame).__name__}")
    out = frame.reset_index(drop=True)
    out.columns = [str(c) for c in out.columns]
    dup = sorted({c for c in out.columns if list(out.columns).count(c) > 1})
    if dup:
        raise InputError(f"the observation frame has repeated columns {dup}",
                         fix="map each DSD component from exactly one source column")
    return out


def _source_of(frame: pd.DataFrame) -> pd.Series:
    """Each row's ``_source`` as text, "" where it has none (or the frame has no origin column)."""
    if "_source" not in frame.columns:
        return pd.Series("", index=frame.index, dtype=object)
    return as_text(frame["_source"])


def _sources(*frames: pd.DataFrame | None) -> list[str]:
    """Distinct sources of the frames ("" for rows without one); the previous release's count too."""
    found: dict[str, None] = {}
    for f in frames:
        if f is None:
            continue
        if "_source" not in f.columns:
            found[""] = None
            continue
        distinct = pd.Series(f["_source"].unique(), dtype=object)
        found.update((s, None) for s in as_text(distinct))
    return list(found)


def _groups(rule: Rule, config: RuleConfig, flow_id: str, sources: list[str]) -> list[tuple[RuleSettings, list[str] | None]]:
    """Settings to run ``rule`` with: one entry (all rows) unless sources are configured differently."""
    base = config.settings(rule.id, flow_id)
    if not any(config.source_patterns(s) for s in sources if s):
        return [(base, None)]
    by: dict[str, tuple[RuleSettings, list[str]]] = {}
    for s in sources:
        st = config.settings(rule.id, flow_id, s or None)
        ident = (st.enabled, st.severity, st.outcome, st.obs_status, sorted(st.params.items(), key=str))
        by.setdefault(repr(ident), (st, []))[1].append(s)
    if len(by) == 1:
        return [(next(iter(by.values()))[0], None)]
    return list(by.values())


def _run(rule: Rule, ctx: Context, st: RuleSettings,
         subset: list[str] | None) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    with np.errstate(all="ignore"):  # inf and NaN in the data are findings, not warnings on stderr
        return _run_rule(rule, ctx, st, subset)


def _run_rule(rule: Rule, ctx: Context, st: RuleSettings,
              subset: list[str] | None) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """The rule's findings, and the rows its outcome flags or holds back (None when it found nothing)."""
    rows = None
    if subset is None:
        found = rule.check(ctx, st.params)
        where = ctx
    else:
        rows = np.flatnonzero(_source_of(ctx.frame).isin(subset).to_numpy())
        prev = ctx.previous
        if prev is not None:  # compare each source with its own past
            prev = prev[_source_of(prev).isin(subset).to_numpy()].reset_index(drop=True)
        where = Context(ctx.frame.iloc[rows].reset_index(drop=True), ctx.flow, previous=prev,
                        population=ctx.population, others=ctx.others,
                        unmapped=[u for u in ctx.unmapped if str(u["source"]) in subset],
                        summary_checks=[c for c in ctx.summary_checks if str(c["source"]) in subset])
        found = rule.check(where, st.params)
        local = found["pos"].to_numpy(dtype=np.int64)
        pos = np.full(len(local), -1, dtype=np.int64)
        pos[local >= 0] = rows[local[local >= 0]]
        found["pos"] = pos
    found = found.reset_index(drop=True)
    if found.empty:  # most rules on most frames: no message to render, no row to flag
        return found, None
    related = None
    if st.outcome != "warn" and rule.related is not None and len(found):
        idx, rel = rule.related(where, st.params, found if rows is None else found.assign(pos=local))
        related = (idx, rel if rows is None else rows[rel])
    found["rule"] = rule.id
    found["severity"] = st.severity
    found["message"] = rule.render(found, st.params).to_numpy()
    return found, flags.actions(found, st.outcome, st.obs_status, related)


def _locate(found: pd.DataFrame, ctx: Context) -> pd.DataFrame:
    """Fill source, row, column and key from the frame for findings that point at a row."""
    pos = found["pos"].to_numpy()
    at = pos >= 0
    f = ctx.frame
    for name in ("source", "row", "column"):
        col = f"_{name}"
        given = found[name].astype(object) if name in found.columns else pd.Series([None] * len(found), dtype=object)
        given = given.where(given.notna(), None)  # as a rule gave it for a finding without a row (or none)
        if col in f.columns and at.any():
            vals = f[col].iloc[pos[at]].astype(object).where(f[col].iloc[pos[at]].notna(), None).to_numpy()
            given.iloc[np.flatnonzero(at)] = vals
        found[name] = given.to_numpy()
    key = found["key"] if "key" in found.columns else pd.Series([""] * len(found), dtype=object)
    key = key.astype(object).copy()
    if at.any():
        key.iloc[np.flatnonzero(at)] = ctx.key(pos[at]).to_numpy()
    found["key"] = key.fillna("").to_numpy()
    found["row"] = pd.to_numeric(found["row"], errors="coerce").astype("Int64")
    return found


def _quarantine(ctx: Context, found: pd.DataFrame) -> pd.DataFrame:
    err = found[(found["severity"] == "error") & (found["pos"] >= 0)]
    if err.empty:
        return ctx.frame.iloc[:0].assign(reason=pd.Series(dtype=object))
    reasons = (err["rule"] + ": " + err["message"]).groupby(err["pos"]).agg("; ".join)
    out = ctx.frame.iloc[reasons.index.to_numpy()].copy()
    out["reason"] = reasons.to_numpy()
    return out


def validate(frame: pd.DataFrame, flow: Flow, *, config: RuleConfig | None = None,
             previous: pd.DataFrame | None = None, population: pd.DataFrame | None = None,
             others: pd.DataFrame | None = None, unmapped: list[dict] | None = None,
             summary_checks: list[dict] | None = None,
             rules: Iterable[str] | None = None) -> Report:
    """Check an observation frame against its dataflow and the statistical rules; never raises on bad data.

    ``previous``: the previous release's frame (revision rules); ``population``: columns
    ``REF_AREA``, ``TIME_PERIOD``, ``POPULATION`` (rate consistency); ``others``: the dimensions and
    time period of what other sources of the dataflow publish, with ``_part`` naming the source
    (observations claimed twice); ``unmapped``, ``summary_checks``: what the transform found in the
    correspondence tables (:class:`~sdmx_publish.transform.TransformReport`); ``rules``: only these rule
    ids (e.g. the structural ones), default all.
    """
    config = config or RuleConfig()
    frame = _prepare(frame)
    if previous is not None:
        previous = _prepare(previous)
    ctx = Context(frame, flow, previous=previous, population=population, others=others, unmapped=unmapped,
                  summary_checks=summary_checks)
    chosen = set(rules) if rules is not None else set(RULES)
    unknown = chosen - set(RULES)
    if unknown:
        raise InputError(f"unknown rules {sorted(unknown)}", fix=f"use ids from: {', '.join(RULES)}")
    sources = list(dict.fromkeys([*_sources(frame, previous),  # and a source none of whose rows was mapped
                                  *(str(r["source"]) for r in (*ctx.unmapped, *ctx.summary_checks))]))
    parts, acts, runs = [], [], []
    for rule in RULES.values():
        groups = _groups(rule, config, flow.id, sources) if rule.id in chosen else []
        active = [(st, sub) for st, sub in groups if st.enabled]
        for st, sub in active:
            if st.outcome == "flag":
                flags.check_status(flow, rule.id, st.obs_status)
            found, act = _run(rule, ctx, st, sub)
            parts.append(found)
            if act is not None:
                acts.append(act)
        st0 = active[0][0] if active else config.settings(rule.id, flow.id)
        runs.append(RuleRun(rule=rule, enabled=bool(active), severity=st0.severity, params=dict(st0.params),
                            outcome=st0.outcome, obs_status=st0.obs_status))
    nonempty = [p for p in parts if len(p)]
    found = (pd.concat(nonempty, ignore_index=True) if nonempty
             else empty().assign(rule=pd.Series(dtype=object), severity=pd.Series(dtype=object),
                                 message=pd.Series(dtype=object)))
    found = _locate(revisions.without_explained_deletions(found, ctx), ctx)
    dropped = found.loc[found["rule"] == "dup.exact", "pos"].to_numpy(dtype=np.int64)
    quarantine = _quarantine(ctx, found)
    removed = np.union1d(dropped, quarantine.index.to_numpy()).astype(np.int64)
    actions = [a for a in acts if len(a)]
    action = pd.concat(actions, ignore_index=True) if actions else flags.no_actions()
    action = action[~np.isin(action["pos"].to_numpy(), removed)].reset_index(drop=True)
    threshold = config.settings("revision.large", flow.id).params["threshold"]
    return Report(flow=flow, observations=len(frame), findings=found[[*FINDING_FIELDS, "pos"]],
                  quarantine=quarantine.reset_index(drop=True), revisions=revisions.summary(ctx, threshold),
                  rules=runs, frame=frame, removed=removed, dropped=len(dropped), actions=action)
