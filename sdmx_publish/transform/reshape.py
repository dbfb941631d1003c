"""Row filters (subtotals, footnotes) and wide-to-long reshaping of source tables."""

from __future__ import annotations

import re

import pandas as pd

from ..errors import InputError
from ..extract.encoding import misdecoded
from ..spec.model import ENCODING_EXAMPLES, Filter, Reshape

#: what text decoded with the wrong encoding typically contains: C1 controls and Latin-1 symbols
#: (U+0080-U+00BF, e.g. cp949 read as cp1252: '¼ºº°'), and UTF-8 read as cp1252/Latin-1 ('Ã©', 'â€')
MOJIBAKE = re.compile("[\u0080-\u00bf]|Ã|â€")


def _encoding_hint(missing: list[str], have: list[str]) -> str:
    """Advice to check source.encoding when the names are not ASCII or the header looks mis-decoded (naming
    the encoding that reads a garbled name, if one does: :func:`~sdmx_publish.extract.encoding.misdecoded`)."""
    garbled = [c for c in have if MOJIBAKE.search(c)]
    for name in garbled:
        for read_as in ("cp1252", "latin-1"):  # the single-byte encodings that read any bytes
            found = misdecoded(name, read_as)
            named = [(enc, text) for enc, text in found if text in missing]  # it reads as a name the spec gives
            if named or found:
                enc = (named or found)[0][0]
                reads = " or ".join(f"{text!r} in {e}" for e, text in (named or found)[:2])
                return (f"; the table's header looks mis-decoded ({name!r} read as {read_as} is {reads}): "
                        f"check source.encoding (e.g. {enc})")
    if garbled:
        why = f"the table's header looks mis-decoded ({garbled[0]!r})"
    elif any(not c.isascii() for c in missing):
        why = "the expected names are not ASCII"
    else:
        return ""
    return f"; {why}: check source.encoding (e.g. {ENCODING_EXAMPLES})"


def require_columns(frame: pd.DataFrame, needed: list[str], where: str) -> None:
    """Fail with the missing and the available column names."""
    missing = [c for c in dict.fromkeys(needed) if c not in frame.columns]
    if missing:
        have = [c for c in frame.columns if not c.startswith("_")]
        raise InputError(f"missing column(s) {missing}; the table has {have}", where=where,
                         fix="correct the column names in the spec, or check source.skip_rows/header_rows"
                         + _encoding_hint(missing, have))


def apply_filter(frame: pd.DataFrame, f: Filter, where: str) -> tuple[pd.DataFrame, int]:
    """Keep/drop rows by value or regex; return the frame and how many rows were dropped."""
    require_columns(frame, [*f.keep, *f.drop, *f.drop_matching], where)
    mask = pd.Series(True, index=frame.index)
    for col, values in f.keep.items():
        mask &= frame[col].str.strip().isin(values)
    for col, values in f.drop.items():
        mask &= ~frame[col].str.strip().isin(values)
    if f.drop_rows:
        mask &= ~frame["_row"].isin(list(f.dropped_lines()))
    for col, pattern in f.drop_matching.items():
        mask &= ~frame[col].str.contains(pattern, regex=True, na=False)
    return frame[mask], int((~mask).sum())


def held_back(frame: pd.DataFrame, f: Filter) -> list[dict]:
    """The source lines ``drop_rows`` leaves out, per reason: their numbers, their cells, and the declared
    lines the table does not have (for the transform report and the mapping review)."""
    lines = f.dropped_lines()
    rows = frame[frame["_row"].isin(list(lines))]
    cells = [c for c in frame.columns if not c.startswith("_")]
    reasons = rows["_row"].map(lines)
    out = []
    for reason in dict.fromkeys(lines.values()):
        g = rows[reasons.eq(reason)]
        declared = [line for line, r in lines.items() if r == reason]
        out.append({"reason": reason, "rows": [int(r) for r in g["_row"]],
                    "not_in_source": sorted(set(declared) - set(g["_row"].astype(int))),
                    "cells": g[cells].to_dict("records")})
    return out


def wide_to_long(frame: pd.DataFrame, r: Reshape, where: str) -> pd.DataFrame:
    """Melt value columns into rows: the header goes to ``r.into``, the cell to ``__value``."""
    require_columns(frame, r.id_columns, where)
    if r.value_columns:
        require_columns(frame, r.value_columns, where)
        cols = r.value_columns
    else:
        pattern = r.value_columns_matching or ".*"
        cols = [c for c in frame.columns if not c.startswith("_") and c not in r.id_columns
                and pd.Series([c]).str.fullmatch(pattern).iloc[0]]
    if not cols:
        raise InputError(f"no value columns match {r.value_columns_matching!r}", where=where,
                         fix="correct reshape.value_columns_matching")
    long = frame.melt(id_vars=[*r.id_columns, "_row", "_source"], value_vars=cols, var_name="_column",
                      value_name="__value")
    labels = long["_column"].astype(str)
    if r.label_pattern:
        extracted = labels.str.extract(r.label_pattern, expand=False)
        bad = extracted.isna()
        if bad.any():
            raise InputError(f"column header {labels[bad].iloc[0]!r} does not match reshape.label_pattern "
                             f"{r.label_pattern!r}", where=where, fix="correct reshape.label_pattern")
        labels = extracted.str.strip()
    long[r.into] = labels
    return long
