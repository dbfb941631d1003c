"""The explorer's data table as HTML rows: one column per varying dimension, period, value, flag,
varying attributes, notes.

A page holds up to a thousand rows, so cells are not rendered one by one in the template: the
cell of each distinct code is rendered (and escaped) once and picked by the column's integer codes;
only values, bounds and note marks are formatted per row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from markupsafe import Markup, escape

from ...structure.model import Flow
from .labels import Label, component_name, label
from .numbers import format_values

#: attributes whose texts are footnotes rather than columns
FOOTNOTES = ("COMMENT_OBS", "COMMENT_TS")
BOUNDS = ("LOWER_BOUND", "UPPER_BOUND")


@dataclass(frozen=True, kw_only=True)
class Column:
    id: str
    name: str
    kind: Literal["dimension", "time", "value", "flag", "attribute", "bound", "notes"]


@dataclass(frozen=True, kw_only=True)
class Table:
    columns: list[Column]
    #: the ``<tr>`` rows
    body: Markup
    #: note texts, numbered from 1 in the rows' marks
    footnotes: list[str]
    #: the flags (OBS_STATUS codes other than A) the rows use
    flags: list[Label]


def _by_code(col: pd.Series, render: Callable[[str], str]) -> np.ndarray:
    """The rendered cell of each row, rendering each distinct code once (a missing value as "")."""
    if isinstance(col.dtype, pd.CategoricalDtype):
        cells = np.array([render(str(c)) for c in col.cat.categories] + [render("")], dtype=object)
        return cells[col.cat.codes.to_numpy()]
    values = col.astype(object).where(col.notna(), "").to_numpy().astype(str)
    uniq, inverse = np.unique(values, return_inverse=True)
    return np.array([render(u) for u in uniq], dtype=object)[inverse]


def _numbers(values: np.ndarray, comp: str, exact: bool) -> list[str]:
    """Number cells; with ``exact`` the unrounded value is kept as ``data-value``."""
    texts = format_values(values)
    if not exact:
        return [f'<td class="num" data-c="{comp}">{t}</td>' for t in texts]
    return [f'<td class="num" data-c="{comp}" data-value="{"" if np.isnan(v) else repr(v)}">{t}</td>'
            for v, t in zip(values.tolist(), texts, strict=True)]


def build(shown: pd.DataFrame, flow: Flow, series_dims: list[str]) -> Table:
    """The table of the rows ``shown`` (one page); ``series_dims`` are the dimensions that vary."""
    dsd = flow.dsd

    def name_cell(comp: str, title: bool) -> Callable[[str], str]:
        def render(code: str) -> str:
            n = escape(label(flow, comp, code).name if code else "")
            if title:
                return f'<td data-c="{comp}" data-code="{escape(code)}" title="{n} ({escape(code)})">{n}</td>'
            return f'<td data-c="{comp}" title="{n}">{n}</td>'
        return render

    columns = [Column(id=d, name=component_name(flow, d), kind="dimension") for d in series_dims]
    cells: list[object] = [_by_code(shown[d], name_cell(d, True)) for d in series_dims]
    columns += [Column(id=dsd.time_dimension, name="Period", kind="time"),
                Column(id=dsd.primary_measure, name="Value", kind="value")]
    cells.append(_by_code(shown[dsd.time_dimension], lambda p: f'<td data-c="{dsd.time_dimension}">{escape(p)}</td>'))
    cells.append(_numbers(shown[dsd.primary_measure].to_numpy(dtype=float), dsd.primary_measure, exact=True))
    flags: set[str] = set()
    if "OBS_STATUS" in shown.columns:
        def flag(code: str) -> str:
            if code in ("", "A"):  # normal values carry no mark
                return '<td data-c="OBS_STATUS"></td>'
            flags.add(code)
            return f'<td data-c="OBS_STATUS"><abbr title="{escape(label(flow, "OBS_STATUS", code).name)}">' \
                   f'{escape(code)}</abbr></td>'
        columns.append(Column(id="OBS_STATUS", name="Flag", kind="flag"))
        cells.append(_by_code(shown["OBS_STATUS"], flag))
    for a in dsd.attribute_ids:
        if a in ("OBS_STATUS", *FOOTNOTES) or a not in shown.columns or shown[a].isna().all():
            continue
        if a in BOUNDS:
            columns.append(Column(id=a, name=component_name(flow, a), kind="bound"))
            cells.append(_numbers(pd.to_numeric(shown[a], errors="coerce").to_numpy(float), a, exact=False))
        elif shown[a].nunique(dropna=False) > 1:  # the same for every row: said above the table
            columns.append(Column(id=a, name=component_name(flow, a), kind="attribute"))
            cells.append(_by_code(shown[a], name_cell(a, False)))
    notes, marks = _footnotes(shown)
    if notes:
        columns.append(Column(id="NOTES", name="Notes", kind="notes"))
        cells.append(['<td data-c="NOTES">' + "".join(f'<sup><a href="#note-{n}" aria-label="note {n}">{n}</a></sup>'
                                                      for n in m) + "</td>" for m in marks])
    body = "".join("<tr>" + "".join(row) + "</tr>\n" for row in zip(*cells, strict=True))  # type: ignore[call-overload]
    return Table(columns=columns, body=Markup(body), footnotes=notes,
                 flags=[label(flow, "OBS_STATUS", c) for c in sorted(flags)])


def _footnotes(shown: pd.DataFrame) -> tuple[list[str], list[tuple[int, ...]]]:
    """Distinct note texts (numbered from 1) and, per row, the numbers of its notes."""
    texts: list[str] = []
    per_row: list[tuple[int, ...]] = [()] * len(shown)
    for col in FOOTNOTES:
        if col not in shown.columns:
            continue
        values = shown[col].astype(object).where(shown[col].notna(), "").to_numpy().astype(str)
        uniq, inverse = np.unique(values, return_inverse=True)
        for text in uniq:
            if text and text not in texts:
                texts.append(text)
        numbers = np.array([texts.index(t) + 1 if t else 0 for t in uniq])[inverse]
        per_row = [p + ((int(n),) if n else ()) for p, n in zip(per_row, numbers, strict=True)]
    return texts, per_row
