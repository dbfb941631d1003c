"""Comparing two versions of observations by key, on codes: what is new, revised or gone."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sdmx_publish.store.compare import diff, match
from tests.serve.sample import sample_frame


def test_the_same_observations_typed_differently_are_unchanged(sdg_flow):
    """Categorical or plain text, other category sets, "" or missing: compared as the text they are written as."""
    before = sample_frame(sdg_flow, 600, years=range(2000, 2012), seed=1)
    after = before.astype({"REF_AREA": str, "TIME_PERIOD": object}).sample(frac=1, random_state=2)
    after["REF_AREA"] = pd.Categorical(after["REF_AREA"], categories=[*sorted(set(after["REF_AREA"])), "999"])
    before["COMMENT_OBS"], after["COMMENT_OBS"] = "", None  # an empty attribute is an absent one
    after = after.reset_index(drop=True)
    changed, gone = diff(before, after, sdg_flow)
    assert len(changed) == 0 and len(gone) == 0


def test_new_revised_and_gone_observations_are_found(sdg_flow):
    before = sample_frame(sdg_flow, 600, years=range(2000, 2012), seed=1)
    before.loc[6, "OBS_VALUE"] = 0.3
    after = before.copy()
    after.loc[5, "OBS_VALUE"] += 1
    after.loc[6, "OBS_VALUE"] = 0.1 + 0.2  # 0.30000000000000004: equal to 15 significant digits, unchanged
    after.loc[7, "OBS_VALUE"] = np.nan
    after["OBS_STATUS"] = after["OBS_STATUS"].astype(object)
    after.loc[9, "OBS_STATUS"] = "E"
    after = pd.concat([after.drop(index=[11, 12]), sample_frame(sdg_flow, 3, years=range(2030, 2031))],
                      ignore_index=True)
    changed, gone = diff(before, after, sdg_flow)
    assert list(changed) == [5, 7, 9, len(after) - 3, len(after) - 2, len(after) - 1]
    assert list(gone) == [11, 12]


def test_match_finds_each_key_or_minus_one(sdg_flow):
    right = sample_frame(sdg_flow, 100, years=range(2000, 2010), seed=3)
    left = pd.concat([right.iloc[[40, 3]], sample_frame(sdg_flow, 1, years=range(2040, 2041))], ignore_index=True)
    key = [*sdg_flow.dsd.dimension_ids, sdg_flow.dsd.time_dimension]
    assert list(match(left.astype({"SEX": str}), right, key)) == [40, 3, -1]
