"""Value maps: reviewable CSV correspondence tables from national values to SDMX codes.

A table has the source column(s), the target column(s) and optionally ``note``. Many-to-one is
several rows with the same target. A row with empty targets excludes the matching source rows
on purpose (counted in the report). Values that no row matches are *unmapped*: reported with
their counts, never silently dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from ..errors import SpecError
from ..extract.spec import Spec, ValueMap


@dataclass
class MapOutcome:
    """What the maps did: unmapped values (with counts and first row), excluded rows."""

    unmapped: list[dict] = field(default_factory=list)
    excluded: list[dict] = field(default_factory=list)


def read_map(spec: Spec, m: ValueMap, *, where: str | None = None) -> pd.DataFrame:
    """Read a correspondence table; columns renamed to the spec's source and target names."""
    path = spec.resolve(m.file)
    where = where or str(path)
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as e:
        raise SpecError(f"correspondence table {m.file} cannot be read: {e}", where=where,
                        fix="save it as a UTF-8 CSV with a header row") from None
    keys = m.key_columns or m.source
    values = m.value_columns or m.target
    missing = [c for c in (*keys, *values) if c not in table.columns]
    if missing:
        raise SpecError(f"correspondence table {m.file} lacks column(s) {missing}; it has {list(table.columns)}",
                        where=where, fix="name the columns as in `from`/`to`, or set key_columns/value_columns")
    if len(keys) != len(m.source) or len(values) != len(m.target):
        raise SpecError("key_columns/value_columns must match `from`/`to` in length", where=where,
                        fix="list one CSV column per source column and per target")
    table = table[[*keys, *values]].copy()
    table.columns = [*(f"__key{i}" for i in range(len(keys))), *m.target]
    for c in table.columns:
        table[c] = table[c].str.strip()
    dup = table.duplicated(subset=[f"__key{i}" for i in range(len(keys))], keep=False)
    conflicting = table[dup].drop_duplicates()
    conflicting = conflicting[conflicting.duplicated(subset=[f"__key{i}" for i in range(len(keys))], keep=False)]
    if not conflicting.empty:
        row = conflicting.iloc[0]
        raise SpecError(f"correspondence table {m.file} maps {tuple(row.iloc[:len(keys)])} to more than one target",
                        where=where, fix="keep one row per source value (split rules go in separate maps)")
    return table.drop_duplicates()


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
