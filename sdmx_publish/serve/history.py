"""Revision history in data answers: ``updatedAfter`` (what changed since a time) and ``includeHistory``.

The store keeps every release, so history is a comparison of releases:

- ``updatedAfter=T``: the baseline is the newest release of the dataflow published at or before
  ``T`` (none: every observation is new). The answer holds the observations of the addressed
  release that are new or revised since the baseline (a data set with ``action="Replace"``) and
  the baseline's observations that are gone (a data set with ``action="Delete"``), as SDMX marks
  deletions. Each observation is compared on its value and every attribute.
- ``includeHistory=true``: every release's version of the selected observations, one data set per
  release in which they differ from the release before, each with ``validFromDate`` (the release's
  time) and ``validToDate`` (the next version's), oldest first.

Several data sets in one message are SDMX-ML (2.1 structure-specific and generic, 3.0) and SDMX-CSV
2.0 (its ``ACTION`` column: ``R`` replace, ``D`` delete, ``I`` information); in other formats an
answer of only new or revised observations is one ordinary data set, anything more is a 406.
Order: the comparison; assembling several data sets into one message.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd
from lxml import etree

from ..formats import Format
from ..store.compare import diff
from ..structure.model import Flow
from ..xmlsafe import parser
from .query import QueryError

#: formats that carry several data sets, each with its action
HISTORY_FORMATS = (Format.ML21_STRUCTURE_SPECIFIC, Format.ML21_STRUCTURE_SPECIFIC_TS, Format.ML21_GENERIC,
                   Format.ML21_GENERIC_TS, Format.ML30_STRUCTURE_SPECIFIC, Format.CSV20)
CSV_ACTION = {"Replace": "R", "Delete": "D", "Information": "I"}


@dataclass(frozen=True)
class DataSet:
    """Observations with what a receiver does with them (an SDMX action) and when they were valid."""

    frame: pd.DataFrame
    action: str
    valid_from: datetime | None = None
    valid_to: datetime | None = None


def changes(store: Any, releases: list[Any], release: Any, flow: Flow, since: datetime | None,
            select: Callable[[pd.DataFrame], pd.DataFrame]) -> list[DataSet]:
    """What changed in ``release`` since the newest of ``releases`` published at or before ``since``:
    new and revised observations (Replace), and those gone (Delete), each selected by the query."""
    base = [r for r in releases if since is not None and r.created <= since]
    now = store.frame(release)
    if not base:
        return [DataSet(select(now), "Replace")]
    before = store.frame(base[-1])
    changed, gone = diff(before, now, flow)
    return [DataSet(select(now.iloc[changed]), "Replace"), DataSet(select(before.iloc[gone]), "Delete")]


def versions(selected: list[tuple[Any, pd.DataFrame]], flow: Flow, since: datetime | None) -> list[DataSet]:
    """One data set per release whose selected observations differ from the previous release's (the
    first always), valid from that release until the next version; only releases after ``since``."""
    kept: list[tuple[Any, pd.DataFrame]] = []
    for rel, frame in selected:
        if kept:
            changed, gone = diff(kept[-1][1], frame, flow)
            if not len(changed) and not len(gone):
                continue
        kept.append((rel, frame))
    out = []
    for i, (rel, frame) in enumerate(kept):
        if since is not None and rel.created <= since:
            continue
        until = kept[i + 1][0].created if i + 1 < len(kept) else None
        out.append(DataSet(frame, "Information", valid_from=rel.created, valid_to=until))
    return out


def assemble(parts: list[bytes], sets: list[DataSet], fmt: Format) -> bytes:
    """One message of several data sets from one written message per data set (same header)."""
    if fmt not in HISTORY_FORMATS:  # one ordinary data set (see check_format)
        return parts[0]
    if fmt == Format.CSV20:
        out = [parts[0].split(b"\n", 1)[0]]
        for body, ds in zip(parts, sets):
            rows = b"\n" + body.split(b"\n", 1)[1].rstrip(b"\n") if b"\n" in body.rstrip(b"\n") else b""
            prefix = rows[:rows.find(b",I,", 1) + 3]  # "\ndataflow,AGENCY:ID(VERSION),I," starts every row
            out.append(rows.replace(prefix, prefix[:-2] + CSV_ACTION[ds.action].encode() + b",") if rows else b"")
        return b"".join(out) + b"\n"
    first = etree.fromstring(parts[0], parser())
    data_sets = []
    for body, ds in zip(parts, sets):
        root = first if body is parts[0] else etree.fromstring(body, parser())
        for el in root:
            if etree.QName(el).localname == "DataSet":
                for name in list(el.attrib):
                    if etree.QName(name).localname == "action":
                        el.set(name, ds.action)
                if ds.valid_from is not None:
                    el.set("validFromDate", f"{ds.valid_from:%Y-%m-%dT%H:%M:%S}")
                if ds.valid_to is not None:
                    el.set("validToDate", f"{ds.valid_to:%Y-%m-%dT%H:%M:%S}")
                data_sets.append(el)
    for el in [e for e in first if etree.QName(e).localname == "DataSet"]:
        first.remove(el)
    at = len(first)
    for i, el in enumerate(data_sets):  # DataSets come after the header, before any footer
        first.insert(at + i, el)
    return etree.tostring(first, xml_declaration=True, encoding="UTF-8")


def check_format(fmt: Format, sets: list[DataSet]) -> None:
    """Several data sets, or deletions, need a format with data set actions; one set of new or revised
    observations can be answered in any format."""
    if fmt in HISTORY_FORMATS or (len(sets) == 1 and sets[0].action != "Delete"):
        return
    raise QueryError(f"this answer has several data sets (replacements, deletions or versions); {fmt.value} "
                     "cannot carry them", status=406,
                     fix="ask for SDMX-ML (format=structurespecificdata or genericdata) or SDMX-CSV 2.0")
