"""Correspondence tables: the CSV files a spec's ``maps`` name, read and checked when the spec is loaded.

A table has the source column(s), the target column(s) and optionally ``note``. Many-to-one is
several rows with the same target; a source value on two rows with different targets is an error.
The transform applies the tables (:mod:`sdmx_publish.transform.mapping`).
"""

from __future__ import annotations

import pandas as pd

from ..errors import SpecError
from .model import Spec, ValueMap
from .survey import Breakdown


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


def breakdown_map(b: Breakdown) -> ValueMap:
    """A survey breakdown's correspondence table, as a value map from its variable to its dimension."""
    return ValueMap.model_validate({"file": b.map, "from": b.variable, "to": b.to})
