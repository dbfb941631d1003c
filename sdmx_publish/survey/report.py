"""The estimation report (JSON and HTML): per estimate and cell n, weighted N, SE, CI, CV, design
effect and status; per estimate the codes counted in the numerator and the denominator and what was
left out, with the labels of the file and the reasons declared in the spec."""

from __future__ import annotations

import json
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .frame import reliability
from .read import code_text

if TYPE_CHECKING:
    from ..spec import Spec
    from .estimate import Design

STEM = "estimation"


def _labelled(codes: list, labels: dict[str, str]) -> list[dict[str, str]]:
    texts = code_text(pd.Series(codes, dtype=object))
    return [{"code": c, "label": labels.get(c, "")} for c in texts]


def estimation_report(est: pd.DataFrame, raw: pd.DataFrame, spec: Spec, design: Design, maps: dict) -> dict:
    """The report as a JSON-ready dict."""
    s = spec.survey
    assert s is not None
    labels: dict[str, dict[str, str]] = raw.attrs.get("labels", {})
    w = design.weight
    estimates = []
    for e in s.estimates:
        den = np.ones(len(raw), dtype=bool)
        conditions = []
        for c in e.denominator:
            hit = code_text(raw[c.variable]).isin(code_text(pd.Series(c.codes, dtype=object))).to_numpy()
            hit = ~hit if c.exclude else hit
            conditions.append({"variable": c.variable,
                               "rule": "not one of" if c.exclude else "one of",
                               "codes": _labelled(c.codes, labels.get(c.variable, {})),
                               "rows_left_out": int((den & ~hit).sum())})
            den &= hit
        var = e.numerator.variable
        codes = code_text(raw[var])
        left = pd.DataFrame({"code": codes[~den], "w": w[~den]}).groupby("code", sort=True)["w"].agg(["size", "sum"])
        excluded = [{"code": c, "label": labels.get(var, {}).get(c, ""), "rows": int(r["size"]),
                     "weighted": float(r["sum"]), "why": e.special_codes.get(var, {}).get(c, "")}
                    for c, r in left.iterrows()]
        estimates.append({
            "id": e.id, "title": e.title, "series": e.series, "comment": e.comment,
            "numerator": {"variable": var,
                          "codes": _labelled(e.numerator.codes, labels.get(var, {}))},
            "denominator": conditions, "left_out_by_answer": excluded,
            "special_codes": e.special_codes, "rows": len(raw), "rows_in_denominator": int(den.sum())})
    cells = est.assign(status=reliability(est, spec)).replace({np.nan: None})
    r = s.reliability
    return {
        "source": raw.attrs.get("source"), "time_period": s.time_period,
        "method": {"estimator": "ratio of weighted totals (domain estimation over the whole design)",
                   **_variance(design),
                   "confidence": s.confidence, "bounds": "estimate -/+ z * SE (normal quantile)",
                   "deff": "Kish: design variance / SRS-without-replacement variance of the domain's size",
                   "scale": s.scale,
                   "published": f"OBS_VALUE to {s.decimals} decimal(s) (an estimate's own `decimals` aside), its "
                                "bounds to one more; ties away from zero. The cells' other numbers are unrounded"},
        "design": {"weight": s.design.weight, "strata": s.design.strata, "psu": s.design.psu,
                   "single_psu": None if design.replicates else s.design.single_psu, "rows": len(raw),
                   "strata_count": None if design.strata is None else int(pd.unique(design.strata).size),
                   "psu_count": None if design.psu is None else int(pd.unique(design.psu).size),
                   "single_psu_strata": None if design.replicates else design.single_psu_strata(),
                   "replicate_weights": None if design.replicates is None else {
                       **design.replicates.describe(), "combined_weights": s.design.replicate_weights.combined_weights},
                   "join": s.join.model_dump() if s.join else None},
        "reliability": {"min_n": r.min_n, "max_cv": r.max_cv, "action": r.action,
                        "flag": "OBS_STATUS U (low reliability)", "withhold": "no value, OBS_STATUS Q (suppressed)"},
        "breakdowns": {k: {kk: vv for kk, vv in v.items() if kk != "lookup"} | {"codes": v.get("lookup", {})}
                       for k, v in maps.items()},
        "estimates": estimates,
        "cells": cells[["estimate_id", "breakdown", "cell", "n", "N", "estimate", "se", "lower", "upper", "cv",
                        "deff", "status"]].to_dict("records"),
    }


