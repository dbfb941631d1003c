"""Correspondence tables: the CSV files a spec's ``maps`` name, read and checked when the spec is loaded.

A table has the source column(s), the target column(s) and optionally ``note``. Many-to-one is
several rows with the same target (summed with ``aggregate: sum``). A source value on several rows
is a split: each row carries its share (``share_column``), and the shares add to 1; without shares
it is an ambiguous mapping, an error. Declared summary rows (``summary_pattern``, ``parent_column``)
are totals of other values of the table: a summary and one of its details mapped to the same target
would count the detail twice, an error. The transform applies the tables
(:mod:`sdmx_publish.transform.mapping`).
"""

from __future__ import annotations

import hashlib
import io
import threading

import numpy as np
import pandas as pd

from ..errors import SpecError
from .model import Spec, ValueMap
from .survey import Breakdown

#: shares of one source value must add to 1 within this
SHARE_TOLERANCE = 1e-6
#: a correspondence table's internal columns: its CSV line, the share of the row, the note, the summary parent
ROW, SHARE, NOTE, PARENT = "__maprow", "__share", "__note", "__parent"
#: the share of a row split in proportion to the data (``__share`` is NaN until the transform computes it)
PRO_RATA = "pro_rata"


def key_names(m: ValueMap) -> list[str]:
    """The internal names of a map's key columns (one per source column)."""
    return [f"__key{i}" for i in range(len(m.source))]


#: tables read and checked, by path, content and map (a run reads each at spec load, in the code check and in
#: the transform: parsed and checked once); a few, the newest last
_READ: dict[tuple[str, bytes, str], pd.DataFrame] = {}
_KEPT = 16
_LOCK = threading.Lock()


def read_map(spec: Spec, m: ValueMap, *, where: str | None = None) -> pd.DataFrame:
    """Read and check a correspondence table: key columns ``__key<i>``, the targets, and ``__maprow`` (its CSV
    line), ``__share``, ``__note``, ``__parent`` (the summary value a detail row is part of, else ''). A table
    read before with the same content and map is not parsed and checked again (a copy is returned)."""
    path = spec.resolve(m.file)
    data = path.read_bytes()
    key = (str(path), hashlib.blake2b(data, digest_size=16).digest(), m.model_dump_json())
    with _LOCK:
        table = _READ.get(key)
    if table is None:
        table = _read_map(data, m, where or str(path))
        with _LOCK:
            _READ[key] = table
            while len(_READ) > _KEPT:
                del _READ[next(iter(_READ))]
    return table.copy()


def _read_map(data: bytes, m: ValueMap, where: str) -> pd.DataFrame:
    try:
        table = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as e:
        raise SpecError(f"correspondence table {m.file} cannot be read: {e}", where=where,
                        fix="save it as a UTF-8 CSV with a header row") from None
    keys = m.key_columns or m.source
    values = m.value_columns or m.target
    extra = [c for c in (m.share_column, m.parent_column) if c]
    missing = [c for c in (*keys, *values, *extra) if c not in table.columns]
    if missing:
        raise SpecError(f"correspondence table {m.file} lacks column(s) {missing}; it has {list(table.columns)}",
                        where=where, fix="name the columns as in `from`/`to` (and share_column/parent_column), "
                                         "or set key_columns/value_columns")
    if len(keys) != len(m.source) or len(values) != len(m.target):
        raise SpecError("key_columns/value_columns must match `from`/`to` in length", where=where,
                        fix="list one CSV column per source column and per target")
    names = key_names(m)
    out = table[[*keys, *values]].copy()
    out.columns = [*names, *m.target]
    out = out.apply(lambda c: c.str.strip())
    out[ROW] = np.arange(2, len(out) + 2)
    out[NOTE] = table["note"].str.strip() if "note" in table.columns else ""
    out[PARENT] = table[m.parent_column].str.strip() if m.parent_column else ""
    out = out.drop_duplicates([*names, *m.target])
    out[SHARE] = _shares(out, table[m.share_column] if m.share_column else None, m, where)
    refuse_double_counting(out, m, where)
    return out.reset_index(drop=True)


def _key_text(row: pd.Series, names: list[str]) -> str:
    return " | ".join(str(row[k]) for k in names)


