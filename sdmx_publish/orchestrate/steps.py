"""Task bodies: one pipeline step for one spec and one run, recording the outcome in the store.

Plain functions (no Airflow import), called by the DAG tasks with paths and small values only; what
they return is a small summary dict that goes to XCom. A manual run may restrict the periods it
publishes (:func:`sdmx_publish.pipeline.step_transform`).
"""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path
from typing import Any

from .. import pipeline
from ..errors import PublishError, ValidationFailed
from . import status

log = logging.getLogger(__name__)

STEPS = ("extract", "transform", "validate", "publish")


def _validate_logged(spec_path: str, work: Path, store: Path) -> dict[str, Any]:
    """The validate step, with the report's summary and where its files are in the task log (also on errors)."""
    try:
        result = pipeline.step_validate(spec_path, work, store)
    except ValidationFailed:
        summary = json.loads((work / pipeline.SUMMARY).read_text())
        log.error("%s\nreports: %s (HTML), %s (JSON)", summary["summary"], summary["html"], summary["json"])
        raise
    log.info("%s\nreports: %s (HTML), %s (JSON)", result["summary"], result["html"], result["json"])
    return result


def run_step(step: str, spec_path: str, store: str, run_id: str, *, periods: pipeline.Periods = pipeline.ALL_PERIODS,
             run: dict | None = None) -> dict[str, Any]:
    """Run one step in the run's work folder (under the store); record a failure before re-raising it."""
    store_path = Path(store)
    part = pipeline.part_id(spec_path)
    work = pipeline.work_dir(store_path, spec_path, run_id)
    try:
        if step == "extract":
            return pipeline.step_extract(spec_path, work)
        if step == "transform":
            return pipeline.step_transform(spec_path, work, store_path, periods)
        if step == "validate":
            return _validate_logged(spec_path, work, store_path)
        if step == "publish":
            result = pipeline.step_publish(spec_path, work, store_path, run)
            status.record(store_path, part, "published" if result["new"] else "unchanged", step=step, run_id=run_id,
                          release_id=result["release_id"], warnings=result["warnings"])
            shutil.rmtree(work, ignore_errors=True)
            return result
        raise ValueError(f"unknown step {step!r}; one of {STEPS}")
    except PublishError as e:
        status.record(store_path, part, "failed", step=step, run_id=run_id, error=e.message())
        raise
    except Exception as e:
        status.record(store_path, part, "failed", step=step, run_id=run_id, error=f"{type(e).__name__}: {e}")
        raise
