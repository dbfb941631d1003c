"""Fast, streaming writers for every SDMX data format we publish.

``write(frame, flow, fmt, out)`` writes one message to a path or binary file and returns the
number of bytes; ``stream(frame, flow, fmt)`` yields it as ~1-4 MB ``bytes`` chunks for HTTP
responses. ``WRITERS`` maps each :class:`Format` to its writer; all share one signature:
``(frame, flow, options) -> Iterator[bytes]``.
"""

from __future__ import annotations

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

__all__ = ["ALL_DIMENSIONS", "WRITERS", "WriteOptions", "Writer", "stream", "write"]

Writer = Callable[[pd.DataFrame, Flow, WriteOptions], Iterator[bytes]]

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


def _writer(make: Callable[[Prepared], Iterable[str | bytes]]) -> Writer:
    def run(frame: pd.DataFrame, flow: Flow, options: WriteOptions) -> Iterator[bytes]:
        return _encoded(make(Prepared(frame, flow, options)))
    return run


WRITERS: dict[Format, Writer] = {
    Format.ML21_STRUCTURE_SPECIFIC: _writer(structure_specific),
    Format.ML21_STRUCTURE_SPECIFIC_TS: _writer(lambda p: structure_specific(p, ts=True)),
    Format.ML21_GENERIC: _writer(generic),
    Format.ML21_GENERIC_TS: _writer(lambda p: generic(p, ts=True)),
    Format.ML30_STRUCTURE_SPECIFIC: _writer(lambda p: structure_specific(p, version="3.0")),
    Format.CSV10: _writer(csv10),
    Format.CSV20: _writer(csv20),
    Format.JSON20: _writer(json20),
}


def stream(frame: pd.DataFrame, flow: Flow, fmt: Format | str, *,
           options: WriteOptions | None = None) -> Iterator[bytes]:
    """The message as UTF-8 chunks of about 2 MB. The frame is checked before the first chunk."""
    try:
        writer = WRITERS[Format(fmt)]
    except (KeyError, ValueError):
        raise Unsupported(f"no writer for format {fmt!r}",
                          fix="use one of: " + ", ".join(f.value for f in WRITERS)) from None
    chunks = writer(frame, flow, options or WriteOptions())
    first = next(chunks, b"")  # runs the checks now, not when the HTTP body starts
    return _prepend(first, chunks)


def _prepend(first: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
    if first:
        yield first
    yield from rest


def write(frame: pd.DataFrame, flow: Flow, fmt: Format | str, out: str | Path | BinaryIO, *,
          options: WriteOptions | None = None) -> int:
    """Write the message to ``out`` (a path, written to a temporary file then renamed, or a
    binary file object) and return the number of bytes written."""
    chunks = stream(frame, flow, fmt, options=options)
    if not isinstance(out, (str, Path)):
        return sum(out.write(c) or len(c) for c in chunks)
    path = Path(out)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.fchmod(fd, 0o644)  # world-readable, like every published file (mkstemp makes it 0600)
    try:
        with os.fdopen(fd, "wb") as f:
            n = sum(f.write(c) for c in chunks)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return n
