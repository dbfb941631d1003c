"""Coverage report of a national classification mapped to ICCS, and publication of the national table.

The report says which national categories are mapped, how (one to one, many to one, split, not
mapped), to which ICCS level, what share of the national total each category and each ICCS
section gets, which source columns were excluded, and how the subtotal rows compare with the sum
of their parts. The pipeline's transform step makes the report; publication puts it in the release manifest.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..structure import Flow
from .classify import Classified
from .national import NationalTable, iccs_tree


def _kinds(table: pd.DataFrame) -> pd.Series:
    """Per category: one to one, many to one, split (fixed shares / pro rata) or not mapped."""
    whole = table[table["kind"].eq("whole") & table["ICCS"].ne("")]
    shared = whole.groupby("ICCS")["category"].transform("size").gt(1)
    kinds = pd.Series("one to one", index=whole["category"].to_numpy())
    kinds[shared.to_numpy()] = "many to one"
    splits = table[table["kind"].ne("whole")].drop_duplicates("category")
    labels = splits["kind"].map({"fixed": "split (fixed shares)", "pro_rata": "split (pro rata)"})
    kinds = pd.concat([kinds, pd.Series(labels.to_numpy(), index=splits["category"].to_numpy())])
    nm = table.loc[table["ICCS"].eq(""), "category"]
    return pd.concat([kinds, pd.Series("not mapped", index=nm.to_numpy())])


def _subtotal_checks(c: Classified, categories: list[str], labels: list[str]) -> list[dict[str, Any]]:
    """Each subtotal row against the sum of the detail rows of its group, column by column."""
    if c.subtotals.empty:
        return []
    out = []
    for row, cells in c.subtotals.groupby("_row", sort=True):
        first = cells.iloc[0]
        level = next((i for i, col in enumerate(categories) if first[col] in labels
                      or (i and first[col] == first[categories[i - 1]])), 0)
        group = c.long
        for col in categories[:level]:
            group = group[group[col].eq(first[col])]
        parts = group.groupby("region")["value"].sum()
        diff = cells.set_index("region")["value"] - parts.reindex(cells["region"]).fillna(0).to_numpy()
        bad = diff[diff.abs() > 1e-9]
        out.append({"row": int(row), "category": first["category"], "columns_checked": int(len(diff)),
                    "mismatches": int(len(bad)), "examples": {k: float(v) for k, v in bad.head(5).items()}})
    return out


def coverage_report(c: Classified, cfg: NationalTable, flow: Flow) -> dict[str, Any]:
    """The coverage report (JSON-ready) of a classified table."""
    names = flow.codelists["ICCS"].names()
    t = iccs_tree(flow)
    tree = c.table.merge(t[t["code"].eq(t["ancestor"])][["code", "level"]], left_on="ICCS", right_on="code", how="left")
    national = c.frame[c.frame["REF_AREA"].eq(cfg.national_area)].set_index("ICCS")["OBS_VALUE"]
    total = float(national.get("_T", 0.0))
    kinds = _kinds(c.table)
    cats = []
    for cat, rows in tree.groupby("category", sort=False):
        count = float(c.by_category.get(cat, 0.0))
        cats.append({"category": cat, "iccs": [x for x in rows["ICCS"] if x], "levels": sorted({int(x) for x in
                     rows["level"].dropna()}), "mapping": kinds[cat], "count": count,
                     "share_of_total": count / total if total else None, "note": rows["note"].iloc[0]})
    by_level: dict[str, float] = {}
    for item in cats:
        key = "not mapped" if not item["iccs"] else "split" if item["mapping"].startswith("split") \
            else f"level {item['levels'][0]}"
        by_level[key] = by_level.get(key, 0.0) + item["count"]
    sections = [{"iccs": code, "name": names[code], "count": float(v), "share_of_total": float(v) / total}
                for code, v in national.items() if len(code) == 2 and code != "_T"]
    excluded = c.long[c.long["REF_AREA"].eq("")].groupby("region")["value"].sum()
    areas = c.long[c.long["REF_AREA"].ne("")].groupby("REF_AREA")["region"].nunique()
    return {
        "table": str(cfg.resolve(cfg.source.path or "")), "national_area": cfg.national_area,
        "total": total, "categories": cats,
        "mapped_categories": sum(1 for i in cats if i["iccs"]), "not_mapped_categories": [i["category"] for i in
                                                                                           cats if not i["iccs"]],
        "share_by_mapping_level": {k: v / total for k, v in sorted(by_level.items())},
        "sections": sections,
        "share_in_sections": sum(s["count"] for s in sections) / total if total else None,
        "areas": {a: int(n) for a, n in areas.items()},
        "excluded_columns": {r: float(v) for r, v in excluded.items()}, "excluded_total": float(excluded.sum()),
        "subtotal_rows": _subtotal_checks(c, cfg.categories, cfg.subtotal_labels),
    }
