"""A validation written into a folder: the reports, the rows to publish and a small summary.

What the pipeline's validate step and the regional derivation both do with a frame before they
publish it (:func:`validate_into`); the file names are part of the work folder's layout.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pandas as pd

from .. import frames
from ..structure import Flow
from .config import RuleConfig
from .engine import validate
from .report import Report

#: the JSON report, the rows that passed (to publish) and the summary the publish step reads
REPORT, VALIDATED, SUMMARY = "validation.json", "validated.parquet", "validation-summary.json"


def validate_into(work: Path, frame: pd.DataFrame, flow: Flow, *, config: RuleConfig | None = None,
                  previous: pd.DataFrame | None = None, others: pd.DataFrame | None = None,
                  population: pd.DataFrame | None = None, unmapped: list[dict] | None = None,
                  summary_checks: list[dict] | None = None, where: str = "",
                  read_from: Path | None = None) -> tuple[Report, dict[str, Any]]:
    """Validate ``frame`` and write every report into ``work``; return the report and its summary.

    The rows to publish go to ``validated.parquet`` (a copy of ``read_from``, the file ``frame`` was
    loaded from, when they are all its rows unchanged) and the summary to ``validation-summary.json``.
    Raises :class:`~sdmx_publish.errors.ValidationFailed`, after writing the reports, when there are errors.
    """
    report = validate(frame, flow, config=config, previous=previous if previous is not None and len(previous) else None,
                      population=population, others=others, unmapped=unmapped, summary_checks=summary_checks)
    paths = report.write(work)
    if read_from is not None and report.data is report.frame:  # no row dropped, held back or flagged
        shutil.copyfile(read_from, work / VALIDATED)
    else:
        frames.save(report.data, work / VALIDATED)
    summary = {"ok": report.ok, "errors": report.errors, "warnings": report.warnings,
               "revisions": report.revisions, "outcomes": report.outcomes, "summary": report.summary(),
               **{k: str(v) for k, v in paths.items()}}
    (work / SUMMARY).write_text(json.dumps(summary, default=str))
    report.raise_for_errors(where=where, fix=f"see {paths.get('html', work)} for every finding")
    return report, summary
