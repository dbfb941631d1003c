"""What the server knows about structures: ``dsd/`` plus the ``structure.xml`` of each latest release.

Rebuilt when a new release becomes visible (the set of ``LATEST`` pointers changes), so a
running server picks up publications without a restart.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from .. import config
from ..errors import NotFound
from ..structure.model import Flow
from ..structure.read import Registry
from .store import REFRESH, Release, Store
from .structures import StructureIndex


@dataclass(frozen=True)
class Snapshot:
    """Structures as of one state of the store."""

    signature: tuple[tuple[str, str, str], ...]
    registry: Registry
    index: StructureIndex

    @property
    def tag(self) -> str:
        """Changes whenever the structures may have changed (for ETags)."""
        return "|".join(":".join(s) for s in self.signature)


class Holdings:
    """What the server holds: the release store, and the structures of ``dsd/`` and of each dataflow's
    latest release (a :class:`Snapshot`, kept current)."""

    def __init__(self, store: Store, dsd_dir: Path | None = None) -> None:
        self.store = store
        self.dsd_dir = Path(dsd_dir or config.dsd_dir())
        self._snapshot: Snapshot | None = None
        self._checked: tuple[float, tuple[tuple[str, str, str], ...]] | None = None
        self._lock = threading.Lock()

    def _signature(self) -> tuple[tuple[str, str, str], ...]:
        """The latest release of each dataflow, and the version on disk of each ``dsd/`` file
        (looked at again at most every REFRESH seconds, like the store's ``LATEST`` pointers)."""
        now = self.store.clock()
        hit = self._checked
        if hit is not None and now - hit[0] <= REFRESH:
            return hit[1]
        out = [("dsd/", f.name, str(f.stat().st_mtime_ns)) for f in sorted(self.dsd_dir.glob("*.xml"))]
        for agency, flow in self.store.flows():
            try:
                out.append((agency, flow, self.store.latest(agency, flow).id))
            except NotFound:
                continue
        self._checked = (now, tuple(out))
        return self._checked[1]

    def snapshot(self) -> Snapshot:
        """The current structures (rebuilt only when the set of latest releases changed)."""
        sig = self._signature()
        snap = self._snapshot
        if snap is not None and snap.signature == sig:
            return snap
        with self._lock:
            if self._snapshot is not None and self._snapshot.signature == sig:
                return self._snapshot
            files = sorted(self.dsd_dir.glob("*.xml")) if self.dsd_dir.is_dir() else []
            files += [self.store.release(a, f, rid).path / "structure.xml" for a, f, rid in sig if a != "dsd/"]
            files = [f for f in files if f.is_file()]
            registry = Registry()
            for f in files:
                registry.add_file(f)
            self._snapshot = Snapshot(signature=sig, registry=registry, index=StructureIndex(files))
            return self._snapshot

    def flow(self, release: Release) -> Flow:
        """The dataflow, DSD and codelists a release's data refer to."""
        ref = release.dataflow
        return self.snapshot().registry.flow(ref.id, ref.agency)
