"""Values read once per distinct cell: the same for a column held as text, as objects or as a categorical."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sdmx_publish.transform.values import parse_values

CELLS = ["1", " 2 ", "..", "", None, "1 234", "12 p", "3*", "4 9", "abc", "inf", "7)"]


@pytest.mark.parametrize("dtype", [object, "str", "category"])
def test_each_cell_is_read_whatever_the_column_holds(dtype):
    raw = pd.Series(CELLS * 2, dtype=dtype, index=np.arange(len(CELLS) * 2) + 5)
    got = parse_values(raw, missing=[".."], thousands=None, decimal=".")
    values = [1.0, 2.0, None, None, None, 1234.0, 12.0, 3.0, None, None, None, 7.0] * 2
    assert [None if pd.isna(v) else v for v in got.values] == values
    assert got.missing.tolist() == [c == ".." for c in CELLS] * 2
    assert got.unparsed.tolist() == [c in ("4 9", "abc", "inf") for c in CELLS] * 2  # an empty cell is no text
    assert got.marker.astype(str).tolist() == ["", "", "", "", "", "", "p", "*", "", "", "", ")"] * 2
    assert all(list(s.index) == list(raw.index) for s in got)
