"""Turn an observation frame into sorted, coded columns that every writer shares.

Order: encoding one column; :class:`Prepared` (checks, attachment levels, sort, series
boundaries); :class:`Chunk` and the chunk iterator. No Python object is made per observation:
a column is kept as integer codes into its sorted unique values.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Iterator

import numpy as np
import pandas as pd

from ..errors import InputError, Unsupported
from ..structure.model import Attachment, Attribute, Flow
from .options import ALL_DIMENSIONS, WriteOptions
from .text import format_numbers


@dataclass(frozen=True)
class Column:
    """One frame column as codes (-1 = missing) into its unique values, sorted."""

    id: str
    codes: np.ndarray
    values: list[str]

    def categorical(self) -> pd.Categorical:
        """The column as a categorical of its text (values of one text, such as 3 and "3", are one)."""
        inverse, names = pd.factorize(pd.Index(self.values, dtype=object))
        return pd.Categorical.from_codes(np.append(inverse, -1)[self.codes], categories=pd.Index(names, dtype=object),
                                         validate=False)


def _small(codes: np.ndarray, n_values: int) -> np.ndarray:
    for t in (np.int8, np.int16, np.int32):
        if n_values < np.iinfo(t).max:
            return codes.astype(t, copy=False)
    return codes.astype(np.int64, copy=False)


def _used(codes: np.ndarray, cats: pd.Index) -> tuple[np.ndarray, pd.Index]:
    """Codes and categories without the unused ones (a filtered frame keeps its parent's
    categories): only the categories rows use are turned into text."""
    used = np.zeros(len(cats) + 1, dtype=bool)
    used[codes] = True
    if used[:-1].all():
        return codes, cats
    keep = np.flatnonzero(used[:-1])
    remap = np.full(len(cats) + 1, -1, dtype=np.int64)
    remap[keep] = np.arange(len(keep))
    return remap[codes], cats[keep]


def encode(cid: str, s: pd.Series) -> Column:
    """Encode a column; empty strings, None and NaN become missing (-1)."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        codes, cats = _used(s.cat.codes.to_numpy(dtype=np.int64), s.cat.categories)
        values = (format_numbers(cats.to_numpy()) if pd.api.types.is_numeric_dtype(cats)
                  else [str(c) for c in cats.to_numpy().tolist()])
    elif pd.api.types.is_bool_dtype(s.dtype):
        codes, uniq = pd.factorize(s.map({True: "true", False: "false"}))
        values = [str(v) for v in uniq]
    elif pd.api.types.is_numeric_dtype(s.dtype):
        codes, uniq = pd.factorize(s.to_numpy(dtype="float64"), use_na_sentinel=True)
        values = format_numbers(np.asarray(uniq))
    else:
        codes, uniq = pd.factorize(s, use_na_sentinel=True)
        values = [v if isinstance(v, str) else str(v) for v in uniq]
    codes = np.asarray(codes, dtype=np.int64)
    # sort the unique values so that code order is text order, and make "" missing
    order = np.argsort(np.array(values, dtype=object), kind="stable") if values else np.array([], int)
    rank = np.empty(len(values) + 1, dtype=np.int64)
    rank[order] = np.arange(len(values))
    sorted_values = [values[i] for i in order]
    if sorted_values and sorted_values[0] == "":
        rank[:-1] -= 1  # "" sorts first: it becomes -1, the others shift down
        sorted_values = sorted_values[1:]
    rank[-1] = -1
    return Column(cid, _small(rank[codes], len(sorted_values)), sorted_values)


@dataclass(frozen=True)
class Chunk:
    """Rows ``pos`` (frame positions, in output order) and where groups (series) start/end.

    ``group`` numbers the groups inside the chunk (0..k-1); ``group_pos`` is the frame
    position of the first row of each group within the chunk; ``group_new`` tells whether
    that group starts in this chunk (not continued from the previous one).
    """

    pos: np.ndarray
    first: np.ndarray
    last: np.ndarray
    group: np.ndarray
    group_pos: np.ndarray
    group_new: np.ndarray


