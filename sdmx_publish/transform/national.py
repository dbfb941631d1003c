"""National offence classifications to ICCS: correspondence tables with split rules, areas, subtotals.

A spec with a ``classify`` block (e.g. ``examples/knpa/crime_by_region.yaml``) names a wide source table
(offence categories in rows, areas in columns), a correspondence table from the national
categories to ICCS, and an area table from the source columns to area codes.

The correspondence table (CSV) has the category columns, ``ICCS``, ``share`` and ``note``:

- one row with an empty ``share``: the whole category goes to that code (one to one; several
  categories with the same code make a many-to-one mapping);
- several rows with numeric ``share`` summing to 1: a split by fixed shares;
- several rows with ``share`` = ``pro_rata``: a split in proportion, in the same area, to the counts
  of the categories mapped whole to each target code or below it (falling back to the national
  proportions, then to equal shares, where those counts are all zero);
- one row with an empty ``ICCS``: the category is deliberately not mapped (it stays in ``_T``).

Subtotal rows of the source (a label in ``subtotal_labels``, or a lower-level label repeating its
group's label in a group of several rows) are never mapped; :mod:`.coverage` checks them against
the sum of their parts. Values are summed from source columns to areas, ICCS codes are rolled up
to every ancestor and to ``_T``; the national area is the sum of the areas.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError, SpecError
from ..extract import extract
from ..spec import Spec, load_spec
from ..structure import Flow
from .values import parse_values

PRO_RATA = "pro_rata"


@dataclass(frozen=True)
class NationalTable:
    """A spec with a ``classify`` block, seen as a national table: its ``classify`` fields, then the spec's."""

    spec: Spec

    def __getattr__(self, name: str) -> Any:
        classify = self.spec.classify
        if classify is not None and name in type(classify).model_fields:
            return getattr(classify, name)
        return getattr(self.spec, name)


def load_table_config(path: str | Path) -> NationalTable:
    """Read and check a spec with a ``classify`` block; :class:`SpecError` names the key and the fix."""
    spec = load_spec(path)
    if spec.classify is None:
        raise SpecError("the spec has no `classify` block", where=str(path),
                        fix="see examples/knpa/crime_by_region.yaml")
    return NationalTable(spec)


def _csv(path: Path, needed: list[str]) -> pd.DataFrame:
    table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    missing = [c for c in needed if c not in table.columns]
    if missing:
        raise SpecError(f"lacks column(s) {missing}; it has {list(table.columns)}", where=str(path),
                        fix=f"name the columns {needed}")
    return table.apply(lambda c: c.str.strip())


@lru_cache(maxsize=4)
def ancestors(flow_key: str, parents: tuple[tuple[str, str | None], ...]) -> pd.DataFrame:
    """``code``, ``ancestor``, ``level``: every ICCS code with itself, its ancestors and ``_T``."""
    parent = dict(parents)
    rows = []
    for code in parent:
        if code == "_T":
            continue
        chain, c = [code], parent[code]
        while c:
            chain.append(c)
            c = parent.get(c)
        rows += [(code, a, len(chain)) for a in chain] + [(code, "_T", len(chain))]
    return pd.DataFrame(rows, columns=["code", "ancestor", "level"])


def iccs_tree(flow: Flow) -> pd.DataFrame:
    codes = flow.codelists["ICCS"].codes
    return ancestors(str(flow.dsd.ref), tuple((c.id, c.parent) for c in codes.values()))


def read_classification(cfg: NationalTable, flow: Flow) -> pd.DataFrame:
    """The correspondence table, checked: known ICCS codes, one kind of share per category, splits sum to 1."""
    path = cfg.resolve(cfg.classification)
    table = _csv(path, [*cfg.categories, "ICCS", "share", "note"])
    known = set(flow.codelists["ICCS"].codes)
    bad = sorted(set(table["ICCS"]) - known - {""})
    if bad:
        raise SpecError(f"unknown ICCS code(s) {bad}", where=str(path), fix="use codes of CL_ICCS (reference/iccs/iccs_v1.csv)")
    table["category"] = table[cfg.categories].agg("/".join, axis=1)
    g = table.groupby("category", sort=False)
    n = g["ICCS"].transform("size")
    kinds = g["share"].agg(lambda s: "pro_rata" if (s == PRO_RATA).all() else "whole" if (s == "").all() else "fixed")
    table["kind"] = table["category"].map(kinds)
    fixed = table["kind"].eq("fixed")
    shares = pd.to_numeric(table["share"].where(fixed), errors="coerce")
    if fixed.any() and (shares[fixed].isna().any() or
                        not np.allclose(shares[fixed].groupby(table.loc[fixed, "category"]).sum(), 1)):
        raise SpecError("a split by fixed shares needs numeric shares summing to 1 for each category", where=str(path),
                        fix="give every row of the category a share, or write pro_rata in each")
    bad = (table["kind"].eq("whole") & n.gt(1)) | (table["kind"].ne("whole") & table["ICCS"].eq(""))
    if bad.any():
        cat = table.loc[bad, "category"].iloc[0]
        raise SpecError(f"category {cat!r} has several rows but no split rule, or a split row without an ICCS code",
                        where=str(path), fix="one row per category, or an ICCS code and a share (numbers or "
                                             "pro_rata) in each row of a split")
    table["share_value"] = shares.where(fixed, 1.0)
    return table


