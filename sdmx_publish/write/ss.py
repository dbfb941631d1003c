"""SDMX-ML structure-specific data: 2.1 (StructureSpecificData, StructureSpecificTimeSeriesData)
and 3.0, flat (AllDimensions) or grouped in series by every dimension but the observation one."""

from __future__ import annotations

from typing import Iterator

import numpy as np

from ..formats import XSI
from .frame import Chunk, Prepared, combos
from .text import join, table, xml_escape
from .xmlcommon import (
    V21,
    V30,
    AttrText,
    header,
    ss_namespace,
    structure_id,
    value_columns,
)


def structure_specific(prep: Prepared, *, version: str = "2.1", ts: bool = False) -> Iterator[str | bytes]:
    """Text of a structure-specific data message, one piece per chunk of rows."""
    flow, o = prep.flow, prep.options
    prep.check_shape(ts=ts)
    base = V21 if version == "2.1" else V30
    root = "StructureSpecificTimeSeriesData" if ts else "StructureSpecificData"
    ns = ss_namespace(flow, o)
    yield ('<?xml version="1.0" encoding="UTF-8"?>\n'
           f'<message:{root} xmlns:message="{base}/message" xmlns:ss="{base}/data/structurespecific"'
           f' xmlns:ns1="{xml_escape(ns)}" xmlns:common="{base}/common" xmlns:xsi="{XSI}">\n')
    yield header(flow, o, version=version, namespace=ns)
    ds_attrs = "".join(f' {k}="{xml_escape(v)}"' for k, v in prep.dataset_values())
    scope = ' ss:dataScope="DataStructure"' if version == "2.1" else ""  # 3.0 dropped dataScope
    yield (f'<message:DataSet ss:structureRef="{structure_id(flow.dsd.ref)}" xsi:type="ns1:DataSetType"'
           f'{scope} ss:action="Information"{ds_attrs}>\n')
    body = _Body(prep)
    for chunk in prep.chunks():
        yield body.flat(chunk) if o.flat else body.series(chunk)
    yield f"</message:DataSet>\n</message:{root}>\n"


class _Body:
    """Lookup tables built once per message; each method turns one chunk into text."""

    def __init__(self, prep: Prepared) -> None:
        self.prep, self.attrs = prep, AttrText()
        self.keys, self.series_attrs, self.obs_attrs = value_columns(prep)
        m = prep.measure
        self.value, self.obs_cols = m, [prep.dims[prep.obs_dim], *self.obs_attrs]
        self.value_tab = table(m.values, lambda v: f' {m.id}="{v}"/>\n', "/>\n")
        self.value_close = table(m.values, lambda v: f' {m.id}="{v}"/>\n</Series>\n', "/>\n</Series>\n")

    def _obs(self, chunk: Chunk, prefix: bytes = b"") -> np.ndarray:
        """Per row: the observation dimension and attributes, text made once per combination."""
        inv, rep = combos(self.obs_cols, chunk.pos)
        return (prefix + self.attrs.of(self.obs_cols, rep))[inv]

    def flat(self, chunk: Chunk) -> bytes:
        key = (b"<Obs" + self.attrs.of(self.keys, chunk.group_pos))[chunk.group]
        return join([key, self._obs(chunk), self.value_tab[self.value.codes[chunk.pos]]])

    def series(self, chunk: Chunk) -> bytes:
        head = b"<Series" + self.attrs.of(self.keys, chunk.group_pos) + self.attrs.of(self.series_attrs, chunk.group_pos)
        if not self.prep.options.observations:  # serieskeysonly / nodata: series without Obs
            return join([(head + b"/>\n")[chunk.group_new]])
        obs = self._obs(chunk, b"<Obs")
        obs[chunk.first] = (head + b">\n")[chunk.group[chunk.first]] + obs[chunk.first]
        codes = self.value.codes[chunk.pos]
        values = np.where(chunk.last, self.value_close[codes], self.value_tab[codes])
        return join([obs, values])