class Prepared:
    """A frame checked against the DSD, coded, sorted by series key then observation dimension."""

    def __init__(self, frame: pd.DataFrame, flow: Flow, options: WriteOptions) -> None:
        dsd = flow.dsd
        self.flow, self.options, self.n = flow, options, len(frame)
        self.dim_ids = [*dsd.dimension_ids, dsd.time_dimension]
        obs_dim = options.dimension_at_observation
        if obs_dim != ALL_DIMENSIONS and obs_dim not in self.dim_ids:
            raise Unsupported(f"dimension_at_observation={obs_dim!r} is not a dimension of {dsd.ref}",
                              fix=f"use AllDimensions or one of {', '.join(self.dim_ids)}")
        self.obs_dim = dsd.time_dimension if options.flat else obs_dim
        self.group_dims = [d for d in self.dim_ids if d != self.obs_dim]
        known = {*self.dim_ids, dsd.primary_measure, *dsd.attribute_ids, *options.custom_columns}
        cols = [c for c in frame.columns if not str(c).startswith("_")]
        unknown = [c for c in cols if c not in known]
        missing = [d for d in self.dim_ids if d not in frame.columns]
        if unknown or missing:
            raise InputError(
                f"frame does not match {dsd.ref}: " + "; ".join(filter(None, [
                    f"missing dimension column(s) {', '.join(missing)}" if missing else "",
                    f"unknown column(s) {', '.join(map(str, unknown))}" if unknown else ""])),
                fix="columns must be the DSD's dimensions, measure and attributes (or start with _)")
        self.dims = {d: encode(d, frame[d]) for d in self.dim_ids}
        for d, col in self.dims.items():
            if (col.codes < 0).any():
                row = int(np.flatnonzero(col.codes < 0)[0])
                raise InputError(f"dimension {d} has no value", where=_where(frame, row),
                                 fix="every observation needs a code for every dimension")
        measure = dsd.primary_measure
        values = frame[measure] if measure in frame.columns else pd.Series(np.nan, index=frame.index)
        try:
            self.measure = encode(measure, pd.to_numeric(values, errors="raise").astype("float64"))
        except (ValueError, TypeError) as e:
            raise InputError(f"{measure} is not numeric: {e}", fix=f"{measure} must be float (NaN = missing)") from None
        self.attributes: dict[str, Column] = {
            a.id: encode(a.id, frame[a.id]) for a in dsd.attributes if a.id in frame.columns}
        self.attributes = {k: c for k, c in self.attributes.items() if (c.codes >= 0).any()}
        #: custom (non-component) columns, for SDMX-CSV 2.0
        self.custom = [encode(c, frame[c]) for c in options.custom_columns if c in frame.columns]
        self._sort(frame)
        self._check_attributes(frame)

    #: the options that shape the preparation (codes, sort, series); the others only change the text
    SHAPING = ("dimension_at_observation", "partition", "custom_columns", "detail")

    def with_options(self, options: WriteOptions) -> Prepared:
        """The same preparation written with other ``options`` (header, labels, CSV columns, chunk
        size); refused if they would prepare the frame differently."""
        if options is self.options:
            return self
        differ = [k for k in self.SHAPING if getattr(options, k) != getattr(self.options, k)]
        if differ:
            raise Unsupported(f"a frame prepared with other {', '.join(differ)}",
                              fix="prepare the frame again with these options")
        out = copy.copy(self)
        out.options = options
        return out

    def obs_values(self) -> np.ndarray:
        """The primary measure as float64 per frame row (NaN = missing), from its written text (which
        round-trips: shortest repr)."""
        numbers = np.array([float(v) for v in self.measure.values] + [np.nan], dtype=np.float64)
        return numbers[self.measure.codes]

    # -- attachment ------------------------------------------------------------------------
    def level(self, attr: Attribute) -> Attachment:
        """Where an attribute is written in this message (flat: series attributes go to Obs)."""
        if attr.attachment == "series" and (self.options.flat or self.obs_dim in attr.dimensions):
            return "observation"
        return attr.attachment

    def attrs_at(self, level: Attachment) -> list[Column]:
        """Present attribute columns written at ``level`` (none when detail drops attributes)."""
        if not self.options.attributes:
            return []
        return [self.attributes[a.id] for a in self.flow.dsd.attributes
                if a.id in self.attributes and self.level(a) == level]

    def dataset_values(self) -> list[tuple[str, str]]:
        """(attribute id, value) of dataset-level attributes."""
        out = []
        for col in self.attrs_at("dataset"):
            present = col.codes[col.codes >= 0]
            out.append((col.id, col.values[int(present[0])]))
        return out

    def check_shape(self, *, ts: bool = False) -> None:
        """Refuse what the message cannot hold: a time-series message without the time dimension
        at observation level; series-only detail in a flat message."""
        o, td = self.options, self.flow.dsd.time_dimension
        if ts and (o.flat or o.dimension_at_observation != td):
            raise Unsupported("a time-series message needs the time dimension at observation level",
                              fix=f"use dimension_at_observation={td!r} or the non-TS format")
        if o.flat and not o.observations:
            raise Unsupported(f"detail={o.detail} needs series", fix="use a dimension at observation, not AllDimensions")

    # -- sorting and checks ------------------------------------------------------------------
    def _sort(self, frame: pd.DataFrame) -> None:
        """Order rows by group key then observation dimension; mark where groups start.

        Dimensions with one value are skipped. When the cardinalities allow, the key is one
        int64 (mixed radix) sorted with a stable radix sort; otherwise ``np.lexsort``."""
        varying = [self.dims[d] for d in self.group_dims if len(self.dims[d].values) > 1]
        part = self.options.partition
        if part is not None:  # partitions first, each one's series in key order
            if part not in frame.columns:
                raise InputError(f"no partition column {part!r}", fix="add it, or write without partition")
            varying.insert(0, encode(part, frame[part]))
        gkey = _mixed_radix(varying, self.n)
        obs = self.dims[self.obs_dim]
        if gkey is not None and (int(gkey.max(initial=0)) + 1) * (len(obs.values) + 1) < 1 << 62:
            self.order = np.argsort(gkey * len(obs.values) + obs.codes, kind="stable")
            g = gkey[self.order]
            new = np.empty(self.n, dtype=bool)
            new[1:] = g[1:] != g[:-1]
        else:
            keys = [c.codes for c in (*varying, obs)]
            self.order = np.lexsort(keys[::-1])
            new = np.zeros(self.n, dtype=bool)
            for col in varying:
                c = col.codes[self.order]
                new[1:] |= c[1:] != c[:-1]
        if self.n:
            new[0] = True
        obs = self.dims[self.obs_dim].codes[self.order]
        dup = ~new[1:] & (obs[1:] == obs[:-1])
        if dup.any():
            row = int(self.order[int(np.flatnonzero(dup)[0]) + 1])
            raise InputError(f"{int(dup.sum())} duplicate observation(s): same key and {self.obs_dim}",
                             where=_where(frame, row), fix="keep one row per series key and period")
        self.new_group = new

    def _check_attributes(self, frame: pd.DataFrame) -> None:
        for col in self.attrs_at("dataset"):
            if len(np.unique(col.codes[col.codes >= 0])) > 1:
                raise InputError(f"dataset-level attribute {col.id} has several values",
                                 fix=f"{col.id} must have one value for the whole dataset")
        first = np.maximum.accumulate(np.where(self.new_group, np.arange(self.n), 0)) if self.n else None
        for col in self.attrs_at("series"):
            c = col.codes[self.order]
            bad = c != c[first]
            if bad.any():
                row = int(self.order[int(np.flatnonzero(bad)[0])])
                raise InputError(f"series-level attribute {col.id} differs within one series",
                                 where=_where(frame, row),
                                 fix=f"give {col.id} one value per series key (it is attached to the series)")

    # -- chunks --------------------------------------------------------------------------------
    def chunks(self) -> Iterator[Chunk]:
        """Rows in output order, ``options.chunk_rows`` at a time."""
        step = self.options.chunk_rows
        for i in range(0, self.n, step):
            j = min(i + step, self.n)
            pos = self.order[i:j]
            first = self.new_group[i:j].copy()
            last = np.empty(j - i, dtype=bool)
            last[:-1] = self.new_group[i + 1:j]
            last[-1] = j == self.n or bool(self.new_group[j])
            starts = first.copy()
            starts[0] = True
            group = np.cumsum(starts) - 1
            yield Chunk(pos=pos, first=first, last=last, group=group, group_pos=pos[starts],
                        group_new=first[starts])


