"""Observation values: national number formats to float, missing-value markers to NaN + status."""

from __future__ import annotations

from collections.abc import Collection
from typing import NamedTuple

import numpy as np
import pandas as pd

from ..frames import constant
from ..periods import in_range
from ..spec.model import MissingMarkers

#: trailing footnote markers national tables attach to numbers: "1 234 p", "12*", "345)", "67 e"
FOOTNOTE = r"\s*(?:\(?[a-z]\)?|\*+|\)|†|‡)$"


#: a space (plain, no-break or narrow no-break) between digit groups of three: "12 345", "1 234 567"
GROUP_SPACE = r"(?<=\d)[ \u00a0\u202f](?=\d{3}(?!\d))"


class Parsed(NamedTuple):
    """A value column read: the numbers, and per cell what the validation needs to know."""

    values: pd.Series     #: float64; NaN for missing markers and unparsable cells
    missing: pd.Series    #: the cell is a declared missing-value marker
    unparsed: pd.Series   #: the cell is text that is neither a number nor a marker
    marker: pd.Series     #: the footnote marker removed from a number ("" for none), e.g. "p" of "123 p"; categorical


def parse_values(raw: pd.Series, *, missing: Collection[str], thousands: str | None, decimal: str) -> Parsed:
    """Read national number formats. Each distinct cell is read once (a column of a million cells
    has far fewer distinct ones), and the string work runs only on cells that are not plain numbers.

    Spaces are removed only between groups of three digits, so "4 9" stays text (not 49)."""
    codes, uniq = pd.factorize(raw, use_na_sentinel=True)
    one = _parse_distinct(pd.Series(uniq), missing=missing, thousands=thousands, decimal=decimal)
    # an empty cell (NaN, code -1) takes the last slot: no value, not a marker, not text, no footnote
    rows = [np.append(col.to_numpy(dtype=kind), empty)[codes]
            for col, kind, empty in zip(one[:3], (np.float64, bool, bool), (np.nan, False, False))]
    values, is_missing, unparsed = (pd.Series(col, index=raw.index, name=raw.name) for col in rows)
    # the markers as a categorical: few distinct, no text per row
    found, markers = pd.factorize(pd.concat([one.marker, pd.Series([""], dtype=object)], ignore_index=True))
    marker = pd.Series(pd.Categorical.from_codes(found[codes], markers), index=raw.index, name=raw.name)
    return Parsed(values, is_missing, unparsed, marker)


def _parse_distinct(raw: pd.Series, *, missing: Collection[str], thousands: str | None, decimal: str) -> Parsed:
    """:func:`parse_values` over distinct cells: plain numbers at C speed, the rest through the rules."""
    text = raw.astype(str).str.strip()
    is_missing = text.isin(list(missing))
    plain = decimal == "." and thousands != "."  # then a cell that reads as a number is that number
    values = pd.to_numeric(text, errors="coerce") if plain else pd.Series(np.nan, index=raw.index)
    rest = values.isna() & text.ne("")
    clean = text[rest].str.replace(FOOTNOTE, "", regex=True)
    trimmed = pd.Series(False, index=raw.index)
    trimmed[rest] = clean.str.len().ne(text[rest].str.len())  # a marker was removed
    if thousands:
        clean = clean.str.replace(thousands, "", regex=False)
    clean = clean.str.replace(GROUP_SPACE, "", regex=True)
    if decimal != ".":
        clean = clean.str.replace(decimal, ".", regex=False)
    values[rest] = pd.to_numeric(clean, errors="coerce")
    values = values.astype("float64").where(~is_missing)
    values = values.where(np.isfinite(values))  # "inf", "1e999" are not statistics
    unparsed = values.isna() & ~is_missing & raw.notna() & text.ne("")
    marker = pd.Series("", index=raw.index, dtype=object)
    found = trimmed & values.notna()
    if found.any():
        marker[found] = text[found].str.extract(f"({FOOTNOTE})", expand=False).str.strip()
    return Parsed(values, is_missing, unparsed, marker)


def missing_where(frame: pd.DataFrame, rules: list[MissingMarkers], value_col: str, period: str | None,
                  constant_period: str | None = None) -> pd.Series:
    """The OBS_STATUS of cells that are missing-value markers only in some columns (``_column``, the source
    value column) or periods (``period``, the frame's period column, else ``constant_period``), per
    ``source.missing_where`` ("" for the other cells; where rules overlap, the last one's)."""
    if not rules:
        return constant("", frame.index)
    hit = pd.Series("", index=frame.index, dtype=object)
    text = frame[value_col].astype(str).str.strip()
    periods = frame[period].astype(str) if period else pd.Series(constant_period or "", index=frame.index)
    for r in rules:
        mask = text.isin(r.values).to_numpy()
        if r.columns is not None:
            mask = mask & frame["_column"].astype(str).isin(r.columns).to_numpy()
        if r.start or r.end:
            mask = mask & in_range(periods, r.start, r.end)
        hit[mask] = r.status
    return hit
