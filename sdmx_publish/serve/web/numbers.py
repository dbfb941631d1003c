"""Numbers as the pages print them: whole numbers with thousands separators, others to 4 significant digits.

The exact value stays in the page (``data-value``) for copying and for the tests.
"""

from __future__ import annotations

import numpy as np


def format_value(v: float) -> str:
    """One number: ``2,886``, ``0.6008``, ``12.35``, ``0.2`` (no trailing zeros); ``""`` for a missing value."""
    if v is None or np.isnan(v):
        return ""
    if float(v).is_integer() and abs(v) < 1e15:
        return f"{int(v):,}"
    decimals = int(min(6, max(0, 3 - np.floor(np.log10(abs(v))))))
    text = f"{v:,.{decimals}f}"
    return text.rstrip("0").rstrip(".") if decimals else text


def format_values(values: np.ndarray) -> list[str]:
    """:func:`format_value` over an array."""
    return [format_value(v) for v in values.tolist()]