def _where(frame: pd.DataFrame, row: int) -> str:
    if "_source" in frame.columns and "_row" in frame.columns:
        return f"{frame['_source'].iloc[row]}:{frame['_row'].iloc[row]}"
    return f"frame row {frame.index[row]!r}"


def _mixed_radix(cols: list[Column], n: int) -> np.ndarray | None:
    """One int64 per row ordering rows like the (non-missing) codes of ``cols``; None if that
    would overflow."""
    key = np.zeros(n, dtype=np.int64)
    span = 1
    for c in cols:
        span *= len(c.values)
        if span >= 1 << 62:
            return None
        key = key * len(c.values) + c.codes
    return key


def combos(cols: list[Column], pos: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct value combinations of ``cols`` at ``pos``: (combination number of each row, one
    representative position per combination). Text is then built once per combination."""
    key = np.zeros(len(pos), dtype=np.int64)
    for c in cols:
        radix = len(c.values) + 1
        if len(key) and int(key.max()) >= (1 << 62) // radix:
            key = pd.factorize(key)[0].astype(np.int64)
        key = key * radix + (c.codes[pos].astype(np.int64) + 1)
    codes, uniq = pd.factorize(key)
    first = np.empty(len(uniq), dtype=np.intp)
    first[codes[::-1]] = np.arange(len(codes))[::-1]  # the last write wins: the first occurrence
    return codes, pos[first]
