"""Publish: a validated observation frame into a new immutable release of its dataflow.

A dataflow may be fed by several source specs ("parts": e.g. UNODC homicide and UNODC violent
crime both feed ``DF_ICCS``). A release holds every part: publishing one part carries the others
forward unchanged from the previous release. Refuses an invalid report, and observations that
another part already has. Idempotent: when the content equals the latest release's, no new
release is made and the latest is returned.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd

from ..errors import NotFound, PublishError, ValidationFailed
from ..store import (
    DATA_CSV,
    MANIFEST,
    ArtefactRef,
    Clock,
    FileEntry,
    Manifest,
    Release,
    ValidationEntry,
    commit,
    create,
    discard,
    latest,
    locked,
    read_frame,
    releases,
    sha256_file,
    staging,
    sweep,
    utc_now,
)
from ..store.commit import copy, mkdir, release_time
from ..store.commit import release_id as make_release_id
from ..store.layout import LAST_CHANGED_FILE, PARTS, STRUCTURE, STRUCTURE_FORMAT, STRUCTURE_MEDIA_TYPE
from ..structure import Flow, Registry
from ..structure.message import flow_structure_message
from ..write import Prepared, WriteOptions, prepare
from .changed import ATTACHMENTS, write_last_changed
from .content import content_hash, data_columns, release_hash
from .overlap import Checked, refuse
from .parts import assemble, carried, render, share

__all__ = ["Release", "content_hash", "latest", "publish", "read_frame", "releases", "retire"]


def other_parts(release: Release | None, part: str) -> pd.DataFrame:
    """The observations of every part of ``release`` but ``part``, each row with its ``_part``."""
    names = [p for p in (release.manifest.parts if release else []) if p != part]
    frames = [read_frame(release, p).assign(_part=p) for p in names]  # type: ignore[arg-type]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["_part"])


def _part_hashes(previous: Release | None, part: str, rows: pd.DataFrame, flow: Flow,
                 prepared: Prepared | None = None) -> dict[str, str]:
    """The content hash of every part: ``part``'s from ``rows`` (``prepared`` for writing), the others' from
    the previous manifest (computed once for releases published before part hashes were recorded)."""
    known = previous.manifest.part_sha256 if previous else {}
    out = {p: known.get(p) or content_hash(read_frame(previous, p), flow)  # type: ignore[arg-type]
           for p in (previous.manifest.parts if previous else []) if p != part}
    out[part] = content_hash(rows, flow, prepared)
    return dict(sorted(out.items()))


def _with_files(digest: str, part: str, files: dict[str, tuple[Path, str, str]], previous: Release | None,
                parts: list[str]) -> str:
    """The release's content hash with every part's own files (``attachments/<part>/``: a spec's
    ``metadata.json``, an aggregate's ``membership.csv``), so that a change of those alone is a new
    release; ``last_changed.csv`` is left out (it follows from the data). Unchanged without such files."""
    shas = {f"{ATTACHMENTS}/{part}/{name}": sha256_file(src) for name, (src, _, _) in files.items()}
    for f in previous.files if previous else []:
        owner = f.path.split("/")[1] if f.path.startswith(f"{ATTACHMENTS}/") else None
        if owner is not None and owner != part and owner in parts and not f.path.endswith(f"/{LAST_CHANGED_FILE}"):
            shas[f.path] = f.sha256  # type: ignore[assignment]
    if not shas:
        return digest
    return hashlib.sha256((digest + "".join(f"\n{p}\t{shas[p]}" for p in sorted(shas))).encode()).hexdigest()


def publish(frame: pd.DataFrame, flow: Flow, registry: Registry, *, store: Path, part: str,
            validation: dict | None = None, report_file: Path | None = None, sources: list[dict] | None = None,
            run: dict | None = None, extra: dict | None = None, clock: Clock = utc_now,
            attachments: list[Path] | None = None, part_files: dict[str, tuple[Path, str, str]] | None = None,
            checked: Checked | None = None) -> tuple[Release, bool]:
    """Write a new release with ``part`` replaced by ``frame``; return it and whether it is new.

    Only ``part`` is rendered: the other parts' files are shared with the previous release and the
    whole dataflow's files assembled from the parts' (:mod:`.parts`).
    ``validation`` is the report's summary (``ok``, ``errors``, ``warnings``, ``revisions``);
    ``report_file`` the JSON report, copied into the release (with the HTML report beside it, if any);
    ``attachments`` other reports of the part (e.g. ``estimation.json``/``.html``), copied as they are.
    ``part_files``: more files of this part, name -> (file, format, media type), e.g. the regional
    aggregates' ``membership.csv``, written as ``attachments/<part>/<name>``; the manifest lists them (so
    the server serves them) and later releases carry them forward with their part.
    ``clock`` gives the release's time (its id has microseconds, and always sorts after the previous one).
    ``checked``: the validate step's overlap check (:mod:`.overlap`), not repeated while it covers the
    release published over.
    """
    if validation is not None and not validation["ok"]:
        raise ValidationFailed(f"{validation['errors']} validation error(s); nothing was published",
                               fix="see the validation report, fix the source or the mappings, and run again")
    agency, flow_id = flow.dataflow.ref.agency, flow.id
    rows = frame[data_columns(frame)]
    prep = prepare(rows, flow)  # checked, coded and sorted once: for the content hash and every file
    with locked(store, agency, flow_id):
        sweep(store, agency, flow_id)
        previous = latest(store, agency, flow_id)
        refuse(rows, part, previous, flow, checked)
        part_hashes = _part_hashes(previous, part, rows, flow, prep)
        digest = _with_files(release_hash(flow, part_hashes), part, part_files or {}, previous, list(part_hashes))
        if previous is not None and previous.manifest.content_sha256 == digest:
            return previous, False
        now = release_time(clock, previous.created if previous else None)
        release_id = make_release_id(now, digest)
        tmp = staging(store, agency, flow_id)
        try:
            files = _write_files(rows, part, list(part_hashes), previous, flow, registry, tmp,
                                 WriteOptions(message_id=f"{flow.id}-{release_id}", prepared=now,
                                              sender=flow.dataflow.ref.agency), prep)
            if report_file is not None:
                files += _copy_reports(report_file, tmp)
            files += [_attach(path, tmp) for path in attachments or []]
            files += _part_files(part_files or {}, part, list(part_hashes), previous, tmp)
            files += write_last_changed(tmp, list(part_hashes), part, flow, release_id, previous,
                                        lambda: releases(store, agency, flow_id), prep)
            manifest = Manifest(
                release_id=release_id,
                dataflow=ArtefactRef.of(flow.dataflow.ref),
                structure=ArtefactRef.of(flow.dsd.ref),
                created=now,
                content_sha256=digest,
                observations=next(f.observations for f in files if f.path == DATA_CSV),
                previous_release=previous.id if previous else None,
                part=part,
                parts=list(part_hashes),
                run=run or {},
                files=files,
                sources=sources or [],
                validation=ValidationEntry(errors=validation["errors"], warnings=validation["warnings"],
                                           report="validation.json" if report_file else None) if validation else None,
                part_validation=_part_validation(previous, part, list(part_hashes), release_id, validation),
                revisions=(validation or {}).get("revisions"),
                part_sha256=part_hashes,
                **(extra or {}),
            )
            with create(tmp / MANIFEST) as f:
                f.write(manifest.to_json().encode("utf-8"))
            return commit(tmp, release_id), True
        except BaseException:
            discard(tmp)
            raise


def retire(flow: Flow, registry: Registry, *, store: Path, part: str, reason: str, run: dict | None = None,
           clock: Clock = utc_now) -> Release:
    """A new release of ``flow`` without ``part``: its observations are deleted (``updatedAfter`` shows them),
    the other parts carried forward; the manifest's ``retired`` says which part, how many observations
    and why. The last part of a dataflow cannot be retired (there would be nothing to serve)."""
    agency, flow_id = flow.dataflow.ref.agency, flow.id
    with locked(store, agency, flow_id):
        sweep(store, agency, flow_id)
        previous = latest(store, agency, flow_id)
        parts = previous.manifest.parts if previous else []
        if previous is None or part not in parts:
            raise NotFound(f"dataflow {agency}:{flow_id} has no part {part!r}" + (f" (its parts: {', '.join(parts)})"
                                                                                  if parts else " (no release)"),
                           fix="name a part of the latest release (sdmx-publish parts are <folder>_<file stem> "
                               "of the spec, or its `part:` key)")
        remaining = [p for p in parts if p != part]
        if not remaining:
            raise PublishError(f"{part!r} is the only part of {agency}:{flow_id}: retiring it would leave the "
                               "dataflow with no data", fix="publish the source that replaces it first, then retire")
        gone = len(read_frame(previous, part))
        known = previous.manifest.part_sha256
        hashes = {p: known.get(p) or content_hash(read_frame(previous, p), flow) for p in remaining}
        now = release_time(clock, previous.created)
        digest = _with_files(release_hash(flow, hashes), part, {}, previous, remaining)
        release_id = make_release_id(now, digest)
        tmp = staging(store, agency, flow_id)
        try:  # the first remaining part is rendered again (the release's own message header), the rest shared
            lead = remaining[0]
            files = _write_files(read_frame(previous, lead), lead, remaining, previous, flow, registry, tmp,
                                 WriteOptions(message_id=f"{flow.id}-{release_id}", prepared=now, sender=agency))
            files += _part_files({}, part, remaining, previous, tmp)
            files += write_last_changed(tmp, remaining, part, flow, release_id, previous,
                                        lambda: releases(store, agency, flow_id), None)
            manifest = Manifest(
                release_id=release_id, dataflow=ArtefactRef.of(flow.dataflow.ref), structure=ArtefactRef.of(flow.dsd.ref),
                created=now, content_sha256=digest, observations=next(f.observations for f in files if f.path == DATA_CSV),
                previous_release=previous.id, part=part, parts=remaining, run=run or {}, files=files,
                part_validation={p: v for p, v in previous.manifest.part_validation.items() if p != part},
                revisions={"new": 0, "revised": 0, "deleted": gone, "unchanged": 0, "previous_release": previous.id},
                part_sha256=hashes, retired={"part": part, "observations": gone, "reason": reason})
            with create(tmp / MANIFEST) as f:
                f.write(manifest.to_json().encode("utf-8"))
            return commit(tmp, release_id)
        except BaseException:
            discard(tmp)
            raise


def _part_validation(previous: Release | None, part: str, parts: list[str], release_id: str,
                     validation: dict | None) -> dict[str, dict]:
    """Per part, the validation it passed and the release whose ``validation.json`` reports it: this
    release for the part just published, an earlier one for the parts carried over unchanged."""
    carried = previous.manifest.part_validation if previous else {}
    out = {p: carried.get(p, {"release_id": None}) for p in parts if p != part}
    out[part] = {"release_id": release_id, **({"errors": validation["errors"], "warnings": validation["warnings"]}
                                               if validation else {})}
    return dict(sorted(out.items()))


#: the validation report's files (next to its JSON), as they are copied into a release
REPORT_FILES = {".json": ("validation.json", "validation-report-json", "application/json"),
                ".html": ("validation.html", "validation-report-html", "text/html"),
                ".findings.csv": ("validation.findings.csv", "validation-findings-csv", "text/csv")}


def _copy_reports(report_file: Path, tmp: Path) -> list[FileEntry]:
    """Copy the JSON report and, where they exist, its HTML and full findings CSV into the release."""
    out = []
    stem = report_file.with_suffix("")
    for suffix, (name, fmt, media_type) in REPORT_FILES.items():
        src = Path(f"{stem}{suffix}")
        if src.is_file():
            copy(src, tmp / name)
            out.append(_entry(tmp, name, fmt, media_type, 0))
    return out


def _attach(path: Path, tmp: Path) -> FileEntry:
    """Copy another report of the part (``<stem>.json`` or ``.html``) into the release."""
    copy(path, tmp / path.name)
    kind = path.suffix.lstrip(".")
    return _entry(tmp, path.name, f"{path.stem}-report-{kind}",
                  {"json": "application/json", "html": "text/html"}.get(kind, "text/plain"), 0)


def _part_files(files: dict[str, tuple[Path, str, str]], part: str, parts: list[str], previous: Release | None,
                tmp: Path) -> list[FileEntry]:
    """This part's files, and the other parts' files shared with the previous release (hard links)."""
    out = []
    for name, (src, fmt, media_type) in files.items():
        rel = f"{ATTACHMENTS}/{part}/{name}"
        mkdir((tmp / rel).parent)
        copy(src, tmp / rel)
        out.append(_entry(tmp, rel, fmt, media_type, 0))
    for f in previous.files if previous else []:
        owner = f.path.split("/")[1] if f.path.startswith(f"{ATTACHMENTS}/") else None
        if owner is not None and owner != part and owner in parts:
            share(previous, [f], tmp)  # type: ignore[arg-type]
            out.append(f)
    return out


def _entry(folder: Path, name: str, fmt: str, media_type: str, observations: int) -> FileEntry:
    path = folder / name
    return FileEntry(path=name, format=fmt, media_type=media_type, sha256=sha256_file(path),
                     bytes=path.stat().st_size, observations=observations)


def _write_files(rows: pd.DataFrame, part: str, parts: list[str], previous: Release | None, flow: Flow,
                 registry: Registry, tmp: Path, options: WriteOptions,
                 prepared: Prepared | None = None) -> list[FileEntry]:
    """This part's files (from ``rows`` as ``prepared``), the other parts' shared with ``previous``, the whole
    dataflow's assembled from them, and the structure message."""
    mkdir(tmp / PARTS)
    prep = (prepared or prepare(rows, flow, options)).with_options(options)
    entries = {part: render(rows, flow, tmp, part, options, prep)}
    frames: dict[str, pd.DataFrame | Prepared] = {part: prep}
    for p in parts:
        if p == part:
            continue
        kept = carried(previous, p)  # type: ignore[arg-type]
        if kept is None:  # a release from before parts had their own messages: render it once
            frames[p] = read_frame(previous, p)  # type: ignore[arg-type]
            entries[p] = render(frames[p], flow, tmp, p, options)
        else:
            share(previous, kept, tmp)  # type: ignore[arg-type]
            entries[p] = kept
    files = assemble(tmp, flow, entries, part, options, frames, previous)
    files += [f for p in parts for f in entries[p]]
    with create(tmp / STRUCTURE) as f:
        f.write(flow_structure_message(registry, flow, sender=flow.dataflow.ref.agency))
    files.append(_entry(tmp, STRUCTURE, STRUCTURE_FORMAT, STRUCTURE_MEDIA_TYPE, 0))
    return files
