"""Report tables (``source.layout``): header rows into column keys, row labels into one label path.

National report tables are made for reading, not for machines: two or three header rows with a group
(a year, "Rate per 1,000", "95% confidence interval") over the measures, merged cells in XLSX, spacer
and marker columns without a header, row labels spread over indent columns, and footnote markers glued
to labels ("Delitos ocurridos1, 2", "Violent crime/b"). :func:`layout_header` turns the header block
and the body of such a table, as read (a grid of strings whose index is the 0-based line or sheet
row), into the frame every reader returns, and says what it did (``attrs["layout"]``):

- a header cell of an upper row spans to the right over the empty cells of its row, up to the next
  cell of that row or of a row above (a new group), so repeated groups stay apart; in XLSX the
  merged ranges say the span exactly. A column's key is its header cells joined by
  ``header_separator``; a column with no header cell of its own (a spacer or marker column) is
  ``column N`` (its position, 1-based);
- the row-label columns (``labels.columns``) become one column, ``labels.name``: the label path of
  the row, the levels above carried down from the rows above (indent levels);
- ``drop``/``keep``/``rename`` choose and name columns by position or by a pattern on the key;
- ``footnotes`` patterns remove markers at the end of header cells and labels; every removal is
  listed (line, column, text, marker);
- ``cell_fills`` (XLSX) adds ``<key> (fill)`` beside each value column, the cell's fill colour, for
  tables that mark the precision of an estimate by colour (a value map turns it into a flag or note);
- a header that does not look like the declared ``header_rows`` (a blank header row, numbers in
  the header, a first data row of header words) is an :class:`InputError` naming the line.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

import pandas as pd

from ..errors import InputError
from ..spec.model import Layout

#: a cell that is data rather than a header word: a decimal number or one with thousands separators
#: (a year such as 2017 is a header word in a table with years as columns)
_DATA_NUMBER = re.compile(r"\s*-?(\d{1,3}(,\d{3})+(\.\d+)?|\d*\.\d+)\s*%?\s*")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class SheetFacts:
    """What an XLSX sheet says beyond its values: merged ranges, 0-based (first row, first column, last row,
    last column), and the fill colour of each cell of the grid (ARGB text, "" for none) when asked for."""

    merged: list[tuple[int, int, int, int]]
    fills: pd.DataFrame | None = None


def sheet_facts(raw: bytes, sheet: str | int, grid: pd.DataFrame, *, fills: bool) -> SheetFacts:
    """The merged ranges of ``sheet`` and, with ``fills``, the fill colours of the cells of ``grid`` (its index
    and columns the 0-based sheet rows and columns)."""
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(raw))
    ws = book[sheet] if isinstance(sheet, str) else book.worksheets[sheet]
    merged = [(r.min_row - 1, r.min_col - 1, r.max_row - 1, r.max_col - 1) for r in ws.merged_cells.ranges]
    if not fills or grid.empty:
        return SheetFacts(merged)
    rows = ws.iter_rows(min_row=1, max_row=int(grid.index.max()) + 1, max_col=grid.shape[1])
    colours = [[_colour(c.fill) for c in row] for row in rows]
    table = pd.DataFrame(colours).reindex(index=grid.index, columns=range(grid.shape[1])).fillna("")
    return SheetFacts(merged, table.astype(str).set_axis(grid.columns, axis=1))


def _colour(fill) -> str:  # noqa: ANN001 (an openpyxl PatternFill)
    """A cell's solid fill colour as text: ARGB (``FFFFEA00``), ``theme N`` or ``indexed N``; "" for none."""
    if fill is None or fill.fill_type != "solid":
        return ""
    colour = fill.fgColor
    return str(colour.rgb) if colour.type == "rgb" else f"{colour.type} {getattr(colour, colour.type)}"


def column_name(i: int) -> str:
    """A 0-based column index as people see it: ``4 (D)``."""
    letters, n = "", i + 1
    while n:
        n, r = divmod(n - 1, 26)
        letters = chr(65 + r) + letters
    return f"{i + 1} ({letters})"


def strip_footnotes(cells: pd.Series, patterns: list[str]) -> tuple[pd.Series, pd.Series]:
    """``cells`` without the footnote markers at their end, and the markers removed ("" where none)."""
    if not patterns:
        return cells, pd.Series("", index=cells.index)
    tail = re.compile(f"(?:{'|'.join(f'(?:{p})' for p in patterns)})\\s*$")
    found = cells.str.extract(f"^(?P<text>.*?)(?P<marker>{tail.pattern})", flags=re.S)
    hit = found["marker"].notna() & found["text"].str.strip().ne("")
    return cells.where(~hit, found["text"].str.rstrip()), found["marker"].where(hit, "").str.strip()


