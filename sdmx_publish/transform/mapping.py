"""Value maps: reviewable CSV correspondence tables from national values to SDMX codes.

A table has the source column(s), the target column(s) and optionally ``note``. Many-to-one is
several rows with the same target; their observations are summed when the map declares
``aggregate: sum`` (:func:`sum_many_to_one`), else a repeated key fails validation. A row with empty targets excludes the matching source rows
on purpose (counted in the report). Values that no row matches are *unmapped*: reported with
their counts, never silently dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from ..spec.maps import read_map
from ..spec.model import Spec, ValueMap


@dataclass
class MapOutcome:
    """What the maps did: unmapped values (with counts and first row), excluded rows."""

    unmapped: list[dict] = field(default_factory=list)
    excluded: list[dict] = field(default_factory=list)


def apply_map(frame: pd.DataFrame, spec: Spec, m: ValueMap, outcome: MapOutcome) -> pd.DataFrame:
    """Add the map's target columns to ``frame``; drop excluded and unmapped rows, recording both."""
    table = read_map(spec, m)
    keys = [f"__key{i}" for i in range(len(m.source))]
    left = frame.assign(**{k: frame[s].astype(str).str.strip() for k, s in zip(keys, m.source)})
    left = left.drop(columns=[t for t in m.target if t in left.columns])
    merged = left.merge(table.assign(__hit=True), on=keys, how="left", sort=False)
    hit = merged["__hit"].eq(True)
    if (~hit).any():
        miss = merged.loc[~hit]
        grouped = miss.groupby(keys, sort=False).agg(count=("_row", "size"), first_row=("_row", "first"),
                                                    source=("_source", "first")).reset_index()
        for rec in grouped.to_dict("records"):
            outcome.unmapped.append({"map": m.file, "columns": m.source, "value": [rec[k] for k in keys],
                                     "count": int(rec["count"]), "first_row": int(rec["first_row"]),
                                     "source": rec["source"]})
    excluded = hit & (merged[m.target] == "").all(axis=1)
    if excluded.any():
        outcome.excluded.append({"map": m.file, "rows": int(excluded.sum())})
    return merged.loc[hit & ~excluded].drop(columns=[*keys, "__hit"])


def sum_many_to_one(out: pd.DataFrame, key: list[str]) -> pd.DataFrame:
    """Sum the observations that share ``key`` (a map declared ``aggregate: sum``). A sum with a missing
    part is missing, never a silently partial total; attributes and origin are the first row's."""
    rest = [c for c in out.columns if c not in key and c != "OBS_VALUE"]
    grouped = out.assign(_gap=out["OBS_VALUE"].isna()).groupby(key, sort=False, dropna=False)
    summed = grouped.agg(OBS_VALUE=("OBS_VALUE", "sum"), _gap=("_gap", "max"),
                         **{c: (c, "first") for c in rest}).reset_index()
    summed.loc[summed["_gap"], "OBS_VALUE"] = float("nan")
    if "OBS_STATUS" in summed.columns:
        summed.loc[summed["_gap"], "OBS_STATUS"] = "M"
    return summed[list(out.columns)]
