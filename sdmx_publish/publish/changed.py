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

from ..store import FileEntry, Release, read_sdmx_csv
from ..store.commit import create_digesting, mkdir
from ..store.compare import diff, match
from ..store.layout import ATTACHMENTS, LAST_CHANGED, part_file
from ..store.layout import LAST_CHANGED_FILE as FILE
from ..structure import Flow
from ..write import Prepared, prepare
from ..write.frame import Column, combos, encode
from ..write.text import concat, csv_escape, join, table

#: the file's manifest format
FORMAT = "last-changed-csv"


def _part_rows(release: Release, part: str) -> pd.DataFrame | None:
    path = release.path / part_file(part)
    return read_sdmx_csv(path) if path.is_file() else None


def _key(flow: Flow) -> list[str]:
    return [*flow.dsd.dimension_ids, flow.dsd.time_dimension]


def _categorical(col: Column) -> pd.Categorical:
    """A written column (codes into its text) as a categorical of that text."""
    inverse, names = pd.factorize(pd.Index(col.values, dtype=object))  # distinct text (3 and "3" are one)
    return pd.Categorical.from_codes(np.append(inverse, -1)[col.codes], categories=names, validate=False)


def published(prep: Prepared) -> pd.DataFrame:
    """The observations as they are written (codes and text of :mod:`sdmx_publish.write`), frame order."""
    cols = {**prep.dims, **prep.attributes}
    return pd.DataFrame({**{c: _categorical(col) for c, col in cols.items()},
                         prep.measure.id: prep.obs_values()})


def dated(rows: pd.DataFrame, before: pd.DataFrame | None, dates: pd.DataFrame | None, flow: Flow,
          release_id: str) -> pd.Categorical:
    """``LAST_CHANGED`` of each of ``rows``: ``release_id`` where new or changed since ``before``, else the
    id ``dates`` (keys and ``LAST_CHANGED`` of ``before``) gives. Compared on codes, not text."""
    if before is None or dates is None or not len(before):
        return pd.Categorical.from_codes(np.zeros(len(rows), dtype=np.int8), categories=[release_id])
    fresh = np.zeros(len(rows), dtype=bool)
    fresh[diff(before, rows, flow)[0]] = True
    known = pd.Categorical(dates[LAST_CHANGED])
    names = [str(c) for c in known.categories]
    if release_id not in names:
        names.append(release_id)
    at = match(rows, dates, _key(flow))
    old = np.append(known.codes, -1)[at]  # -1: not in ``dates`` (at == -1) or no id there
    codes = np.where(fresh | (old < 0), names.index(release_id), old)
    return pd.Categorical.from_codes(codes, categories=names, validate=False)


def _from_history(history: list[Release], part: str, flow: Flow) -> tuple[pd.DataFrame | None, pd.DataFrame | None]:
    """The part's rows and dates in the last of ``history``, dated by comparing its versions in turn."""
    before = dates = None
    for rel in history:
        rows = _part_rows(rel, part)
        if rows is None:
            continue
        dates = rows[_key(flow)].assign(**{LAST_CHANGED: dated(rows, before, dates, flow, rel.id)})
        before = rows
    return before, dates


def _write(folder: Path, name: str, prep: Prepared, dates: Column) -> FileEntry:
    """The keys of ``prep`` and their ``dates`` (codes per frame row) as CSV, in the order of the part's
    SDMX-CSV file: per series its key's text once, per (period, date) the rest of the line once."""
    keys = [prep.dims[d] for d in prep.group_dims]
    period = prep.dims[prep.obs_dim]
    tabs = {c.id: table(c.values, lambda v: csv_escape(v) + ",") for c in [*keys, period]}
    tabs[LAST_CHANGED] = table(dates.values, lambda v: csv_escape(v) + "\n", missing="\n")
    header = ",".join(csv_escape(c) for c in [*prep.group_dims, prep.obs_dim, LAST_CHANGED]) + "\n"
    with create_digesting(folder / name) as f:
        f.write(header.encode("utf-8"))
        for chunk in prep.chunks():
            head = concat([tabs[c.id][c.codes[chunk.group_pos]] for c in keys]) if keys else None
            inv, rep = combos([period, dates], chunk.pos)
            tail = concat([tabs[period.id][period.codes[rep]], tabs[LAST_CHANGED][dates.codes[rep]]])
            f.write(join([head[chunk.group], tail[inv]] if head is not None else [tail[inv]]))
    return FileEntry(path=name, format=FORMAT, media_type="text/csv", sha256=f.sha256, bytes=f.bytes,
                     observations=0)


def write_last_changed(folder: Path, parts: list[str], part: str, flow: Flow, release_id: str,
                       previous: Release | None, history: Callable[[], list[Release]],
                       prepared: Prepared | None) -> list[FileEntry]:
    """Write ``attachments/<part>/last_changed.csv`` into the release being staged in ``folder`` (from
    ``prepared``, the part's observations as they are written), and the file of any other part the
    previous release lacks it for (a release made before it existed); the other parts' files are
    carried forward with their part. ``history`` lists the dataflow's earlier releases, oldest first
    (called only for a part whose file the previous release lacks). Returns the files' entries."""
    out = []
    for p in parts:
        known = previous.path / ATTACHMENTS / p / FILE if previous is not None else None
        if p != part and (known is None or known.is_file()):
            continue
        if known is not None and known.is_file():
            # its keys and LAST_CHANGED as categoricals (read like the part's SDMX-CSV)
            before, dates = _part_rows(previous, p), read_sdmx_csv(known)  # type: ignore[arg-type]
        elif previous is not None and p in previous.manifest.parts:  # a new part has no history to read
            before, dates = _from_history(history(), p, flow)
        else:
            before = dates = None
        if p == part:
            assert prepared is not None, "the published part's observations are needed for its dates"
            prep, when = prepared, dated(published(prepared), before, dates, flow, release_id)
        elif dates is not None:
            prep, when = prepare(dates[_key(flow)], flow), dates[LAST_CHANGED]
        else:
            continue
        mkdir(folder / ATTACHMENTS)
        mkdir(folder / ATTACHMENTS / p)
        out.append(_write(folder, f"{ATTACHMENTS}/{p}/{FILE}", prep, encode(LAST_CHANGED, pd.Series(when))))
    return out
