"""A part's files in a release, and the whole dataflow's files assembled from them.

Each part (one source spec) has, under ``parts/``: its SDMX-CSV 1.0, SDMX-ML 2.1 structure-specific
and generic messages, each a valid message of its own whose manifest entry records the byte range
of its series or rows (``body``), and ``<part>.keys.npy``, the sorted 64-bit hashes of its
observation keys. A publication renders only the part it publishes; the other parts' files are
hard links to the previous release's. The whole dataflow's files are not written: the manifest lists
each as segments of the parts' files (the new part's message header, every part's body in part order,
the footer), read by :mod:`sdmx_publish.store.assembled`; byte for byte what the writer makes of all
the parts' observations with ``partition="_part"`` (tests/publish/test_parts.py). Publishing a part
therefore costs the same whatever the size of the other parts.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from ..formats import Format
from ..store import RELEASE_FILES, FileEntry, Release, Segment, read_frame
from ..store.commit import create_digesting, mkdir
from ..store.layout import PART_FORMAT, PARTS
from ..structure import Flow
from ..write import Prepared, WriteOptions, prepare, write

#: the formats of a part's files, with their suffix and manifest format name
PART_FILES: dict[Format, tuple[str, str]] = {
    Format.CSV10: (".csv", PART_FORMAT),
    Format.ML21_STRUCTURE_SPECIFIC: (".ss.xml", f"{Format.ML21_STRUCTURE_SPECIFIC.value}-part"),
    Format.ML21_GENERIC: (".generic.xml", f"{Format.ML21_GENERIC.value}-part"),
}
KEYS = ".keys.npy"
KEYS_FORMAT = "observation-key-hashes"
#: a part's SDMX-CSV rows under the union of every part's attribute columns (when its own differ)
UNION = ".union.csv"
UNION_FORMAT = f"{PART_FORMAT}-union"
_FOOTER = b"</message:DataSet>"


def part_path(part: str, suffix: str) -> str:
    return f"{PARTS}/{part}{suffix}"


def _is_text(s: pd.Series) -> bool:
    """Whether a column's values are text (the writers' text of them is then ``str`` of each)."""
    dtype = s.dtype.categories.dtype if isinstance(s.dtype, pd.CategoricalDtype) else s.dtype
    return not (pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype))


def key_hashes(frame: pd.DataFrame, flow: Flow, prepared: Prepared | None = None) -> np.ndarray:
    """Sorted uint64 hashes of the observation keys (series key and time period), as text. ``prepared``: the
    frame prepared for writing, whose codes are reused when every key column holds text."""
    key = [*flow.dsd.dimension_ids, flow.dsd.time_dimension]
    if not len(frame):
        return np.array([], dtype=np.uint64)
    # each distinct value as text once: pandas hashes a categorical as the values it stands for,
    # so these are the hashes of frame[key].astype(str) without a Python string per cell
    text = {}
    for k in key:
        if prepared is not None and _is_text(frame[k]):  # the written text of a text value is str() of it
            text[k] = prepared.dims[k].categorical()
            continue
        codes, uniques = pd.factorize(frame[k], use_na_sentinel=False)
        merged, names = pd.factorize(pd.Index(uniques).astype(str).to_numpy(dtype=object))  # 3 and "3" are one
        text[k] = pd.Categorical.from_codes(merged[codes], categories=pd.Index(names, dtype=object), validate=False)
    return np.sort(pd.util.hash_pandas_object(pd.DataFrame(text), index=False).to_numpy(dtype=np.uint64))


def _body(path: Path, fmt: Format) -> tuple[int, int]:
    """Byte range of the series (XML) or rows (CSV) in a message written by our writers."""
    size = path.stat().st_size
    with open(path, "rb") as f:
        head = f.read(1 << 16)
        if fmt is Format.CSV10:
            return head.index(b"\n") + 1, size
        start = head.index(b"\n", head.index(b"<message:DataSet ")) + 1
        f.seek(max(0, size - 512))
        tail = f.read()
    return start, size - len(tail) + tail.rindex(_FOOTER)


def render(rows: pd.DataFrame, flow: Flow, folder: Path, part: str, options: WriteOptions,
           prepared: Prepared | None = None) -> list[FileEntry]:
    """Write one part's files into ``folder`` (a release being staged) and return their entries. The
    formats share one preparation of ``rows`` (``prepared``, if given, is it)."""
    (folder / PARTS).mkdir(exist_ok=True)
    prep = (prepared or prepare(rows, flow, options)).with_options(options)
    out = []
    for fmt, (suffix, name) in PART_FILES.items():
        path = part_path(part, suffix)
        with create_digesting(folder / path) as f:
            write(prep, flow, fmt, f)  # type: ignore[arg-type]
        out.append(FileEntry(path=path, format=name, media_type=fmt.media_type, sha256=f.sha256, bytes=f.bytes,
                             observations=len(rows), body=_body(folder / path, fmt)))
    path = part_path(part, KEYS)
    with create_digesting(folder / path) as f:
        np.save(f, key_hashes(rows, flow, prep))  # type: ignore[arg-type]
    out.append(FileEntry(path=path, format=KEYS_FORMAT, sha256=f.sha256, bytes=f.bytes, observations=len(rows)))
    return out


def carried(previous: Release, part: str) -> list[FileEntry] | None:
    """The entries of ``part``'s files in ``previous``, or None if it lacks some (older releases)."""
    wanted = {part_path(part, s) for s, _ in PART_FILES.values()} | {part_path(part, KEYS)}
    found = [f for f in previous.files if f.path in wanted]
    if len(found) != len(wanted) or any(f.body is None for f in found if not f.path.endswith(KEYS)):
        return None
    return found


