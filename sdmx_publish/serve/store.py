"""Read-only view of the release store (layout in docs/architecture.md) and a cache of release frames.

Every path the server opens is built here from ids checked against :data:`SAFE_ID`, and then
checked again to lie inside the store: nothing outside the store is ever served.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd
from pandas.api.types import union_categoricals

from ..errors import NotFound
from ..structure.model import Ref

SAFE_ID = re.compile(r"^[A-Za-z0-9_@$\-]{1,200}$")
#: how many release frames stay in memory
FRAME_CACHE = 4
#: seconds during which the list of dataflows and their LATEST pointers are not re-read
REFRESH = 1.0


@dataclass(frozen=True, kw_only=True)
class Release:
    """One published release: its folder and manifest."""

    agency: str
    flow: str
    id: str
    dir: Path
    manifest: dict

    @property
    def created(self) -> datetime:
        return datetime.fromisoformat(self.manifest["created"].replace("Z", "+00:00")).astimezone(timezone.utc)

    @property
    def dataflow(self) -> Ref:
        d = self.manifest["dataflow"]
        return Ref(agency=d["agency"], id=d["id"], version=d["version"])

    @property
    def files(self) -> list[dict]:
        return list(self.manifest.get("files", []))


class Store:
    """The releases under ``root``: ``<AGENCY>/<FLOW>/releases/<ID>/manifest.json`` and ``LATEST``."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root).resolve()
        self._manifests: dict[Path, dict] = {}
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
        now = time.monotonic()
        if self._flows is None or now - self._flows[0] > REFRESH:
            self._flows = (now, self._scan())
        return self._flows[1]

    def _scan(self) -> list[tuple[str, str]]:
        if not self.root.is_dir():
            return []
        return sorted((p.parent.parent.name, p.parent.name) for p in self.root.glob("*/*/LATEST")
                      if SAFE_ID.match(p.parent.parent.name) and SAFE_ID.match(p.parent.name))

    def releases(self, agency: str, flow: str) -> list[Release]:
        """Every visible release of a dataflow, oldest first."""
        if not (SAFE_ID.match(agency) and SAFE_ID.match(flow)):
            return []
        folder = self._inside(self.root / agency / flow / "releases")
        if not folder.is_dir():
            return []
        out = []
        for d in sorted(folder.iterdir()):
            if SAFE_ID.match(d.name) and (d / "manifest.json").is_file():
                out.append(Release(agency=agency, flow=flow, id=d.name, dir=d, manifest=self._manifest(d)))
        return out

    def _manifest(self, d: Path) -> dict:
        m = self._manifests.get(d)
        if m is None:
            m = self._manifests[d] = json.loads((d / "manifest.json").read_text(encoding="utf-8"))
        return m

    def latest(self, agency: str, flow: str) -> Release:
        """The release named by ``LATEST``."""
        if not (SAFE_ID.match(agency) and SAFE_ID.match(flow)):
            raise NotFound(f"unknown dataflow {agency}:{flow}")
        now = time.monotonic()
        hit = self._latest.get((agency, flow))
        if hit is not None and now - hit[0] <= REFRESH:
            return hit[1]
        latest = self._inside(self.root / agency / flow / "LATEST")
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
        d = self._inside(self.root / agency / flow / "releases" / release_id)
        if not (d / "manifest.json").is_file():
            raise NotFound(f"no release {release_id!r} of dataflow {agency}:{flow}",
                           fix="the Atom feed /feed.atom lists every release")
        return Release(agency=agency, flow=flow, id=release_id, dir=d, manifest=self._manifest(d))

    def find(self, flow_id: str, agency: str | None, version: str | None = None,
             release_id: str | None = None) -> Release:
        """The release a data query addresses: latest by default, ``release_id`` on request."""
        matches = [(a, f) for a, f in self.flows() if f == flow_id and (agency is None or a == agency)]
        if not matches:
            known = ", ".join(f"{a},{f}" for a, f in self.flows()) or "none"
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
        """A file of a release, only if its manifest lists it (or it is the manifest)."""
        listed = {f["path"] for f in release.files} | {"manifest.json", "structure.xml"}
        extra = (release.manifest.get("validation") or {}).get("report")
        if extra:
            listed.add(extra)
        if name not in listed or ".." in name.split("/"):
            raise NotFound(f"release {release.id} has no file {name!r}", fix="files: " + ", ".join(sorted(listed)))
        path = self._inside(release.dir / name)
        if not path.is_file():
            raise NotFound(f"release {release.id} has no file {name!r}")
        return path

    def frame(self, release: Release) -> pd.DataFrame:
        """The release's observations (from ``data.csv``), cached; one load per release at a time."""
        with self._lock:
            if release.id in self._frames:
                self._frames.move_to_end(release.id)
                return self._frames[release.id]
            lock = self._loading.setdefault(release.id, threading.Lock())
        with lock:
            with self._lock:
                if release.id in self._frames:
                    return self._frames[release.id]
            df = read_sdmx_csv(self.file(release, "data.csv"))
            with self._lock:
                self._frames[release.id] = df
                while len(self._frames) > FRAME_CACHE:
                    self._frames.popitem(last=False)
                self._loading.pop(release.id, None)
            return df


def read_sdmx_csv(path: Path, chunk_rows: int = 100_000) -> pd.DataFrame:
    """An SDMX-CSV 1.0 file as an observation frame: categorical code columns, float OBS_VALUE.

    Read in chunks of ``chunk_rows``, each turned into categoricals at once, so that the text of
    at most one chunk is in memory (a million rows peak at a fraction of their text size).
    """
    header = pd.read_csv(path, nrows=0).columns
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
