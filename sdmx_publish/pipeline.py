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

import hashlib
import json
import shutil
import uuid
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pandas as pd

from . import config, frames
from .errors import InputError, NotFound, SpecError
from .extract import extract
from .extract.sanity import check_row_count
from .metadata import NOTES_FILE, NOTES_FORMAT, write_notes
from .names import STEPS, Step, part_id  # declared there, without pandas, for the DAG processor
from .periods import in_range
from .publish import overlap, publish, retire
from .spec import Spec, load_spec
from .spec.codes import check_codes
from .store import Release, latest, open_release, read_frame
from .structure import Flow, load_registry
from .survey.report import write_report
from .transform import RAW_TEXT, check_columns, check_spec, transform
from .transform.rates import population_for
from .transform.review import write_review
from .validate import RuleConfig
from .validate.outcome import REPORT, SUMMARY, VALIDATED, validate_into

RAW, FRAME, TRANSFORM, INPUTS = "raw.parquet", "frame.parquet", "transform.json", "inputs.json"
#: files between steps that are not reports (``validate`` removes them from its report folder)
INTERMEDIATE = (RAW, FRAME, VALIDATED, INPUTS, TRANSFORM, SUMMARY, overlap.OVERLAP)

#: a period range to rerun, ``(start, end)``, either open (None); ``(None, None)`` is every period
Periods = tuple[str | None, str | None]
ALL_PERIODS: Periods = (None, None)


def new_run_id(by: str = "cli") -> str:
    """A run id no other run has: ``<by>-<UTC time>-<random hex>`` (two runs of one spec never share a folder)."""
    return f"{by}-{datetime.now(timezone.utc):%Y%m%dT%H%M%S%f}Z-{uuid.uuid4().hex[:8]}"


def work_dir(store: Path, spec_path: str | Path, run_id: str) -> Path:
    """The run's work folder, under the store so that every worker sees it; one per run id."""
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
    check_codes(spec, flow)
    return spec, registry, flow


def _files_of(spec: Spec) -> list[Path]:
    """The spec file and every table it refers to (maps, population)."""
    names = [m.file for m in spec.maps]
    if spec.derive_rates and spec.derive_rates.population != "bundled":
        names.append(spec.derive_rates.population)
    return [Path(spec.path or ""), *(spec.resolve(n) for n in names)]


def _fingerprint(spec: Spec) -> dict[str, str]:
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in _files_of(spec)}


def _checked_flow(spec_path: str | Path, work: Path):
    """The spec and its flow, after checking that the spec and its tables are the ones this run's
    extract read (a spec edited during a run must not publish a mix of two versions)."""
    spec, registry, flow = _flow(spec_path)
    recorded = json.loads((work / INPUTS).read_text())["files"]
    now = _fingerprint(spec)
    changed = sorted(p for p in set(recorded) | set(now) if recorded.get(p) != now.get(p))
    if changed:
        raise InputError(f"{changed[0]} changed while this run was in progress (after its extract step)",
                         where=str(spec.path), fix="run again: a run publishes one version of the spec and its tables")
    return spec, registry, flow


def previous_rows(store: Path | None, flow: Flow, part: str) -> tuple[int | None, str | None]:
    """The source rows read by the run that last published ``part``, and that release's id."""
    release = latest(store, flow.dataflow.ref.agency, flow.id) if store else None
    if release is None:
        return None, None
    rid = (release.manifest.part_validation.get(part) or {}).get("release_id")
    published: Release | None = release if rid in (None, release.id) else None
    if published is None and (release.path.parent / str(rid)).is_dir():
        published = open_release(release.path.parent / str(rid))
    if published is None or published.manifest.part != part:
        return None, None
    rows = [s.get("rows") for s in published.manifest.sources]
    return (rows[0], published.id) if len(rows) == 1 and isinstance(rows[0], int) else (None, None)


def step_extract(spec_path: str | Path, work: Path, store: Path | None = None, *,
                 allow_deletions: bool = False) -> dict[str, Any]:
    """Check the spec against its dataflow, read the source table into ``raw.parquet`` and record this
    run's inputs (the spec and its tables, the source's sha256 as read) in ``inputs.json``.

    With a ``store``, a source with many fewer rows than the last publication of the part read is
    refused (:func:`~sdmx_publish.extract.sanity.check_row_count`) unless deletions are allowed; the
    columns the spec names are checked first (a wrong header also loses rows, and is the error to name)."""
    spec, _, flow = _flow(spec_path)
    raw = extract(spec)
    check_columns(raw, spec, flow)
    sources = [{**s, "rows": len(raw)} for s in raw.attrs.get("sources", [])]
    before, _ = previous_rows(store, flow, part_id(spec_path))
    check_row_count(len(raw), before, spec, str(spec.path), allow_deletions=allow_deletions)
    raw.attrs = {k: v for k, v in raw.attrs.items() if k != "sources"}  # survey microdata keeps its labels
    frames.save(raw, work / RAW)  # Parquet keeps attrs (JSON: label codes as text)
    (work / INPUTS).write_text(json.dumps({"files": _fingerprint(spec), "sources": sources}, indent=1))
    return {"raw": str(work / RAW), "rows": len(raw), "dataflow": flow.id}


