"""Reading releases: the :class:`Release` record, the visible releases of a dataflow, their data.

A release is visible once ``LATEST`` has pointed at it: its id sorts at or before the id in
``LATEST`` (ids sort in time order, :func:`release_key`). A release folder with a later id is an
orphan of a publication killed between its rename and the move of ``LATEST``; it is never
served, and the next publication's sweep adopts or removes it (:mod:`.commit`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pandas as pd
from pandas.api.types import union_categoricals

from ..structure.model import Ref
from .assembled import entry, open_file
from .layout import DATA_CSV, LATEST, MANIFEST, SAFE_ID, flow_dir, part_file, releases_dir
from .manifest import FileEntry, Manifest

_STAMP = re.compile(r"^(\d{8}T\d{6})(\d{6})?Z")


@dataclass(frozen=True)
class Release:
    """A published release: its folder and manifest."""

    path: Path
    manifest: Manifest

    @property
    def id(self) -> str:
        return self.manifest.release_id

    @property
    def agency(self) -> str:
        return self.manifest.dataflow.agency

    @property
    def flow(self) -> str:
        return self.manifest.dataflow.id

    @property
    def dataflow(self) -> Ref:
        return self.manifest.dataflow.ref()

    @property
    def created(self) -> datetime:
        return self.manifest.created

    @property
    def files(self) -> list[FileEntry]:
        return list(self.manifest.files)

    def open(self, name: str) -> BinaryIO:
        """A file of the release for reading, by its path in the manifest: on disk, or assembled from
        its parts' files (the whole dataflow's data files, :mod:`.assembled`)."""
        return open_file(self.path, entry(self.manifest.files, name))


def release_key(release_id: str) -> tuple[str, str]:
    """Sort key of a release id in time order (ids with and without microseconds mix correctly)."""
    m = _STAMP.match(release_id)
    return ((m.group(1) + (m.group(2) or "000000")) if m else "", release_id)


def open_release(path: Path) -> Release:
    return Release(path=Path(path), manifest=Manifest.read(Path(path) / MANIFEST))


def latest_id(store: Path, agency: str, flow_id: str) -> str | None:
    """The id ``LATEST`` names, or None."""
    pointer = flow_dir(store, agency, flow_id) / LATEST
    return pointer.read_text(encoding="utf-8").strip() if pointer.is_file() else None


def release_ids(store: Path, agency: str, flow_id: str, *, visible: bool = True) -> list[str]:
    """Ids of the releases of a dataflow, oldest first; ``visible=False`` adds the orphans."""
    folder = releases_dir(store, agency, flow_id)
    if not folder.is_dir():
        return []
    ids = sorted((p.name for p in folder.iterdir() if SAFE_ID.match(p.name) and (p / MANIFEST).is_file()),
                 key=release_key)
    if not visible:
        return ids
    last = latest_id(store, agency, flow_id)
    return [] if last is None else [i for i in ids if release_key(i) <= release_key(last)]


def releases(store: Path, agency: str, flow_id: str) -> list[Release]:
    """All visible releases of a dataflow, oldest first."""
    return [open_release(releases_dir(store, agency, flow_id) / i) for i in release_ids(store, agency, flow_id)]


def latest(store: Path, agency: str, flow_id: str) -> Release | None:
    """The release ``LATEST`` points at, or None if the dataflow has never been published."""
    last = latest_id(store, agency, flow_id)
    return None if last is None else open_release(releases_dir(store, agency, flow_id) / last)


def read_frame(release: Release, part: str | None = None) -> pd.DataFrame:
    """A release's observations (or those of one source ``part``) as text columns and a float OBS_VALUE.

    Read back from the release's SDMX-CSV 1.0 files: ``data.csv`` (assembled from the parts'), or
    ``parts/<part>.csv``.
    """
    name = part_file(part) if part else DATA_CSV
    if release.manifest.file(name) is None:
        return pd.DataFrame()
    with release.open(name) as f:
        frame = read_sdmx_csv(f)
    for c in frame.columns:
        if c != "OBS_VALUE":  # an empty cell is an absent attribute: ""
            col = frame[c] if "" in frame[c].cat.categories else frame[c].cat.add_categories([""])
            frame[c] = col.fillna("").astype(str)
    return frame


def read_sdmx_csv(path: Path | BinaryIO, chunk_rows: int = 100_000) -> pd.DataFrame:
    """An SDMX-CSV 1.0 file (a path, or a seekable binary file) as an observation frame: categorical
    code columns, float OBS_VALUE.

    Read in chunks of ``chunk_rows``, each turned into categoricals at once, so that the text of
    at most one chunk is in memory (a million rows peak at a fraction of their text size).
    """
    header = pd.read_csv(path, nrows=0).columns
    if not isinstance(path, (str, Path)):
        path.seek(0)
    cols = [c for c in header if c not in ("DATAFLOW", "STRUCTURE", "STRUCTURE_ID", "ACTION")]
    codes = [c for c in cols if c != "OBS_VALUE"]
    # read as text: a "category" dtype would infer numbers ("004" -> 4) from codes
    missing = {c: ([""] if c != "OBS_VALUE" else ["", "NaN"]) for c in cols}
    reader = pd.read_csv(path, usecols=cols, dtype={**{c: str for c in codes}, "OBS_VALUE": "float64"},
                         keep_default_na=False, na_values=missing, engine="c", chunksize=chunk_rows)
    parts = [chunk.astype({c: "category" for c in codes}) for chunk in reader]
    if not parts:
        return pd.DataFrame({c: pd.Categorical([]) if c != "OBS_VALUE" else pd.Series([], dtype=float) for c in cols})
    if len(parts) == 1:
        return parts[0]
    out = {c: union_categoricals([p[c] for p in parts]) if c in codes else
           np.concatenate([p[c].to_numpy() for p in parts]) for c in cols}
    return pd.DataFrame(out)
