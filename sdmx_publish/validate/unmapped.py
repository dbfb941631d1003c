"""Values no correspondence table maps (found by the transform step) as findings of the report."""

from __future__ import annotations

import dataclasses

import pandas as pd

from .catalogue import CALLER_RULES
from .report import FINDING_FIELDS, Report

RULE = "map.unmapped"
assert RULE in CALLER_RULES


def with_unmapped(report: Report, unmapped: list[dict]) -> Report:
    """The report plus one error per unmapped source value (with its count and first row)."""
    if not unmapped:
        return report
    rows = pd.DataFrame([{
        "rule": RULE, "severity": "error",
        "message": f"{u['count']} row(s) with {dict(zip(u['columns'], u['value']))} match no row of {u['map']}",
        "source": u["source"], "row": u["first_row"], "column": ", ".join(u["columns"]), "component": "",
        "value": " | ".join(map(str, u["value"])), "expected": f"a row in {u['map']} (or a row with empty targets to exclude it)",
        "key": "", "pos": -1} for u in unmapped])
    findings = pd.concat([report.findings, rows[[*FINDING_FIELDS, "pos"]]], ignore_index=True)
    return dataclasses.replace(report, findings=findings)
