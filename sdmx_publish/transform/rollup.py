"""After the maps: codes rolled up their codelist or into a total (``roll_up``), observations that meet on
one key summed, and what each observation is made of written into its attributes.

- ``roll_up: {ICCS: codelist}``: every observation also counts in each ancestor of its code and in
  ``_T``; ``roll_up: {REF_AREA: "410"}``: an observation of code 410, the sum over every area.
- A sum with a missing part is missing (``OBS_STATUS`` O), never a silently partial total; a sum of values
  takes its parts' flag that asks the most caution (:func:`.status.sum_status`).
- A part of a split (shares in a correspondence table) is estimated (``OBS_STATUS`` E, ``COMMENT_OBS``
  naming the value split) unless the observation holds every part of that split (a code above all of
  them), which is then exact.
- A map's ``national_attribute`` (e.g. ``NAT_CATEGORY``) lists the national values in each observation
  (``all categories of the table`` for the codelist total ``_T``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..spec.model import Spec
from ..structure import Flow
from .mapping import N_PARTS, SPLIT_CODE, SPLIT_OF, SPLIT_RID, code_tree, nat
from .status import MISSING, sum_status

#: the national attribute of a codelist total: listing every value of the table there says nothing
ALL_VALUES = "all categories of the table"


def roll_up(frame: pd.DataFrame, spec: Spec, flow: Flow) -> pd.DataFrame:
    """``frame`` plus its copies under every ancestor code (``codelist``) or under one total code."""
    for comp, how in spec.roll_up.items():
        if how == "codelist":
            tree = code_tree(flow, comp)
            up = frame.merge(tree, left_on=comp, right_on="code", how="left")
            up["ancestor"] = up["ancestor"].fillna(up[comp])  # a code the codelist lacks stays (validation names it)
            frame = up.drop(columns=[comp, "code"]).rename(columns={"ancestor": comp})
        else:
            frame = pd.concat([frame, frame.assign(**{comp: how})], ignore_index=True)
    return frame


def _estimated(frame: pd.DataFrame, key: list[str]) -> pd.Series:
    """Parts of a split whose observation does not hold every part of that split."""
    split = frame[N_PARTS].gt(1)
    est = pd.Series(False, index=frame.index)
    if split.any():
        part = frame[split]
        below = part.groupby([*key, SPLIT_RID], dropna=False)[SPLIT_CODE].transform("nunique")
        est[split] = below.lt(part[N_PARTS]).to_numpy()
    return est


def _listed(frame: pd.DataFrame, key: list[str], column: str, keep: pd.Series, sep: str = "; ") -> pd.Series:
    """Per observation (``key``), the sorted distinct values of ``column`` on rows ``keep``, joined with ``sep``."""
    rows = frame.loc[keep, [*key, column]].drop_duplicates().sort_values(column)
    return rows.groupby(key, sort=False, dropna=False)[column].agg(sep.join)


def finish(frame: pd.DataFrame, spec: Spec, flow: Flow, key: list[str], *, aggregate: bool) -> pd.DataFrame:
    """One row per observation (summed when ``aggregate``), with its status and attributes from the maps."""
    attrs = set(flow.dsd.attribute_ids)
    est = _estimated(frame, key)
    nats = [(m.national_attribute, nat(m.national_attribute)) for m in spec.maps
            if m.national_attribute and m.national_attribute in attrs]
    comment = "COMMENT_OBS" in attrs and "COMMENT_OBS" not in frame.columns and est.any()
    parts = frame
    if not aggregate:
        out = frame.copy(deep=False)  # copy on write: the columns set below do not change ``frame``
        for attr, col in nats:
            out[attr] = out[col]
        if comment:
            out["COMMENT_OBS"] = np.where(est, _comment(out[SPLIT_OF]), "")
    else:
        rest = [c for c in frame.columns if c not in key and c != "OBS_VALUE"]
        flags = frame.assign(_gap=frame["OBS_VALUE"].isna(), _est=est)
        out = flags.groupby(key, sort=False, dropna=False).agg(
            OBS_VALUE=("OBS_VALUE", "sum"), _gap=("_gap", "max"), _est=("_est", "max"),
            **{c: (c, "first") for c in rest}).reset_index()
        out.loc[out["_gap"], "OBS_VALUE"] = np.nan
        index = pd.MultiIndex.from_frame(out[key])
        for attr, col in nats:
            listed = _listed(frame, key, col, frame[col].notna())
            out[attr] = listed.reindex(index).to_numpy()
            target = next(m.target[0] for m in spec.maps if m.national_attribute == attr)
            if spec.roll_up.get(target) == "codelist":
                out.loc[out[target].eq("_T"), attr] = ALL_VALUES
        if comment:
            split_of = _listed(frame, key, SPLIT_OF, est, ", ").reindex(index).fillna("").to_numpy()
            out["COMMENT_OBS"] = np.where(out["_est"], _comment(pd.Series(split_of, index=out.index)), "")
        est = out["_est"]
        frame = out
        out = out.drop(columns=["_est"])
    if "OBS_STATUS" in out.columns:
        if aggregate:
            out["OBS_STATUS"] = sum_status(parts, key, "OBS_STATUS", frame["_gap"].to_numpy())
        out.loc[est.to_numpy() & ~out["OBS_STATUS"].isin(MISSING).to_numpy(), "OBS_STATUS"] = "E"
    return out.drop(columns=[c for c in out.columns if c == "_gap"])


def _comment(split_of: pd.Series) -> pd.Series:
    return "includes an estimated share of " + split_of.astype(str) + " (split rule in the correspondence table)"
