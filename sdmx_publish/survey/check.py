"""Checks of microdata against its survey block, before anything is estimated.

Each failure is an :class:`InputError` naming the file, the variable and the fix: weights that are
missing, non-numeric or negative; strata or PSUs with missing values; codes in the spec that the
variable's value labels do not have.
"""

from __future__ import annotations

import pandas as pd

from ..errors import InputError
from ..spec.survey import Condition, Survey
from .read import Labels, code_text


def weights(frame: pd.DataFrame, variable: str, where: str) -> pd.Series:
    """The design weight as float64: every value present, numeric and not negative."""
    w = pd.to_numeric(frame[variable], errors="coerce")
    for bad, what in ((w.isna(), "missing or non-numeric"), (w < 0, "negative")):
        if bad.any():
            first = int(bad.to_numpy().nonzero()[0][0])
            raise InputError(f"weight variable {variable!r} has {int(bad.sum())} {what} value(s), the first in data "
                             f"row {first + 1} ({frame[variable].iloc[first]!r})", where=f"{where}: {variable}",
                             fix="a design weight must be a number >= 0 on every row: correct the file, or name "
                                 "the right weight in survey.design.weight (rows outside the population are "
                                 "left out by the denominator conditions, not by a missing weight)")
    return w.astype(float)


def design_variables(frame: pd.DataFrame, survey: Survey, where: str) -> None:
    """Strata and PSU identifiers are present on every row."""
    for key in ("strata", "psu"):
        var = getattr(survey.design, key)
        if var is not None:
            empty = code_text(frame[var]).eq("")
            if empty.any():
                raise InputError(f"design variable {var!r} (survey.design.{key}) is missing on {int(empty.sum())} "
                                 f"row(s), the first in data row {int(empty.to_numpy().nonzero()[0][0]) + 1}",
                                 where=f"{where}: {var}",
                                 fix=f"every row needs its {key}: correct the file or survey.design.{key}")


def codes_known(frame: pd.DataFrame, labels: Labels, survey: Survey, where: str) -> None:
    """Every code a condition or a special code names is a value label of its variable (or, for a
    variable without labels, a value found in the data)."""
    for e in survey.estimates:
        named: list[tuple[str, Condition]] = [("numerator", e.numerator)]
        named += [(f"denominator[{i}]", c) for i, c in enumerate(e.denominator)]
        named += [(f"special_codes.{v}", Condition(variable=v, codes=list(codes))) for v, codes in e.special_codes.items()]
        for key, cond in named:
            known, kind = _known_codes(frame, labels, cond.variable)
            unknown = [c for c in map(_code, cond.codes) if c not in known]
            if unknown:
                shown = ", ".join(f"{k} {labels[cond.variable][k]!r}" if kind == "labels" else k
                                  for k in sorted(known, key=_sort_key)[:20])
                raise InputError(f"estimate {e.id}: {key} names code(s) {unknown} of variable {cond.variable!r}, "
                                 f"which are not among its {kind} ({shown})", where=f"{where}: {cond.variable}",
                                 fix=f"correct survey.estimates[{e.id}].{key} to codes of {cond.variable!r} "
                                     "(see its value labels in the codebook)")


def _known_codes(frame: pd.DataFrame, labels: Labels, variable: str) -> tuple[set[str], str]:
    if variable in labels:
        return set(labels[variable]), "labels"
    return set(code_text(frame[variable]).unique()) - {""}, "values in the data"


def _code(c: object) -> str:
    return code_text(pd.Series([c])).iloc[0]


def _sort_key(code: str) -> tuple[int, float, str]:
    try:
        return (0, float(code), code)
    except ValueError:
        return (1, 0.0, code)
