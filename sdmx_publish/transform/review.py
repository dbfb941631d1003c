"""The mapping review: per correspondence table, what each national value became.

Per national value: its code(s) with their English names from the codelist (a valid but wrong code is
easier to see as "0401 Robbery" than as "0401") and the share of a split, the source rows and the total value that
went to each; what was excluded on purpose (with the note and the total per period); the summary rows
used as checks; and the coverage, the share of the national total that was mapped, overall and per
period. The national total is the sum of every row the map saw (mapped, excluded and unmapped) except
the summary rows used as checks. ``mapping.json`` and ``mapping.html`` are written beside the validation
report and copied into the release; the manifest carries the JSON as ``mapping``. The page also lists the
source lines the spec held back before any map (``filter.drop_rows``), with their reasons and cells.
"""

from __future__ import annotations

import json
from html import escape
from pathlib import Path
from typing import Any

import pandas as pd

from ..spec.maps import NOTE, SHARE
from ..spec.model import ValueMap
from ..structure import Flow

STEM = "mapping"
_W, _T = "__w", "__target"


def _sum(values: pd.Series) -> float:
    """A total as the engine's sums are rounded (:func:`.mapping.sum_rows`): 42.4 + 48.7 is 91.1, not
    91.10000000000001."""
    return round(float(values.sum()), 10)


def _coverage(part: pd.DataFrame) -> dict[str, Any]:
    total = _sum(part[_W])
    sums = {k: _sum(part.loc[part["__kind"].eq(k), _W]) for k in ("mapped", "excluded", "unmapped")}
    return {"total": total, **sums, "coverage": sums["mapped"] / total if total else None}


def code_names(flow: Flow, components: list[str], codes: list[str]) -> list[str]:
    """The English names of ``codes`` (each the targets of a map joined by `` | ``) in ``components``'
    codelists, joined alike; '' for a component without a codelist or a code not in it."""
    lists = [flow.codelists.get(c) for c in components]
    named = [[cl.codes[x].name if cl is not None and x in cl.codes else "" for cl, x in zip(lists, code.split(" | "))]
             for code in codes]
    return [" | ".join(n) if any(n) else "" for n in named]


def map_review(merged: pd.DataFrame, m: ValueMap, keys: list[str], *, hit: pd.Series, excluded: pd.Series,
               check_only: pd.Series, period: str | None, flow: Flow,
               constant_period: str | None = None) -> dict[str, Any]:
    """The review of one map from its merged rows (one per split part; ``__obs`` the value before the share);
    ``period``: the column of the period, or ``constant_period``: the one period of a spec's constants;
    ``flow``: the dataflow, whose codelists name the codes."""
    from .mapping import OBS, RID, joined

    share = merged[SHARE].fillna(1.0)
    kind = pd.Series("mapped", index=merged.index).mask(excluded, "excluded").mask(~hit, "unmapped") \
        .mask(check_only, "summary")
    work = pd.DataFrame({"__value": joined(merged, keys), _T: joined(merged, m.target, " | ").where(hit, ""),
                         _W: merged[OBS] * share, "__kind": kind, "__share": share, "__note": merged[NOTE].fillna(""),
                         RID: merged[RID], "__period": merged[period].astype(str) if period else (constant_period or "")})
    per = work.groupby(["__value", "__kind", _T], sort=False).agg(
        rows=(RID, "nunique"), total=(_W, "sum"), share=("__share", "first"), note=("__note", "first")).reset_index()
    names = dict(zip(pd.unique(per[_T]), code_names(flow, m.target, list(pd.unique(per[_T])))))
    values = []
    for (value, k), g in per.groupby(["__value", "__kind"], sort=False):
        targets = [{"code": t, "name": names[t], "share": float(s), "rows": int(r), "total": round(float(v), 10)}
                   for t, s, r, v in zip(g[_T], g["share"], g["rows"], g["total"]) if t.strip(" |")]
        values.append({"value": value, "mapping": "split" if len(targets) > 1 else k, "codes": targets,
                       "rows": int(g["rows"].max()), "total": _sum(g["total"]), "note": g["note"].iloc[0]})
    ex = work[work["__kind"].eq("excluded")]
    out_excluded = [{"value": v, "note": g["__note"].iloc[0], "rows": int(g[RID].nunique()), "total": _sum(g[_W]),
                     "by_period": {str(p): round(float(x), 10)
                                   for p, x in g.groupby("__period", sort=True)[_W].sum().items()}}
                    for v, g in ex.groupby("__value", sort=False)]
    counted = work[work["__kind"].ne("summary")]
    return {"map": m.file, "from": m.source, "to": m.target, "aggregate": m.aggregate,
            "values": values, "excluded_values": out_excluded,
            "summary_rows": int(work.loc[work["__kind"].eq("summary"), RID].nunique()),
            **_coverage(counted),
            "by_period": {str(p): _coverage(g) for p, g in counted.groupby("__period", sort=True)} if period or constant_period else {}}


