"""SDMX-CSV 1.0 and 2.0, with ``labels=id`` or ``labels=both`` (``id: name`` headers from the concepts,
``code: name`` cells from the codelists)."""

from __future__ import annotations

from typing import Iterator

import numpy as np

from ..errors import Unsupported
from .frame import Column, Prepared, combos
from .text import concat, csv_escape, full, join, table


def _label(prep: Prepared, col: Column) -> list[str]:
    """Cell text of each value: the id, or ``id: name`` for coded components with labels=both."""
    cl = prep.flow.codelists.get(col.id)
    if prep.options.labels != "both" or cl is None:
        return col.values
    return [f"{v}: {cl.codes[v].name}" if v in cl.codes else v for v in col.values]


def _columns(prep: Prepared) -> tuple[list[Column], Column, list[Column]]:
    """(group dimensions, observation dimension, attributes of every level) in header order."""
    if not prep.options.observations:
        raise Unsupported(f"detail={prep.options.detail} for SDMX-CSV",
                          fix="SDMX-CSV holds observations: use detail=full or dataonly")
    forced = prep.options.csv_attributes
    attrs = [prep.attributes.get(a.id) or Column(a.id, np.full(prep.n, -1, dtype=np.int8), [])
             for a in prep.flow.dsd.attributes
             if a.id in prep.attributes or a.id in forced] if prep.options.attributes else []
    return [prep.dims[d] for d in prep.group_dims], prep.dims[prep.obs_dim], attrs


def _rows(prep: Prepared, prefix: str, custom: tuple[Column, ...] = ()) -> Iterator[str | bytes]:
    """Data lines: ``prefix`` then group key, observation dimension, value, attributes, ``custom`` columns."""
    keys, obs_dim, attrs = _columns(prep)
    attrs = [*attrs, *custom]
    cell = lambda v: "," + csv_escape(v)  # noqa: E731
    tabs = {c.id: table(_label(prep, c), cell, missing=",") for c in (*keys, obs_dim, *attrs)}
    value_tab = table(prep.measure.values, lambda v: "," + v, missing=",")
    for chunk in prep.chunks():
        gp, pos = chunk.group_pos, chunk.pos
        key = concat([full(len(gp), prefix), *(tabs[c.id][c.codes[gp]] for c in keys)])
        inv, rep = combos(attrs, pos)  # attributes and the line end: once per combination
        tail = concat([*(tabs[c.id][c.codes[rep]] for c in attrs), full(len(rep), "\n")])
        yield join([key[chunk.group], tabs[obs_dim.id][obs_dim.codes[pos]], value_tab[prep.measure.codes[pos]],
                    tail[inv]])


def _header(prep: Prepared, first: list[str], custom: tuple[Column, ...] = ()) -> str:
    """Column ids; with labels=both ``id: name`` (the component's concept name), as SDMX-CSV says."""
    keys, obs_dim, attrs = _columns(prep)
    ids = [*(c.id for c in keys), obs_dim.id, prep.measure.id, *(c.id for c in [*attrs, *custom])]
    names = prep.flow.names if prep.options.labels == "both" else {}
    return ",".join(csv_escape(n) for n in [*first, *(f"{i}: {names[i]}" if i in names else i for i in ids)]) + "\n"


def csv10(prep: Prepared) -> Iterator[str | bytes]:
    """SDMX-CSV 1.0: ``DATAFLOW`` (agency:id(version)) then components."""
    ref = prep.flow.dataflow.ref
    yield _header(prep, ["DATAFLOW"])
    yield from _rows(prep, csv_escape(f"{ref.agency}:{ref.id}({ref.version})"))


def csv20(prep: Prepared) -> Iterator[str | bytes]:
    """SDMX-CSV 2.0: ``STRUCTURE,STRUCTURE_ID,ACTION`` then components."""
    ref = prep.flow.dataflow.ref
    custom = tuple(prep.custom)
    yield _header(prep, ["STRUCTURE", "STRUCTURE_ID", "ACTION"], custom)
    yield from _rows(prep, "dataflow," + csv_escape(f"{ref.agency}:{ref.id}({ref.version})") + ",I", custom)
