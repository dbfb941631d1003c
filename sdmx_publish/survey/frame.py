"""Estimates as observations of the dataflow: codes, value, bounds and the reliability status.

A cell below the reliability threshold (fewer respondents than ``min_n`` or a CV above ``max_cv``)
is published with OBS_STATUS ``U`` (low reliability) under ``action: flag``, or without a value and
with OBS_STATUS ``Q`` (suppressed) under ``action: withhold``; the estimation report says which and why.
Any other estimate is ``A``, or the ``OBS_STATUS`` its spec or estimate gives in ``constants`` (e.g. ``D``,
definition differs, for a proxy), as a table spec's constant flags every value that is there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from ..spec import Spec
    from ..structure import Flow

#: OBS_STATUS codes of SDMX CL_OBS_STATUS 2.1 used here
NORMAL, LOW_RELIABILITY, SUPPRESSED = "A", "U", "Q"


def reliability(est: pd.DataFrame, spec: Spec) -> pd.Series:
    """Why each estimate is unreliable ("" when it is not)."""
    r = spec.survey.reliability  # type: ignore[union-attr]
    small = est["n"].lt(r.min_n)
    no_se = est["se"].isna()  # e.g. a cell with no respondent under some replicate weight
    noisy = ~(est["cv"].abs() <= r.max_cv) & ~no_se  # a NaN CV (estimate 0) is not reliable either
    reasons = [np.where(small, f"n < {r.min_n}", ""), np.where(noisy, f"CV > {r.max_cv:g}", ""),
               np.where(no_se, "SE not estimable", "")]
    return pd.Series(["; ".join(filter(None, parts)) for parts in zip(*reasons)], index=est.index, dtype=object)


def observations(est: pd.DataFrame, spec: Spec, flow: Flow) -> pd.DataFrame:
    """One observation per estimate and cell (``est`` from :func:`~.estimate.shares`, with
    ``estimate_id`` and ``breakdown``); the report row number is ``_row``."""
    s = spec.survey
    assert s is not None
    dsd = flow.dsd
    by_id = {e.id: e for e in s.estimates}
    out = pd.DataFrame(index=est.index)
    for comp, code in spec.constants.items():
        out[comp] = code
    for eid, rows in est.groupby("estimate_id", sort=False).groups.items():
        e = by_id[str(eid)]
        out.loc[rows, "SERIES"] = e.series
        for comp, code in e.constants.items():
            out.loc[rows, comp] = code
        if e.comment and "COMMENT_OBS" in dsd.attribute_ids:
            out.loc[rows, "COMMENT_OBS"] = e.comment
    for name, b in s.breakdowns.items():
        rows = est["breakdown"].eq(name)
        out.loc[rows, b.to] = est.loc[rows, "cell"]
    out[dsd.time_dimension] = s.time_period
    why = reliability(est, spec)
    withheld = why.ne("") & (s.reliability.action == "withhold")
    value = est["estimate"] * s.scale
    out["OBS_VALUE"] = value.where(~withheld)
    bounds = {"LOWER_BOUND": est["lower"] * s.scale, "UPPER_BOUND": est["upper"] * s.scale}
    for comp, v in bounds.items():
        if comp in dsd.attribute_ids:
            out[comp] = v.map(lambda x: f"{x:.10g}").where(v.notna() & ~withheld, None)
    given = out["OBS_STATUS"].fillna(NORMAL) if "OBS_STATUS" in out.columns else NORMAL
    out["OBS_STATUS"] = np.where(withheld, SUPPRESSED, np.where(why.ne(""), LOW_RELIABILITY, given))
    out["_source"] = spec.source.path
    out["_row"] = est.index.to_numpy() + 1
    out["_column"] = est["estimate_id"] + " by " + est["breakdown"]
    out["_value_raw"] = value.map(lambda x: f"{x:.10g}")
    out["_unparsed"], out["_marker"] = False, ""
    order = [*dsd.dimension_ids, dsd.time_dimension, "OBS_VALUE",
             *[a for a in dsd.attribute_ids if a in out.columns], "_source", "_row", "_column", "_value_raw",
             "_unparsed", "_marker"]
    return out[order].reset_index(drop=True)