def read_areas(cfg: NationalTable, columns: list[str]) -> pd.DataFrame:
    """Area table for the source's value columns; every column must be listed (empty REF_AREA = excluded)."""
    path = cfg.resolve(cfg.areas)
    table = _csv(path, ["region", "REF_AREA", "note"])
    missing = [c for c in columns if c not in set(table["region"])]
    if missing:
        raise InputError(f"source column(s) {missing[:10]} are not in the area table", where=str(path),
                         fix="add a row per column (empty REF_AREA to exclude it, with a note saying why)")
    return table[table["region"].isin(columns)]


def subtotal_mask(raw: pd.DataFrame, categories: list[str], labels: list[str]) -> pd.Series:
    """Rows that are subtotals: a label in ``labels``, or a label repeating its group's in a group of several rows."""
    cats = raw[categories]
    mask = cats.isin(labels).any(axis=1)
    for i in range(1, len(categories)):
        size = raw.groupby(categories[:i], sort=False)[categories[i]].transform("size")
        mask |= cats.iloc[:, i].eq(cats.iloc[:, i - 1]) & size.gt(1)
    return mask


def read_long(cfg: NationalTable, raw: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(detail rows in long form with ``category``, ``region``, ``value``; subtotal rows in long form).

    ``raw`` is the extracted source table (read here when not given).
    """
    raw = extract(cfg.spec) if raw is None else raw.copy()
    missing = [c for c in cfg.categories if c not in raw.columns]
    if missing:
        raise InputError(f"missing category column(s) {missing}", where=str(cfg.resolve(cfg.source.path or "")),
                         fix="correct `categories`")
    raw[cfg.categories] = raw[cfg.categories].fillna("").apply(lambda c: c.astype(str).str.strip())
    raw = raw[raw[cfg.categories].ne("").any(axis=1)]
    value_cols = [c for c in raw.columns if not c.startswith("_") and c not in cfg.categories]
    is_sub = subtotal_mask(raw, cfg.categories, cfg.subtotal_labels)
    long = raw.melt(id_vars=[*cfg.categories, "_row"], value_vars=value_cols, var_name="region", value_name="raw")
    long["value"] = parse_values(long["raw"], missing=cfg.source.missing, thousands=cfg.source.thousands,
                                 decimal=cfg.source.decimal).values
    long["category"] = long[cfg.categories].agg("/".join, axis=1)
    sub_rows = set(raw.loc[is_sub, "_row"])
    in_sub = long["_row"].isin(sub_rows)
    return long[~in_sub].reset_index(drop=True), long[in_sub].reset_index(drop=True)


def pro_rata_shares(splits: pd.DataFrame, by_area: pd.DataFrame, whole: pd.DataFrame, tree: pd.DataFrame) -> pd.Series:
    """Shares of pro-rata split rows (``REF_AREA``, ``category``, ``ICCS``) from the whole categories' counts."""
    under = whole.merge(tree, left_on="ICCS", right_on="code")[["category", "ancestor"]]
    weights = by_area.merge(under, on="category").groupby(["REF_AREA", "ancestor"], as_index=False)["value"].sum()
    w = splits[["REF_AREA", "ICCS"]].merge(weights.rename(columns={"ancestor": "ICCS"}), on=["REF_AREA", "ICCS"],
                                          how="left")["value"]
    w = w.fillna(0.0).to_numpy()
    national = pd.Series(w).groupby([splits["category"].to_numpy(), splits["ICCS"].to_numpy()]).transform("sum").to_numpy()
    key = [splits["REF_AREA"].to_numpy(), splits["category"].to_numpy()]
    total = pd.Series(w).groupby(key).transform("sum").to_numpy()
    w = np.where(total > 0, w, national)
    total = pd.Series(w).groupby(key).transform("sum").to_numpy()
    n = pd.Series(w).groupby(key).transform("size").to_numpy()
    return pd.Series(np.where(total > 0, w / np.where(total > 0, total, 1), 1 / n), index=splits.index)
