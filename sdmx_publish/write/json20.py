"""SDMX-JSON 2.0 data messages: the structure part (components and the values used, with
names from the codelists) and the data part (series or flat observations, by value index)."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone
from typing import Any, Iterator

import numpy as np

from ..formats import DATAFLOW_URN, DSD_URN
from ..structure.model import Attribute
from .frame import Column, Prepared, combos
from .text import concat, full, join, table
from .xmlcommon import urn

SCHEMA = ("https://raw.githubusercontent.com/sdmx-twg/sdmx-json/master/data-message/tools/schemas/"
          "2.0.0/sdmx-json-data-schema.json")


def _dump(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def _values(prep: Prepared, col: Column, coded: bool) -> list[dict[str, str]]:
    cl = prep.flow.codelists.get(col.id)
    if coded and cl is not None:
        return [{"id": v, "name": cl.codes[v].name if v in cl.codes else v} for v in col.values]
    return [{"value": v} for v in col.values]


def _relationship(prep: Prepared, a: Attribute) -> dict[str, Any]:
    level = prep.level(a)
    if level == "dataset":
        return {"dataflow": {}}
    if level == "series":
        return {"dimensions": list(a.dimensions)}
    return {"observation": {}}


def _structure(prep: Prepared) -> dict[str, Any]:
    dsd, flow = prep.flow.dsd, prep.flow
    pos = {d: i for i, d in enumerate(prep.dim_ids)}

    def dim(d: str) -> dict[str, Any]:
        out: dict[str, Any] = {"id": d, "keyPosition": pos[d],
                               "values": _values(prep, prep.dims[d], d != dsd.time_dimension)}
        if d == dsd.time_dimension:
            out["roles"] = ["TIME_PERIOD"]
        return out

    series_dims = [] if prep.options.flat else prep.group_dims
    obs_dims = [*prep.group_dims, prep.obs_dim] if prep.options.flat else [prep.obs_dim]
    attrs: dict[str, list[dict[str, Any]]] = {"dataSet": [], "series": [], "observation": []}
    for level, key in (("dataset", "dataSet"), ("series", "series"), ("observation", "observation")):
        for col in prep.attrs_at(level):
            a = dsd.component(col.id)
            assert isinstance(a, Attribute)
            attrs[key].append({"id": a.id, "isMandatory": a.mandatory, "relationship": _relationship(prep, a),
                               "values": _values(prep, col, a.codelist is not None)})
    return {
        "links": [{"urn": urn(DATAFLOW_URN, flow.dataflow.ref), "rel": "dataflow"},
                  {"urn": urn(DSD_URN, dsd.ref), "rel": "datastructure"}],
        "name": flow.dataflow.name or flow.dataflow.ref.id,
        "dimensions": {"dataSet": [], "series": [dim(d) for d in series_dims],
                       "observation": [dim(d) for d in obs_dims]},
        "measures": {"observation": [{"id": dsd.primary_measure}]},
        "attributes": attrs,
        "dataSets": [0],
    }


def json20(prep: Prepared) -> Iterator[str | bytes]:
    """The whole message; observations stream chunk by chunk."""
    o = prep.options
    prep.check_shape()
    meta = {"schema": SCHEMA, "id": o.message_id or "IREF" + uuid.uuid4().hex[:16].upper(), "test": o.test,
            "prepared": (o.prepared or datetime.now(timezone.utc)).astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "contentLanguages": ["en"], "sender": {"id": o.sender}}
    ds_attrs = [c.codes[c.codes >= 0][0] for c in prep.attrs_at("dataset")]
    dataset = {"structure": 0, "action": "Information", "links": [{"urn": urn(DATAFLOW_URN, prep.flow.dataflow.ref),
               "rel": "dataflow"}], "attributes": [int(i) for i in ds_attrs]}
    head = _dump({"meta": meta, "data": {"structures": [_structure(prep)], "dataSets": [dataset]}})
    assert head.endswith("}]}}")
    yield head[:-4] + ',"' + ("observations" if o.flat else "series") + '":{'
    yield from (_flat if o.flat else _series)(prep)
    yield "}}]}}"


def _index_text(cols: list[Column], pos: np.ndarray) -> np.ndarray:
    """``i:j:k`` from the value indices of ``cols``."""
    pieces = []
    for n, c in enumerate(cols):
        pieces.append(table([str(i) for i in range(len(c.values))], str)[c.codes[pos]])
        if n < len(cols) - 1:
            pieces.append(full(len(pos), ":"))
    return concat(pieces)


class _Obs:
    """Tables for observations: ``"t":[`` (with or without a leading comma, or the end of a
    flat key ``t":[``), the value, and
    ``,attr index...]`` (with the closing ``}}`` of a series where it ends)."""

    def __init__(self, prep: Prepared, attrs: list[Column]) -> None:
        d = prep.dims[prep.obs_dim]
        self.prep, self.attrs, self.dim = prep, attrs, d
        self.key = table([f',"{i}":[' for i in range(len(d.values))], str)
        self.first_key = table([f'"{i}":[' for i in range(len(d.values))], str)
        self.flat_key = table([f'{i}":[' for i in range(len(d.values))], str)
        self.value = table(prep.measure.values, lambda v: v if v not in ("NaN", "INF", "-INF") else "null", "null")
        self.attr_tabs = [table([f",{i}" for i in range(len(c.values))], str, ",null") for c in attrs]

    def tail(self, pos: np.ndarray, last: np.ndarray | None = None) -> np.ndarray:
        inv, rep = combos(self.attrs, pos)
        text = concat([full(len(rep), ""), *(t[c.codes[rep]] for t, c in zip(self.attr_tabs, self.attrs)),
                       full(len(rep), "]")])
        out = text[inv]
        if last is not None:
            out[last] = (text + b"}}")[inv[last]]
        return out


def _flat(prep: Prepared) -> Iterator[str | bytes]:
    keys = [prep.dims[d] for d in prep.group_dims]
    obs = _Obs(prep, prep.attrs_at("observation") if prep.options.observations else [])
    for n, chunk in enumerate(prep.chunks()):
        gp, pos = chunk.group_pos, chunk.pos
        head = concat([full(len(gp), ',"'), *((_index_text(keys, gp) + b":",) if keys else ())])[chunk.group]
        if n == 0:
            head[0] = head[0][1:]  # no comma before the very first observation
        key = obs.flat_key[obs.dim.codes[pos]]
        yield join([head, key, obs.value[prep.measure.codes[pos]], obs.tail(pos)])


def _series(prep: Prepared) -> Iterator[str | bytes]:
    keys = [prep.dims[d] for d in prep.group_dims]
    sattrs = prep.attrs_at("series")
    obs = _Obs(prep, prep.attrs_at("observation"))
    for n, chunk in enumerate(prep.chunks()):
        gp, pos = chunk.group_pos, chunk.pos
        comma = full(len(gp), ',"')
        if n == 0 and len(gp):
            comma[0] = b'"'  # no comma before the very first series
        sa = [full(len(gp), "")]
        for i, c in enumerate(sattrs):
            sep = "," if i else ""
            sa.append(table([sep + str(k) for k in range(len(c.values))], str, sep + "null")[c.codes[gp]])
        head = concat([comma, _index_text(keys, gp), full(len(gp), '":{"attributes":['), *sa, full(len(gp), "]")])
        if not prep.options.observations:
            yield join([(head + b"}")[chunk.group_new]])
            continue
        codes = obs.dim.codes[pos]
        key = obs.key[codes]
        first = chunk.first
        key[first] = (head + b',"observations":{')[chunk.group[first]] + obs.first_key[codes[first]]
        yield join([key, obs.value[prep.measure.codes[pos]], obs.tail(pos, chunk.last)])
