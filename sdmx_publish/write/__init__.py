"""Fast, streaming writers for every SDMX data format we publish.

``write(frame, flow, fmt, out)`` writes one message to a path or binary file and returns the
number of bytes; ``stream(frame, flow, fmt)`` yields it as ~1-4 MB ``bytes`` chunks for HTTP
responses. ``WRITERS`` maps each :class:`Format` to its writer; all share one signature:
``(Prepared) -> Iterable[str | bytes]``. The frame may be given already prepared (:func:`prepare`):
several formats of one frame then share its checks, codes and sort.
"""

from __future__ import annotations

import itertools
import os
import tempfile
from pathlib import Path
from typing import BinaryIO, Callable, Iterable, Iterator

import pandas as pd

from ..errors import Unsupported
from ..formats import Format
from ..structure.model import Flow
from .csv import csv10, csv20
from .frame import Prepared
from .generic import generic
from .json20 import json20
from .options import ALL_DIMENSIONS, WriteOptions
from .ss import structure_specific

__all__ = ["ALL_DIMENSIONS", "WRITERS", "Prepared", "WriteOptions", "Writer", "prepare", "stream", "write"]

Writer = Callable[[Prepared], Iterable[str | bytes]]

#: bytes gathered before a chunk is handed out
CHUNK_BYTES = 2 * 1024 * 1024


def _encoded(texts: Iterable[str | bytes]) -> Iterator[bytes]:
    """UTF-8 encode text pieces (bodies already are bytes) and cut them into chunks of exactly
    CHUNK_BYTES (the last one shorter), copying each byte once."""
    pending = b""
    for t in texts:
        b = t if isinstance(t, bytes) else t.encode("utf-8")
        if len(pending) + len(b) < CHUNK_BYTES:
            pending += b
            continue
        view = memoryview(b)
        i = CHUNK_BYTES - len(pending)
        yield pending + view[:i]
        while len(b) - i >= CHUNK_BYTES:
            yield bytes(view[i:i + CHUNK_BYTES])
            i += CHUNK_BYTES
        pending = bytes(view[i:])
    if pending:
        yield pending


WRITERS: dict[Format, Writer] = {
    Format.ML21_STRUCTURE_SPECIFIC: structure_specific,
    Format.ML21_STRUCTURE_SPECIFIC_TS: lambda p: structure_specific(p, ts=True),
    Format.ML21_GENERIC: generic,
    Format.ML21_GENERIC_TS: lambda p: generic(p, ts=True),
    Format.ML30_STRUCTURE_SPECIFIC: lambda p: structure_specific(p, version="3.0"),
    Format.CSV10: csv10,
    Format.CSV20: csv20,
    Format.JSON20: json20,
}


def prepare(frame: pd.DataFrame, flow: Flow, options: WriteOptions | None = None) -> Prepared:
    """The frame checked, coded and sorted once, for writing it in several formats (with options that
    differ only in what does not change the preparation: see :meth:`Prepared.with_options`)."""
    return Prepared(frame, flow, options or WriteOptions())


def _pieces(frame: pd.DataFrame | Prepared, flow: Flow, fmt: Format | str,
            options: WriteOptions | None) -> Iterator[str | bytes]:
    """The message's text pieces; the frame is checked and the first piece made before this returns."""
    try:
        writer = WRITERS[Format(fmt)]
    except (KeyError, ValueError):
        raise Unsupported(f"no writer for format {fmt!r}",
                          fix="use one of: " + ", ".join(f.value for f in WRITERS)) from None
    if isinstance(frame, Prepared):  # written with its own options unless others are given
        prep = frame.with_options(options) if options is not None else frame
    else:
        prep = Prepared(frame, flow, options or WriteOptions())
    pieces = iter(writer(prep))
    first = next(pieces, b"")  # runs the writer's own checks now, not when the HTTP body starts
    return itertools.chain((first,), pieces)


def stream(frame: pd.DataFrame | Prepared, flow: Flow, fmt: Format | str, *,
           options: WriteOptions | None = None) -> Iterator[bytes]:
    """The message as UTF-8 chunks of about 2 MB. The frame is checked before the first chunk."""
    return _encoded(_pieces(frame, flow, fmt, options))


def write(frame: pd.DataFrame | Prepared, flow: Flow, fmt: Format | str, out: str | Path | BinaryIO, *,
          options: WriteOptions | None = None) -> int:
    """Write the message to ``out`` (a path, written to a temporary file then renamed, or a
    binary file object) and return the number of bytes written. Each piece (a chunk of rows) is
    written as it is made, not cut into chunks."""
    pieces = (p if isinstance(p, bytes) else p.encode("utf-8") for p in _pieces(frame, flow, fmt, options))
    if not isinstance(out, (str, Path)):
        return sum(out.write(p) or len(p) for p in pieces)
    path = Path(out)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.fchmod(fd, 0o644)  # world-readable, like every published file (mkstemp makes it 0600)
    try:
        with os.fdopen(fd, "wb") as f:
            n = sum(f.write(p) for p in pieces)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return n
