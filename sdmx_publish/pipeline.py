"""The one pipeline path: extract -> transform -> validate -> publish, as steps that pass paths.

The CLI runs the steps one after the other; the Airflow DAGs run each as a task (so tasks can
land on different workers: everything between steps is a file under the run's work folder, and
XCom carries only these paths and small summaries). Every step is idempotent for a given
work folder.

A run may restrict the periods it publishes (``periods=(start, end)``, a backfill or rerun): only
those periods are taken from the source, the part's other periods are carried forward unchanged
from the latest release.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Any

import pandas as pd

from . import config
from .errors import NotFound, SpecError
from .extract import extract
from .extract.readers import sha256_of
from .periods import in_range
from .publish import other_parts, publish
from .spec import load_spec
from .store import latest, read_frame
from .structure import Flow, load_registry
from .transform import check_spec, transform
from .transform.rates import population_for
from .validate import RuleConfig
from .validate.outcome import REPORT, SUMMARY, VALIDATED, validate_into

RAW, FRAME, TRANSFORM = "raw.pkl", "frame.pkl", "transform.json"



class Step(StrEnum):
    """The steps of one source, in the order they run: the one declaration of the step order, which the
    CLI (:func:`run`, ``validate``), the Airflow task bodies and the DAG factory all follow."""

    EXTRACT = "extract"
    TRANSFORM = "transform"
    VALIDATE = "validate"
    PUBLISH = "publish"


#: every step, in order
STEPS: tuple[Step, ...] = tuple(Step)

#: a period range to rerun, ``(start, end)``, either open (None); ``(None, None)`` is every period
Periods = tuple[str | None, str | None]
ALL_PERIODS: Periods = (None, None)


def part_id(spec_path: str | Path) -> str:
    """The name of a spec's part of its dataflow: ``<folder>_<file stem>``, e.g. ``unodc_homicide``."""
    p = Path(spec_path).resolve()
    return f"{p.parent.name}_{p.stem}"


def work_dir(store: Path, spec_path: str | Path, run_id: str) -> Path:
    """The run's work folder, under the store so that every worker sees it."""
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in run_id)
    path = store / ".work" / part_id(spec_path) / safe
    path.mkdir(parents=True, exist_ok=True)
    return path


def _flow(spec_path: str | Path):
    spec = load_spec(spec_path)
    registry = load_registry()
    try:
        flow = registry.flow(spec.dataflow, spec.agency)
    except NotFound as e:
        raise SpecError(e.what, where=f"{spec.path}: dataflow", fix=e.fix) from e
    check_spec(spec, flow)
    return spec, registry, flow


def step_extract(spec_path: str | Path, work: Path) -> dict[str, Any]:
    """Check the spec against its dataflow, then read the source table into ``raw.pkl``."""
    spec, _, flow = _flow(spec_path)
    raw = extract(spec)
    raw.to_pickle(work / RAW)
    src = sha256_of(spec)
    sources = [{"path": src[0], "sha256": src[1]}] if src else [{"query": spec.source.query}]
    (work / "sources.json").write_text(json.dumps(sources))
    return {"raw": str(work / RAW), "rows": len(raw), "dataflow": flow.id}


def step_transform(spec_path: str | Path, work: Path, store: Path | None = None,
                   periods: Periods = ALL_PERIODS) -> dict[str, Any]:
    """Map ``raw.pkl`` onto the dataflow into ``frame.pkl``; write the transform report.

    With a period range, the frame keeps only those periods and the part's others come from the
    latest release in ``store`` (``carried_forward`` says how many observations).
    """
    spec, _, flow = _flow(spec_path)
    frame, report = transform(pd.read_pickle(work / RAW), spec, flow)
    result: dict[str, Any] = {}
    if any(periods):
        frame, result["carried_forward"] = _carry_forward(frame, flow, spec_path, config.store_dir(store), periods)
    frame.to_pickle(work / FRAME)
    (work / TRANSFORM).write_text(json.dumps(report.as_dict(), indent=2, ensure_ascii=False, default=str))
    return {"frame": str(work / FRAME), "observations": len(frame), "unmapped": len(report.unmapped),
            "excluded_rows": sum(e["rows"] for e in report.excluded), **result}


