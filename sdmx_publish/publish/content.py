"""Content hashes of observation frames: sha256 over whole columns, never a text rendering of the frame.

A frame's hash does not depend on its row order, its column order, the dtype a column happens to
have (``3``, ``3.0`` and ``"3"`` are one code) or whether an absent attribute is missing or ``""``.
It is the same on every run and platform: codes are hashed as their sorted text, row positions as
little-endian integers, values as little-endian IEEE doubles. A release's hash is made from the
hashes of its parts (:func:`release_hash`), so a part that did not change is never hashed again.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

from ..structure import Flow
from ..write.frame import Column, Prepared, encode


def data_columns(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns if not c.startswith("_")]


def content_hash(frame: pd.DataFrame, flow: Flow, prepared: Prepared | None = None) -> str:
    """sha256 of the observations, independent of row order and of where they came from. ``prepared``:
    the frame prepared for writing (:func:`sdmx_publish.write.prepare`), whose codes and order are reused."""
    measure = flow.dsd.primary_measure
    key = [*flow.dsd.dimension_ids, flow.dsd.time_dimension]
    has_values = measure in frame.columns
    if prepared is not None:  # attributes without any value are left out there too
        coded, order = {**prepared.dims, **prepared.attributes}, prepared.order
        values = prepared.obs_values() if has_values else None
        return _digest(flow, len(frame), coded, order, values)
    coded = {c: encode(c, frame[c]) for c in data_columns(frame) if c != measure}
    coded = {c: col for c, col in coded.items() if c in key or (col.codes >= 0).any()}  # absent = all missing
    order = np.lexsort([coded[k].codes for k in reversed(key) if k in coded]) if len(frame) else np.array([], int)
    values = pd.to_numeric(frame[measure], errors="coerce").to_numpy(dtype="float64") if has_values else None
    return _digest(flow, len(frame), coded, order, values)


def _digest(flow: Flow, n: int, coded: dict[str, Column], order: np.ndarray, values: np.ndarray | None) -> str:
    """The hash of ``n`` rows in key ``order``: each column's sorted values and codes, then the measure."""
    h = hashlib.sha256(f"{flow.dataflow.ref}\n{n}\n".encode())
    for c in sorted(coded):
        col = coded[c]
        h.update(f"{c}\n".encode())
        h.update("\x1f".join(col.values).encode() + b"\x1e")
        h.update(col.codes[order].astype("<i8").tobytes())
    if values is not None:
        values = values[order]
        values = np.where(np.isnan(values), np.nan, values) + 0.0  # one NaN, and -0.0 is 0.0
        h.update(f"{flow.dsd.primary_measure}\n".encode())
        h.update(values.astype("<f8").tobytes())
    return h.hexdigest()


def release_hash(flow: Flow, part_hashes: dict[str, str]) -> str:
    """sha256 of a release's content from the content hashes of its parts."""
    text = "".join(f"{p}\t{part_hashes[p]}\n" for p in sorted(part_hashes))
    return hashlib.sha256(f"{flow.dataflow.ref}\n{text}".encode()).hexdigest()
