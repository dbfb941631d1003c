"""The release each observation was last changed in, served as the custom column ``LAST_CHANGED`` of
SDMX-CSV 2.0 data answers (the release files ``attachments/<part>/last_changed.csv``).

Looked up once per release for all its observations (by key), then taken by row position for each
answer: a selection keeps the positions of the release frame's rows as its index."""

from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np
import pandas as pd

from ..store.changed import read_dates
from ..store.layout import ATTACHMENTS, LAST_CHANGED, LAST_CHANGED_FILE
from ..structure.model import Flow
from .store import FRAME_CACHE, Release, Store

_CACHE: OrderedDict[str, np.ndarray | None] = OrderedDict()
_LOCK = threading.Lock()


def _lookup(store: Store, release: Release, flow: Flow) -> np.ndarray | None:
    """``LAST_CHANGED`` of every row of the release frame, in its order ("" where not known); None for
    a release without the files. The frame holds each part's rows in turn (``data.csv`` is assembled from
    the parts' SDMX-CSV bodies), so that each part's file is read against its own rows."""
    names = {f.path.split("/")[1]: f.path for f in release.files
             if f.path.startswith(f"{ATTACHMENTS}/") and f.path.endswith(f"/{LAST_CHANGED_FILE}")}
    if not names:
        return None
    frame = store.frame(release)
    key = [*flow.dsd.dimension_ids, flow.dsd.time_dimension]
    out = np.full(len(frame), "", dtype=object)
    spans = store.part_spans(release)
    if spans is None:  # a release from before the parts had files of their own: every file is read by key
        spans = [(part, 0, len(frame)) for part in names]
    for part, start, end in spans:
        if part in names:
            dates = read_dates(store.file(release, names[part]), frame.iloc[start:end], key)
            known = ~pd.isna(dates)
            out[start:end][known] = np.asarray(dates, dtype=object)[known]
    return out


def with_dates(store: Store, release: Release, flow: Flow, sub: pd.DataFrame) -> pd.DataFrame:
    """``sub`` (a selection of the release frame) with its ``LAST_CHANGED`` column, if the release has one."""
    with _LOCK:
        hit = release.id in _CACHE
        dates = _CACHE.get(release.id)
    if not hit:
        dates = _lookup(store, release, flow)
        with _LOCK:
            _CACHE[release.id] = dates
            while len(_CACHE) > FRAME_CACHE:
                _CACHE.popitem(last=False)
    if dates is None:
        return sub
    return sub.assign(**{LAST_CHANGED: dates[sub.index.to_numpy()]})
