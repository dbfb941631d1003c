"""Task bodies: one pipeline step for one spec and one run, recording the outcome in the store.

Plain functions (no Airflow import), called by the DAG tasks with paths and small values only; what
they return is a small summary dict that goes to XCom. A manual run may restrict the periods it
publishes (:func:`sdmx_publish.pipeline.step_transform`). The steps and their order are
:data:`sdmx_publish.pipeline.STEPS`.
"""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path
from typing import Any

from .. import pipeline
from ..errors import PublishError, ValidationFailed
from ..redact import redact_text
from ..store import MANIFEST, Manifest
from ..validate.outcome import SUMMARY
from . import status

log = logging.getLogger(__name__)

#: every step, in order (declared once, in :mod:`sdmx_publish.pipeline`)
STEPS = pipeline.STEPS


def _log_reports(summary: dict[str, Any], level: int) -> None:
    """The validation report's summary and where its files are, in the task log."""
    log.log(level, "%s\nreports: %s (HTML), %s (JSON)", summary["summary"], summary["html"], summary["json"])


def released_by(release: Path, run: dict | None) -> bool:
    """Whether ``release`` was made by ``run`` (same Airflow run and part): an earlier try of this task made it."""
    if not run or "airflow_run_id" not in run:
        return False
    made = Manifest.read(release / MANIFEST).run
    return made.get("airflow_run_id") == run["airflow_run_id"] and made.get("part") == run.get("part")


def run_step(step: str, spec_path: str, store: str, run_id: str, *, periods: pipeline.Periods = pipeline.ALL_PERIODS,
             run: dict | None = None, allow_deletions: bool = False) -> dict[str, Any]:
    """Run one step in the run's work folder (under the store); record a failure before re-raising it."""
    store_path = Path(store)
    part = pipeline.part_id(spec_path)
    work = pipeline.work_dir(store_path, spec_path, run_id)
    try:
        result = pipeline.run_step(step, spec_path, work, store_path, periods=periods, run=run,
                                   allow_deletions=allow_deletions)
    except Exception as e:
        if isinstance(e, ValidationFailed) and step == pipeline.Step.VALIDATE:  # the reports are written
            _log_reports(json.loads((work / SUMMARY).read_text()), logging.ERROR)
        error = e.message() if isinstance(e, PublishError) else f"{type(e).__name__}: {redact_text(str(e))}"
        status.record(store_path, part, "failed", step=step, run_id=run_id, error=error)
        raise
    if step == pipeline.Step.VALIDATE:
        _log_reports(result, logging.INFO)
    if step == pipeline.Step.PUBLISH:
        result["released_by_run"] = result["new"] or released_by(Path(result["path"]), run)
        status.record(store_path, part, "published" if result["new"] else "unchanged", step=step, run_id=run_id,
                      release_id=result["release_id"], warnings=result["warnings"])
        shutil.rmtree(work, ignore_errors=True)
    return result
