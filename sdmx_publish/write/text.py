"""Vectorised text building: escaping of unique values, number formatting, joining rows.

The trick used everywhere: a column is (codes, unique values). Text is produced once per
unique value (escaped, wrapped in its markup, UTF-8 encoded) into a lookup table whose last
entry is the text for "missing"; the text of a whole chunk is then ``table[codes]`` (code -1
picks the last entry) and the pieces of all columns are interleaved and joined in one
``bytes.join``. Pieces are ``bytes`` so that a chunk is never encoded as a whole.
"""

from __future__ import annotations

import re
from typing import Callable, Sequence

import numpy as np

from ..errors import InputError

_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_XML_MAP = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;",
                          "\t": "&#9;", "\n": "&#10;", "\r": "&#13;"})
_CSV_SPECIAL = re.compile(r'[",\n\r]|^\s|\s$')


def xml_escape(value: str) -> str:
    """Escape for an XML attribute value or text node; control characters are refused."""
    if _XML_BAD.search(value):
        raise InputError(f"value {value!r} holds a control character XML cannot carry",
                         fix="remove control characters from the source text")
    return value.translate(_XML_MAP)


def csv_escape(value: str) -> str:
    """Quote a CSV field when it needs it (RFC 4180)."""
    if _CSV_SPECIAL.search(value):
        return '"' + value.replace('"', '""') + '"'
    return value


def table(values: Sequence[str] | np.ndarray, wrap: Callable[[str], str], missing: str = "") -> np.ndarray:
    """Object array of UTF-8 ``[wrap(v) for v in values] + [missing]``: index with codes, -1 = missing."""
    out = np.empty(len(values) + 1, dtype=object)
    out[:-1] = [wrap(v).encode("utf-8") for v in values]
    out[-1] = missing.encode("utf-8")
    return out


def full(n: int, text: str) -> np.ndarray:
    """Object array of ``n`` times the UTF-8 of ``text``."""
    return np.full(n, text.encode("utf-8"), dtype=object)


def format_numbers(values: np.ndarray) -> list[str]:
    """Shortest round-tripping text of floats: ``3`` for 3.0, ``0.1``, ``NaN``, ``INF``."""
    v = np.asarray(values, dtype="float64")
    out = np.empty(len(v), dtype=object)
    finite = np.isfinite(v)
    integral = finite & (np.abs(v) < 1e15) & (np.floor(v) == v)
    out[integral] = v[integral].astype(np.int64).astype(str).astype(object)
    other = ~integral & finite
    out[other] = [repr(x) for x in v[other].tolist()]
    out[np.isnan(v)] = "NaN"
    out[np.isposinf(v)] = "INF"
    out[np.isneginf(v)] = "-INF"
    return out.tolist()


def join(pieces: Sequence[np.ndarray]) -> bytes:
    """Interleave equally long piece arrays row by row and join them into one byte string."""
    if not pieces:
        return b""
    m = np.empty((len(pieces[0]), len(pieces)), dtype=object)
    for i, p in enumerate(pieces):
        m[:, i] = p
    return b"".join(m.ravel().tolist())


def concat(pieces: Sequence[np.ndarray]) -> np.ndarray:
    """Element-wise concatenation of equally long object arrays (one string per row)."""
    out = pieces[0]
    for p in pieces[1:]:
        out = out + p
    return out