def step_transform(spec_path: str | Path, work: Path, store: Path | None = None,
                   periods: Periods = ALL_PERIODS) -> dict[str, Any]:
    """Map ``raw.parquet`` onto the dataflow into ``frame.parquet``; write the transform report.

    With a period range, the frame keeps only those periods and the part's others come from the
    latest release in ``store`` (``carried_forward`` says how many observations).
    """
    spec, _, flow = _checked_flow(spec_path, work)
    frame, report = transform(frames.load(work / RAW), spec, flow)
    result: dict[str, Any] = {}
    if any(periods):
        frame, result["carried_forward"] = _carry_forward(frame, flow, spec_path, config.store_dir(store), periods)
    frames.save(frames.categorical(frame, keep=RAW_TEXT), work / FRAME)  # codes factorized once, for the steps after
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


#: the rule that holds back a part losing observations
DELETIONS_RULE = "revision.deleted_share"


def deletion_consent(spec: Spec, *, allow_deletions: bool = False) -> str | None:
    """Who allowed this run to delete published observations, as the manifest records it: the run
    (``--allow-deletions``, the DAG param), the spec's ``allow_deletions: true``, or the spec's own
    settings of ``revision.deleted_share`` (e.g. ``max_share: 0.05``); None: any deletion is an error."""
    if allow_deletions:
        return "run: --allow-deletions"
    if spec.allow_deletions:
        return "spec: allow_deletions: true"
    declared = (spec.validation.get("rules") or {}).get(DELETIONS_RULE)
    if declared:
        settings = ", ".join(f"{k}: {v}" for k, v in declared.items())
        return f"spec: validation.rules.{DELETIONS_RULE}: {{{settings}}}"
    return None


def rule_config(spec: Spec, *, allow_deletions: bool = False) -> RuleConfig:
    """The spec's rule overrides; allowed deletions (``--allow-deletions`` or the spec's
    ``allow_deletions``) turn the ``revision.deleted_share`` error into a warning."""
    settings = dict(spec.validation)
    if allow_deletions or spec.allow_deletions:
        rules = dict(settings.get("rules") or {})
        rules[DELETIONS_RULE] = {**rules.get(DELETIONS_RULE, {}), "severity": "warning"}
        settings["rules"] = rules
    return RuleConfig.from_dict(settings, where=f"{spec.path}: validation")


def step_validate(spec_path: str | Path, work: Path, store: Path, *, allow_deletions: bool = False) -> dict[str, Any]:
    """Validate ``frame.parquet`` (rules tuned by the spec's ``validation`` block; the previous release of
    this part for revisions and deletions, its other parts for observations claimed twice; unmapped
    values as errors) and write the reports. The summary records who allowed deletions, if anyone."""
    spec, _, flow = _checked_flow(spec_path, work)
    previous = latest(store, flow.dataflow.ref.agency, flow.id)
    part = part_id(spec_path)
    allowed = allow_deletions or spec.allow_deletions
    frame = frames.load(work / FRAME)
    transformed = json.loads((work / TRANSFORM).read_text())
    overlap.forget(work)
    others = overlap.claimed(previous, part, frame, flow)
    before = read_frame(previous, part) if previous else None
    if before is not None:
        before.attrs["release"] = previous.id  # what revision.deleted names
    _, summary = validate_into(
        work, frame, flow, config=rule_config(spec, allow_deletions=allowed),
        previous=before, others=others,
        population=population_for(flow), unmapped=transformed.get("unmapped"),
        summary_checks=transformed.get("summary_checks"), where=str(spec.path), read_from=work / FRAME)
    overlap.record(work, part, previous, others)  # the publish step's check while LATEST stays
    # read by the publish step, recorded in the manifest's run
    summary["allow_deletions"] = allowed
    summary["deletions_allowed_by"] = deletion_consent(spec, allow_deletions=allow_deletions)
    (work / SUMMARY).write_text(json.dumps(summary, default=str))
    return summary


