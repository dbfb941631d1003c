"""Sanity checks on a source table itself, before any mapping: a cut or truncated table is refused.

A file cut in the middle of a number still parses (``3274`` becomes ``32``), so the checks look at
what a complete export has and a cut one lacks: a final line break, a last line with every field,
a declared footer, and about as many rows as the run that last published the part read.
"""

from __future__ import annotations

import csv
import re
from collections import Counter

import pandas as pd

from ..errors import InputError
from ..spec import Spec

CUT = "the file seems cut short (an interrupted download or copy?)"


def check_text_end(text: str, spec: Spec, where: str) -> None:
    """A CSV file ends with a line break (unless the spec says its producer never writes one)."""
    if spec.source.final_newline and spec.source.footer is None and not text.endswith("\n"):
        line = text.count("\n") + 1
        raise InputError(f"the file does not end with a line break after line {line}: {CUT}", where=where,
                         fix="download or export the table again; if the file is complete and its producer never "
                             "ends it with a line break, set source.final_newline: false")


def check_last_row(text: str, spec: Spec, where: str, *, sample: int = 200) -> None:
    """The last line of a CSV has as many fields as the header or most lines before it (a line cut
    short has fewer).

    A last line with one field is a note (a footnote or source line), not a cut record."""
    src = spec.source
    ends = None if src.footer is not None else _ends(text, src.skip_rows, sample)
    if ends is None:
        return
    first, body, last_line = ends  # the data lines above the last (the header may be wider or narrower)
    widths = Counter(len(r) for r in csv.reader(body, delimiter=src.delimiter) if any(r))
    usual = widths.most_common(1)[0][0] if widths else 0
    header, last = (len(next(csv.reader([line], delimiter=src.delimiter), [])) for line in (first, last_line))
    if 1 < last < min(usual, header):  # shorter than the header and the lines above: cut
        line = text.rstrip("\n").count("\n") + 1
        raise InputError(f"the last line (line {line}) has {last} fields, the lines above it "
                         f"have {usual}: {CUT}", where=where, fix="download or export the table again; if the last "
                         "line is a note, declare it with source.footer (a regular expression it matches)")


def _ends(text: str, skip: int, sample: int) -> tuple[str, list[str], str] | None:
    """The first line after ``skip`` lines, the (up to) ``sample`` lines above the last and the last line,
    final line breaks left out; None when there are fewer than 4 lines after ``skip``. A long text is
    cut at its ends, not split into all its lines."""
    end = len(text)
    while end and text[end - 1] == "\n":
        end -= 1
    wanted = max(sample, 2) + 1  # lines at the end: the last and the sample above it (at least 3: 4 with the header)
    cuts = [end]  # from the end: the line break before each of those lines
    while len(cuts) <= wanted and cuts[-1] > 0:
        cuts.append(text.rfind("\n", 0, cuts[-1]))
    head = -1  # the line break that ends the first line after ``skip``
    for _ in range(skip + 1):
        head = text.find("\n", head + 1, end)
        if head < 0:
            break
    if len(cuts) <= wanted or cuts[-1] < 0 or head < 0 or head > cuts[-1]:  # a short text: split it all
        lines = text[:end].split("\n")[skip:]
        return (lines[0], lines[1:-1][-sample:], lines[-1]) if len(lines) >= 4 else None
    start = text.rfind("\n", 0, head) + 1
    tail = [text[a + 1:b] for a, b in zip(cuts[1:], cuts[:-1])][::-1]
    return text[start:head], tail[:-1][-sample:], tail[-1]


#: the lines git writes around an unresolved merge conflict
_CONFLICT = re.compile(r"^(<{7} |={7}$|>{7} )", re.M)
_MARKS = ("<" * 7, "=" * 7, ">" * 7)


def check_conflict_markers(text: str, where: str) -> None:
    """A CSV committed with an unresolved git merge conflict (``<<<<<<< HEAD`` ... ``=======`` ... ``>>>>>>>``)
    holds two versions of the table: refused, naming the line, rather than read as one table."""
    # a scan for the marker's character first (memchr: fast), for the whole marker only if it is there
    m = _CONFLICT.search(text) if any(mark[0] in text and mark in text for mark in _MARKS) else None
    if m:
        line = text.count("\n", 0, m.start()) + 1
        marker = text[m.start():].split("\n", 1)[0]
        raise InputError(f"line {line} is a git merge-conflict marker ({marker[:40]!r}): the file was committed with "
                         "an unresolved merge conflict, so it holds two versions of the table", where=where,
                         fix="resolve the conflict where the file comes from (keep one version, remove the <<<<<<<, "
                             "======= and >>>>>>> lines), or take the file from a commit without the conflict")


def check_footer(grid: pd.DataFrame, spec: Spec, where: str) -> None:
    """The last non-blank line (or sheet row) matches the declared ``source.footer``."""
    pattern = spec.source.footer
    if pattern is None:
        return
    present = (grid.notna() & grid.ne("")).any(axis=1)
    if present.any():
        last = present[present].index[-1]
        if any(re.search(pattern, str(c)) for c in grid.loc[last] if not pd.isna(c) and c != ""):
            return
        where = f"{where}: line {last + 1}"
    raise InputError(f"the table does not end with the declared footer (source.footer `{pattern}`): {CUT}",
                     where=where, fix="download or export the table again, or correct source.footer")


def check_row_count(rows: int, previous: int | None, spec: Spec, where: str, *, allow_deletions: bool) -> None:
    """The source has not lost more than ``source.max_row_drop`` of the rows the last publication read."""
    if not previous or allow_deletions or spec.allow_deletions:
        return
    drop = (previous - rows) / previous
    if drop > spec.source.max_row_drop:
        raise InputError(f"the source has {rows} rows, {drop:.0%} fewer than the {previous} rows read by the run that "
                         f"last published this part (at most {spec.source.max_row_drop:.0%} fewer allowed): {CUT}",
                         where=where, fix="check that the file is complete; if the table really shrank, run with "
                         "--allow-deletions (or set allow_deletions: true in the spec), or raise source.max_row_drop "
                         f"to the share of rows it may lose (here {drop:.2f}; a max_share of revision.deleted_share "
                         "does not cover rows)")
