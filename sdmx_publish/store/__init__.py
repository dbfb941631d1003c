"""The release store: immutable, versioned releases of each dataflow, written atomically and durably.

One module per concern, used by publish, serve and derive alike: :mod:`.layout` (folder and file
names), :mod:`.manifest` (the typed manifest), :mod:`.release` (reading releases and their data),
:mod:`.assembled` (the whole dataflow's files read from its parts'), :mod:`.commit` (lock, staging,
durable files, the atomic commit, the sweep of leftovers), :mod:`.compare` (two versions of observations
by key), :mod:`.changed` (reading the release each observation was last changed in).
"""

from __future__ import annotations

from .assembled import chunks, open_file
from .commit import Clock, commit, create, discard, locked, sha256_file, staging, sweep, utc_now
from .layout import DATA_CSV, MANIFEST, PARTS, RELEASE_FILES, SAFE_ID, flow_dir, part_file
from .manifest import ArtefactRef, FileEntry, Manifest, Segment, ValidationEntry
from .release import Release, latest, open_release, read_frame, read_sdmx_csv, release_key, releases

__all__ = [
           "DATA_CSV",
           "MANIFEST",
           "PARTS",
           "RELEASE_FILES",
           "SAFE_ID",
           "ArtefactRef",
           "Clock",
           "FileEntry",
           "Manifest",
           "Release",
           "Segment",
           "ValidationEntry",
           "chunks",
           "commit",
           "create",
           "discard",
           "flow_dir",
           "latest",
           "locked",
           "open_file",
           "open_release",
           "part_file",
           "read_frame",
           "read_sdmx_csv",
           "release_key",
           "releases",
           "sha256_file",
           "staging",
           "sweep",
           "utc_now",
]
