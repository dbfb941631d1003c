"""Estimates as observations of the dataflow: codes, value, bounds and the reliability status.

A cell below the reliability threshold (fewer respondents than ``min_n`` or a CV above ``max_cv``)
is published with OBS_STATUS ``U`` (low reliability) under ``action: flag``, or without a value and
with OBS_STATUS ``Q`` (suppressed) under ``action: withhold``; the estimation report says which and why.
Any other estimate is ``A``, or the ``OBS_STATUS`` its spec or estimate gives in ``constants`` (e.g. ``D``,
definition differs, for a proxy), as a table spec's constant flags every value that is there.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..errors import SpecError

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


def round_half_away(values: pd.Series, decimals: pd.Series) -> pd.Series:
    """Each value rounded to its number of decimals, ties away from zero, on the value's shortest decimal
    text (the digits the SDMX writers print): 17.25 -> 17.3 and 2.675 -> 2.68, where numpy's and
    Python's ``round`` give 17.2 (ties to even) and 2.67 (the binary double of 2.675 is below it)."""
    out = [float(Decimal(repr(float(v))).quantize(Decimal(1).scaleb(-int(d)), rounding=ROUND_HALF_UP))
           if np.isfinite(v) else np.nan for v, d in zip(values, decimals)]
    return pd.Series(out, index=values.index, dtype="float64")


def published(est: pd.DataFrame, spec: Spec) -> pd.DataFrame:
    """The estimates as published (after ``scale``): ``value`` to the estimate's ``decimals``, ``lower`` and
    ``upper`` to one more, and ``decimals``. Unrounded estimates stay in ``est`` (the report, the
    comparisons with R).

    Raises :class:`SpecError` where the decimals hide what the estimate says: a share that is not 0
    published as 0, or a value rounded outside its rounded bounds (a confidence interval narrower than
    the rounding)."""
    s = spec.survey
    assert s is not None
    places = {e.id: s.decimals if e.decimals is None else e.decimals for e in s.estimates}
    d = est["estimate_id"].map(places)
    out = pd.DataFrame({"value": round_half_away(est["estimate"] * s.scale, d),
                        "lower": round_half_away(est["lower"] * s.scale, d + 1),
                        "upper": round_half_away(est["upper"] * s.scale, d + 1), "decimals": d}, index=est.index)
    zero = out["value"].eq(0) & est["estimate"].ne(0)
    outside = out["value"].lt(out["lower"]) | out["value"].gt(out["upper"])
    bad = np.flatnonzero(zero | outside)
    if len(bad):
        i = est.index[bad[0]]
        b, v, k = est.loc[i], out.loc[i], int(d[i])
        raise SpecError(f"estimate {b['estimate_id']}, {b['breakdown']} {b['cell']}: {b['estimate'] * s.scale:.6g} "
                        f"(bounds {b['lower'] * s.scale:.6g} to {b['upper'] * s.scale:.6g}) would be published as "
                        f"{v['value']:.{k}f} ({v['lower']:.{k + 1}f} to {v['upper']:.{k + 1}f}) at {k} decimal(s), "
                        f"{'0 though it is not' if zero[i] else 'outside its bounds'} ({len(bad)} cell(s) like this)",
                        where=f"{spec.path}: survey.decimals",
                        fix=f"publish more decimals: decimals: {k + 1} on estimate {b['estimate_id']} (or survey.decimals)")
    return out


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
    shown = published(est[~withheld], spec).reindex(est.index)
    out["OBS_VALUE"] = shown["value"]  # a number: the writers print its shortest text (26.0 as 26)
    for comp, v in {"LOWER_BOUND": shown["lower"], "UPPER_BOUND": shown["upper"]}.items():
        if comp in dsd.attribute_ids:  # text attributes: every decimal written (38.40)
            out[comp] = pd.Series([f"{x:.{int(d) + 1}f}" if pd.notna(x) else None
                                   for x, d in zip(v, shown["decimals"])], index=v.index, dtype=object)
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
