"""OBS_STATUS (SDMX CL_OBS_STATUS 2.1) of each observation: from its cell, and of a sum of several.

A cell that is a missing-value marker gets the status the spec declares for it (``source.missing``,
``source.missing_where``; O, "missing value", when it names no reason); a number with a footnote marker
declared in ``source.value_markers`` (e.g. ``p`` -> P, provisional) gets that marker's status; any other
value is A. A sum with a missing part is missing, O (:data:`MISSING_SUM`): its part's reason (suppressed,
cannot exist) need not be the sum's. A sum of values takes the flag of its parts that asks the most caution (:data:`RANK`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .values import Parsed

#: the frame column of each row's OBS_STATUS while the transform runs
STATUS = "__status"
#: a sum missing because a part is: "missing value", the reason (suppressed, cannot exist) is the part's
MISSING_SUM = "O"
#: the codes of a missing value (SDMX CL_OBS_STATUS 2.1)
MISSING = ("O", "M", "L", "Q", "H")
#: flags from the least to the most caution they ask of a reader (missing last); a sum takes its parts' highest
RANK = ("A", "K", "W", "J", "S", "N", "B", "G", "F", "V", "P", "I", "D", "E", "U", *MISSING)


def cell_status(raw: pd.Series, parsed: Parsed, where: pd.Series, missing: dict[str, str],
                value_markers: dict[str, str]) -> pd.Series:
    """Each cell's OBS_STATUS; ``where`` is the status :func:`.values.missing_where` found ("" for none)."""
    status = pd.Series("A", index=raw.index, dtype=object)
    if parsed.missing.any():
        status[parsed.missing] = raw[parsed.missing].astype(str).str.strip().map(missing)
    hit = where.ne("")
    status[hit] = where[hit]
    if value_markers:
        declared = parsed.marker.map(declared_marker(value_markers))
        found = declared.notna() & ~parsed.missing & ~hit
        status[found] = declared[found]
    return status


def declared_marker(value_markers: dict[str, str]) -> dict[str, str]:
    """Marker as :func:`.values.parse_values` finds it (``p``, ``(p)``) -> its declared status."""
    return {**{f"({k})": v for k, v in value_markers.items()}, **value_markers}


def sum_status(frame: pd.DataFrame, by: list[str], status: str, gap: np.ndarray) -> np.ndarray:
    """Per group of ``by`` (in unsorted groupby order) the sum's OBS_STATUS: its parts' highest flag in
    :data:`RANK`, or :data:`MISSING_SUM` where ``gap`` (per group: the sum is missing) and the group is not
    one cell (which keeps its own reason)."""
    rank = frame[status].map({c: i for i, c in enumerate(RANK)}).fillna(RANK.index("E"))
    groups = rank.groupby([frame[c] for c in by], sort=False, dropna=False)
    top = np.asarray(RANK, dtype=object)[groups.max().to_numpy().astype(int)]
    return np.where(gap & ((groups.size().to_numpy() > 1) | ~np.isin(top, MISSING)), MISSING_SUM, top)
