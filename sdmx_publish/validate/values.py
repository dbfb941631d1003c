"""Statistical checks on single values and single series: signs, ranges, units, SDG constraints.

The unit of an observation is its ``UNIT_MEASURE`` code (a dimension in the ICCS flow, a series
attribute in the SDG flow); without that column the unit-dependent rules stay quiet.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import config
from .context import Context, as_text, empty, findings, number_text

#: The SDG global content constraints (open-sdg/sdg-build, see reference/README.md).
SDG_CONSTRAINTS = Path(config.reference_dir(), "sdg", "sdmx_global_content_constraints.csv")


def check_negative_count(ctx: Context, params: Mapping[str, Any]) -> pd.DataFrame:
    v = ctx.values
    pos = np.flatnonzero(ctx.unit_in(params["count_units"]) & np.isfinite(v) & (v < 0))
    return findings(pos, ctx.measure, v[pos], ">= 0 (a count)")


def check_range(ctx: Context, params: Mapping[str, Any]) -> pd.DataFrame:
    parts = []
    v = ctx.values
    for unit, (lo, hi) in params["ranges"].items():
        mask = ctx.unit_in([unit]) & ((v < lo) | (v > hi))
        pos = np.flatnonzero(mask)
        if len(pos):
            parts.append(findings(pos, ctx.measure, v[pos], f"between {lo:g} and {hi:g} ({unit})"))
    return pd.concat(parts, ignore_index=True) if parts else empty()


def check_bounds(ctx: Context, params: Mapping[str, Any]) -> pd.DataFrame:
    """Confidence bounds that do not hold their estimate: the lower above the upper, or the value outside them
    (a bound left empty is not checked)."""
    lower, upper = ctx.column("LOWER_BOUND"), ctx.column("UPPER_BOUND")
    if lower is None and upper is None:
        return empty()
    nan = np.full(len(ctx), np.nan)
    lo = nan if lower is None else pd.to_numeric(lower, errors="coerce").to_numpy(np.float64, na_value=np.nan)
    hi = nan if upper is None else pd.to_numeric(upper, errors="coerce").to_numpy(np.float64, na_value=np.nan)
    v = ctx.values
    with np.errstate(invalid="ignore"):
        pos = np.flatnonzero((lo > hi) | (v < lo) | (v > hi))
    shown = pd.Series(number_text(v[pos]), dtype=object)
    interval = ("[" + pd.Series(number_text(lo[pos]), dtype=object) + ", "
                + pd.Series(number_text(hi[pos]), dtype=object) + "]")
    return findings(pos, ctx.measure, shown, interval)


def _unit_mult(ctx: Context) -> np.ndarray:
    col = ctx.column("UNIT_MULT")
    if col is None:
        return np.zeros(len(ctx))
    return pd.to_numeric(col, errors="coerce").fillna(0).to_numpy(dtype=np.float64)


def check_non_integer_count(ctx: Context, params: Mapping[str, Any]) -> pd.DataFrame:
    v = ctx.values
    with np.errstate(invalid="ignore", over="ignore"):
        scaled = v * np.power(10.0, _unit_mult(ctx))
        frac = np.abs(scaled - np.round(scaled))
    mask = ctx.unit_in(params["count_units"]) & np.isfinite(v) & (frac > params["tolerance"])
    pos = np.flatnonzero(mask)
    return findings(pos, ctx.measure, v[pos], "a whole number (a count)")


def check_fraction_percentage(ctx: Context, params: Mapping[str, Any]) -> pd.DataFrame:
    """Percentage series whose values all lie in [0, 1]: probably fractions, not percentages."""
    pct = ctx.unit_in(params["percent_units"]) & np.isfinite(ctx.values)
    if not pct.any():
        return empty()
    sub = pd.DataFrame({"s": ctx.series_ids[pct], "v": ctx.values[pct], "pos": np.flatnonzero(pct)})
    g = sub.groupby("s")["v"].agg(["min", "max", "count"])
    bad = g[(g["min"] >= 0) & (g["max"] <= 1) & (g["max"] > 0) & (g["count"] >= params["min_obs"])]
    hit = sub[sub["s"].isin(bad.index)]
    mx = bad["max"].reindex(hit["s"]).to_numpy()
    return findings(hit["pos"].to_numpy(), ctx.measure, hit["v"].to_numpy(),
                    [f"percent (0-100); the whole series lies in [0, {m:g}]" for m in mx])


@lru_cache(maxsize=2)
def sdg_constraints(path: Path = SDG_CONSTRAINTS) -> dict[str, dict[str, frozenset[str] | None]]:
    """Per SDG series and component, the allowed codes (None = ALL)."""
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    out: dict[str, dict[str, frozenset[str] | None]] = {}
    for rec in table.to_dict("records"):
        series = rec.pop("SERIES")
        rec.pop("Name", None)
        out[series] = {comp: None if val in ("ALL", "") else frozenset(val.split(";"))
                       for comp, val in rec.items()}
    return out


def check_sdg_constraint(ctx: Context, params: Mapping[str, Any]) -> pd.DataFrame:
    """Components of an SDG series must use the codes the global content constraints allow."""
    if "SERIES" not in ctx.frame.columns:
        return empty()
    table = sdg_constraints()
    parts = []
    for comp in sorted({c for per in table.values() for c in per}):
        if comp not in ctx.frame.columns:
            continue
        codes, first = ctx.distinct(["SERIES", comp])
        exp = np.array([""] * (len(first) + 1), dtype=object)
        for c, i in enumerate(first):
            series, code = ctx.frame["SERIES"].iat[i], ctx.frame[comp].iat[i]
            allowed = table.get(str(series), {}).get(comp)
            if allowed is not None and pd.notna(code) and str(code) not in allowed:
                exp[c] = f"for {series}: one of {', '.join(sorted(allowed))}"
        pos = np.flatnonzero(exp[codes] != "")
        if len(pos):
            parts.append(findings(pos, comp, ctx.frame[comp].iloc[pos].astype(object).to_numpy(), exp[codes[pos]]))
    return pd.concat(parts, ignore_index=True) if parts else empty()


def _population(ctx: Context) -> np.ndarray | None:
    """Population of each row's REF_AREA and period (NaN where unknown); None without a population table."""
    pop = ctx.population
    if pop is None or not {"REF_AREA", "TIME_PERIOD", "POPULATION"} <= set(pop.columns) \
            or "REF_AREA" not in ctx.frame.columns or ctx.time not in ctx.frame.columns:
        return None
    codes, first = ctx.distinct(["REF_AREA", ctx.time])
    pairs = pd.DataFrame({"REF_AREA": as_text(ctx.frame["REF_AREA"].iloc[first]).to_numpy(),
                          "TIME_PERIOD": as_text(ctx.frame[ctx.time].iloc[first]).to_numpy()})
    table = pd.DataFrame({"REF_AREA": as_text(pop["REF_AREA"]).to_numpy(), "TIME_PERIOD": as_text(pop["TIME_PERIOD"]).to_numpy(),
                          "POPULATION": pd.to_numeric(pop["POPULATION"], errors="coerce").to_numpy(dtype=np.float64)})
    values = pairs.merge(table.drop_duplicates(["REF_AREA", "TIME_PERIOD"]), how="left")["POPULATION"].to_numpy()
    return values[codes]


