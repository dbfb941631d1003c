"""Observation values: national number formats to float, missing-value markers to NaN + status."""

from __future__ import annotations

import numpy as np
import pandas as pd

#: trailing footnote markers national tables attach to numbers: "1 234 p", "12*", "345)", "67 e"
FOOTNOTE = r"\s*(?:\(?[a-z]\)?|\*+|\)|†|‡)$"


#: a space (plain, no-break or narrow no-break) between digit groups of three: "12 345", "1 234 567"
GROUP_SPACE = r"(?<=\d)[ \u00a0\u202f](?=\d{3}(?!\d))"


def footnote_markers(raw: pd.Series) -> pd.Series:
    """The footnote marker each cell ends with ("" for none), e.g. "p" of "123 p"."""
    found = raw.astype(str).str.strip().str.extract(f"({FOOTNOTE})", expand=False)
    return found.fillna("").str.strip()


def parse_values(raw: pd.Series, *, missing: list[str], thousands: str | None, decimal: str) -> tuple[pd.Series, pd.Series]:
    """Return (values as float64, is_missing_marker). Unparsable cells are NaN and not markers.

    Spaces are removed only between groups of three digits, so "4 9" stays text (not 49)."""
    text = raw.astype(str).str.strip()
    is_missing = text.isin(missing)
    clean = text.str.replace(FOOTNOTE, "", regex=True)
    if thousands:
        clean = clean.str.replace(thousands, "", regex=False)
    clean = clean.str.replace(GROUP_SPACE, "", regex=True)
    if decimal != ".":
        clean = clean.str.replace(decimal, ".", regex=False)
    values = pd.to_numeric(clean.where(~is_missing), errors="coerce").astype("float64")
    values = values.where(np.isfinite(values))  # "inf", "1e999" are not statistics
    return values, is_missing
