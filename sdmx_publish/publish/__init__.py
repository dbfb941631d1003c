"""Publish: a validated observation frame into a new immutable release of its dataflow.

Refuses an invalid report. Idempotent: when the content equals the latest release's, no new
release is made and the latest is returned.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import ValidationFailed
from ..formats import Format
from ..structure import Flow, Registry
from ..structure.message import flow_structure_message
from .store import (DATA_CSV, MANIFEST, Release, commit, discard, latest, releases, sha256_file, staging)

__all__ = ["Release", "publish", "content_hash", "latest", "releases"]

#: formats every release carries, with their file names
RELEASE_FILES: dict[Format, str] = {
    Format.ML21_STRUCTURE_SPECIFIC: "data.ss.xml",
    Format.ML21_GENERIC: "data.generic.xml",
    Format.CSV10: DATA_CSV,
}


def data_columns(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns if not c.startswith("_")]


def content_hash(frame: pd.DataFrame, flow: Flow) -> str:
    """sha256 of the observations, independent of row order and of where they came from."""
    cols = data_columns(frame)
    key = [*flow.dsd.dimension_ids, flow.dsd.time_dimension]
    canon = frame[cols].sort_values(key, kind="stable").to_csv(index=False, float_format="%.15g")
    return hashlib.sha256(f"{flow.dataflow.ref}\n{canon}".encode()).hexdigest()


def publish(frame: pd.DataFrame, flow: Flow, registry: Registry, *, store: Path, report: Any = None,
            sources: list[dict] | None = None, run: dict | None = None,
            extra: dict | None = None) -> tuple[Release, bool]:
    """Write a new release; return it and whether it is new (False: content unchanged, nothing written)."""
    from ..write import WriteOptions, write  # the writers are the heavy part; import on use

    if report is not None and not report.ok:
        raise ValidationFailed(f"{report.errors} validation error(s); nothing was published",
                               fix="see the validation report, fix the source or the mappings, and run again")
    agency, flow_id = flow.dataflow.ref.agency, flow.id
    digest = content_hash(frame, flow)
    previous = latest(store, agency, flow_id)
    if previous is not None and previous.manifest.get("content_sha256") == digest:
        return previous, False
    now = datetime.now(timezone.utc)
    release_id = f"{now:%Y%m%dT%H%M%S}Z-{digest[:8]}"
    tmp = staging(store, agency, flow_id)
    try:
        options = WriteOptions(message_id=f"{flow_id}-{release_id}", prepared=now, sender=agency)
        files = []
        for fmt, name in RELEASE_FILES.items():
            size = write(frame, flow, fmt, tmp / name, options=options)
            files.append({"path": name, "format": fmt.value, "media_type": fmt.media_type,
                          "sha256": sha256_file(tmp / name), "bytes": size, "observations": len(frame)})
        (tmp / "structure.xml").write_bytes(flow_structure_message(registry, flow, sender=agency))
        files.append({"path": "structure.xml", "format": "sdmx-ml-2.1-structure",
                      "media_type": "application/vnd.sdmx.structure+xml;version=2.1",
                      "sha256": sha256_file(tmp / "structure.xml"), "bytes": (tmp / "structure.xml").stat().st_size,
                      "observations": 0})
        validation = None
        if report is not None:
            report.to_json(tmp / "validation.json")
            validation = {"errors": report.errors, "warnings": report.warnings, "report": "validation.json"}
            files.append({"path": "validation.json", "format": "validation-report-json", "media_type": "application/json",
                          "sha256": sha256_file(tmp / "validation.json"),
                          "bytes": (tmp / "validation.json").stat().st_size, "observations": 0})
        manifest = {
            "release_id": release_id,
            "dataflow": {"agency": agency, "id": flow_id, "version": flow.dataflow.ref.version},
            "structure": {"agency": flow.dsd.ref.agency, "id": flow.dsd.ref.id, "version": flow.dsd.ref.version},
            "created": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "content_sha256": digest,
            "observations": len(frame),
            "previous_release": previous.id if previous else None,
            "run": run or {},
            "files": files,
            "sources": sources or [],
            "validation": validation,
            "revisions": getattr(report, "revisions", None) if report is not None else None,
            **(extra or {}),
        }
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False, default=str), encoding="utf-8")
        return commit(tmp, release_id), True
    except BaseException:
        discard(tmp)
        raise
