"""Declared outcomes of a rule's findings: warn, flag or hold back.

Every rule has an outcome (declared in the catalogue, changed per dataflow or source in the rule
configuration, e.g. a spec's ``validation:`` block):

- ``warn``: the finding is reported; the observation is published as it is;
- ``flag``: published with a flag: the rule's ``obs_status`` code (SDMX CL_OBS_STATUS, e.g. ``U``
  low reliability, ``E`` estimated) replaces a normal status (``A`` or none; another status, such
  as ``B`` or ``P``, is kept), and the finding is added to ``COMMENT_OBS``;
- ``hold``: held back: not published, listed in the report (``outcomes.held_back``) and the manifest.

A finding may concern more rows than the one it points at (the parts of a total that disagrees
with them): the rule's ``related`` function names them, and they get the same outcome. Flags and
holds are one table of actions (``pos``, ``rule``, ``outcome``, ``obs_status``, ``note``) applied
column-wise to the frame to publish.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..errors import SpecError
from ..structure.model import Flow
from .context import as_text

ACTION_COLUMNS = ["pos", "rule", "outcome", "obs_status", "note"]
STATUS, COMMENT = "OBS_STATUS", "COMMENT_OBS"
#: statuses a flag may replace: a normal value, or none given
REPLACEABLE = ("", "A")


def no_actions() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=np.int64 if c == "pos" else object) for c in ACTION_COLUMNS})


def actions(found: pd.DataFrame, outcome: str, obs_status: str | None,
            related: tuple[np.ndarray, np.ndarray] | None = None) -> pd.DataFrame:
    """The rows a rule's findings flag or hold back: each finding's row and its related rows."""
    if outcome == "warn" or not len(found):
        return no_actions()
    expected = as_text(found["expected"])
    note = (found["rule"] + ": " + found["message"]).where(expected == "", found["rule"] + ": " + found["message"]
                                                           + " (expected " + expected + ")")
    idx = np.arange(len(found))
    pos = found["pos"].to_numpy(dtype=np.int64)
    if related is not None and len(related[0]):
        idx = np.concatenate([idx, related[0]])
        pos = np.concatenate([pos, related[1]])
    keep = pos >= 0
    out = pd.DataFrame({"pos": pos[keep], "rule": found["rule"].to_numpy()[idx[keep]], "outcome": outcome,
                        "obs_status": obs_status, "note": note.to_numpy()[idx[keep]]})
    return out.drop_duplicates(subset=["pos", "rule"], ignore_index=True)


def check_status(flow: Flow, rule_id: str, obs_status: str | None) -> None:
    """A flag's status must be a code of the dataflow's OBS_STATUS codelist."""
    cl = flow.codelists.get(STATUS)
    if obs_status is None:
        return
    if cl is None:
        raise SpecError(f"{rule_id}: obs_status {obs_status!r}, but {flow.id} has no {STATUS} attribute",
                        where=f"rule configuration of {flow.id}", fix="leave obs_status out (a COMMENT_OBS note only)")
    if obs_status not in cl.codes:
        raise SpecError(f"{rule_id}: obs_status {obs_status!r} is not a code of {cl.ref}",
                        where=f"rule configuration of {flow.id}", fix=f"use one of: {', '.join(cl.codes)}")


def held_positions(acts: pd.DataFrame) -> np.ndarray:
    return np.unique(acts.loc[acts["outcome"] == "hold", "pos"].to_numpy(dtype=np.int64))


def apply_flags(frame: pd.DataFrame, acts: pd.DataFrame, flow: Flow) -> pd.DataFrame:
    """``frame`` (the validated frame, positions as in ``acts``) with OBS_STATUS and COMMENT_OBS set."""
    flags = acts[acts["outcome"] == "flag"]
    if flags.empty:
        return frame
    attrs = {a.id for a in flow.dsd.attributes}
    out = frame.copy()
    by_pos = flags.groupby("pos", sort=True)
    pos = by_pos.size().index.to_numpy(dtype=np.int64)
    if STATUS in attrs:
        status = by_pos["obs_status"].agg(lambda s: next((x for x in s if isinstance(x, str) and x), None))
        current = as_text(out[STATUS]) if STATUS in out.columns else pd.Series("", index=out.index, dtype=object)
        current = current.to_numpy(dtype=object).copy()
        new = status.to_numpy(dtype=object)
        change = pd.notna(new) & np.isin(current[pos], REPLACEABLE)
        current[pos[change]] = new[change]
        out[STATUS] = pd.Series(current, index=out.index, dtype=object).replace("", None)
    if COMMENT in attrs:
        notes = by_pos["note"].agg("; ".join).to_numpy(dtype=object)
        current = as_text(out[COMMENT]) if COMMENT in out.columns else pd.Series("", index=out.index, dtype=object)
        current = current.to_numpy(dtype=object).copy()
        before = current[pos]
        # a rerun validates what an earlier release published with its notes: add a note once
        known = np.array([n in b for n, b in zip(notes, before)], dtype=bool)
        current[pos] = np.where(known, before, np.where(before == "", notes, before + "; " + notes))
        out[COMMENT] = pd.Series(current, index=out.index, dtype=object).replace("", None)
    return out


def summary(acts: pd.DataFrame, keys: pd.Series, frame: pd.DataFrame) -> dict[str, Any]:
    """The ``outcomes`` block of the report and the manifest: counts per rule, and every held observation."""
    by = acts.groupby(["rule", "outcome"], sort=True)["pos"].nunique()
    held = acts[acts["outcome"] == "hold"].groupby("pos", sort=True)
    hpos = held.size().index.to_numpy(dtype=np.int64)
    src = frame["_source"].iloc[hpos].astype(object).where(frame["_source"].iloc[hpos].notna(), None).tolist() \
        if "_source" in frame.columns else [None] * len(hpos)
    row = pd.to_numeric(frame["_row"].iloc[hpos], errors="coerce").astype("Int64").tolist() \
        if "_row" in frame.columns else [None] * len(hpos)
    value = frame[[c for c in frame.columns if c == "OBS_VALUE"]].iloc[hpos]
    values = value["OBS_VALUE"].tolist() if len(value.columns) else [None] * len(hpos)
    return {
        "flagged": int(acts.loc[acts["outcome"] == "flag", "pos"].nunique()),
        "held": len(hpos),
        "by_rule": [{"rule": r, "outcome": o, "observations": int(n)} for (r, o), n in by.items()],
        "held_back": [{"key": k, "value": None if pd.isna(v) else float(v), "rules": r, "note": n,
                       "source": s, "row": None if pd.isna(w) else int(w)}
                      for k, v, r, n, s, w in zip(keys.tolist(), values, held["rule"].agg(", ".join).tolist(),
                                                  held["note"].agg("; ".join).tolist(), src, row)],
    }