def _noted(removed: list[dict], line: pd.Series, column: pd.Series, text: pd.Series, marker: pd.Series) -> None:
    """Add the footnote markers removed from ``text`` (cells with their line and column) to ``removed``."""
    hit = marker.ne("")
    removed += [{"line": int(n), "column": c, "text": t, "marker": m}
                for n, c, t, m in zip(line[hit], column[hit], text[hit], marker[hit])]


def _clean(cells: pd.DataFrame) -> pd.DataFrame:
    return cells.fillna("").astype(str).apply(lambda c: c.str.replace(_SPACES, " ", regex=True).str.strip())


def header_keys(head: pd.DataFrame, layout: Layout, merged: list[tuple[int, int, int, int]], where: str,
                removed: list[dict]) -> list[str]:
    """One key per column from the header block (rows of ``head``, its index the 0-based line).

    ``merged``: XLSX merged ranges as 0-based (first row, first column, last row, last column)."""
    head = _clean(head)
    lines = head.index.to_numpy()
    for i in range(len(lines)):
        text, marker = strip_footnotes(head.iloc[i], layout.footnotes)
        _noted(removed, pd.Series(lines[i] + 1, index=text.index), pd.Series(
            [column_name(c) for c in range(head.shape[1])], index=text.index), head.iloc[i], marker)
        head.iloc[i] = text.to_numpy()
    origin = head.ne("")  # a column's own header cells: written in it, or a merged range starting in it
    for r0, c0, r1, c1 in merged:
        rows = [head.index.get_loc(r) for r in range(r0, r1 + 1) if r in head.index]
        if rows and r0 in head.index and c1 < head.shape[1]:
            head.iloc[rows, c0:c1 + 1] = head.iat[rows[0], c0]
            origin.iloc[rows, c0] = True
    for i, line in enumerate(lines):
        if head.iloc[i].eq("").all():
            raise InputError(f"line {line + 1} is blank, but source.header_rows says the header has "
                             f"{len(lines)} rows from line {lines[0] + 1}", where=where,
                             fix="set source.skip_rows to the number of lines above the first header row, and "
                                 "source.header_rows to the number of header rows")
    last = head.iloc[-1]
    numbers = last[last.str.fullmatch(_DATA_NUMBER)]
    if len(numbers):
        c = head.columns.get_loc(numbers.index[0])
        raise InputError(f"line {lines[-1] + 1}, column {column_name(c)}: header cell {numbers.iloc[0]!r} is a "
                         f"number, so the header has fewer rows than source.header_rows: {len(lines)}", where=where,
                         fix="lower source.header_rows (or source.skip_rows) so that the header ends above the "
                             "first data row")
    filled = head.copy()
    boundary = pd.Series(False, index=head.columns)
    for i in range(len(lines) - 1):  # upper rows span right within the groups of the rows above
        boundary |= head.iloc[i].ne("")
        group = boundary.cumsum()
        filled.iloc[i] = head.iloc[i].replace("", pd.NA).groupby(group.to_numpy()).ffill().fillna("").to_numpy()
    named = origin.any()
    keys = []
    for c in range(head.shape[1]):
        parts = [p for p in filled.iloc[:, c] if p]
        keys.append(layout.header_separator.join(dict.fromkeys(parts)) if named.iloc[c] else f"column {c + 1}")
    return keys


def label_path(levels: pd.DataFrame, separator: str) -> pd.Series:
    """One label per row from indent columns: a row's own levels from its first non-empty one, the
    levels above carried down from the rows above; a row with no label at all gets ""."""
    own = levels.ne("")
    first = own.to_numpy().argmax(axis=1)
    labelled = own.any(axis=1).to_numpy()
    carried = []
    for j in range(levels.shape[1]):
        col = levels.iloc[:, j].where(pd.Series(labelled & (first <= j), index=levels.index))
        carried.append(col.ffill().fillna("").where(labelled, ""))
    path = pd.concat(carried, axis=1)
    return path.apply(lambda r: separator.join(p for p in r if p), axis=1) if len(path) else pd.Series(dtype=str)


def _positions(selector: list[int | str], keys: list[str], key: str, where: str, *, each: bool) -> set[int]:
    """Column indexes (0-based) chosen by 1-based positions or by patterns matching the whole key."""
    chosen: set[int] = set()
    for s in selector:
        if isinstance(s, int):
            if not 1 <= s <= len(keys):
                raise InputError(f"source.layout.{key}: column {s} does not exist; the table has {len(keys)} columns",
                                 where=where, fix="count columns from 1 at the left edge of the table")
            chosen.add(s - 1)
            continue
        hits = {i for i, k in enumerate(keys) if re.fullmatch(s, k)}
        if each and not hits:
            raise InputError(f"source.layout.{key}: no column matches {s!r}; the columns are {keys}", where=where,
                             fix="correct the pattern (it must match the whole column key)")
        chosen |= hits
    return chosen


