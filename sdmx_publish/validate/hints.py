"""What a value cell that is not a number probably is, and what to do about it: one hint per pattern.

Used by the rule ``value.non_numeric`` (in its message) and by ``sdmx-publish preview``
(:func:`unread_cells`). Only the cells that failed to parse are looked at, each distinct text once.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

#: digits in groups of three after a separator: "1,210", "12 345 678", "1'234"
_GROUPED = re.compile(r"^[+-]?\d{1,3}(?P<sep>[,.'’ \u00a0\u202f])\d{3}(?:(?P=sep)\d{3})*(?:[.,]\d+)?$")
#: a decimal comma: "12,5", "0,25"
_DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d{1,2}$|^[+-]?\d+,\d{4,}$")
#: a letter that looks like a digit among digits: "13O2", "1l5", "2O"
_LOOKALIKE = re.compile(r"^(?=.*\d)[\dOoIl]+$")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
#: a cell with no digit and no more than a few characters: a marker ("x", "n.a.", "—", ":", "(c)")
_MARKER = re.compile(r"^\D{1,6}$")


def non_numeric_hint(text: str) -> str:
    """A hint for one cell that is neither a number nor a declared missing-value marker."""
    cell = text.strip()
    grouped = _GROUPED.match(cell)
    if grouped:
        sep = grouped["sep"]
        shown = {" ": "a space", "\u00a0": "a no-break space", "\u202f": "a narrow no-break space"}.get(sep, repr(sep))
        return f"digits grouped by {shown}, a thousands separator? set source.thousands: {sep!r}"
    if _DECIMAL_COMMA.match(cell):
        return "a decimal comma? set source.decimal: ','"
    if _LOOKALIKE.match(cell):
        letters = sorted(set(re.sub(r"\d", "", cell)))
        guess = cell.translate(str.maketrans("OoIl", "0011"))
        return (f"the letter(s) {', '.join(letters)} among digits, a typing error for {guess}? "
                "correct the source cell")
    number = _NUMBER.search(cell)
    if number:
        return (f"text around the number {number.group()}: correct the source cell, or if the cell means "
                "that the value is missing, declare it in source.missing")
    if _MARKER.match(cell):
        return (f"a missing-value marker? declare it in source.missing with its status, e.g. {{{cell!r}: O}} "
                "(O missing, Q suppressed, L not collected, M cannot exist)")
    return "correct the source cell, or declare it in source.missing if it means that the value is missing"


def hints(texts: pd.Series) -> np.ndarray:
    """:func:`non_numeric_hint` of every cell, each distinct text worked out once."""
    codes, uniques = pd.factorize(texts.astype(str), use_na_sentinel=False)
    return np.asarray([non_numeric_hint(u) for u in uniques], dtype=object)[codes]


def unread_cells(frame: pd.DataFrame, period: str, first: int = 5) -> list[str]:
    """``sdmx-publish preview``'s warning block about the value cells of a transformed frame that are not
    numbers (``_unparsed``; shown empty in the table, and errors of value.non_numeric for validate and run):
    how many, and the first few with a hint each."""
    bad = frame[frame["_unparsed"].fillna(False).astype(bool)] if "_unparsed" in frame.columns else frame.iloc[:0]
    if bad.empty:
        return []
    lines = [f"WARNING: {len(bad)} value cell(s) could not be read as numbers: the table above shows them empty; "
             "validate and run stop on them (value.non_numeric)"]
    some = bad.head(first)
    for (src, row, col, when, raw), hint in zip(some[["_source", "_row", "_column", period, "_value_raw"]]
                                                .astype(str).itertuples(index=False), hints(some["_value_raw"])):
        lines.append(f"  {src} row {row}, column {col}, {period} {when}: {raw!r}: {hint}")
    if len(bad) > first:
        lines.append(f"  ... and {len(bad) - first} more")
    return lines
