"""Survey microdata sources: design-based shares (SDG 16.1.3, 16.1.4, 16.3.1) with their precision.

Order: :func:`read_survey` (extract: the file, the joined file, the checks) and
:func:`transform_survey` (the estimates of every cell, as observations of the dataflow, and the
estimation report). See docs/surveys.md.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..errors import InputError
from . import check
from .estimate import Design, shares
from .frame import observations
from .read import Labels, code_text, read_microdata
from .replicate import Replicates, replicates
from .report import estimation_report

if TYPE_CHECKING:
    from ..spec import Spec
    from ..structure import Flow

__all__ = ["microdata_files", "read_survey", "transform_survey"]


def _variables(spec: Spec) -> list[str]:
    """The variables the spec names (replicate weights given by a pattern aside)."""
    s = spec.survey
    assert s is not None
    d = s.design
    names = [d.weight, d.strata, d.psu, *(b.variable for b in s.breakdowns.values())]
    for e in s.estimates:
        names += [e.numerator.variable, *(c.variable for c in e.denominator), *e.special_codes]
    if d.replicate_weights and isinstance(d.replicate_weights.columns, list):
        names += d.replicate_weights.columns
    return [n for n in dict.fromkeys(names) if n]


def _replicates(frame: pd.DataFrame, spec: Spec, weight: np.ndarray, where: str) -> Replicates | None:
    """The spec's replicate weights in ``frame``, checked (None for a Taylor design)."""
    rw = spec.survey.design.replicate_weights  # type: ignore[union-attr]
    if rw is None:
        return None
    taken = set(_variables(spec)) - (set(rw.columns) if isinstance(rw.columns, list) else set())
    taken |= set(spec.survey.join.keys) if spec.survey.join else set()  # type: ignore[union-attr]
    return replicates(frame, rw, weight, taken, where)


def microdata_files(spec: Spec) -> list[Path]:
    """The files a survey spec reads: ``source.path`` and the joined file."""
    s = spec.survey
    assert s is not None and spec.source.path
    return [spec.resolve(spec.source.path), *([spec.resolve(s.join.path)] if s.join else [])]


def read_survey(spec: Spec) -> pd.DataFrame:
    """The microdata a survey spec needs (its join applied), checked; ``attrs``: labels and source."""
    s = spec.survey
    assert s is not None and spec.source.path
    path = spec.resolve(spec.source.path)
    joined = set(s.join.variables) if s.join else set()
    own = [v for v in _variables(spec) if v not in joined] + (s.join.keys if s.join else [])
    rw = s.design.replicate_weights
    frame, labels = read_microdata(path, own, obj=s.object,
                                   also=rw.columns if rw and isinstance(rw.columns, str) else None)
    where = str(spec.source.path)
    if s.join:
        frame, labels = _join(spec, frame, labels, where)
    _replicates(frame, spec, check.weights(frame, s.design.weight, where).to_numpy(), where)
    check.design_variables(frame, s, where)
    check.codes_known(frame, labels, s, where)
    frame.attrs = {"labels": labels, "source": where, "sources": [_fingerprint(p) for p in microdata_files(spec)]}
    return frame


def _fingerprint(path: Path) -> dict:
    """A microdata file as the release manifest lists its sources: path, sha256, bytes."""
    raw = path.read_bytes()
    return {"path": str(path), "sha256": hashlib.sha256(raw).hexdigest(), "bytes": len(raw)}


def _join(spec: Spec, frame: pd.DataFrame, labels: Labels, where: str) -> tuple[pd.DataFrame, Labels]:
    j = spec.survey.join  # type: ignore[union-attr]
    assert j is not None
    other, more = read_microdata(spec.resolve(j.path), [*j.keys, *j.variables], obj=j.object)
    keys = {k: code_text(frame[k]) for k in j.keys}
    right = other.assign(**{k: code_text(other[k]) for k in j.keys}).drop_duplicates(subset=j.keys)
    merged = frame.assign(**keys).merge(right, on=j.keys, how="left", validate="many_to_one", indicator=True)
    lost = merged["_merge"].ne("both")
    if lost.any():
        first = merged.loc[lost, j.keys].iloc[0].to_dict()
        raise InputError(f"{int(lost.sum())} row(s) have no match in {j.path} on {j.keys} (the first: {first})",
                         where=where, fix=f"check survey.join.keys, or that {j.path} is the file that goes with this one")
    return merged.drop(columns="_merge"), {**labels, **more}


