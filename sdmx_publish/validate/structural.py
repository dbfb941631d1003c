"""Structural checks: do the observations fit the dataflow's DSD?

Order: components present; codes (codelist, then content constraint); mandatory attributes;
duplicates; time periods against FREQ; the observation value. Every check works on the distinct
values of a column (a handful) and maps the verdict back to the rows with integer indexing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..periods import PERIOD_EXAMPLE
from .context import Context, as_text, empty, findings
from .hints import hints
from .suggest import nearest_codes


def _code_text(v: object) -> str | None:
    """A code as text: numbers written as integers when they are (``0.0`` -> ``0``)."""
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return None
    if isinstance(v, (float, np.floating)) and float(v).is_integer():
        return str(int(v))
    return str(v)


def _coded_components(ctx: Context) -> list[str]:
    return [c for c in (*ctx.flow.dsd.dimension_ids, *ctx.flow.dsd.attribute_ids)
            if c in ctx.frame.columns and c in ctx.flow.codelists]


def _bad_codes(ctx: Context, verdict: Any) -> pd.DataFrame:
    """Rows whose code gets a non-None ``verdict(component, code)`` (the expectation text)."""
    parts = []
    for comp in _coded_components(ctx):
        codes, uniques = ctx.factor(comp)
        expected = [verdict(comp, _code_text(u)) if _code_text(u) is not None else None for u in uniques]
        pos = ctx.rows(comp, np.array([e is not None for e in expected] + [False], dtype=bool))
        if len(pos):
            exp = np.array([e or "" for e in expected] + [""], dtype=object)
            vals = np.array([_code_text(u) for u in uniques] + [""], dtype=object)
            parts.append(findings(pos, comp, vals[codes[pos]], exp[codes[pos]]))
    return pd.concat(parts, ignore_index=True) if parts else empty()


def check_missing_components(ctx: Context, params: Mapping[str, Any]) -> pd.DataFrame:
    """Dimensions, the time dimension and the primary measure must all be columns."""
    need = [*ctx.flow.dsd.dimension_ids, ctx.time, ctx.measure]
    missing = [c for c in need if c not in ctx.frame.columns]
    return findings([-1] * len(missing), missing, "(no column)", "a column with this component")


def _blank(ctx: Context, column: str) -> np.ndarray:
    """Positions of rows whose ``column`` is missing or blank (none if the column is absent)."""
    if column not in ctx.frame.columns:
        return np.zeros(0, dtype=np.int64)
    _codes, uniques = ctx.factor(column)
    return ctx.rows(column, np.array([str(u).strip() == "" for u in uniques] + [True], dtype=bool))


def check_empty_dimension(ctx: Context, params: Mapping[str, Any]) -> pd.DataFrame:
    parts = []
    for d in (*ctx.dims, ctx.time):
        pos = _blank(ctx, d)
        if len(pos):
            parts.append(findings(pos, d, "(empty)", "a code"))
    return pd.concat(parts, ignore_index=True) if parts else empty()


def check_unknown_code(ctx: Context, params: Mapping[str, Any]) -> pd.DataFrame:
    cls = ctx.flow.codelists

    def verdict(comp: str, code: str) -> str | None:
        cl = cls[comp]
        if code in cl.codes:
            return None
        near = nearest_codes(code, cl.codes)
        return (f"did you mean {' or '.join(near)}? " if near else "") + f"(a code of {cl.ref})"
    return _bad_codes(ctx, verdict)


def check_not_allowed_code(ctx: Context, params: Mapping[str, Any]) -> pd.DataFrame:
    cls = ctx.flow.codelists
    allowed = {c: ctx.flow.allowed(c) for c in _coded_components(ctx)}
    names = ", ".join(str(c.ref) for c in ctx.flow.constraints) or "the constraint"

    def verdict(comp: str, code: str) -> str | None:
        ok = allowed[comp]
        if code not in cls[comp].codes or ok is None or code in ok:
            return None
        sample = ", ".join(sorted(ok)[:8]) + (", ..." if len(ok) > 8 else "")
        return f"one of the {len(ok)} codes allowed by {names}: {sample}"
    return _bad_codes(ctx, verdict)


#: characters XML 1.0 cannot carry (the writers would refuse them after validation, with no row)
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def check_control_characters(ctx: Context, params: Mapping[str, Any]) -> pd.DataFrame:
    """Text cells (codes, attributes) holding a control character; the value is shown escaped."""
    parts = []
    for col in (c for c in ctx.frame.columns if not c.startswith("_") and c != ctx.measure):
        _codes, uniques = ctx.factor(col)
        pos = ctx.rows(col, np.array([isinstance(u, str) and bool(_CONTROL.search(u)) for u in uniques] + [False],
                                     dtype=bool))
        if len(pos):
            shown = [ascii(str(v))[1:-1] for v in ctx.frame[col].to_numpy()[pos]]
            parts.append(findings(pos, col, shown, "text without control characters"))
    return pd.concat(parts, ignore_index=True) if parts else empty()


def check_mandatory_attributes(ctx: Context, params: Mapping[str, Any]) -> pd.DataFrame:
    parts = []
    for a in ctx.flow.dsd.attributes:
        if not a.mandatory:
            continue
        if a.id not in ctx.frame.columns:
            parts.append(findings([-1], a.id, "(no column)", f"{a.id} on every observation"))
            continue
        pos = _blank(ctx, a.id)
        if len(pos):
            parts.append(findings(pos, a.id, "(empty)", f"a value for mandatory {a.id}"))
    return pd.concat(parts, ignore_index=True) if parts else empty()


def _duplicated_keys(ctx: Context) -> np.ndarray:
    """Rows whose series key and period occur more than once (one sort; no hashing)."""
    if ctx.time not in ctx.frame.columns or len(ctx) < 2:
        return np.zeros(len(ctx), dtype=bool)
    ids = ctx.group_ids([*ctx.dims, ctx.time])
    s = np.sort(ids)
    same = s[1:] == s[:-1]
    if not same.any():
        return np.zeros(len(ctx), dtype=bool)
    return np.isin(ids, np.unique(s[1:][same]))


def _repeats(ctx: Context) -> pd.DataFrame:
    """The rows with a repeated key: their position, key id and full content (a small frame)."""
    if "dup.rows" not in ctx.cache:
        pos = np.flatnonzero(_duplicated_keys(ctx))
        payload = [c for c in ctx.frame.columns if not c.startswith("_") and c not in (*ctx.dims, ctx.time)]
        sub = ctx.frame.iloc[pos][payload]
        sub = pd.DataFrame({c: as_text(sub[c]).to_numpy() for c in payload}, index=sub.index)
        ctx.cache["dup.rows"] = sub.assign(_pos=pos, _key=ctx.group_ids([*ctx.dims, ctx.time])[pos])
    return ctx.cache["dup.rows"]  # type: ignore[return-value]


def exact_duplicates(ctx: Context) -> np.ndarray:
    """Positions of rows that repeat an earlier row exactly (key, value, attributes): dropped, with a warning."""
    sub = _repeats(ctx)
    if sub.empty:
        return np.zeros(0, dtype=np.int64)
    cols = [c for c in sub.columns if c != "_pos"]
    return sub["_pos"].to_numpy()[sub.duplicated(subset=cols, keep="first").to_numpy()]


def check_exact_duplicate(ctx: Context, params: Mapping[str, Any]) -> pd.DataFrame:
    pos = exact_duplicates(ctx)
    return findings(pos, ctx.measure, ctx.values[pos], "one row per series key and period")


def check_conflicting_duplicate(ctx: Context, params: Mapping[str, Any]) -> pd.DataFrame:
    sub = _repeats(ctx)
    if sub.empty:
        return empty()
    content = sub.drop(columns=["_pos", "_key"]).agg("\x1f".join, axis=1) if sub.shape[1] > 2 else sub["_key"]
    variants = content.groupby(sub["_key"].to_numpy()).transform("nunique").to_numpy()
    pos = sub["_pos"].to_numpy()[variants > 1]
    return findings(pos, ctx.measure, ctx.values[pos], "one value per series key and period")


def check_other_source(ctx: Context, params: Mapping[str, Any]) -> pd.DataFrame:
    others = ctx.others
    key = [*ctx.dims, ctx.time]
    if others is None or others.empty or any(c not in ctx.frame.columns or c not in others.columns for c in key):
        return empty()
    mine = ctx.frame[key].astype(str).assign(_pos=np.arange(len(ctx)))
    hit = mine.merge(others[[*key, "_part"]].astype(str).drop_duplicates(key), on=key, how="inner")
    return findings(hit["_pos"].to_numpy(), ctx.measure, hit["_part"].to_numpy(), "one source per observation")


def check_time_format(ctx: Context, params: Mapping[str, Any]) -> pd.DataFrame:
    if ctx.time not in ctx.frame.columns:
        return empty()
    freq = ctx.column("FREQ")
    ords, _rank, codes = ctx._period_table
    _codes, first = ctx.distinct(["FREQ", ctx.time])
    expected = np.array([""] * (len(first) + 1), dtype=object)
    for c, i in enumerate(first):
        f = str(freq.iat[i]) if freq is not None else "A"
        if f in PERIOD_EXAMPLE and np.isnan(ords[c]):
            expected[c] = f"{PERIOD_EXAMPLE[f]} for FREQ={f}"
    pos = np.flatnonzero(expected[codes] != "")
    if not len(pos):
        return empty()
    return findings(pos, ctx.time, ctx.frame[ctx.time].iloc[pos].astype(object).to_numpy(), expected[codes[pos]])


def unparsed(ctx: Context) -> tuple[np.ndarray, pd.Series | None]:
    """Cells that are text but not a number: (mask, their text). A transformed frame says so in
    ``_unparsed`` (its OBS_VALUE is already numeric, the text is in ``_value_raw``)."""
    flagged = ctx.column("_unparsed")
    if flagged is not None:
        return flagged.fillna(False).to_numpy(dtype=bool), ctx.column("_value_raw")
    col = ctx.column(ctx.measure)
    if col is None or pd.api.types.is_numeric_dtype(col.dtype):
        return np.zeros(len(ctx), dtype=bool), None
    text = col.astype(object)
    filled = text.notna() & (text.astype(str).str.strip() != "")
    return filled.to_numpy() & np.isnan(ctx.values), text


def check_non_numeric(ctx: Context, params: Mapping[str, Any]) -> pd.DataFrame:
    mask, text = unparsed(ctx)
    pos = np.flatnonzero(mask)
    if not len(pos) or text is None:
        return empty()
    cells = text.iloc[pos]
    return findings(pos, ctx.measure, cells.to_numpy(), "a number, or empty with OBS_STATUS").assign(hint=hints(cells))


def check_marker_removed(ctx: Context, params: Mapping[str, Any]) -> pd.DataFrame:
    if "_marker" not in ctx.frame.columns:
        return empty()
    _codes, uniques = ctx.factor("_marker")
    pos = ctx.rows("_marker", np.array([str(u) != "" for u in uniques] + [False], dtype=bool))
    raw = ctx.column("_value_raw")
    shown = (raw if raw is not None else ctx.frame["_marker"]).iloc[pos].to_numpy()
    return findings(pos, ctx.measure, shown, "a number; the marker was removed, check it is a footnote")


def check_not_finite(ctx: Context, params: Mapping[str, Any]) -> pd.DataFrame:
    pos = np.flatnonzero(np.isinf(ctx.values))
    return findings(pos, ctx.measure, ctx.values[pos], "a finite number")


def check_missing_without_status(ctx: Context, params: Mapping[str, Any]) -> pd.DataFrame:
    missing = np.isnan(ctx.values) & ~unparsed(ctx)[0]  # text that is not a number is value.non_numeric
    if not missing.any():
        return empty()
    codes = tuple(params["missing_status"])
    status = ctx.column("OBS_STATUS")
    said = status.isin(codes).to_numpy() if status is not None else np.zeros(len(ctx), dtype=bool)
    pos = np.flatnonzero(missing & ~said)
    got = status.iloc[pos].astype(object).fillna("(none)").to_numpy() if status is not None else "(none)"
    return findings(pos, "OBS_STATUS", got, f"OBS_STATUS in {', '.join(codes)} for a missing value")
