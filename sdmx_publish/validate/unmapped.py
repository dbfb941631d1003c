"""What the transform step found in the correspondence tables, as findings of the report: values no table
maps (errors), and declared summary rows their details do not add up to (warnings)."""

from __future__ import annotations

import dataclasses

import pandas as pd

from .catalogue import CALLER_RULES
from .report import FINDING_FIELDS, Report

RULE, SUMMARY_RULE = "map.unmapped", "map.summary_mismatch"
assert RULE in CALLER_RULES and SUMMARY_RULE in CALLER_RULES


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


def with_summary_checks(report: Report, checks: list[dict]) -> Report:
    """The report plus one warning per summary row of the source that its details do not add up to."""
    if not checks:
        return report
    rows = pd.DataFrame([{
        "rule": SUMMARY_RULE, "severity": "warning",
        "message": f"summary row {c['summary']!r} of {c['map']} is {c['value']:g} but its {c['details']} detail "
                   f"value(s) add up to {c['details_sum']:g}" + (f" ({', '.join(f'{k}={v}' for k, v in c['context'].items())})"
                                                                  if c["context"] else ""),
        "source": c["source"], "row": c["row"], "column": "", "component": "", "value": str(c["value"]),
        "expected": f"{c['details_sum']:g} (tolerance {c['tolerance']:g}; a detail the table lacks, or a summary "
                    "that is not the sum of the details the map declares)",
        "key": "", "pos": -1} for c in checks])
    findings = pd.concat([report.findings, rows[[*FINDING_FIELDS, "pos"]]], ignore_index=True)
    return dataclasses.replace(report, findings=findings)
