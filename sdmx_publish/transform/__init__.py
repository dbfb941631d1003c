"""Transform: a raw national table into the observation frame of a dataflow.

Steps, in order: filter rows; reshape wide to long; parse values (with the missing-value markers
of each column and period); apply the correspondence tables (:mod:`.mapping`: many to one, splits,
summary rows, the mapping review); take columns; set constants; sum many-to-one; derive rates. The result follows the observation frame contract
(docs/architecture.md); :class:`TransformReport` says what was dropped, excluded and unmapped.
"""

from __future__ import annotations

import difflib
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..errors import SpecError
from ..extract.encoding import encoding_note
from ..frames import as_text, constant, recode, stripped
from ..spec.model import Spec
from ..structure import Flow
from .mapping import OBS, RID, TRACKING, MapOutcome, apply_map, refuse_ambiguous
from .rates import add_rates, population_table
from .reshape import apply_filter, held_back, require_columns, wide_to_long
from .rollup import finish, roll_up
from .status import STATUS, cell_status, declared_marker
from .values import missing_where, parse_values

#: where each observation came from, for findings; ``_unparsed``: a source cell that is neither a number
#: nor a declared missing-value marker (rule ``value.non_numeric``); ``_marker``: a footnote marker
#: removed from the value (rule ``value.marker_removed``)
ORIGIN = ["_source", "_row", "_column", "_value_raw", "_unparsed", "_marker"]
#: the frame's one text column that is not a code: the source cell, distinct in most rows; the pipeline
#: hands the others on as categoricals (:func:`~sdmx_publish.frames.categorical`), this one as it comes
#: (categorical from a CSV source, whose reader makes every column one)
RAW_TEXT = ("_value_raw",)


@dataclass
class TransformReport:
    rows_read: int = 0
    rows_filtered: int = 0
    #: the source lines ``filter.drop_rows`` held back, per reason, with their cells (:func:`.reshape.held_back`)
    held_back: list[dict] = field(default_factory=list)
    unmapped: list[dict] = field(default_factory=list)
    excluded: list[dict] = field(default_factory=list)
    missing_values: int = 0
    rates_derived: int = 0
    #: the mapping review, one entry per map (:mod:`.review`)
    mapping: list[dict] = field(default_factory=list)
    #: declared summary rows whose details do not add up to them (rule ``map.summary_mismatch``)
    summary_checks: list[dict] = field(default_factory=list)
    #: for a survey spec: the estimation report (sdmx_publish.survey.report)
    estimation: dict | None = None

    def as_dict(self) -> dict:
        return asdict(self)


def check_spec(spec: Spec, flow: Flow) -> None:
    """Every component the spec names exists in the DSD and every dimension gets a value."""
    dsd = flow.dsd
    known = {*dsd.dimension_ids, dsd.time_dimension, dsd.primary_measure, *dsd.attribute_ids}
    named = {**{c: "columns" for c in spec.columns}, **{c: "constants" for c in spec.constants},
             **{t: f"maps[{i}].to" for i, m in enumerate(spec.maps) for t in m.target},
             **{m.national_attribute: f"maps[{i}].national_attribute" for i, m in enumerate(spec.maps)
                if m.national_attribute}}
    if spec.reshape:
        named[spec.reshape.into] = "reshape.into"
    if spec.survey:
        named.update({c: "survey" for c in ("SERIES", dsd.time_dimension, dsd.primary_measure)})
        named.update({b.to: f"survey.breakdowns.{k}.to" for k, b in spec.survey.breakdowns.items()})
        named.update({c: f"survey.estimates[{e.id}].constants" for e in spec.survey.estimates for c in e.constants})
    for comp, key in named.items():
        if comp not in known:
            close = difflib.get_close_matches(comp, known, n=1)
            raise SpecError(f"`{key}` names {comp!r}, which is not a component of {dsd.ref}", where=str(spec.path),
                            fix=f"did you mean {close[0]!r}?" if close else f"use one of {sorted(known)}")
    for comp, how in spec.roll_up.items():
        if comp not in dsd.dimension_ids:
            raise SpecError(f"`roll_up` names {comp!r}, which is not a dimension of {dsd.ref}", where=str(spec.path),
                            fix=f"roll up one of {dsd.dimension_ids}")
        if how == "codelist" and comp not in flow.codelists:
            raise SpecError(f"`roll_up.{comp}: codelist`: {comp} has no codelist in {dsd.ref}", where=str(spec.path),
                            fix="give the one total code instead, e.g. `REF_AREA: \"410\"`")
    for dim in (*dsd.dimension_ids, dsd.time_dimension, dsd.primary_measure):
        if dim not in named and not (dim == dsd.primary_measure and spec.reshape):
            raise SpecError(f"dimension {dim!r} of {dsd.ref} gets no value", where=str(spec.path),
                            fix=f"add `{dim}` under columns, constants or a map's `to`")