def share(previous: Release, entries: list[FileEntry], folder: Path) -> None:
    """Hard-link unchanged files from ``previous`` into ``folder`` at the same paths (a copy where links
    are not possible)."""
    for f in entries:
        mkdir((folder / f.path).parent)
        try:
            os.link(previous.path / f.path, folder / f.path)
        except OSError:
            shutil.copyfile(previous.path / f.path, folder / f.path)
            os.chmod(folder / f.path, 0o644)


def entry_of(entries: list[FileEntry], fmt: Format) -> FileEntry:
    return next(f for f in entries if f.format == PART_FILES[fmt][1])


def csv_header(path: Path) -> bytes:
    with open(path, "rb") as f:
        return f.readline()


def _segment(e: FileEntry, start: int | None = None, end: int | None = None) -> Segment:
    assert e.body is not None
    return Segment(path=e.path, start=e.body[0] if start is None else start, end=e.body[1] if end is None else end)


def assemble(folder: Path, flow: Flow, parts: dict[str, list[FileEntry]], lead: str, options: WriteOptions,
             frames: dict[str, pd.DataFrame | Prepared], previous: Release | None) -> list[FileEntry]:
    """The whole dataflow's files, as segments of the parts' files in ``folder`` (nothing is copied):
    the header and footer of part ``lead`` (rendered for this release), every part's body in part order.
    Returns their entries, and those of the union-column CSV files :func:`_csv` had to add."""
    out = []
    order = sorted(parts)
    total = sum(entry_of(parts[p], Format.CSV10).observations for p in order)
    for fmt, name in RELEASE_FILES.items():
        if fmt is Format.CSV10:
            segments, added = _csv(folder, flow, parts, order, options, frames, previous)
            out += added
        else:
            head = entry_of(parts[lead], fmt)
            assert head.body is not None
            segments = [_segment(head, 0, head.body[0]), *(_segment(entry_of(parts[p], fmt)) for p in order),
                        _segment(head, head.body[1], head.bytes)]
        out.append(FileEntry(path=name, format=fmt.value, media_type=fmt.media_type, sha256=None,
                             bytes=sum(g.end - g.start for g in segments), observations=total, segments=segments))
    return out


def _csv(folder: Path, flow: Flow, parts: dict[str, list[FileEntry]], order: list[str], options: WriteOptions,
         frames: dict[str, pd.DataFrame | Prepared], previous: Release | None) -> tuple[list[Segment], list[FileEntry]]:
    """SDMX-CSV rows line up only under one header: a part whose attribute columns differ from the
    union's has its rows in a second file with the union's columns (``parts/<part>.union.csv``),
    shared with the previous release when it has that file under the same header, else rendered
    (from ``frames``, or read back)."""
    own = {p: entry_of(parts[p], Format.CSV10) for p in order}
    attrs = {p: _attrs(csv_header(folder / own[p].path), flow) for p in order}
    union = tuple(a.id for a in flow.dsd.attributes if any(a.id in attrs[p] for p in order))
    wide = replace(options, csv_attributes=union)
    chosen, added = {}, []
    for p in order:
        if attrs[p] == union:
            chosen[p] = own[p]
            continue
        kept = previous.manifest.file(part_path(p, UNION)) if previous else None
        if kept is not None and p not in frames and _attrs(csv_header(previous.path / kept.path), flow) == union:
            share(previous, [kept], folder)  # type: ignore[arg-type]
            chosen[p] = kept
        else:
            rows = frames[p] if p in frames else read_frame(previous, p)  # type: ignore[arg-type]
            path = part_path(p, UNION)
            with create_digesting(folder / path) as f:
                write(rows, flow, Format.CSV10, f, options=wide)  # type: ignore[arg-type]
            chosen[p] = FileEntry(path=path, format=UNION_FORMAT, media_type=Format.CSV10.media_type,
                                  sha256=f.sha256, bytes=f.bytes, observations=own[p].observations,
                                  body=_body(folder / path, Format.CSV10))
        added.append(chosen[p])
    first = chosen[order[0]]
    assert first.body is not None
    return [_segment(first, 0, first.body[0]), *(_segment(chosen[p]) for p in order)], added


def _attrs(header: bytes, flow: Flow) -> tuple[str, ...]:
    cols = set(header.decode("utf-8").rstrip("\n").split(","))
    return tuple(a.id for a in flow.dsd.attributes if a.id in cols)
