"""Writing releases: a lock per dataflow, a hidden staging folder, durable files, the atomic commit,
and the sweep of what killed publications leave behind.

Order of a publication, all under :func:`locked`: :func:`sweep`; :func:`staging`; files written with
:func:`create` (0644, fsync'ed on close); :func:`commit`: fsync of the staging folders, rename into
``releases/`` (fsync'ed), ``LATEST`` written to a hidden file (fsync'ed) and renamed over the old one,
then the dataflow folder fsync'ed. A power cut therefore never leaves ``LATEST`` naming a release
whose files are not on disk, and a kill never leaves a partial release visible.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import BinaryIO

from .layout import LATEST, LOCK, MANIFEST, POINTER_PREFIX, STAGING_PREFIX, flow_dir, releases_dir
from .release import Release, latest_id, open_release, release_ids, release_key

FILE_MODE, DIR_MODE = 0o644, 0o755
#: the clock release ids and times are taken from (tests inject their own)
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def release_time(clock: Clock, previous: datetime | None) -> datetime:
    """The clock's time, moved just after ``previous`` if the clock is not ahead of it, so that
    release ids and times strictly increase even when two publications share a microsecond."""
    now = clock().astimezone(UTC)
    if previous is not None and now <= previous:
        now = previous + timedelta(microseconds=1)
    return now


def release_id(created: datetime, digest: str) -> str:
    """``YYYYMMDDTHHMMSSffffffZ-<first 8 hex of the content hash>``: sorts in time order."""
    return f"{created.astimezone(UTC):%Y%m%dT%H%M%S%f}Z-{digest[:8]}"


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def mkdir(path: Path) -> Path:
    """A world-readable folder (0755 whatever the umask)."""
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, DIR_MODE)
    return path


@contextmanager
def create(path: Path) -> Iterator[BinaryIO]:
    """A new world-readable file (0644), flushed to disk when the block ends."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    os.fchmod(fd, FILE_MODE)  # the umask may have taken bits away
    with os.fdopen(fd, "wb") as f:
        yield f
        f.flush()
        os.fsync(f.fileno())


def copy(src: Path, dst: Path) -> None:
    with open(src, "rb") as s, create(dst) as d:
        shutil.copyfileobj(s, d, 1 << 20)


@contextmanager
def locked(store: Path, agency: str, flow_id: str) -> Iterator[None]:
    """Serialise publications of one dataflow (several sources may feed it at the same time)."""
    base = mkdir(flow_dir(store, agency, flow_id))
    with open(base / LOCK, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def staging(store: Path, agency: str, flow_id: str) -> Path:
    """A fresh hidden folder to build a release in."""
    base = mkdir(flow_dir(store, agency, flow_id))
    tmp = base / f"{STAGING_PREFIX}{uuid.uuid4().hex}"
    tmp.mkdir()
    os.chmod(tmp, DIR_MODE)
    return tmp


def _fsync_tree(folder: Path) -> None:
    """fsync every folder under and including ``folder`` (files were synced when written)."""
    for sub in sorted((p for p in folder.rglob("*") if p.is_dir()), reverse=True):
        fsync_dir(sub)
    fsync_dir(folder)


def commit(tmp: Path, release_id: str) -> Release:
    """Make a staged release visible: rename it into ``releases/`` and move ``LATEST`` (both atomic)."""
    base = tmp.parent
    target = base / "releases" / release_id
    mkdir(target.parent)
    _fsync_tree(tmp)
    os.replace(tmp, target)
    fsync_dir(target.parent)
    _point(base, release_id)
    return open_release(target)


def _point(base: Path, release_id: str) -> None:
    """Replace ``LATEST`` atomically and durably."""
    pointer_tmp = base / f"{POINTER_PREFIX}{uuid.uuid4().hex}"
    with create(pointer_tmp) as f:
        f.write(f"{release_id}\n".encode())
    os.replace(pointer_tmp, base / LATEST)
    fsync_dir(base)


def discard(tmp: Path) -> None:
    shutil.rmtree(tmp, ignore_errors=True)


def intact(release: Release) -> bool:
    """Every file the manifest lists is there with its size and sha256 (an assembled file: its
    segments lie within files the manifest lists, and add up to its size)."""
    sizes = {f.path: f.bytes for f in release.files if f.segments is None}
    for f in release.files:
        if f.segments is not None:
            if sum(s.end - s.start for s in f.segments) != f.bytes or \
                    any(s.path not in sizes or not 0 <= s.start <= s.end <= sizes[s.path] for s in f.segments):
                return False
            continue
        p = release.path / f.path
        if not p.is_file() or p.stat().st_size != f.bytes or sha256_file(p) != f.sha256:
            return False
    return True


def sweep(store: Path, agency: str, flow_id: str) -> dict[str, list[str]]:
    """Clear what killed publications left; call it holding :func:`locked`.

    Removes every ``.staging-*`` folder and ``.LATEST-*`` file (under the lock, nobody is writing
    them), then deals with orphan releases (folders after ``LATEST``, never pointed at): the one that
    directly follows ``LATEST`` and is intact is adopted (``LATEST`` moves to it: its publication had
    done everything but that); any other is removed. Returns what it did, by kind.
    """
    base = flow_dir(store, agency, flow_id)
    done: dict[str, list[str]] = {"removed": [], "adopted": []}
    if not base.is_dir():
        return done
    for p in base.iterdir():
        if p.name.startswith(STAGING_PREFIX):
            shutil.rmtree(p, ignore_errors=True)
            done["removed"].append(p.name)
        elif p.name.startswith(POINTER_PREFIX):
            p.unlink(missing_ok=True)
            done["removed"].append(p.name)
    last = latest_id(store, agency, flow_id)
    folder = releases_dir(store, agency, flow_id)
    visible = set(release_ids(store, agency, flow_id))
    for rid in release_ids(store, agency, flow_id, visible=False):
        if rid in visible:
            continue
        rel = open_release(folder / rid)
        if rel.manifest.previous_release == last and (last is None or release_key(rid) > release_key(last)) \
                and intact(rel):
            _point(base, rid)
            done["adopted"].append(rid)
            last = rid
        else:
            shutil.rmtree(folder / rid, ignore_errors=True)
            done["removed"].append(rid)
    # a release folder without a manifest was being renamed or removed: never visible, remove it
    if folder.is_dir():
        for p in folder.iterdir():
            if p.is_dir() and not (p / MANIFEST).is_file():
                shutil.rmtree(p, ignore_errors=True)
                done["removed"].append(p.name)
    if any(done.values()):
        fsync_dir(base)
    return done


class Digesting:
    """A file being written that counts and hashes its bytes as they go (no second read)."""

    def __init__(self, f: BinaryIO) -> None:
        self._f, self._h, self.bytes = f, hashlib.sha256(), 0

    def write(self, data: bytes) -> int:
        self._h.update(data)
        self.bytes += len(data)
        return self._f.write(data)

    @property
    def sha256(self) -> str:
        return self._h.hexdigest()


@contextmanager
def create_digesting(path: Path) -> Iterator[Digesting]:
    """:func:`create`, hashing what is written."""
    with create(path) as f:
        yield Digesting(f)