def _first_value(table: pd.DataFrame, names: list[str], flagged: pd.Series) -> tuple[pd.Series, list]:
    """The first flagged row and the map rows (their ``ROW`` numbers) of its source value, for a message."""
    first = table[flagged].iloc[0]
    return first, table.loc[(table[names] == first[names]).all(axis=1), ROW].tolist()


def _shares(table: pd.DataFrame, raw: pd.Series | None, m: ValueMap, where: str) -> pd.Series:
    """Each row's share of its source value: 1 for a value on one row; a split's shares, checked to add to 1."""
    names = key_names(m)
    groups = [table[k] for k in names]
    n = table.groupby(names, sort=False)[ROW].transform("size")
    text = raw.loc[table.index].str.strip() if raw is not None else pd.Series("", index=table.index)
    unshared = n.gt(1) & text.eq("").groupby(groups, sort=False).transform("all")
    if unshared.any():
        first, rows = _first_value(table, names, unshared)
        raise SpecError(f"{m.file} rows {rows}: ambiguous mapping: {_key_text(first, names)} is mapped to more "
                        "than one target", where=where,
                        fix="keep one row per source value; to split it over several codes give each row its share "
                            "in a share column (`share_column:`), adding to 1; for several values summed into one "
                            "code use one row each and `aggregate: sum`")
    if raw is None:
        return pd.Series(1.0, index=table.index)
    pro = text.eq(PRO_RATA)
    mixed = pro.groupby(groups, sort=False).transform("any") & ~pro.groupby(groups, sort=False).transform("all")
    if mixed.any() or (pro & n.eq(1)).any():
        row = table[mixed | (pro & n.eq(1))].iloc[0]
        raise SpecError(f"{m.file} row {row[ROW]}: {_key_text(row, names)} mixes `{PRO_RATA}` with fixed shares, or "
                        f"is `{PRO_RATA}` on one row", where=where,
                        fix=f"write {PRO_RATA} in every row of a split in proportion, or a number in every row")
    if pro.any() and len(m.target) != 1:
        raise SpecError(f"{m.file}: a `{PRO_RATA}` split needs a map to one component", where=where,
                        fix="map the split column to one component (its codelist gives the proportions)")
    text = text.where(~pro, "1")  # placeholder: the transform computes pro-rata shares from the data
    share = pd.to_numeric(text.where(text.ne("")), errors="coerce")
    share = share.where(text.ne("") | n.gt(1), 1.0)  # a value on one row needs no share
    bad = share.isna() | share.le(0) | share.gt(1 + SHARE_TOLERANCE)
    if bad.any():
        row = table[bad].iloc[0]
        raise SpecError(f"{m.file} row {row[ROW]}: the share {text[bad].iloc[0]!r} of {_key_text(row, names)} is not "
                        "a number above 0 and at most 1", where=where,
                        fix=f"give every row of a split value a share in column {m.share_column!r} (e.g. 0.25)")
    total = share.groupby(groups, sort=False).transform("sum")
    off = (total - 1).abs().gt(SHARE_TOLERANCE) & ~pro
    if off.any():
        row, rows = _first_value(table, names, off)
        raise SpecError(f"{m.file} rows {rows}: the shares of {_key_text(row, names)} add to {total[off].iloc[0]:.6g}, "
                        "not 1", where=where,
                        fix="correct the shares so that they add to 1: a split divides a value, it neither adds "
                            "to it nor leaves part of it out (exclude a part with a row with empty targets)")
    split_excluded = n.gt(1) & (table[m.target] == "").all(axis=1)
    if split_excluded.any():
        row = table[split_excluded].iloc[0]
        raise SpecError(f"{m.file} row {row[ROW]}: a part of the split value {_key_text(row, names)} has no target",
                        where=where, fix="give every row of a split a target code (a value is excluded whole, "
                                         "on one row with empty targets)")
    return share.mask(pro, float("nan"))  # NaN: pro rata


