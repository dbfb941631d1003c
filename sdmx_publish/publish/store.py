"""The release store: immutable, versioned releases of each dataflow, written atomically.

Layout (docs/architecture.md): ``STORE/<AGENCY>/<FLOW>/releases/<RELEASE_ID>/`` with the data files,
``structure.xml``, ``validation.json`` and ``manifest.json``; ``STORE/<AGENCY>/<FLOW>/LATEST`` names
the latest release. A release is built in a hidden temporary folder and renamed into place, so a
crash never leaves a partial release visible and never touches earlier ones.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pandas as pd

from ..errors import NotFound

MANIFEST = "manifest.json"
DATA_CSV = "data.csv"
#: one SDMX-CSV file per source spec feeding the dataflow
PARTS = "parts"


@dataclass(frozen=True)
class Release:
    """A published release: its folder and manifest."""

    path: Path
    manifest: dict

    @property
    def id(self) -> str:
        return self.manifest["release_id"]

    def file(self, fmt: str) -> Path:
        """The path of the release's file in format ``fmt`` (a :class:`~sdmx_publish.formats.Format` value)."""
        for f in self.manifest["files"]:
            if f["format"] == fmt:
                return self.path / f["path"]
        raise NotFound(f"release {self.id} has no {fmt} file")


def flow_dir(store: Path, agency: str, flow_id: str) -> Path:
    return store / agency / flow_id


def releases(store: Path, agency: str, flow_id: str) -> list[Release]:
    """All releases of a dataflow, oldest first."""
    folder = flow_dir(store, agency, flow_id) / "releases"
    if not folder.is_dir():
        return []
    return [open_release(p) for p in sorted(folder.iterdir()) if (p / MANIFEST).is_file()]


def latest(store: Path, agency: str, flow_id: str) -> Release | None:
    """The release ``LATEST`` points at, or None if the dataflow has never been published."""
    pointer = flow_dir(store, agency, flow_id) / "LATEST"
    if not pointer.is_file():
        return None
    return open_release(flow_dir(store, agency, flow_id) / "releases" / pointer.read_text().strip())


def open_release(path: Path) -> Release:
    return Release(path=path, manifest=json.loads((path / MANIFEST).read_text(encoding="utf-8")))


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def staging(store: Path, agency: str, flow_id: str) -> Path:
    """A fresh hidden folder to build a release in (removed stale ones are not visible to readers)."""
    base = flow_dir(store, agency, flow_id)
    base.mkdir(parents=True, exist_ok=True)
    tmp = base / f".staging-{uuid.uuid4().hex}"
    tmp.mkdir()
    return tmp


def commit(tmp: Path, release_id: str) -> Release:
    """Make a staged release visible: rename it into ``releases/`` and move ``LATEST`` (both atomic)."""
    base = tmp.parent
    target = base / "releases" / release_id
    target.parent.mkdir(exist_ok=True)
    os.replace(tmp, target)
    pointer_tmp = base / f".LATEST-{uuid.uuid4().hex}"
    pointer_tmp.write_text(release_id + "\n")
    os.replace(pointer_tmp, base / "LATEST")
    return open_release(target)


@contextmanager
def locked(store: Path, agency: str, flow_id: str) -> Iterator[None]:
    """Serialise publications of one dataflow (several sources may feed it at the same time)."""
    base = flow_dir(store, agency, flow_id)
    base.mkdir(parents=True, exist_ok=True)
    with open(base / ".lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def discard(tmp: Path) -> None:
    shutil.rmtree(tmp, ignore_errors=True)


def read_frame(release: Release, part: str | None = None) -> pd.DataFrame:
    """A release's observations (or those of one source ``part``) as an observation frame.

    Read back from the release's SDMX-CSV 1.0 files: ``data.csv``, or ``parts/<part>.csv``.
    """
    path = release.path / (f"{PARTS}/{part}.csv" if part else DATA_CSV)
    if not path.is_file():
        return pd.DataFrame()
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame = frame.drop(columns=[c for c in ("DATAFLOW", "STRUCTURE", "STRUCTURE_ID", "ACTION") if c in frame])
    frame["OBS_VALUE"] = pd.to_numeric(frame["OBS_VALUE"].replace("", None), errors="coerce")
    return frame
