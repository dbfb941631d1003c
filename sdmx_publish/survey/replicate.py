"""Replicate-weight variance, for files that ship replicate weights instead of strata and PSUs.

The design follows R survey's ``svrepdesign``: the replicate columns (a regular expression or a list),
their type, ``scale``, ``rscales``, ``mse`` and ``combined_weights``. The variance of a share is

    scale * sum_r rscales_r * (estimate_r - centre)^2

where ``estimate_r`` is the share with replicate weight r and the centre is the replicates' mean
(``mse: false``, R's default; replicates with ``rscales_r = 0`` left out of the mean, as R does) or the
full-sample estimate (``mse: true``). svy's replication estimator computes it (per domain, over the
whole sample); the tests hold R's values for JKn, BRR, Fay and bootstrap weights built from the real
NCVS design.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import InputError
from ..spec.survey import ReplicateWeights

#: ``scale`` when the spec gives none, as ``svrepdesign`` sets it for R replicates (``rho``: Fay's)
_SCALE = {"BRR": lambda r, rho: 1 / r, "Fay": lambda r, rho: 1 / (r * (1 - rho) ** 2),
          "JK1": lambda r, rho: (r - 1) / r, "JK2": lambda r, rho: 1.0, "JKn": lambda r, rho: 1.0,
          "bootstrap": lambda r, rho: 1 / (r - 1), "successive-difference": lambda r, rho: 4 / r}

#: the svy variant that names each type (``other``: any; its coefficients are given)
_SVY = {"JK1": "JackknifeWgts", "JKn": "JackknifeWgts", "JK2": "JackknifeWgts", "BRR": "BrrWgts", "Fay": "BrrWgts",
        "bootstrap": "BootstrapWgts", "successive-difference": "SdrWgts", "other": "BootstrapWgts"}


@dataclass(frozen=True)
class Replicates:
    """The replicate weights of every row (rows x replicates, the design weight included) and how
    their spread becomes a variance."""

    weights: np.ndarray
    columns: list[str]
    type: str
    scale: float
    rscales: np.ndarray
    mse: bool

    def describe(self) -> dict:
        """The replicate design as the estimation report shows it."""
        rs = np.unique(self.rscales)
        return {"type": self.type, "replicates": len(self.columns), "first": self.columns[0],
                "last": self.columns[-1], "scale": self.scale,
                "rscales": float(rs[0]) if rs.size == 1 else [float(x) for x in self.rscales],
                "mse": self.mse}


def columns(names: list[str], spec: ReplicateWeights, taken: set[str]) -> list[str]:
    """The replicate-weight variables among ``names`` (a file's, in file order); ``taken``: the
    spec's other variables, which a pattern never matches."""
    if isinstance(spec.columns, list):
        return list(spec.columns)
    pattern = re.compile(spec.columns)
    return [n for n in names if n not in taken and pattern.fullmatch(n)]


def replicates(frame: pd.DataFrame, spec: ReplicateWeights, weight: np.ndarray, taken: set[str],
               where: str) -> Replicates:
    """The replicate weights of ``frame``, checked: at least two, numbers on every row, none negative;
    as many ``rscales`` as replicates."""
    cols = columns(list(frame.columns), spec, taken)
    if len(cols) < 2:
        raise InputError(f"survey.design.replicate_weights.columns {spec.columns!r} matches {len(cols)} variable(s) "
                         f"{cols} of the file", where=where,
                         fix="give a regular expression that the whole name of every replicate-weight variable "
                             "matches (e.g. 'repwgt[0-9]+'), or list them")
    block = frame[cols]
    if not all(pd.api.types.is_numeric_dtype(t) for t in block.dtypes):  # text (CSV): what is not a number is NaN
        block = block.apply(pd.to_numeric, errors="coerce")
    values = block.to_numpy(dtype=float)
    for bad, what in ((np.isnan(values), "missing or non-numeric"), (values < 0, "negative")):
        if bad.any():
            row, col = (int(i) for i in np.argwhere(bad)[0])
            raise InputError(f"replicate weight {cols[col]!r} has a {what} value in data row {row + 1} "
                             f"({frame[cols[col]].iloc[row]!r}); {int(bad.sum())} such value(s) in "
                             f"{int(bad.any(axis=0).sum())} replicate column(s)", where=f"{where}: {cols[col]}",
                             fix="every replicate weight must be a number >= 0 on every row: correct the file, or "
                                 "survey.design.replicate_weights.columns if it matched a variable that is not a "
                                 "replicate weight")
    n = len(cols)
    rscales = np.full(n, 1.0) if spec.rscales is None else np.asarray(spec.rscales, dtype=float)
    if rscales.ndim == 0:
        rscales = np.full(n, float(rscales))
    if rscales.size != n:
        raise InputError(f"survey.design.replicate_weights.rscales has {rscales.size} values for {n} replicate "
                         f"weights ({cols[0]} ... {cols[-1]})", where=where,
                         fix="give one rscale per replicate, in the order of the replicate columns in the file, or one "
                             "number for all")
    scale = spec.scale if spec.scale is not None else _SCALE[spec.type](n, spec.rho)
    combined = values if spec.combined_weights else values * weight[:, None]
    return Replicates(weights=combined, columns=cols, type=spec.type, scale=float(scale), rscales=rscales,
                      mse=spec.mse)


def ratios(rep: Replicates, weight: np.ndarray, y: np.ndarray, x: np.ndarray,
           cells: np.ndarray) -> dict[str, tuple[float, float]]:
    """cell -> (ratio of weighted totals of ``y`` over ``x``, its replicate standard error)."""
    import polars as pl

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import svy

    used = rep.rscales > 0  # a replicate with rscale 0 adds nothing, and R leaves it out of the mean
    coefs = (rep.scale * rep.rscales[used]).tolist()
    reps = rep.weights[:, used]
    data = pl.DataFrame({"w": weight, "y": y, "x": x, "cell": cells.astype(str)}).hstack(
        pl.DataFrame(reps, schema=[f"rep{i + 1}" for i in range(reps.shape[1])]))
    # the coefficients are always given (svy's ``scale`` is R's scale * rscales), so svy's defaults for a
    # method never apply; the variant only names the method
    kind = getattr(svy, _SVY[rep.type])
    design = svy.Design(wgt="w", rep_wgts=kind(prefix="rep", n_reps=reps.shape[1], scale=coefs))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = svy.Sample(data, design).estimation.ratio(
            "y", "x", by="cell", method="replication",
            variance_center="estimate" if rep.mse else "rep_mean").to_polars()
    return {str(c): (float(e), float(s)) for c, e, s in zip(result["cell"], result["est"], result["se"])}
