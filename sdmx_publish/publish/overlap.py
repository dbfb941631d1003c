"""The overlap check between the parts of a dataflow: an observation key belongs to one part only.

A part's keys are looked up in the key hashes of every other part of the release it replaces
(``parts/<part>.keys.npy``, :func:`~.parts.key_hashes`); a part's observations are read only on a hit.
The pipeline reads those hashes once per run: its validate step looks (:func:`claimed`, for the
``dup.other_source`` findings) and, when no key was claimed, records which release it looked in
(:func:`record`, ``overlap.json`` in the run's work folder). The publish step then checks again
(:func:`refuse`) only when that record is missing or names another release than the one it publishes
over: another part published meanwhile, or the check found claimed keys.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import ValidationFailed
from ..store import Release, read_frame
from ..structure import Flow
from .parts import KEYS, carried, key_hashes, part_path

#: the record of the validate step's check, in the run's work folder
OVERLAP = "overlap.json"


@dataclass(frozen=True)
class Checked:
    """A part's observations were checked against the other parts of a release and none was claimed."""

    part: str
    #: the release whose other parts were checked; None for a dataflow without a release
    release_id: str | None

    def covers(self, part: str, previous: Release | None) -> bool:
        """True when this check still holds for ``part`` published over ``previous``."""
        return self.part == part and self.release_id == (previous.id if previous else None)


def claimed(previous: Release | None, part: str, frame: pd.DataFrame, flow: Flow) -> pd.DataFrame:
    """The observations of the other parts of ``previous`` whose key ``frame`` also has, each with its
    ``_part``. Looks up the parts' key hashes; reads a part's observations only on a hit."""
    key = [*flow.dsd.dimension_ids, flow.dsd.time_dimension]
    if previous is None or not len(frame):
        return pd.DataFrame(columns=[*key, "_part"])
    mine = key_hashes(frame, flow)
    hits = []
    for p in previous.manifest.parts:
        if p == part:
            continue
        entries = carried(previous, p)
        if entries is not None:
            keys = np.load(previous.path / part_path(p, KEYS), mmap_mode="r")
            at = np.minimum(np.searchsorted(keys, mine), max(len(keys) - 1, 0))
            if not len(keys) or not (keys[at] == mine).any():
                continue
        theirs = read_frame(previous, p)
        both = theirs.merge(frame[key].astype(str).drop_duplicates(), on=key, how="inner")
        if len(both):
            hits.append(both.assign(_part=p))
    return pd.concat(hits, ignore_index=True) if hits else pd.DataFrame(columns=[*key, "_part"])


def forget(work: Path) -> None:
    """Remove an earlier record from ``work`` (before a new check)."""
    (work / OVERLAP).unlink(missing_ok=True)


def record(work: Path, part: str, previous: Release | None, found: pd.DataFrame) -> None:
    """Record in ``work`` that ``part``'s observations were checked against ``previous`` and ``found``
    none claimed; no record when some were, so that publishing checks again."""
    forget(work)
    if not len(found):
        (work / OVERLAP).write_text(json.dumps({"part": part, "release_id": previous.id if previous else None}))


def recorded(work: Path) -> Checked | None:
    """The validate step's record in ``work``, if any."""
    path = work / OVERLAP
    if not path.is_file():
        return None
    data = json.loads(path.read_text())
    return Checked(part=data["part"], release_id=data["release_id"])


def refuse(frame: pd.DataFrame, part: str, previous: Release | None, flow: Flow,
           checked: Checked | None = None) -> None:
    """Refuse observations whose key another part of ``previous`` already has (:class:`ValidationFailed`);
    nothing to read when ``checked`` covers ``part`` over ``previous``."""
    if checked is not None and checked.covers(part, previous):
        return
    key = [*flow.dsd.dimension_ids, flow.dsd.time_dimension]
    theirs = claimed(previous, part, frame, flow)
    if not len(theirs):
        return
    mine = frame[key].astype(str)
    clash = mine.merge(theirs[key].drop_duplicates(), on=key, how="left", indicator=True)["_merge"].eq("both")
    row = mine[clash.to_numpy()].iloc[0]
    raise ValidationFailed(f"{int(clash.sum())} observations of {part} are already published by another source "
                           f"of {flow.id} ({', '.join(sorted(theirs['_part'].unique()))}), e.g. key "
                           f"{'.'.join(str(row[k]) for k in key[:-1])}@{row[key[-1]]}",
                           fix="map each observation from one source only (drop it in one spec's filter)")
