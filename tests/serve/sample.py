"""Test helper: synthetic observation frames on a real dataflow, for the server's tests and benchmark.

Every code comes from the dataflow's codelists (respecting its constraints); only the numbers
are made up. Built with numpy index arithmetic, no Python object per observation.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from sdmx_publish.structure.model import Flow

#: preferred codes for mandatory coded attributes, when the codelist has them
PREFERRED = ("A", "0", "PER_100000_POP", "NUMBER", "_T")


def _codes(flow: Flow, component: str) -> list[str]:
    allowed = flow.allowed(component)
    ids = [c for c in flow.codelists[component].codes if allowed is None or c in allowed]
    return sorted(ids, key=lambda c: (c != "_T", ids.index(c)))


def sample_frame(flow: Flow, n_obs: int, *, years: range = range(2000, 2024), seed: int = 0,
                 vary: tuple[str, ...] = ("SERIES", "REF_AREA", "SEX", "AGE")) -> pd.DataFrame:
    """``n_obs`` annual observations: the ``vary`` dimensions take several codes, the others one."""
    dims = flow.dsd.dimension_ids
    n_series = math.ceil(n_obs / len(years))
    choices: dict[str, list[str]] = {}
    radix = 1
    varied = [d for d in dims if d in vary and d != "FREQ"]
    for d in dims:
        codes = ["A"] if d == "FREQ" else _codes(flow, d)
        if d in varied:
            left = len(varied) - varied.index(d)
            codes = codes[:max(1, min(len(codes), math.ceil((n_series / radix) ** (1 / left))))]
        else:
            codes = codes[:1]
        choices[d] = codes
        radix *= len(codes)
    if radix < n_series:
        raise ValueError(f"{flow.id}: the varied dimensions give only {radix} series, {n_series} needed")
    series = np.arange(n_series)
    cols: dict[str, pd.Categorical] = {}
    rest = series.copy()
    for d in reversed(dims):
        k = len(choices[d])
        cols[d] = pd.Categorical.from_codes(np.repeat(rest % k, len(years))[:n_obs], categories=choices[d])
        rest //= k
    frame = pd.DataFrame({d: cols[d] for d in dims})
    labels = [str(y) for y in years]
    frame[flow.dsd.time_dimension] = pd.Categorical.from_codes(np.tile(np.arange(len(years)), n_series)[:n_obs],
                                                               categories=labels)
    rng = np.random.default_rng(seed)
    frame["OBS_VALUE"] = np.round(rng.gamma(2.0, 5.0, n_obs), 3)
    for a in flow.dsd.attributes:
        if a.mandatory and a.id in flow.codelists:
            codes = _codes(flow, a.id)
            pick = next((p for p in PREFERRED if p in codes), codes[0])
            frame[a.id] = pd.Categorical.from_codes(np.zeros(n_obs, dtype=np.int8), categories=[pick])
    # the observation frame contract: code ids as strings
    return frame.astype({c: object for c in frame.columns if c != "OBS_VALUE"})
