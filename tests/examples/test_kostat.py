"""The Statistics Korea 16.1.3 example: values that cannot be right (robbery's decimal shift; sexual violence
2012 and 2014, whose both-sexes value lies outside its sexes') are held back with their reason, which the
transform report and the mapping review show."""

from __future__ import annotations

import json

import pytest

from sdmx_publish import pipeline
from tests.conftest import EXAMPLES
from tests.examples import publish

SPEC = EXAMPLES / "kostat" / "violence.yaml"


@pytest.fixture(scope="module")
def previewed():
    frame, report, _ = pipeline.preview(SPEC)
    return frame, report


def test_a_both_sexes_share_lies_between_its_sexes_shares(previewed):
    frame, _ = previewed
    wide = frame.pivot_table(index=["SERIES", "TIME_PERIOD"], columns="SEX", values="OBS_VALUE").dropna()
    assert len(wide) == 9  # physical violence 2014, 2016; robbery 2016; sexual violence 2008-2011, 2013, 2016
    low, high = wide[["F", "M"]].min(axis=1), wide[["F", "M"]].max(axis=1)
    inside = (wide["_T"] >= low - 0.05) & (wide["_T"] <= high + 0.05)  # the values have one or two decimals
    assert inside.all(), wide[~inside]


def test_sexual_violence_2012_and_2014_held_back_with_the_reason(previewed):
    frame, report = previewed
    sexual = frame[frame["SERIES"] == "VC_VOV_SEXL"]
    assert not sexual["TIME_PERIOD"].isin(["2012", "2014"]).any()
    assert sorted(set(sexual["TIME_PERIOD"])) == ["2008", "2009", "2010", "2011", "2013", "2016"]
    held = {tuple(h["rows"]): h for h in report["held_back"]}
    assert set(held) == {(9, 10, 11, 12, 13, 14, 15), (32, 33, 34, 38, 39, 40)}
    sex = held[(32, 33, 34, 38, 39, 40)]
    assert [c["Value"] for c in sex["cells"]] == ["1.5", "0.28", "0.01", "1.1", "0.23", "0.01"]
    assert "kor_indicator_16-1-3.csv lines 3 and 8" in sex["reason"] and sex["not_in_source"] == []
    assert "decimal shift" in held[(9, 10, 11, 12, 13, 14, 15)]["reason"]
    assert report["rows_filtered"] == 13


@pytest.mark.slow
def test_the_release_shows_what_was_held_back_and_why(tmp_path):
    store = tmp_path / "store"
    _, release, frame = publish(SPEC, store)
    assert not ((frame["SERIES"] == "VC_VOV_SEXL") & frame["TIME_PERIOD"].isin(["2012", "2014"])).any()
    manifest = json.loads((release.path / "manifest.json").read_text(encoding="utf-8"))
    reasons = [h["reason"] for h in manifest["transform"]["held_back"]]
    assert len(reasons) == 2 and "both-sexes values" in reasons[1]
    page = release.open("mapping.html").read().decode("utf-8")
    assert "Source lines held back on purpose (filter.drop_rows)" in page
    assert "32, 33, 34, 38, 39, 40" in page and "lie outside their sexes" in page