def write_review(reviews: list[dict], folder: Path, *, title: str, held_back: list[dict] | None = None) -> list[Path]:
    """``mapping.json`` and ``mapping.html`` in ``folder`` (``held_back``: the transform report's lines held back)."""
    folder.mkdir(parents=True, exist_ok=True)
    js, html = folder / f"{STEM}.json", folder / f"{STEM}.html"
    js.write_text(json.dumps(reviews, indent=2, ensure_ascii=False, default=str), encoding="utf-8")
    html.write_text(to_html(reviews, title=title, held_back=held_back), encoding="utf-8")
    return [js, html]


def _n(v: float | None) -> str:
    return "" if v is None or v != v else f"{v:,.6g}"


def _named(code: dict) -> str:
    """A code and its name, ``0401 Robbery`` (a review written before names were kept: the code alone)."""
    return f"{code['code']} {code['name']}" if code.get("name") else code["code"]


def _pct(v: float | None) -> str:
    return "" if v is None else f"{v:.1%}"


def to_html(reviews: list[dict], *, title: str, held_back: list[dict] | None = None) -> str:
    """One self-contained page: the source lines held back, then per map its coverage, its values and where
    they went, what was excluded."""
    from ..validate.html import _STYLE, _table

    parts = [f"<h1>Mapping review: {escape(title)}</h1>"]
    if held_back:
        parts += ["<h2>Source lines held back on purpose (filter.drop_rows)</h2>",
                  _table(["lines", "reason", "cells"],
                         [[", ".join(map(str, h["rows"])) + (f" (not in the source: {h['not_in_source']})"
                                                             if h["not_in_source"] else ""),
                           h["reason"] or "(a bare line number: the reason is in a comment of the spec)",
                           "; ".join(", ".join(f"{k} {v}" for k, v in c.items()) for c in h["cells"])]
                          for h in held_back])]
    if not reviews:
        parts.append("<p>The spec has no correspondence tables: every code comes from a column or a constant.</p>")
    for r in reviews:
        parts += [f"<h2>{escape(r['map'])}: {escape(', '.join(r['from']))} &rarr; {escape(', '.join(r['to']))}"
                  + (" (aggregate: sum)" if r["aggregate"] else "") + "</h2>",
                  f"<p>Coverage: {_pct(r['coverage'])} of the national total {_n(r['total'])} is mapped; "
                  f"{_n(r['excluded'])} excluded on purpose, {_n(r['unmapped'])} unmapped"
                  + (f"; {r['summary_rows']} summary row(s) used as checks" if r["summary_rows"] else "") + ".</p>"]
        if r["by_period"]:
            parts.append(_table(["period", "national total", "mapped", "excluded", "unmapped", "coverage"],
                                [[p, _n(c["total"]), _n(c["mapped"]), _n(c["excluded"]), _n(c["unmapped"]),
                                  _pct(c["coverage"])] for p, c in r["by_period"].items()]))
        parts.append(_table(["national value", "mapping", "code(s)", "rows", "total value", "to each code", "note"],
                            [[v["value"], v["mapping"], ", ".join(_named(c) + ("" if c["share"] == 1 else
                                                                               f" ({c['share']:g})") for c in v["codes"]),
                              v["rows"], _n(v["total"]), "; ".join(f"{c['code']}: {_n(c['total'])}" for c in v["codes"]),
                              v["note"]] for v in r["values"]]))
        if r["excluded_values"]:
            parts += ["<h3>Excluded on purpose</h3>",
                      _table(["national value", "note", "rows", "total", "total per period"],
                             [[x["value"], x["note"], x["rows"], _n(x["total"]),
                               "; ".join(f"{p}: {_n(t)}" for p, t in x["by_period"].items())] for x in r["excluded_values"]])]
    return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Mapping review</title>"
            f"<style>{_STYLE}</style></head><body>{''.join(parts)}</body></html>")
