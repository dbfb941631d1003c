"""Task bodies: one pipeline step for one spec and one run, recording the outcome in the store.

Plain functions (no Airflow import), called by the DAG tasks with paths and small values only; what
they return is a small summary dict that goes to XCom. A manual run may restrict the periods it
publishes: the other periods of the part are carried forward from the latest release unchanged.
"""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path
from typing import Any

import pandas as pd

from .. import pipeline
from ..errors import PublishError, ValidationFailed
from ..extract import load_spec
from ..publish.store import latest, read_frame
from ..structure import load_registry
from . import status

log = logging.getLogger(__name__)

STEPS = ("extract", "transform", "validate", "publish")


def in_range(periods: pd.Series, start: str | None, end: str | None) -> pd.Series:
    """Periods within ``start``..``end`` (inclusive, either open), compared at each bound's precision.

    ``2018-Q3`` is within ``2015``..``2018``: its first four characters are compared with ``2018``.
    """
    keep = pd.Series(True, index=periods.index)
    text = periods.astype(str)
    if start:
        keep &= text.str.slice(0, len(start)) >= start
    if end:
        keep &= text.str.slice(0, len(end)) <= end
    return keep


def restrict_periods(work: Path, spec_path: str | Path, store: Path, start: str | None, end: str | None) -> int:
    """Keep the new frame's periods in range; take the others from the latest release's part.

    Returns the number of observations carried forward. Rewrites ``frame.pkl`` in ``work``.
    """
    frame = pd.read_pickle(work / pipeline.FRAME)
    frame = frame[in_range(frame["TIME_PERIOD"], start, end)]
    spec = load_spec(spec_path)
    flow = load_registry().flow(spec.dataflow, spec.agency)
    release = latest(store, flow.dataflow.ref.agency, flow.id)
    part = pipeline.part_id(spec_path)
    old = read_frame(release, part) if release else pd.DataFrame()
    kept = pd.DataFrame()
    if len(old):
        kept = old[~in_range(old["TIME_PERIOD"], start, end)].copy()
        text = [c for c in kept.columns if c != "OBS_VALUE"]
        kept[text] = kept[text].replace("", None)  # the CSV writes an absent attribute as an empty cell
        kept = kept.assign(_source=str(release.path / "parts" / f"{part}.csv"),  # type: ignore[union-attr]
                           _row=kept.index.to_numpy() + 2, _column="OBS_VALUE",
                           _value_raw=kept["OBS_VALUE"].astype(str))
    pd.concat([frame, kept], ignore_index=True).to_pickle(work / pipeline.FRAME)
    return len(kept)


Periods = tuple[str | None, str | None]


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


def run_step(step: str, spec_path: str, store: str, run_id: str, *, periods: Periods = (None, None),
             run: dict | None = None) -> dict[str, Any]:
    """Run one step in the run's work folder (under the store); record a failure before re-raising it."""
    store_path = Path(store)
    part = pipeline.part_id(spec_path)
    work = pipeline.work_dir(store_path, spec_path, run_id)
    try:
        if step == "extract":
            return pipeline.step_extract(spec_path, work)
        if step == "transform":
            result = pipeline.step_transform(spec_path, work)
            if any(periods):
                result["carried_forward"] = restrict_periods(work, spec_path, store_path, *periods)
            return result
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
