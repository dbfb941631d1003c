"""Read-only view of the release store (layout in docs/architecture.md) and a cache of release frames.

Every path the server opens is built here from ids checked against :data:`SAFE_ID`, and then
checked again to lie inside the store: nothing outside the store is ever served.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from pathlib import Path
from typing import Callable

import pandas as pd

from ..errors import NotFound
from ..store import DATA_CSV, MANIFEST, SAFE_ID, FileEntry, Manifest, Release, open_file, read_sdmx_csv
from ..store.layout import LATEST, PARTS, RELEASES, STRUCTURE
from ..store.release import release_ids

__all__ = ["FRAME_CACHE", "REFRESH", "SAFE_ID", "Release", "Store", "read_sdmx_csv"]

#: how many release frames stay in memory
FRAME_CACHE = 4
#: seconds during which the list of dataflows and their LATEST pointers are not re-read
REFRESH = 1.0


class Store:
    """The releases under ``root``: ``<AGENCY>/<FLOW>/releases/<ID>/manifest.json`` and ``LATEST``."""

    def __init__(self, root: Path, *, clock: Callable[[], float] = time.monotonic) -> None:
        """``clock`` (seconds, monotonic) times the REFRESH period; tests pass their own."""
        self.root = Path(root).resolve()
        self.clock = clock
        self._manifests: dict[Path, Manifest] = {}
        self._frames: OrderedDict[str, pd.DataFrame] = OrderedDict()
        self._lock = threading.Lock()
        self._loading: dict[str, threading.Lock] = {}
        self._flows: tuple[float, list[tuple[str, str]]] | None = None
        self._latest: dict[tuple[str, str], tuple[float, Release]] = {}

    def _inside(self, path: Path) -> Path:
        resolved = path.resolve()
        if not resolved.is_relative_to(self.root):
            raise NotFound("path outside the store", where=str(path))
        return resolved

    def flows(self) -> list[tuple[str, str]]:
        """``(agency, flow id)`` of every dataflow that has a release (re-read at most every REFRESH s)."""
        now = self.clock()
        if self._flows is None or now - self._flows[0] > REFRESH:
            self._flows = (now, self._scan())
        return self._flows[1]

    def _scan(self) -> list[tuple[str, str]]:
        if not self.root.is_dir():
            return []
        return sorted((p.parent.parent.name, p.parent.name) for p in self.root.glob(f"*/*/{LATEST}")
                      if SAFE_ID.match(p.parent.parent.name) and SAFE_ID.match(p.parent.name))

    def releases(self, agency: str, flow: str) -> list[Release]:
        """Every visible release of a dataflow (``LATEST`` has pointed at it), oldest first."""
        if not (SAFE_ID.match(agency) and SAFE_ID.match(flow)):
            return []
        folder = self._inside(self.root / agency / flow / RELEASES)
        return [Release(path=folder / i, manifest=self._manifest(folder / i))
                for i in release_ids(self.root, agency, flow)]

    def _manifest(self, d: Path) -> Manifest:
        m = self._manifests.get(d)
        if m is None:
            m = self._manifests[d] = Manifest.read(d / MANIFEST)
        return m

    def latest(self, agency: str, flow: str) -> Release:
        """The release named by ``LATEST``."""
        if not (SAFE_ID.match(agency) and SAFE_ID.match(flow)):
            raise NotFound(f"unknown dataflow {agency}:{flow}")
        now = self.clock()
        hit = self._latest.get((agency, flow))
        if hit is not None and now - hit[0] <= REFRESH:
            return hit[1]
        latest = self._inside(self.root / agency / flow / LATEST)
        if not latest.is_file():
            raise NotFound(f"no release of dataflow {agency}:{flow}",
                           fix="see the dataflows with /dataflow or the feed at /feed.atom")
        rel = self.release(agency, flow, latest.read_text(encoding="utf-8").strip())
        self._latest[(agency, flow)] = (now, rel)
        return rel

    def release(self, agency: str, flow: str, release_id: str) -> Release:
        """One release by id."""
        if not all(SAFE_ID.match(x) for x in (agency, flow, release_id)):
            raise NotFound(f"no release {release_id!r} of {agency}:{flow}")
        d = self._inside(self.root / agency / flow / RELEASES / release_id)
        if not (d / MANIFEST).is_file() or release_id not in release_ids(self.root, agency, flow):
            raise NotFound(f"no release {release_id!r} of dataflow {agency}:{flow}",
                           fix="the Atom feed /feed.atom lists every release")
        return Release(path=d, manifest=self._manifest(d))

    def find(self, flow_id: str, agency: str | None, version: str | None = None,
             release_id: str | None = None) -> Release:
        """The release a data query addresses: latest by default, ``release_id`` on request."""
        matches = [(a, f) for a, f in self.flows() if f == flow_id and (agency is None or a == agency)]
        if not matches:
            known = ", ".join(f"{a}:{f}" for a, f in self.flows()) or "none"
            raise NotFound(f"unknown dataflow {flow_id!r}" + (f" of agency {agency}" if agency else ""),
                           fix=f"published dataflows: {known}")
        a, f = matches[0]
        if release_id is not None:
            rel = self.release(a, f, release_id)
        elif version is None:
            rel = self.latest(a, f)
        else:
            found = [r for r in self.releases(a, f) if r.dataflow.version == version]
            if not found:
                raise NotFound(f"no release of {a}:{f} for dataflow version {version}")
            rel = found[-1]
        if version is not None and rel.dataflow.version != version:
            raise NotFound(f"release {rel.id} is of dataflow version {rel.dataflow.version}, not {version}")
        return rel

    def file(self, release: Release, name: str) -> Path:
        """A file of a release on disk, only if its manifest lists it (or it is the manifest)."""
        listed = {f.path for f in release.files} | {MANIFEST, STRUCTURE}
        if release.manifest.validation and release.manifest.validation.report:
            listed.add(release.manifest.validation.report)
        if name not in listed or ".." in name.split("/"):
            raise NotFound(f"release {release.id} has no file {name!r}", fix="files: " + ", ".join(sorted(listed)))
        path = self._inside(release.path / name)
        if not path.is_file():
            raise NotFound(f"release {release.id} has no file {name!r}")
        return path

    def assembled(self, release: Release, name: str) -> FileEntry | None:
        """The manifest entry of ``name`` if it is assembled from the parts' files (read it with
        :func:`~sdmx_publish.store.open_file`), after checking that each segment is a file of the
        release; None for a file on disk."""
        entry = release.manifest.file(name)
        if entry is None or entry.segments is None:
            return None
        for path in {s.path for s in entry.segments}:
            self.file(release, path)
        return entry

    def part_spans(self, release: Release) -> list[tuple[str, int, int]] | None:
        """The source part of each run of rows of the release frame, as ``(part, start, end)`` in frame
        order (``data.csv`` is assembled from the parts' SDMX-CSV bodies, in turn); None for a release
        from before the parts had files of their own."""
        entry = self.assembled(release, DATA_CSV)
        if entry is None:
            return None
        files = {f.path: f for f in release.files}
        spans, at = [], 0
        for seg in entry.segments[1:]:  # type: ignore[index]
            part = max((p for p in release.manifest.parts if seg.path.startswith(f"{PARTS}/{p}.")), key=len)
            n = files[seg.path].observations
            spans.append((part, at, at + n))
            at += n
        return spans

    def frame(self, release: Release) -> pd.DataFrame:
        """The release's observations (from ``data.csv``, assembled from its parts'), cached; one load per
        release at a time."""
        with self._lock:
            if release.id in self._frames:
                self._frames.move_to_end(release.id)
                return self._frames[release.id]
            lock = self._loading.setdefault(release.id, threading.Lock())
        with lock:
            with self._lock:
                if release.id in self._frames:
                    return self._frames[release.id]
            entry = self.assembled(release, DATA_CSV)
            with open_file(release.path, entry) if entry else open(self.file(release, DATA_CSV), "rb") as f:
                df = _object_categories(read_sdmx_csv(f))
            with self._lock:
                self._frames[release.id] = df
                while len(self._frames) > FRAME_CACHE:
                    self._frames.popitem(last=False)
                self._loading.pop(release.id, None)
            return df


def _object_categories(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with its categories as NumPy objects rather than Arrow strings: every answer
    looks categories up by text and slices them, several times cheaper on NumPy objects."""
    out = {}
    for c in frame.columns:
        col = frame[c]
        if isinstance(col.dtype, pd.CategoricalDtype):
            cats = pd.Index(col.cat.categories.to_numpy(dtype=object), dtype=object)
            out[c] = pd.Categorical.from_codes(col.cat.codes.to_numpy(), dtype=pd.CategoricalDtype(cats),
                                               validate=False)
        else:
            out[c] = col.to_numpy()
    return pd.DataFrame(out)
