"""The release each observation of a part was last changed in: ``attachments/<part>/last_changed.csv``.

Written with every publication of a part: the part's observation keys and ``LAST_CHANGED``, the id
of the release in which the observation got its current value and attributes. An observation that is
new, or differs from the previous release's in its value or any attribute, gets the new release's id;
one that is unchanged keeps the id the previous release's file gives it. The file is carried forward
unchanged, like the part's other files, while other parts of the dataflow publish. A part last
published before this file existed is dated by comparing its versions in every earlier release.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from ..store import Release, create, read_sdmx_csv
from ..store.commit import mkdir
from ..store.compare import diff
from ..store.layout import ATTACHMENTS, LAST_CHANGED, part_file
from ..store.layout import LAST_CHANGED_FILE as FILE
from ..structure import Flow

#: the file's manifest format
FORMAT = "last-changed-csv"


def _part_rows(release: Release, part: str) -> pd.DataFrame | None:
    path = release.path / part_file(part)
    return read_sdmx_csv(path) if path.is_file() else None


def _key(flow: Flow) -> list[str]:
    return [*flow.dsd.dimension_ids, flow.dsd.time_dimension]


def dated(rows: pd.DataFrame, before: pd.DataFrame | None, dates: pd.DataFrame | None, flow: Flow,
          release_id: str) -> pd.DataFrame:
    """``rows``' keys with ``LAST_CHANGED``: ``release_id`` where new or changed since ``before``,
    else the id ``dates`` (keys and ``LAST_CHANGED`` of ``before``) gives."""
    key = _key(flow)
    out = rows[key].reset_index(drop=True)  # as read (categorical codes): no Python string per cell
    if before is None or dates is None or not len(before):
        return out.assign(**{LAST_CHANGED: release_id})
    out = out.astype(str)
    changed, _ = diff(before, rows, flow)
    fresh = np.zeros(len(rows), dtype=bool)
    fresh[changed] = True
    old = out.merge(dates.astype(str), on=key, how="left")[LAST_CHANGED].to_numpy(dtype=object)
    return out.assign(**{LAST_CHANGED: np.where(fresh | pd.isna(old), release_id, old)})


def _from_history(history: list[Release], part: str, flow: Flow) -> tuple[pd.DataFrame | None, pd.DataFrame | None]:
    """The part's rows and dates in the last of ``history``, dated by comparing its versions in turn."""
    before = dates = None
    for rel in history:
        rows = _part_rows(rel, part)
        if rows is None:
            continue
        dates = dated(rows, before, dates, flow, rel.id)
        before = rows
    return before, dates


def write_last_changed(folder: Path, parts: list[str], part: str, flow: Flow, release_id: str,
                       previous: Release | None, history: Callable[[], list[Release]]) -> list[Path]:
    """Write ``attachments/<part>/last_changed.csv`` into the release being staged in ``folder`` (its
    part files already written), and the file of any other part the previous release lacks it for
    (a release made before it existed); the other parts' files are carried forward with their part.
    ``history`` lists the dataflow's earlier releases, oldest first (called only for a part whose
    file the previous release lacks)."""
    out = []
    for p in parts:
        known = previous.path / ATTACHMENTS / p / FILE if previous is not None else None
        if p != part and (known is None or known.is_file()):
            continue
        if known is not None and known.is_file():
            before, dates = _part_rows(previous, p), pd.read_csv(known, dtype=str, keep_default_na=False)  # type: ignore[arg-type]
        elif previous is not None and p in previous.manifest.parts:  # a new part has no history to read
            before, dates = _from_history(history(), p, flow)
        else:
            before = dates = None
        if p == part:
            dates = dated(read_sdmx_csv(folder / part_file(part)), before, dates, flow, release_id)
        if dates is None:
            continue
        path = folder / ATTACHMENTS / p / FILE
        mkdir(folder / ATTACHMENTS)
        mkdir(path.parent)
        with create(path) as f:  # written in chunks, never the whole text in memory
            dates.to_csv(f, index=False, encoding="utf-8", lineterminator="\n")
        out.append(path)
    return out
