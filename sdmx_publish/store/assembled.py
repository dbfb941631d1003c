"""Reading a release's files, the assembled ones included: the whole dataflow's data files are not on
disk but listed as segments of its parts' files (:class:`~.manifest.FileEntry` ``segments``), so that
publishing one part costs the same whatever the size of the others.

:func:`open_file` gives a seekable binary reader over either kind; :func:`chunks` streams one.
"""

from __future__ import annotations

import io
import os
from bisect import bisect_right
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from ..errors import NotFound
from .manifest import FileEntry

#: bytes per read of an assembled file
CHUNK = 1 << 20


class Assembled(io.RawIOBase):
    """A read-only, seekable view of the concatenation of byte ranges of files in ``folder``."""

    def __init__(self, folder: Path, entry: FileEntry) -> None:
        super().__init__()
        assert entry.segments is not None
        self._folder, self._segments = Path(folder), entry.segments
        self._starts = [0]
        for s in self._segments:
            self._starts.append(self._starts[-1] + s.end - s.start)
        self._size, self._pos = self._starts[-1], 0
        self._fds: dict[str, int] = {}

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._size}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if self._pos >= self._size or not len(buffer):
            return 0
        i = bisect_right(self._starts, self._pos) - 1
        seg = self._segments[i]
        offset = seg.start + self._pos - self._starts[i]
        want = min(len(buffer), seg.end - offset)
        data = os.pread(self._fd(seg.path), want, offset)
        if len(data) < want:
            raise OSError(f"{self._folder / seg.path} is shorter than the release's manifest says")
        buffer[:want] = data
        self._pos += want
        return want

    def _fd(self, path: str) -> int:
        fd = self._fds.get(path)
        if fd is None:
            fd = self._fds[path] = os.open(self._folder / path, os.O_RDONLY)
        return fd

    def close(self) -> None:
        for fd in self._fds.values():
            os.close(fd)
        self._fds.clear()
        super().close()


def open_file(folder: Path, entry: FileEntry) -> BinaryIO:
    """A release file for reading (``folder`` is the release's), assembled or on disk."""
    if entry.segments is None:
        return open(Path(folder) / entry.path, "rb")
    return io.BufferedReader(Assembled(folder, entry), CHUNK)  # type: ignore[return-value]


def chunks(folder: Path, entry: FileEntry) -> Iterator[bytes]:
    """The bytes of a release file, in blocks of at most :data:`CHUNK`."""
    with open_file(folder, entry) as f:
        while block := f.read(CHUNK):
            yield block


def entry(files: list[FileEntry], name: str) -> FileEntry:
    """The manifest entry of file ``name``."""
    found = next((f for f in files if f.path == name), None)
    if found is None:
        raise NotFound(f"the release has no file {name!r}", fix="files: " + ", ".join(f.path for f in files))
    return found
