"""SDMX-ML 2.1 generic data (GenericData, GenericTimeSeriesData), flat or in series."""

from __future__ import annotations

from typing import Iterator

import numpy as np

from .frame import Chunk, Column, Prepared, combos
from .text import concat, full, join, table, xml_escape
from .xmlcommon import V21, header, structure_id, value_columns

_NS = (f'xmlns:message="{V21}/message" xmlns:generic="{V21}/data/generic" xmlns:common="{V21}/common"')


def generic(prep: Prepared, *, ts: bool = False) -> Iterator[str | bytes]:
    """Text of a generic data message, one piece per chunk of rows."""
    flow, o = prep.flow, prep.options
    prep.check_shape(ts=ts)
    root = "GenericTimeSeriesData" if ts else "GenericData"
    yield f'<?xml version="1.0" encoding="UTF-8"?>\n<message:{root} {_NS}>\n'
    yield header(flow, o)
    yield f'<message:DataSet structureRef="{structure_id(flow.dsd.ref)}" action="Information">\n'
    ds = prep.dataset_values()
    if ds:
        yield _values_block("Attributes", "".join(_value(k, v) for k, v in ds))
    body = _Body(prep)
    for chunk in prep.chunks():
        yield body.flat(chunk) if o.flat else body.series(chunk)
    yield f"</message:DataSet>\n</message:{root}>\n"


def _value(cid: str, v: str) -> str:
    return f'<generic:Value id="{cid}" value="{xml_escape(v)}"/>'


def _values_block(tag: str, inner: str) -> str:
    return f"<generic:{tag}>{inner}</generic:{tag}>\n"


class _Body:
    """Lookup tables built once per message; each method turns one chunk into text."""

    def __init__(self, prep: Prepared) -> None:
        self.prep = prep
        self.keys, self.series_attrs, self.obs_attrs = value_columns(prep)
        self._tabs: dict[str, np.ndarray] = {}
        d, m = prep.dims[prep.obs_dim], prep.measure
        self.obs_dim, self.value = d, m
        self.value_tab = table(m.values, lambda v: f'<generic:ObsValue value="{v}"/>')

    def _tab(self, c: Column) -> np.ndarray:
        t = self._tabs.get(c.id)
        if t is None:
            t = self._tabs[c.id] = table(c.values, lambda v, i=c.id: _value(i, v))
        return t

    def _values(self, cols: list[Column], pos: np.ndarray, tag: str, *, required: bool = False) -> np.ndarray:
        """``<generic:tag>`` with one Value per present column; empty where none is present."""
        if not cols:
            return full(len(pos), "")
        inner = concat([self._tab(c)[c.codes[pos]] for c in cols])
        if required:
            return f"<generic:{tag}>".encode() + inner + f"</generic:{tag}>".encode()
        present = np.zeros(len(pos), dtype=bool)
        for c in cols:
            present |= c.codes[pos] >= 0
        out = f"<generic:{tag}>".encode() + inner + f"</generic:{tag}>".encode()
        out[~present] = b""
        return out

    def _obs_tail(self, chunk: Chunk, last: np.ndarray | None = None) -> list[np.ndarray]:
        """ObsValue, then Attributes and the closing tag(s), made once per combination; where
        ``last`` is true the series is closed too."""
        pos = chunk.pos
        inv, rep = combos(self.obs_attrs, pos)
        attrs = self._values(self.obs_attrs, rep, "Attributes")
        tail = (attrs + b"</generic:Obs>\n")[inv]
        if last is not None:
            tail[last] = (attrs + b"</generic:Obs>\n</generic:Series>\n")[inv[last]]
        return [self.value_tab[self.value.codes[pos]], tail]

    def flat(self, chunk: Chunk) -> bytes:
        gp, d = chunk.group_pos, self.obs_dim
        key = concat([full(len(gp), "<generic:Obs><generic:ObsKey>"), *(self._tab(c)[c.codes[gp]] for c in self.keys)])
        if "obskey" not in self._tabs:  # the observation dimension closes the ObsKey
            self._tabs["obskey"] = table(d.values, lambda v: _value(d.id, v) + "</generic:ObsKey>")
        head = key[chunk.group]
        return join([head, self._tabs["obskey"][d.codes[chunk.pos]], *self._obs_tail(chunk)])

    def series(self, chunk: Chunk) -> bytes:
        gp = chunk.group_pos
        head = (b"<generic:Series>" + self._values(self.keys, gp, "SeriesKey", required=True)
                + self._values(self.series_attrs, gp, "Attributes"))
        if not self.prep.options.observations:
            return join([(head + b"</generic:Series>\n")[chunk.group_new]])
        d = self.obs_dim
        if "obsdim" not in self._tabs:
            self._tabs["obsdim"] = table(d.values, lambda v: f'<generic:Obs><generic:ObsDimension value="{xml_escape(v)}"/>')
        obs = self._tabs["obsdim"][d.codes[chunk.pos]]
        obs[chunk.first] = (head + b"\n")[chunk.group[chunk.first]] + obs[chunk.first]
        return join([obs, *self._obs_tail(chunk, chunk.last)])