def _carry_forward(frame: pd.DataFrame, flow: Flow, spec_path: str | Path, store: Path,
                   periods: Periods) -> tuple[pd.DataFrame, int]:
    """The new frame's periods in range plus the latest release's observations of this part outside it."""
    frame = frame[in_range(frame["TIME_PERIOD"], *periods)]
    release = latest(store, flow.dataflow.ref.agency, flow.id)
    part = part_id(spec_path)
    old = read_frame(release, part) if release else pd.DataFrame()
    if not len(old):
        return frame, 0
    kept = old[~in_range(old["TIME_PERIOD"], *periods)].copy()
    text = [c for c in kept.columns if c != "OBS_VALUE"]
    kept[text] = kept[text].replace("", None)  # the CSV writes an absent attribute as an empty cell
    kept = kept.assign(_source=str(release.path / "parts" / f"{part}.csv"),  # type: ignore[union-attr]
                       _row=kept.index.to_numpy() + 2, _column="OBS_VALUE", _value_raw=kept["OBS_VALUE"].astype(str))
    return pd.concat([frame, kept], ignore_index=True), len(kept)


def step_validate(spec_path: str | Path, work: Path, store: Path) -> dict[str, Any]:
    """Validate ``frame.pkl`` (rules tuned by the spec's ``validation`` block; the previous release of
    this part for revisions, its other parts for observations claimed twice; unmapped values as
    errors) and write the reports."""
    spec, _, flow = _flow(spec_path)
    previous = latest(store, flow.dataflow.ref.agency, flow.id)
    part = part_id(spec_path)
    _, summary = validate_into(
        work, pd.read_pickle(work / FRAME), flow,
        config=RuleConfig.from_dict(spec.validation, where=f"{spec.path}: validation"),
        previous=read_frame(previous, part) if previous else None, others=other_parts(previous, part),
        population=population_for(flow), unmapped=json.loads((work / TRANSFORM).read_text()).get("unmapped"),
        where=str(spec.path))
    return summary


def step_publish(spec_path: str | Path, work: Path, store: Path, run: dict | None = None) -> dict[str, Any]:
    """Publish ``validated.pkl`` as a new release (or return the unchanged latest one)."""
    spec, registry, flow = _flow(spec_path)
    frame = pd.read_pickle(work / VALIDATED)
    validation = json.loads((work / SUMMARY).read_text())
    sources = json.loads((work / "sources.json").read_text())
    transform_report = json.loads((work / TRANSFORM).read_text())
    coverage = transform_report.pop("coverage", None)
    release, new = publish(frame, flow, registry, store=store, part=part_id(spec_path), validation=validation,
                           report_file=work / REPORT, sources=sources, run={"spec": str(spec_path), **(run or {})},
                           extra={"transform": transform_report, **({"coverage": coverage} if coverage else {})})
    return {"release_id": release.id, "path": str(release.path), "new": new,
            "observations": release.manifest.observations, "dataflow": flow.id,
            "agency": flow.dataflow.ref.agency, "warnings": validation["warnings"]}


#: how each step is called, from the arguments every step may need (spec, work folder, store, periods, run)
_CALLS: dict[Step, Callable[..., dict[str, Any]]] = {
    Step.EXTRACT: lambda spec, work, store, periods, run: step_extract(spec, work),
    Step.TRANSFORM: lambda spec, work, store, periods, run: step_transform(spec, work, store, periods),
    Step.VALIDATE: lambda spec, work, store, periods, run: step_validate(spec, work, store),
    Step.PUBLISH: lambda spec, work, store, periods, run: step_publish(spec, work, store, run),
}


def run_step(step: Step | str, spec_path: str | Path, work: Path, store: Path, *, periods: Periods = ALL_PERIODS,
             run: dict | None = None) -> dict[str, Any]:
    """Run one step (by name) in ``work``: what a task body calls."""
    try:
        call = _CALLS[Step(step)]
    except ValueError:
        raise ValueError(f"unknown step {step!r}; one of {', '.join(STEPS)}") from None
    return call(spec_path, work, store, periods, run)


def run(spec_path: str | Path, store: str | Path | None = None, *, run_id: str = "cli",
        periods: Periods = ALL_PERIODS, progress: Any = None) -> dict[str, Any]:
    """All the steps for one spec, in order; the work folder is removed after a publication
    (on validation errors it stays, with the reports)."""
    store = config.store_dir(store)
    work = work_dir(store, spec_path, run_id)
    say = progress or (lambda msg: None)
    results: dict[Step, dict[str, Any]] = {}
    for step in STEPS:
        say(step)
        results[step] = run_step(step, spec_path, work, store, periods=periods, run={"by": run_id})
    shutil.rmtree(work, ignore_errors=True)
    transformed = results[Step.TRANSFORM]
    carried = {"carried_forward": transformed["carried_forward"]} if "carried_forward" in transformed else {}
    return {**results[Step.PUBLISH], "validation": results[Step.VALIDATE], **carried}