def step_publish(spec_path: str | Path, work: Path, store: Path, run: dict | None = None) -> dict[str, Any]:
    """Publish ``validated.parquet`` as a new release (or return the unchanged latest one)."""
    spec, registry, flow = _checked_flow(spec_path, work)
    frame = frames.load(work / VALIDATED)
    validation = json.loads((work / SUMMARY).read_text())
    sources = json.loads((work / INPUTS).read_text())["sources"]
    transform_report = json.loads((work / TRANSFORM).read_text())
    estimation = transform_report.pop("estimation", None)
    attachments = write_report(estimation, work) if estimation else []
    mapping = transform_report.pop("mapping", None)
    if not spec.survey:  # every spec's mapping review (a survey's breakdowns are in its estimation report)
        attachments += write_review(mapping or [], work, title=spec.name or part_id(spec_path),
                                    held_back=transform_report.get("held_back"))
    run = {"spec": str(spec_path), **(run or {}), "allow_deletions": bool(validation.get("allow_deletions")),
           "deletions_allowed_by": validation.get("deletions_allowed_by")}
    part = part_id(spec_path)
    part_files = {}
    if spec.metadata is not None:
        write_notes(work / NOTES_FILE, spec.metadata.model_dump(), part=part, spec=Path(spec_path).name)
        part_files[NOTES_FILE] = (work / NOTES_FILE, NOTES_FORMAT, "application/json")
    release, new = publish(frame, flow, registry, store=store, part=part, validation=validation,
                           report_file=work / REPORT, sources=sources, run=run,
                           extra={"transform": transform_report, "outcomes": validation.get("outcomes"),
                                  **({"mapping": mapping or []} if not spec.survey else {})},
                           attachments=attachments, part_files=part_files, checked=overlap.recorded(work))
    return {"release_id": release.id, "path": str(release.path), "new": new,
            "observations": release.manifest.observations, "dataflow": flow.id,
            "agency": flow.dataflow.ref.agency, "warnings": validation["warnings"]}


def preview(spec_path: str | Path) -> tuple[pd.DataFrame, dict[str, Any], Flow]:
    """The spec's table read, reshaped and mapped (the transform step's frame and report), nothing validated
    or published: what ``sdmx-publish preview`` prints."""
    spec, _, flow = _flow(spec_path)
    frame, report = transform(extract(spec), spec, flow)
    return frame, report.as_dict(), flow


def retire_part(dataflow: str, part: str, store: str | Path | None = None, *, reason: str,
                agency: str | None = None, by: str = "cli") -> Release:
    """Retire ``part`` from ``dataflow``: a new release without its observations, saying so."""
    flow = load_registry().flow(dataflow, agency)
    return retire(flow, load_registry(), store=config.store_dir(store), part=part, reason=reason,
                  run={"by": by, "retire": part, "reason": reason})


#: how each step is called, from the arguments every step may need (spec, work folder, store, periods, run)
_CALLS: dict[Step, Callable[..., dict[str, Any]]] = {
    Step.EXTRACT: lambda spec, work, store, periods, run, allow: step_extract(spec, work, store, allow_deletions=allow),
    Step.TRANSFORM: lambda spec, work, store, periods, run, allow: step_transform(spec, work, store, periods),
    Step.VALIDATE: lambda spec, work, store, periods, run, allow: step_validate(spec, work, store, allow_deletions=allow),
    Step.PUBLISH: lambda spec, work, store, periods, run, allow: step_publish(spec, work, store, run),
}


def run_step(step: Step | str, spec_path: str | Path, work: Path, store: Path, *, periods: Periods = ALL_PERIODS,
             run: dict | None = None, allow_deletions: bool = False) -> dict[str, Any]:
    """Run one step (by name) in ``work``: what a task body calls. ``allow_deletions``: the run may
    delete more observations (or source rows) than the thresholds allow (``--allow-deletions``)."""
    try:
        call = _CALLS[Step(step)]
    except ValueError:
        raise ValueError(f"unknown step {step!r}; one of {', '.join(STEPS)}") from None
    return call(spec_path, work, store, periods, run, allow_deletions)


def run(spec_path: str | Path, store: str | Path | None = None, *, run_id: str | None = None,
        periods: Periods = ALL_PERIODS, allow_deletions: bool = False, progress: Any = None) -> dict[str, Any]:
    """All the steps for one spec, in order, in a work folder of its own (``run_id``, else a new unique
    one); the work folder is removed after a publication (on validation errors it stays, with the reports)."""
    store = config.store_dir(store)
    run_id = run_id or new_run_id()
    work = work_dir(store, spec_path, run_id)
    say = progress or (lambda msg: None)
    results: dict[Step, dict[str, Any]] = {}
    for step in STEPS:
        say(step)
        results[step] = run_step(step, spec_path, work, store, periods=periods, allow_deletions=allow_deletions,
                                 run={"by": run_id.split("-")[0], "run_id": run_id})
    shutil.rmtree(work, ignore_errors=True)
    transformed = results[Step.TRANSFORM]
    carried = {"carried_forward": transformed["carried_forward"]} if "carried_forward" in transformed else {}
    return {**results[Step.PUBLISH], "validation": results[Step.VALIDATE], **carried}
