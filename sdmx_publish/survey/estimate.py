"""Design-based estimation of shares: ratio estimator, Taylor linearisation or replicate weights, by domain.

The share of a cell is  sum(w * numerator * cell) / sum(w * denominator * cell)  over the whole
sample: a domain estimate, so every PSU of the design counts in the variance (as R's
``svyratio``/``svymean`` on ``subset(design, ...)``). Point estimates and standard errors come from
samplics' ``TaylorEstimator`` or, for a design with replicate weights, svy's replication estimator
(:mod:`.replicate`); the design effect (Kish: design variance over the variance of a simple
random sample without replacement of the same size, as R's ``svymean(..., deff = TRUE)``), the counts
and the normal-theory confidence bounds are computed here from the same arrays.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import InputError
from .replicate import Replicates, ratios


@dataclass(frozen=True)
class Design:
    """The design arrays, one entry per row of the microdata."""

    weight: np.ndarray
    strata: np.ndarray | None
    psu: np.ndarray | None
    single_psu: str  # "fail" or "certainty"
    where: str
    replicates: Replicates | None = None

    def single_psu_strata(self) -> list[str]:
        """Strata with one PSU in the whole sample."""
        if self.strata is None or self.psu is None:
            return []
        pairs = pd.DataFrame({"s": self.strata, "p": self.psu}).drop_duplicates()
        counts = pairs.groupby("s", sort=True).size()
        return [str(s) for s in counts.index[counts.eq(1)]]


def shares(design: Design, numerator: np.ndarray, denominator: np.ndarray, cells: np.ndarray,
           confidence: float) -> pd.DataFrame:
    """One row per cell (a value of ``cells`` among denominator rows; "" is in no cell): ``n``, ``N``, ``estimate``,
    ``se``, ``lower``, ``upper``, ``cv`` and ``deff``. ``numerator`` and ``denominator`` are 0/1."""
    from scipy.stats import norm

    y = (numerator * denominator).astype(float)
    x = denominator.astype(float)
    cells = cells.astype(str)
    if design.replicates is None:
        found = _taylor(design, y, x, cells)
    else:
        found = ratios(design.replicates, design.weight, y, x, cells)
    wanted = sorted(set(pd.unique(cells[denominator.astype(bool)])) - {""}, key=str)  # "": left out by the map
    rows = []
    z = float(norm.ppf(0.5 + confidence / 2))
    for cell in wanted:
        p, se = found[cell]
        in_d = denominator.astype(bool) & (cells == cell)
        rows.append({"cell": cell, "n": int(in_d.sum()), "N": float(design.weight[in_d].sum()), "estimate": p,
                     "se": se, "lower": p - z * se, "upper": p + z * se, "cv": se / p if p else float("nan"),
                     "deff": _deff(se ** 2, y[in_d], design.weight[in_d], p)})
    return pd.DataFrame(rows)


def _taylor(design: Design, y: np.ndarray, x: np.ndarray, cells: np.ndarray) -> dict[str, tuple[float, float]]:
    """cell -> (ratio, Taylor-linearised standard error), from samplics."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # samplics announces its successor, svy, on import
        from samplics.estimation import TaylorEstimator
        from samplics.utils.types import PopParam, SinglePSUEst

    est = TaylorEstimator(PopParam.ratio)
    option = SinglePSUEst.error if design.single_psu == "fail" else SinglePSUEst.skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            est.estimate(y=y, samp_weight=design.weight, x=x, stratum=design.strata, psu=design.psu,
                         domain=cells, single_psu=option, remove_nan=False)
        except Exception as e:  # samplics raises a plain exception for single-PSU strata
            lonely = design.single_psu_strata()
            if lonely:
                raise InputError(f"stratum/strata {lonely[:10]} have a single PSU, so their variance cannot be "
                                 "estimated", where=design.where,
                                 fix="set survey.design.single_psu: certainty (such a stratum adds no variance, "
                                     "as R's survey.lonely.psu = 'certainty'), or merge the stratum with a "
                                     "neighbour in the file (collapsed strata)") from None
            raise InputError(f"estimation failed: {e.__class__.__name__}: {e}", where=design.where,
                             fix="check the design variables and the weights") from None
    return {str(k): (float(est.point_est[k]), float(est.stderror[k])) for k in est.point_est}


def _deff(variance: float, y: np.ndarray, w: np.ndarray, p: float) -> float:
    """Kish's design effect: the design variance over that of a simple random sample (without
    replacement) of the domain's size; R ``svymean(..., deff = TRUE)`` on the subset design."""
    keep = w != 0
    y, w = y[keep], w[keep]
    n, total = len(y), float(w.sum())
    if n < 2 or total <= n:
        return float("nan")
    s2 = float((w * (y - p) ** 2).sum() / total) * n / (n - 1)
    vsrs = s2 * (total - n) / (total * n)
    return variance / vsrs if vsrs > 0 else float("nan")