def transform(raw: pd.DataFrame, spec: Spec, flow: Flow) -> tuple[pd.DataFrame, TransformReport]:
    """Map a raw table (from :func:`~sdmx_publish.extract.extract`) onto ``flow``'s DSD."""
    check_spec(spec, flow)
    if spec.survey:
        from ..survey import transform_survey

        frame, estimation = transform_survey(raw, spec, flow)
        return frame, TransformReport(rows_read=len(raw), estimation=estimation)
    where = _where(raw, spec)
    report = TransformReport(rows_read=len(raw))
    frame, report.rows_filtered = apply_filter(raw, spec.filter, where)
    report.held_back = held_back(raw, spec.filter)
    value_col = spec.columns.get(flow.dsd.primary_measure)
    if spec.reshape:
        frame = wide_to_long(frame, spec.reshape, where)
        value_col = "__value"
    require_columns(frame, [c for k, c in spec.columns.items() if k != flow.dsd.primary_measure]
                    + [value_col or ""] + [s for m in spec.maps for s in m.source], where)
    if "_column" not in frame.columns:
        frame["_column"] = constant(value_col, frame.index)
    period = _period_column(spec, flow)
    parsed = parse_values(frame[value_col], missing=spec.source.missing, thousands=spec.source.thousands,
                          decimal=spec.source.decimal)
    where = missing_where(frame, spec.source.missing_where, value_col, period,
                          spec.constants.get(flow.dsd.time_dimension))
    is_missing = parsed.missing | where.ne("")
    status = cell_status(frame[value_col], parsed, where, spec.source.missing, spec.source.value_markers)
    declared = list(declared_marker(spec.source.value_markers))
    marker = recode(parsed.marker, lambda found: found.where(~found.isin(declared), ""))  # a declared one is a status
    frame = frame.assign(**{OBS: parsed.values.where(~is_missing), "__missing": is_missing, STATUS: status,
                            "__unparsed": parsed.unparsed & ~is_missing, "__marker": marker,
                            RID: np.arange(len(frame)), **_tracking(frame.index)})
    outcome = MapOutcome()
    context = _key_columns(spec, flow)
    for i, m in enumerate(spec.maps):
        frame = apply_map(frame, spec, i, outcome, context=[c for c in context if c not in m.source], period=period,
                          flow=flow)
    report.unmapped, report.excluded = _encoding_notes(outcome.unmapped, spec), outcome.excluded
    report.mapping, report.summary_checks = outcome.reviews, outcome.summary_checks
    out = pd.DataFrame(index=frame.index)
    for comp, col in spec.columns.items():
        if comp != flow.dsd.primary_measure:
            out[comp] = stripped(frame[col])
    for m in spec.maps:
        for t in m.target:
            out[t] = frame[t]
    if spec.reshape:
        out[spec.reshape.into] = frame[spec.reshape.into]
    for comp, code in spec.constants.items():
        out[comp] = constant(code, out.index)
    out["OBS_VALUE"] = frame[OBS]
    report.missing_values = int(frame["__missing"].sum())
    # a status given by a constant (e.g. D) or a map (e.g. B by year) flags the values; a cell's own reason stays
    if "OBS_STATUS" in out.columns and spec.constants.get("OBS_STATUS") != "":
        cell = frame[STATUS].astype(object)
        out["OBS_STATUS"] = out["OBS_STATUS"].astype(object).where(cell.eq("A"), cell)
    elif "OBS_STATUS" in flow.dsd.attribute_ids:
        out["OBS_STATUS"] = frame[STATUS]
    if spec.unit_multiplier is not None and "UNIT_MULT" in flow.dsd.attribute_ids:
        out["UNIT_MULT"] = constant(str(spec.unit_multiplier), out.index)
    out["_value_raw"] = as_text(frame[value_col])
    out["_unparsed"], out["_marker"] = frame["__unparsed"], frame["__marker"]
    for c in ("_source", "_row", "_column", *[c for c in frame.columns if c.startswith("__nat:")], *TRACKING):
        out[c] = frame[c]
    key = [*flow.dsd.dimension_ids, flow.dsd.time_dimension]
    refuse_ambiguous(out.assign(**{c: frame[c] for c in frame.columns if c.startswith("__maprow")},
                                **{s: frame[s] for m in spec.maps for s in m.source if s in frame.columns}), spec, key)
    out = finish(roll_up(out, spec, flow), spec, flow, key,
                 aggregate=bool(spec.roll_up) or any(m.aggregate == "sum" for m in spec.maps))
    if spec.derive_rates:
        before = len(out)
        out = add_rates(out, population_table(spec))
        report.rates_derived = len(out) - before
    order = [*flow.dsd.dimension_ids, flow.dsd.time_dimension, "OBS_VALUE",
             *[a for a in flow.dsd.attribute_ids if a in out.columns], *ORIGIN]
    return out[order].reset_index(drop=True), report