def check_rate_consistency(ctx: Context, params: Mapping[str, Any]) -> pd.DataFrame:
    """A rate per 100,000 must equal count / population x 100,000 (totals by sex and age only)."""
    pop = _population(ctx)
    if pop is None:
        return empty()
    f, parts = ctx.frame, []
    base = np.isfinite(ctx.values) & np.isfinite(pop)
    for d in params["total_dims"]:
        if d in f.columns:
            base &= ctx.is_code(d, "_T")
    for pair in params["pairs"]:
        dim, rate, count = pair["dimension"], pair["rate"], pair["count"]
        if dim not in f.columns:
            continue
        is_rate, is_count = base & ctx.is_code(dim, rate), base & ctx.is_code(dim, count)
        if not is_rate.any() or not is_count.any():
            continue
        key = ctx.group_ids([d for d in ctx.dims if d != dim] + [ctx.time])
        cpos = np.flatnonzero(is_count)
        order = np.argsort(key[cpos])
        ckey, cpos = key[cpos][order], cpos[order]
        rpos = np.flatnonzero(is_rate)
        j = np.searchsorted(ckey, key[rpos]).clip(0, len(ckey) - 1)
        hit = ckey[j] == key[rpos]
        rpos, cnt = rpos[hit], ctx.values[cpos[j[hit]]]
        expect = cnt / pop[rpos] * params["per"]
        diff = np.abs(ctx.values[rpos] - expect)
        bad = (diff > params["abs_tolerance"]) & (diff > params["rel_tolerance"] * np.abs(expect))
        if bad.any():
            exp = [f"{e:.4g} = {c:g} / {p:g} x {params['per']:g}"
                   for e, c, p in zip(expect[bad], cnt[bad], pop[rpos[bad]])]
            parts.append(findings(rpos[bad], ctx.measure, ctx.values[rpos[bad]], exp))
    return pd.concat(parts, ignore_index=True) if parts else empty()
