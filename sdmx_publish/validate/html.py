"""Render a :class:`~sdmx_publish.validate.report.Report` as one self-contained HTML page.

Summary first (verdict, counts, revisions, a table of rules with their counts), then one section
per rule with findings: title, description, fix, and the first N findings with source, row,
column, value, expected and SDMX key. The full list is the CSV the page links to.
"""

from __future__ import annotations

import math
from html import escape
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .report import Report

_STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem;color:#222;max-width:80rem}
table{border-collapse:collapse;margin:.5rem 0 1.5rem;font-size:.9rem}
th,td{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#f3f3f3} .error{color:#a40000} .warning{color:#8a5a00} .info{color:#245}
.verdict{font-size:1.4rem;font-weight:bold} code{font-size:.85rem}
"""
_COLUMNS = ["source", "row", "column", "component", "value", "expected", "key", "message"]


def _cell(v: Any) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    return escape(str(v))


def _table(head: list[str], rows: list[list[Any]]) -> str:
    th = "".join(f"<th>{escape(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{_cell(v)}</td>" for v in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>"


def _summary(report: Report, csv_href: str) -> str:
    ref = report.flow.dataflow.ref
    verdict = ("<span class='info'>OK: publication may proceed</span>" if report.ok
               else "<span class='error'>FAILED: errors block publication</span>")
    counts = [["observations", report.observations], ["errors", report.errors], ["warnings", report.warnings],
              ["infos", report.infos], ["quarantined rows", len(report.quarantine)],
              ["exact duplicates dropped", report.dropped], ["observations to publish", report.observations - len(report.removed)]]
    rv = report.revisions
    if rv.get("previous_release"):
        rev = _table(["new", "revised", f"revised > {rv['threshold']:.0%}", "deleted", "unchanged"],
                     [[rv["new"], rv["revised"], rv["large"], rv["deleted"], rv["unchanged"]]])
    else:
        rev = "<p>No previous release to compare with: every observation is new.</p>"
    by = report.by_rule()
    rules = [[f"<a href='#{r}'>{escape(r)}</a>" if c else escape(r), t, s, "yes" if e else "no", c]
             for r, t, s, e, c in by[["rule", "title", "severity", "enabled", "count"]].itertuples(index=False)]
    rules_html = _table(["rule", "title", "severity", "enabled", "findings"], [])
    rows = "".join(f"<tr><td>{r[0]}</td><td>{escape(r[1])}</td><td class='{r[2]}'>{r[2]}</td><td>{r[3]}</td>"
                   f"<td>{r[4]}</td></tr>" for r in rules)
    rules_html = rules_html.replace("<tbody></tbody>", f"<tbody>{rows}</tbody>")
    return (f"<h1>Validation report: {escape(str(ref))}</h1><p class='verdict'>{verdict}</p>"
            f"<p>Created {escape(report.created)}. Full list of findings: <a href='{escape(csv_href)}'>"
            f"{escape(csv_href)}</a> (CSV).</p>"
            + _table(["", "count"], counts) + "<h2>What changed since the last release</h2>" + rev
            + "<h2>Rules</h2>" + rules_html)


def render(report: Report, *, examples: int = 50, csv_href: str = "validation.findings.csv") -> str:
    """The report as HTML; at most ``examples`` findings are shown per rule, all are counted."""
    sections = []
    f = report.findings
    runs = {r.rule.id: r for r in report.rules}
    for rid, title, severity in report.by_rule()[["rule", "title", "severity"]].itertuples(index=False):
        group = f[f["rule"] == rid]
        if group.empty:
            continue
        n = len(group)
        shown = group.head(examples)
        more = (f"<p>First {len(shown)} of {n} findings; all are in <a href='{escape(csv_href)}'>the CSV</a> "
                f"(filter on rule = <code>{escape(rid)}</code>).</p>") if n > len(shown) else ""
        by_source = group["source"].fillna("(no source)").value_counts().head(10)
        src = ", ".join(f"{escape(str(s))}: {c}" for s, c in by_source.items())
        run = runs.get(rid)
        about = f"{escape(run.rule.description)}<br><b>Fix:</b> {escape(run.rule.fix)}<br>" if run else ""
        sections.append(
            f"<h3 id='{escape(rid)}'><span class='{escape(severity)}'>{escape(severity)}</span> "
            f"{escape(rid)}: {escape(title)} ({n})</h3><p>{about}<b>By source:</b> {src}</p>"
            + _table(_COLUMNS, shown[_COLUMNS].values.tolist()) + more)
    body = _summary(report, csv_href) + "<h2>Findings by rule</h2>" + ("".join(sections) or "<p>No findings.</p>")
    return (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Validation "
            f"{escape(str(report.flow.dataflow.ref))}</title><style>{_STYLE}</style></head><body>{body}</body></html>")
