"""Limits on what a source may be: a regular file under a source root, no larger than declared, an
xlsx that does not unpack to more than declared (a zip bomb), a URL answer no larger than declared.

Source roots (:func:`sdmx_publish.config.source_roots`): ``SDMX_PUBLISH_SOURCE_ROOTS`` (folders separated
by ``os.pathsep``), when unset the folder above the spec's folder (e.g. ``countries/``) and the installed
tree (its ``examples/``); plus the folders the spec's folder allows (``source_roots`` in its ``country.yaml``).
"""

from __future__ import annotations

import io
import os
import stat
import zipfile
from pathlib import Path
from typing import BinaryIO

from .. import config
from ..errors import InputError
from ..spec import Spec


def open_source_file(spec: Spec, path: Path, where: str) -> bytes:
    """The bytes of a source file: inside a source root (for a spec read from a file), a regular file,
    at most ``source.max_bytes``."""
    real = _inside_roots(spec, path)
    try:
        _regular(real, where)
        with open(real, "rb") as f:
            return read_at_most(f, spec.source.max_bytes, where)
    except OSError as e:
        raise InputError(f"cannot read: {e.strerror}", where=where, fix="check the path") from None


def check_file(spec: Spec, path: Path, where: str) -> None:
    """A file that a reader opens by its path (pyreadstat, pyreadr: survey microdata): inside a source root,
    a regular file of at most ``source.max_bytes``, by its size, before it is opened."""
    limit = spec.source.max_bytes
    try:
        size = _regular(_inside_roots(spec, path), where).st_size
    except OSError as e:
        raise InputError(f"cannot read: {e.strerror}", where=where, fix="check the path") from None
    if size > limit:
        raise InputError(f"the source is {size:,} bytes, larger than source.max_bytes ({limit:,} bytes)", where=where,
                         fix="check that this is the right file; if it is, raise source.max_bytes in the spec")


def _inside_roots(spec: Spec, path: Path) -> Path:
    """The resolved path of a source file of a spec read from a file, refused outside its source roots."""
    real = path.resolve()
    if spec.path is not None and not any(real.is_relative_to(r) for r in config.source_roots(Path(spec.path).parent)):
        raise InputError("the source file is outside the source roots", where=f"{spec.path}: source.path",
                         fix=f"put the table next to its spec, add its folder to {config.SOURCE_ROOTS_ENV}, or allow "
                             f"it for this folder: source_roots: [FOLDER] in its {config.FOLDER_FILE}")
    return real


def _regular(real: Path, where: str) -> os.stat_result:
    """The status of a regular file; a device, pipe or folder is refused without opening it."""
    st = real.stat()
    if not stat.S_ISREG(st.st_mode):
        raise InputError("the source is not a regular file (a device, pipe or folder)", where=where,
                         fix="point source.path at the table's file")
    return st


def read_at_most(stream: BinaryIO, limit: int, where: str) -> bytes:
    """Read a stream, refusing it when it is longer than ``limit`` bytes (never read more than that)."""
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise InputError(f"the source is larger than source.max_bytes ({limit:,} bytes)", where=where,
                         fix="check that this is the right table; if it is, raise source.max_bytes in the spec")
    return data


def check_unpacked(raw: bytes, limit: int, where: str) -> None:
    """An xlsx (a zip) whose members unpack to more than ``limit`` bytes is refused before it is opened."""
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as z:
            total = sum(i.file_size for i in z.infolist())
    except zipfile.BadZipFile:
        return  # the reader says it is not a workbook
    if total > limit:
        raise InputError(f"the workbook unpacks to {total:,} bytes, more than source.max_unpacked_bytes "
                         f"({limit:,}): a damaged or malicious file?", where=where,
                         fix="open and save the workbook again; if it really is that large, raise "
                             "source.max_unpacked_bytes in the spec")