def _tracking(index: pd.Index) -> dict[str, Any]:
    """The split columns of rows that are no part of a split (text as object columns: the maps write into them)."""
    return {k: pd.Series(np.full(len(index), v, dtype=object), index=index, dtype=object) if isinstance(v, str) else v
            for k, v in TRACKING.items()}


def _encoding_notes(unmapped: list[dict], spec: Spec) -> list[dict]:
    """Unmapped values of a text file that look decoded with the wrong encoding get an ``encoding`` note
    (:func:`~sdmx_publish.extract.encoding.encoding_note`): the fix is source.encoding, not a map row."""
    if spec.source.format != "csv":
        return unmapped
    notes = [encoding_note([str(v) for v in u["value"]], spec.source.encoding) for u in unmapped]
    return [{**u, "encoding": note} if note else u for u, note in zip(unmapped, notes)]


def _where(raw: pd.DataFrame, spec: Spec) -> str:
    """The source table and its spec, as messages about the table's columns name them."""
    source = raw["_source"].iloc[0] if len(raw) else spec.source.path or spec.source.connection
    return f"{source} (spec {spec.path})"


def check_columns(raw: pd.DataFrame, spec: Spec, flow: Flow) -> None:
    """The columns the spec names (filter, reshape, columns, maps' sources) are in the table read, else an
    :class:`~sdmx_publish.errors.InputError` naming the missing and the present ones. The transform checks
    them too; the extract step calls this first, before its row count, so that a wrong ``skip_rows`` or
    ``header_rows`` (which also loses rows) is named as the header it is, not as a file cut short."""
    if spec.survey:
        return
    f, r = spec.filter, spec.reshape
    made = {"_column", *([r.into] if r else [])}  # what the reshape adds
    needed = [*f.keep, *f.drop, *f.drop_matching, *(r.id_columns if r else []), *((r.value_columns or []) if r else []),
              *(c for k, c in spec.columns.items() if not (r and k == flow.dsd.primary_measure)),
              *(s for m in spec.maps for s in m.source)]
    require_columns(raw, [c for c in needed if c not in made], _where(raw, spec))


def _period_column(spec: Spec, flow: Flow) -> str | None:
    """The frame column holding the period (a source column or the reshape's ``into``), if any."""
    time = flow.dsd.time_dimension
    if spec.reshape and spec.reshape.into == time:
        return time
    return spec.columns.get(time)


def _key_columns(spec: Spec, flow: Flow) -> list[str]:
    """The frame columns that make an observation's key before the maps (the maps' sources included)."""
    cols = [c for k, c in spec.columns.items() if k != flow.dsd.primary_measure]
    cols += [s for m in spec.maps for s in m.source]
    if spec.reshape:
        cols.append(spec.reshape.into)
    return list(dict.fromkeys(cols))
