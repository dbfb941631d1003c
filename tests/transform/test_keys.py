"""Observation keys met twice, found from categorical codes as pandas finds them from the text."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sdmx_publish.transform.mapping import _duplicated


@pytest.mark.parametrize("seed", range(5))
def test_duplicated_keys_from_codes_are_pandas_duplicated(seed):
    rng = np.random.default_rng(seed)
    n = 300
    frame = pd.DataFrame({c: pd.Categorical(rng.choice(["a", "b", None, "c"], n)) for c in "xyz"})
    frame["w"] = pd.Categorical(rng.choice(["q", "r"], n), categories=["r", "q", "s"])  # unsorted, one unused
    frame.index = np.arange(n) * 3 + 7
    key = ["x", "y", "z", "w"]
    expected = frame.duplicated(key, keep=False)
    assert expected.any() and not expected.all()
    pd.testing.assert_series_equal(_duplicated(frame, key), expected)
    text = frame.astype(object)  # text columns: pandas itself
    pd.testing.assert_series_equal(_duplicated(text, key), expected)


def test_duplicated_keys_over_a_wide_range_of_codes():
    """Keys whose codes span more than a count per possible key can hold (a hash of the keys instead)."""
    rng = np.random.default_rng(0)
    cats = [f"c{i:05d}" for i in range(20000)]
    frame = pd.DataFrame({c: pd.Categorical(rng.choice(cats[:50], 400), categories=cats) for c in "xyz"})
    frame = pd.concat([frame, frame.iloc[:7]], ignore_index=True)  # 7 keys met twice
    expected = frame.duplicated(list("xyz"), keep=False)
    assert expected.sum() >= 14
    pd.testing.assert_series_equal(_duplicated(frame, list("xyz")), expected)