def summary_links(keys: pd.Series, m: ValueMap, parents: pd.DataFrame | None = None) -> pd.DataFrame:
    """``value``, ``summary``, ``direct`` for every declared summary of each source value in ``keys``: by
    ``summary_pattern`` (a summary's details start with its prefix) or by the table's parent column
    (``parents``: ``__key0``, ``__parent``, followed up the chain); ``direct`` marks the nearest summary."""
    values = pd.Series(pd.unique(keys.astype(str)), dtype=object)
    if m.summary_pattern:
        prefix = values.str.extract(m.summary_pattern, expand=False)
        summaries = pd.DataFrame({"summary": values[prefix.notna()], "prefix": prefix[prefix.notna()]})
        pairs = [pd.DataFrame({"value": values, "prefix": values.str[:n]}).merge(s, on="prefix")
                 for n, s in summaries.groupby(summaries["prefix"].str.len())]
        links = pd.concat([pd.DataFrame(columns=["value", "prefix", "summary"]), *pairs], ignore_index=True)
        links = links[links["value"].ne(links["summary"])]
        depth = links["prefix"].str.len()
    else:
        step = (parents if parents is not None else pd.DataFrame(columns=["__key0", PARENT]))
        step = step.loc[step[PARENT].ne(""), ["__key0", PARENT]].drop_duplicates()
        step.columns = ["value", "summary"]
        chain, hop, level = [], step, 0
        while not hop.empty and level < 50:  # a cycle in the parent column stops here
            chain.append(hop.assign(level=level))
            hop = hop.merge(step.rename(columns={"value": "summary", "summary": "next"}), on="summary")
            hop = hop[["value", "next"]].rename(columns={"next": "summary"})
            level += 1
        links = pd.concat([pd.DataFrame(columns=["value", "summary", "level"]), *chain], ignore_index=True)
        links = links[links["value"].isin(set(values))]
        depth = -links["level"].astype(int)
    links = links.assign(_depth=depth.to_numpy())
    nearest = links.groupby("value")["_depth"].transform("max")
    return pd.DataFrame({"value": links["value"].to_numpy(), "summary": links["summary"].to_numpy(),
                         "direct": (links["_depth"] == nearest).to_numpy()})


def summary_values(keys: pd.Series, m: ValueMap, table: pd.DataFrame) -> pd.Series:
    """Which of ``keys`` are declared summary rows."""
    if m.summary_pattern:
        return keys.astype(str).str.extract(m.summary_pattern, expand=False).notna()
    return keys.isin(set(table[PARENT]) - {""})


def refuse_double_counting(table: pd.DataFrame, m: ValueMap, where: str, tree: pd.DataFrame | None = None) -> None:
    """A summary row and one of its detail rows mapped to the same target would count the detail twice; so
    would, when the target is rolled up its codelist (``tree``: ``code``, ``ancestor``), a summary and a
    detail mapped to a code and one of its ancestors."""
    if not (m.summary_pattern or m.parent_column):
        return
    mapped = table[(table[m.target] != "").any(axis=1)]
    links = summary_links(mapped["__key0"], m, table)
    if links.empty:
        return
    detail = links.merge(mapped.rename(columns={"__key0": "value"}), on="value")
    summary = mapped.rename(columns={"__key0": "summary"})
    both = detail.merge(summary, on=["summary", *m.target], suffixes=("", "_summary"))
    if both.empty and tree is not None:  # one target, rolled up: a code and its ancestor overlap too
        t = m.target[0]
        pairs = detail.merge(summary, on="summary", suffixes=("", "_summary"))
        up = pd.concat([tree.rename(columns={"code": t, "ancestor": f"{t}_summary"}),
                        tree.rename(columns={"code": f"{t}_summary", "ancestor": t})])
        both = pairs.merge(up, on=[t, f"{t}_summary"])
    if both.empty:
        return
    b = both.iloc[0]
    target = ", ".join(f"{t}={b[t]}" for t in m.target)
    above = "" if f"{m.target[0]}_summary" not in both.columns else \
        f" and {b[m.target[0] + '_summary']}, a code above or below it in the roll-up,"
    raise SpecError(f"{m.file} rows {b[ROW + '_summary']} and {b[ROW]}: summary row {b['summary']!r} and its detail "
                    f"{b['value']!r} are both mapped to {target}{above}: the detail would be counted twice",
                    where=where, fix="leave the summary row's targets empty (it is then a check of the sum of its "
                                     f"details), or leave out the detail rows mapped to {target}")


def breakdown_map(b: Breakdown) -> ValueMap:
    """A survey breakdown's correspondence table, as a value map from its variable to its dimension."""
    return ValueMap.model_validate({"file": b.map, "from": b.variable, "to": b.to})