def _variance(design: Design) -> dict[str, str]:
    """How the variance was estimated, and by which library."""
    from importlib.metadata import version

    rep = design.replicates
    if rep is None:
        return {"variance": "Taylor linearisation, with-replacement PSUs within strata",
                "library": f"samplics {version('samplics')} (TaylorEstimator, ratio)"}
    centre = "the full-sample estimate (mse)" if rep.mse else "the replicates' mean"
    return {"variance": f"replicate weights, {rep.type} ({len(rep.columns)} replicates): scale * sum of rscales * "
                        f"squared deviations of the replicate estimates from {centre}",
            "library": f"svy {version('svy')} (replication, ratio)"}


def write_report(report: dict, folder: Path) -> list[Path]:
    """``estimation.json`` and ``estimation.html`` in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    js, html = folder / f"{STEM}.json", folder / f"{STEM}.html"
    js.write_text(json.dumps(report, indent=2, ensure_ascii=False, default=_plain), encoding="utf-8")
    html.write_text(to_html(report), encoding="utf-8")
    return [js, html]


def _plain(o: Any) -> Any:
    return o.item() if isinstance(o, np.generic) else str(o)


def to_html(report: dict) -> str:
    """One self-contained page: method and design, then per estimate its definition and its cells."""
    from ..validate.html import _STYLE, _table

    m, d, r = report["method"], report["design"], report["reliability"]
    parts = [f"<h1>Estimation report: {escape(str(report['source']))}, {escape(report['time_period'])}</h1>",
             _table(["method", ""], [[k, v] for k, v in m.items()]),
             _table(["design", ""], [[k, v] for k, v in d.items() if k not in ("join", "replicate_weights")
                                     and v is not None] + _replicate_rows(d["replicate_weights"])
                    + [["join", d["join"]]]),
             f"<p>Reliability: an estimate with fewer than {r['min_n']} respondents in its denominator or a CV "
             f"above {r['max_cv']:g} is {'withheld (' + r['withhold'] + ')' if r['action'] == 'withhold' else 'flagged (' + r['flag'] + ')'}.</p>"]
    for e in report["estimates"]:
        num = e["numerator"]
        parts += [f"<h2>{escape(e['id'])}: {escape(e['title'])} ({escape(e['series'])})</h2>",
                  f"<p>{escape(e['comment'] or '')}</p>",
                  f"<p>Numerator: <code>{escape(num['variable'])}</code> one of "
                  + ", ".join(f"{escape(c['code'])} {escape(c['label'])}" for c in num["codes"]) + ".</p>",
                  _table(["denominator: variable", "rule", "codes", "rows left out"],
                         [[c["variable"], c["rule"], ", ".join(f"{x['code']} {x['label']}" for x in c["codes"]),
                           c["rows_left_out"]] for c in e["denominator"]]),
                  f"<p>Left out of the denominator, by answer to <code>{escape(num['variable'])}</code>:</p>",
                  _table(["code", "label", "rows", "weighted", "why"],
                         [[x["code"], x["label"], x["rows"], f"{x['weighted']:,.0f}", x["why"]]
                          for x in e["left_out_by_answer"]]),
                  _table(["breakdown", "cell", "n", "weighted N", "estimate", "SE", "lower", "upper", "CV", "deff",
                          "reliability", "published (bounds)"],
                         [[c["breakdown"], c["cell"], c["n"], f"{c['N']:,.0f}", _f(c["estimate"]), _f(c["se"]),
                           _f(c["lower"]), _f(c["upper"]), _f(c["cv"]), _f(c["deff"]), c["status"] or "ok",
                           _published(c.get("published"))]
                          for c in report["cells"] if c["estimate_id"] == e["id"]])]
    return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Estimation report</title>"
            f"<style>{_STYLE}</style></head><body>{''.join(parts)}</body></html>")


def _replicate_rows(rep: dict | None) -> list[list]:
    """The replicate design, a row per key; per-replicate rscales as each value with its count."""
    if rep is None:
        return []
    rows = []
    for k, v in rep.items():
        if isinstance(v, list):
            values, counts = np.unique(v, return_counts=True)
            v = ", ".join(f"{x:.6g} for {c}" for x, c in zip(values, counts)) + " replicates"
        rows.append([f"replicate_weights.{k}", v])
    return rows


def _published(p: dict | None) -> str:
    """The value and bounds as published (after scale and rounding); "" when withheld."""
    if not p or p["value"] is None:
        return ""
    bounds = f" ({p['lower']:g} to {p['upper']:g})" if p["lower"] is not None else ""
    return f"{p['value']:g}{bounds}"


def _f(v: float | None) -> str:
    return "" if v is None else f"{v:.4f}"