def _cells(frame: pd.DataFrame, spec: Spec, name: str) -> tuple[np.ndarray, dict]:
    """Each row's code of breakdown ``name`` ("" outside every cell) and what the map did."""
    from ..spec.maps import breakdown_map, read_map

    if name == "total":
        return np.full(len(frame), "_T", dtype=object), {}
    b = spec.survey.breakdowns[name]  # type: ignore[union-attr]
    table = read_map(spec, breakdown_map(b))
    lookup = dict(zip(table["__key0"], table[b.to]))
    codes = code_text(frame[b.variable])
    mapped = codes.map(lookup)
    return mapped.fillna("").to_numpy(dtype=object), {"map": b.map, "variable": b.variable, "to": b.to,
                                                       "unmapped": sorted(set(codes[mapped.isna()]) - {""}),
                                                       "lookup": lookup}


def _condition(frame: pd.DataFrame, cond) -> np.ndarray:
    hit = code_text(frame[cond.variable]).isin([check._code(c) for c in cond.codes]).to_numpy()
    return ~hit if cond.exclude else hit


def transform_survey(raw: pd.DataFrame, spec: Spec, flow: Flow) -> tuple[pd.DataFrame, dict]:
    """Every estimate of the spec in every cell of its breakdowns: observations and the report."""
    s = spec.survey
    assert s is not None
    where = raw.attrs.get("source", str(spec.source.path))
    d = s.design
    strata = code_text(raw[d.strata]) if d.strata else None
    psu = code_text(raw[d.psu]) if d.psu else None
    if strata is not None and psu is not None:
        psu = strata + "\u241f" + psu  # PSU ids are nested in strata (R: nest = TRUE)
    weight = check.weights(raw, d.weight, where).to_numpy()
    design = Design(weight=weight, strata=None if strata is None else strata.to_numpy(),
                    psu=None if psu is None else psu.to_numpy(), single_psu=d.single_psu, where=where,
                    replicates=_replicates(raw, spec, weight, where))
    results, maps = [], {}
    for e in s.estimates:
        den = np.logical_and.reduce([_condition(raw, c) for c in e.denominator])
        num = _condition(raw, e.numerator) & den
        for name in e.breakdowns:
            cells, maps[name] = _cells(raw, spec, name)
            _check_cells(e.id, name, maps[name], den, cells, raw, where)
            table = shares(design, num.astype(float), den.astype(float), cells, s.confidence)
            results.append(table.assign(estimate_id=e.id, breakdown=name))
    est = pd.concat(results, ignore_index=True)
    frame = observations(est, spec, flow)
    report = estimation_report(est, raw, spec, design, maps)
    bounds = [frame[b] if b in frame.columns else pd.Series(None, index=frame.index, dtype=object)
              for b in ("LOWER_BOUND", "UPPER_BOUND")]
    for cell, value, lower, upper in zip(report["cells"], frame["OBS_VALUE"], *bounds):  # as published
        cell["published"] = {"value": None if pd.isna(value) else float(value),
                             "lower": None if pd.isna(lower) else float(lower),
                             "upper": None if pd.isna(upper) else float(upper)}
    return frame, report


def _check_cells(eid: str, name: str, info: dict, den: np.ndarray, cells: np.ndarray, raw: pd.DataFrame,
                 where: str) -> None:
    """Values of a breakdown variable the map lacks, and map cells without any denominator row, are errors."""
    if name == "total":
        if not den.any():
            raise InputError(f"estimate {eid}: the denominator is empty (no row meets every denominator condition)",
                             where=where, fix=f"check survey.estimates[{eid}].denominator")
        return
    codes = code_text(raw[info["variable"]])
    unmapped = sorted(set(codes[den & codes.isin(info["unmapped"]).to_numpy()]))
    if unmapped:
        raise InputError(f"breakdown {name}: value(s) {unmapped} of {info['variable']!r} are not in {info['map']}",
                         where=f"{where}: {info['variable']}",
                         fix=f"add a row for each to {info['map']} (an empty {info['to']} excludes a value on purpose)")
    present = set(cells[den])
    empty = sorted({c for c in info["lookup"].values() if c} - present)
    if empty:
        sources = [k for k, v in info["lookup"].items() if v in empty]
        raise InputError(f"estimate {eid}, breakdown {name}: cell(s) {info['to']}={empty} (from {info['variable']} "
                         f"values {sources}) have an empty denominator: no respondent there meets the denominator "
                         "conditions", where=f"{where}: {info['variable']}",
                         fix=f"remove those rows from {info['map']} (or give them an empty {info['to']}), or check "
                             f"the file and survey.estimates[{eid}].denominator")