def layout_header(grid: pd.DataFrame, layout: Layout, first: int, header_rows: int, where: str,
                  sheet: SheetFacts | None = None, missing: tuple[str, ...] = ()) -> pd.DataFrame:
    """The body of a report table with its columns keyed (see the module doc); ``first``: the index in
    ``grid`` of the first header row; ``missing``: the missing-value markers (not header words);
    ``sheet``: what an XLSX sheet adds (merged ranges, fill colours, which
    with ``layout.cell_fills`` become a column ``<key> (fill)`` beside each value column).
    ``attrs["layout"]``: the keys, what was dropped, what was removed."""
    removed: list[dict] = []
    keys = header_keys(grid.iloc[first:first + header_rows], layout, sheet.merged if sheet else [], where, removed)
    body = _clean(grid.iloc[first + header_rows:])
    body.columns = range(body.shape[1])
    label_cols = [c - 1 for c in (layout.labels.columns if layout.labels else [])]
    bad = [c + 1 for c in label_cols if c >= len(keys)]
    if bad:
        raise InputError(f"source.layout.labels.columns: column {bad[0]} does not exist; the table has {len(keys)} "
                         "columns", where=where, fix="count columns from 1 at the left edge of the table")
    lines = pd.Series(body.index.to_numpy() + 1, index=body.index)
    dropped = _positions(layout.drop, keys, "drop", where, each=False)
    if layout.keep:
        dropped |= set(range(len(keys))) - _positions(layout.keep, keys, "keep", where, each=True)
    dropped -= set(label_cols)
    names = dict(enumerate(keys))
    for old, new in layout.rename.items():
        hit = _positions([old], keys, "rename", where, each=True)
        names.update({i: new for i in hit})
    value_cols = [c for c in range(len(keys)) if c not in dropped and c not in label_cols]
    out = body[value_cols].set_axis([names[c] for c in value_cols], axis=1)
    if layout.cell_fills and sheet is not None and sheet.fills is not None:
        fills = sheet.fills.iloc[first + header_rows:, value_cols]
        for c in value_cols:
            out.insert(out.columns.get_loc(names[c]) + 1, f"{names[c]} (fill)", fills.iloc[:, value_cols.index(c)])
    if layout.labels:
        levels = body[label_cols].copy()
        for c in label_cols:
            text, marker = strip_footnotes(levels[c], layout.footnotes)
            _noted(removed, lines, pd.Series(column_name(c), index=lines.index), levels[c], marker)
            levels[c] = text
        out.insert(0, layout.labels.name, label_path(levels, layout.labels.separator))
    _check_first_row(out, [names[c] for c in value_cols], where, header_rows, missing)
    _check_unique(list(out.columns), [*([label_cols[0]] if layout.labels else []), *value_cols], where)
    out.attrs["layout"] = {"columns": {n: column_name(c) for n, c in zip(out.columns, [
        *([label_cols[0]] if layout.labels else []), *value_cols])},
        "dropped": [column_name(c) for c in sorted(dropped)], "footnotes_removed": removed}
    return out


def _check_unique(names: list[str], positions: list[int], where: str) -> None:
    seen: dict[str, int] = {}
    for name, c in zip(names, positions):
        if name in seen:
            raise InputError(f"columns {column_name(seen[name])} and {column_name(c)} have the same key {name!r}",
                             where=where, fix="drop or rename one of them by position (source.layout.drop: "
                                              f"[{c + 1}] or rename: {{{c + 1}: a name}}), or check "
                                              "source.header_rows")
        seen[name] = c


def _check_first_row(out: pd.DataFrame, value_cols: list[str], where: str, header_rows: int,
                     missing: tuple[str, ...]) -> None:
    """The first data row has no header words (letters and no digit, not a missing-value marker) in most
    of its named value columns."""
    named = [c for c in value_cols if not c.startswith("column ")]
    if out.empty or not named:
        return
    first = out[named].iloc[0]
    words = first[first.str.contains(r"[^\W\d_]{2}") & ~first.str.contains(r"\d") & ~first.isin(missing)]
    if len(words) > len(named) / 2:
        raise InputError(f"line {out.index[0] + 1} looks like one more header row ({', '.join(map(repr, words[:3]))} "
                         f"under {', '.join(map(repr, words.index[:3]))}), not data", where=where,
                         fix=f"set source.header_rows: {header_rows + 1} (or source.skip_rows one more)")
