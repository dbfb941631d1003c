"""The release each observation was last changed in, served as the custom column ``LAST_CHANGED`` of
SDMX-CSV 2.0 data answers (the release files ``attachments/<part>/last_changed.csv``)."""

from __future__ import annotations

import threading
from collections import OrderedDict

import pandas as pd

from ..store.layout import ATTACHMENTS, LAST_CHANGED, LAST_CHANGED_FILE
from ..structure.model import Flow
from .store import FRAME_CACHE, Release, Store

_CACHE: OrderedDict[str, pd.DataFrame | None] = OrderedDict()
_LOCK = threading.Lock()


def dates(store: Store, release: Release) -> pd.DataFrame | None:
    """Every part's keys and ``LAST_CHANGED`` (cached per release); None for a release without them."""
    with _LOCK:
        if release.id in _CACHE:
            return _CACHE[release.id]
    names = [f.path for f in release.files
             if f.path.startswith(f"{ATTACHMENTS}/") and f.path.endswith(f"/{LAST_CHANGED_FILE}")]
    frames = [pd.read_csv(store.file(release, n), dtype=str, keep_default_na=False) for n in names]
    out = pd.concat(frames, ignore_index=True) if frames else None
    with _LOCK:
        _CACHE[release.id] = out
        while len(_CACHE) > FRAME_CACHE:
            _CACHE.popitem(last=False)
    return out


def with_dates(sub: pd.DataFrame, known: pd.DataFrame, flow: Flow) -> pd.DataFrame:
    """``sub`` with ``LAST_CHANGED`` looked up by observation key ("" where not known)."""
    key = [*flow.dsd.dimension_ids, flow.dsd.time_dimension]
    mine = pd.DataFrame({k: sub[k].astype(str).to_numpy() for k in key})
    found = mine.merge(known[[*key, LAST_CHANGED]], on=key, how="left")[LAST_CHANGED]
    return sub.assign(**{LAST_CHANGED: found.fillna("").to_numpy()})
