"""The release each observation of a part was last changed in: ``attachments/<part>/last_changed.csv``.

Written with every publication of a part: ``LAST_CHANGED``, the id of the release in which each
observation got its current value and attributes, as runs over the part's observations in the order of
its SDMX-CSV file (``ROWS,LAST_CHANGED`` lines; read by :mod:`sdmx_publish.store.changed`). An
observation that is new, or differs from the previous release's in its value or any attribute, gets the
new release's id; one that is unchanged keeps the id the previous release's file gives it. A part the
previous release does not have is all new: nothing is read, and its file is one line. The file is carried
forward unchanged, like the part's other files, while other parts of the dataflow publish. A part last
published before this file existed is dated by comparing its versions in every earlier release.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from ..store import FileEntry, Release, read_sdmx_csv
from ..store.changed import read_dates
from ..store.commit import create_digesting, mkdir
from ..store.compare import compared
from ..store.layout import ATTACHMENTS, LAST_CHANGED, LAST_CHANGED_ROWS, part_file
from ..store.layout import LAST_CHANGED_FILE as FILE
from ..structure import Flow
from ..write import Prepared
from ..write.text import csv_escape

#: the file's manifest format
FORMAT = "last-changed-csv"


def _part_rows(release: Release, part: str) -> pd.DataFrame | None:
    path = release.path / part_file(part)
    return read_sdmx_csv(path) if path.is_file() else None


def published(prep: Prepared) -> pd.DataFrame:
    """The observations as they are written (codes and text of :mod:`sdmx_publish.write`), frame order."""
    cols = {**prep.dims, **prep.attributes}
    return pd.DataFrame({**{c: col.categorical() for c, col in cols.items()},
                         prep.measure.id: prep.obs_values()})


def dated(rows: pd.DataFrame, before: pd.DataFrame | None, dates: pd.Categorical | None, flow: Flow,
          release_id: str) -> pd.Categorical:
    """``LAST_CHANGED`` of each of ``rows``: ``release_id`` where new or changed since ``before``, else the
    id ``dates`` (one per row of ``before``) gives. Compared on codes, not text."""
    if before is None or dates is None or not len(before):
        return pd.Categorical.from_codes(np.zeros(len(rows), dtype=np.int8), categories=[release_id])
    at, fresh = compared(before, rows, flow)
    names = [str(c) for c in dates.categories]
    if release_id not in names:
        names.append(release_id)
    old = np.append(dates.codes, -1)[at]  # -1: new, or no id known
    codes = np.where(fresh | (old < 0), names.index(release_id), old)
    return pd.Categorical.from_codes(codes, categories=names, validate=False)


def _from_history(history: list[Release], part: str, flow: Flow) -> tuple[pd.DataFrame | None, pd.Categorical | None]:
    """The part's rows and dates in the last of ``history``, dated by comparing its versions in turn."""
    before = dates = None
    for rel in history:
        rows = _part_rows(rel, part)
        if rows is None:
            continue
        dates = dated(rows, before, dates, flow, rel.id)
        before = rows
    return before, dates


def _write(folder: Path, name: str, codes: np.ndarray, names: list[str]) -> FileEntry:
    """The runs of equal ``codes`` (into ``names``; -1: unknown, an empty id) as ``ROWS,LAST_CHANGED`` lines."""
    starts = np.flatnonzero(np.diff(codes, prepend=np.int64(-2)) != 0) if len(codes) else np.array([], int)
    counts = np.diff(np.append(starts, len(codes)))
    ends = np.array([f",{csv_escape(n)}\n" for n in [*names, ""]], dtype=object)
    lines = counts.astype(str).astype(object) + ends[codes[starts]]
    with create_digesting(folder / name) as f:
        f.write(f"{LAST_CHANGED_ROWS},{LAST_CHANGED}\n".encode())
        f.write("".join(lines.tolist()).encode("utf-8"))
    return FileEntry(path=name, format=FORMAT, media_type="text/csv", sha256=f.sha256, bytes=f.bytes)


def write_last_changed(folder: Path, parts: list[str], part: str, flow: Flow, release_id: str,
                       previous: Release | None, history: Callable[[], list[Release]],
                       prepared: Prepared | None) -> list[FileEntry]:
    """Write ``attachments/<part>/last_changed.csv`` into the release being staged in ``folder`` (from
    ``prepared``, the part's observations as they are written), and the file of any other part the
    previous release lacks it for (a release made before it existed); the other parts' files are
    carried forward with their part. ``history`` lists the dataflow's earlier releases, oldest first
    (called only for a part whose file the previous release lacks). Returns the files' entries."""
    key = [*flow.dsd.dimension_ids, flow.dsd.time_dimension]
    out = []
    for p in parts:
        known = previous.path / ATTACHMENTS / p / FILE if previous is not None else None
        if p != part and (known is None or known.is_file()):
            continue
        if known is not None and known.is_file():
            before = _part_rows(previous, p)  # type: ignore[arg-type]
            dates = read_dates(known, before, key) if before is not None else None
        elif previous is not None and p in previous.manifest.parts:  # a new part has no history to read
            before, dates = _from_history(history(), p, flow)
        else:
            before = dates = None
        if p == part:  # in the order the part's files are written in
            assert prepared is not None, "the published part's observations are needed for its dates"
            if dates is None:
                codes, names = np.zeros(prepared.n, dtype=np.int64), [release_id]
            else:
                when = dated(published(prepared), before, dates, flow, release_id)
                codes, names = when.codes[prepared.order], list(when.categories)
        elif dates is not None:  # as read: in the order of the part's file
            codes, names = dates.codes, list(dates.categories)
        else:
            continue
        mkdir(folder / ATTACHMENTS)
        mkdir(folder / ATTACHMENTS / p)
        out.append(_write(folder, f"{ATTACHMENTS}/{p}/{FILE}", np.asarray(codes, dtype=np.int64), names))
    return out
