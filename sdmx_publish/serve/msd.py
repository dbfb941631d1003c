"""Reference metadata attributes in data answers (SDMX REST v2 ``attributes=msd``, ``all`` or ids of the
SDG_MSD attributes): the attributes of the metadata sets that target the returned data, one column per
attribute, served as SDMX-CSV 2.0 columns named by the attribute id.

Per row: the set of its SDG series (the global SDG metadata, :func:`sdmx_publish.metadata.series_set`),
overridden attribute by attribute by the national notes of the source part the row was published from
(``attachments/<part>/metadata.json``). Both are looked up once per series code and once per part; the
rows take them by integer codes (no Python object per observation).
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict

import numpy as np
import pandas as pd

from .. import config
from ..formats import Format
from ..metadata import NOTES_FILE, series_set
from ..metadata.model import ATTRIBUTES
from ..store.layout import PARTS
from ..structure.model import Flow
from .query import DataQuery, QueryError
from .store import FRAME_CACHE, Release, Store

#: the data formats that carry metadata attributes
FORMATS = (Format.CSV20,)

_PARTS: OrderedDict[str, tuple[np.ndarray, list[dict[str, str]]]] = OrderedDict()
_LOCK = threading.Lock()


def wanted(q: DataQuery) -> tuple[str, ...]:
    """The SDG_MSD attributes a query asks for: all of them for ``msd`` and ``all``, else the ids listed."""
    if q.attributes in ("msd", "all"):
        return ATTRIBUTES
    listed = set(q.attributes.split(","))
    return tuple(a for a in ATTRIBUTES if a in listed)


def check_format(fmt: Format) -> None:
    """406 for a format that cannot carry metadata attributes."""
    if fmt not in FORMATS:
        raise QueryError(f"{fmt.value} cannot carry reference metadata attributes (attributes=msd, all or "
                         "SDG_MSD attribute ids); the formats that can: " + ", ".join(f.value for f in FORMATS),
                         status=406, fix="ask for SDMX-CSV 2.0 (format=sdmx-csv-2.0 or Accept: "
                                         "application/vnd.sdmx.data+csv;version=2.0.0), or for the metadata sets "
                                         "at /sdmx/v2/metadata/structure/dataflow/{agency}/{id}")


def _part_notes(store: Store, release: Release, flow: Flow) -> tuple[np.ndarray, list[dict[str, str]]]:
    """(part index of every row of the release frame, -1 for none; the notes of each part indexed)."""
    notes = {}
    for entry in release.files:
        if entry.path.endswith(f"/{NOTES_FILE}"):
            doc = json.loads(store.file(release, entry.path).read_text(encoding="utf-8"))
            notes[doc["part"]] = doc["attributes"]
    frame = store.frame(release)
    index = np.full(len(frame), -1, dtype=np.int32)
    if not notes:
        return index, []
    parts = list(notes)
    spans = store.part_spans(release)
    if spans is not None:  # the frame holds each part's rows in turn
        for part, start, end in spans:
            if part in notes:
                index[start:end] = parts.index(part)
        return index, [notes[p] for p in parts]
    # a release from before the parts had files of their own: rows found by key
    key = [*flow.dsd.dimension_ids, flow.dsd.time_dimension]
    known = pd.concat([pd.read_csv(store.file(release, f"{PARTS}/{p}.csv"), usecols=key, dtype=str,
                                   keep_default_na=False).assign(_n=i) for i, p in enumerate(parts)],
                      ignore_index=True)
    rows = pd.DataFrame({k: frame[k].astype(str).to_numpy() for k in key})
    found = rows.merge(known, on=key, how="left")["_n"]
    index[:] = found.fillna(-1).to_numpy(dtype=np.int32)
    return index, [notes[p] for p in parts]


def _parts(store: Store, release: Release, flow: Flow) -> tuple[np.ndarray, list[dict[str, str]]]:
    with _LOCK:
        hit = _PARTS.get(release.id)
    if hit is None:
        hit = _part_notes(store, release, flow)
        with _LOCK:
            _PARTS[release.id] = hit
            while len(_PARTS) > FRAME_CACHE:
                _PARTS.popitem(last=False)
    return hit


def _series(flow: Flow, sub: pd.DataFrame) -> tuple[np.ndarray, list[dict[str, str]]]:
    """(series category of every row of ``sub``, -1 for none; the attributes of each category's set)."""
    dsd = flow.dsd
    if "SERIES" not in sub.columns or dsd.component("SERIES").codelist is None:
        return np.full(len(sub), -1, dtype=np.int32), []
    cl = dsd.component("SERIES").codelist
    prefix = f"urn:sdmx:org.sdmx.infomodel.codelist.Code={cl.agency}:{cl.id}({cl.version})"  # type: ignore[union-attr]
    col = sub["SERIES"].astype("category")
    sets = [series_set(str(code), config.agency(), prefix, []) for code in col.cat.categories]
    return col.cat.codes.to_numpy(dtype=np.int32), [dict(s.attributes) if s else {} for s in sets]


def with_attributes(store: Store, release: Release, flow: Flow, sub: pd.DataFrame,
                    attributes: tuple[str, ...]) -> pd.DataFrame:
    """``sub`` (a selection of the release frame) with a categorical column per metadata attribute."""
    part_of, notes = _parts(store, release, flow)
    part = part_of[sub.index.to_numpy()]
    series, sets = _series(flow, sub)
    columns = {}
    for a in attributes:
        texts = pd.Index([s.get(a) or "" for s in sets] + [n.get(a) or "" for n in notes], dtype=object)
        uniq, where = np.unique(texts.to_numpy(dtype=str), return_inverse=True) if len(texts) else ([], [])
        table = np.append(np.asarray(where, dtype=np.int32), -1)  # index -1: no set
        codes = table[series]
        noted = part >= 0
        if noted.any():
            by_part = table[len(sets) + part[noted]]
            codes[noted] = np.where(np.asarray(uniq)[by_part] != "", by_part, codes[noted]) if len(uniq) else -1
        cats = pd.Index(list(uniq), dtype=object)
        columns[a] = pd.Categorical.from_codes(codes, dtype=pd.CategoricalDtype(cats), validate=False)
    return sub.assign(**columns)
