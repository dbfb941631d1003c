"""Reading the release each observation of a part was last changed in (``attachments/<part>/last_changed.csv``,
written by ``publish/changed.py``): one reader for the publisher and the server.

The file holds runs over the part's observations in the order of its SDMX-CSV file (``parts/<part>.csv``):
each line ``ROWS,LAST_CHANGED`` says that the next ROWS observations were last changed in that release, so
a part published at once is one line. Files written before 2026-12-01 list every observation's key and
``LAST_CHANGED`` instead; they are read by key.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .compare import match
from .layout import LAST_CHANGED, LAST_CHANGED_ROWS
from .release import read_sdmx_csv


def read_dates(path: Path, rows: pd.DataFrame, key: list[str]) -> pd.Categorical:
    """``LAST_CHANGED`` of each of ``rows`` (the part's observations, in the order of its SDMX-CSV file)
    from the part's file at ``path``; missing where the file does not say (all of them if its runs do
    not add up to the rows: it is then not the file of these rows)."""
    header = list(pd.read_csv(path, nrows=0).columns)
    if header == [LAST_CHANGED_ROWS, LAST_CHANGED]:
        runs = pd.read_csv(path, dtype={LAST_CHANGED_ROWS: np.int64, LAST_CHANGED: object})
        counts = runs[LAST_CHANGED_ROWS].to_numpy()
        codes, names = pd.factorize(runs[LAST_CHANGED])  # an empty id: missing (-1)
        if int(counts.sum()) != len(rows) or (counts < 0).any():
            codes, counts = np.array([-1]), np.array([len(rows)])
        return pd.Categorical.from_codes(np.repeat(codes, counts), categories=pd.Index(names, dtype=object))
    known = read_sdmx_csv(path)  # keys and LAST_CHANGED, as categoricals
    dates = pd.Categorical(known[LAST_CHANGED])
    return pd.Categorical.from_codes(np.append(dates.codes, -1)[match(rows, known, key)],
                                     categories=dates.categories)
