"""Observation values: national number formats to float, missing-value markers to NaN + status."""

from __future__ import annotations

import numpy as np
import pandas as pd

#: trailing footnote markers national tables attach to numbers: "1 234 p", "12*", "345)", "67 e"
FOOTNOTE = r"\s*(?:\(?[a-z]\)?|\*+|\)|†|‡)$"


def parse_values(raw: pd.Series, *, missing: list[str], thousands: str | None, decimal: str) -> tuple[pd.Series, pd.Series]:
    """Return (values as float64, is_missing_marker). Unparsable cells are NaN and not markers."""
    text = raw.astype(str).str.strip()
    is_missing = text.isin(missing)
    clean = text.str.replace(FOOTNOTE, "", regex=True)
    if thousands:
        clean = clean.str.replace(thousands, "", regex=False)
    clean = clean.str.replace("\u00a0", "", regex=False).str.replace(" ", "", regex=False)
    if decimal != ".":
        clean = clean.str.replace(decimal, ".", regex=False)
    values = pd.to_numeric(clean.where(~is_missing), errors="coerce").astype("float64")
    values = values.where(np.isfinite(values))  # "inf", "1e999" are not statistics
    return values, is_missing
