"""Declared outcomes of rules: warn, flag (OBS_STATUS / COMMENT_OBS) or hold back (report and manifest)."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from sdmx_publish.errors import SpecError
from sdmx_publish.validate import RuleConfig, validate

from .conftest import iccs_frame, sdg_frame

SEX = [{"SEX": "_T", "OBS_VALUE": 1198.0}, {"SEX": "F", "OBS_VALUE": 45.0}, {"SEX": "M", "OBS_VALUE": 992.0},
       {"TIME_PERIOD": "2021", "SEX": "_T", "OBS_VALUE": 100.0}, {"TIME_PERIOD": "2021", "SEX": "F", "OBS_VALUE": 40.0},
       {"TIME_PERIOD": "2021", "SEX": "M", "OBS_VALUE": 60.0}]


def test_total_differing_from_its_parts_is_flagged_with_its_parts(iccs_flow) -> None:
    r = validate(iccs_frame(SEX), iccs_flow, rules=["total.sum_mismatch"])
    data = r.data.set_index(["TIME_PERIOD", "SEX"])
    assert r.ok and r.warnings == 1
    assert data.loc[("2020", "_T"), "OBS_STATUS"] == data.loc[("2020", "F"), "OBS_STATUS"] == "U"
    assert data.loc[("2020", "M"), "COMMENT_OBS"].startswith("total.sum_mismatch: total 1198 differs")
    assert "1037" in data.loc[("2020", "F"), "COMMENT_OBS"]
    assert (data.loc["2021", "OBS_STATUS"] == "A").all() and data.loc["2021", "COMMENT_OBS"].isna().all()
    assert r.outcomes["flagged"] == 3 and r.outcomes["held"] == 0
    assert r.as_dict()["counts"]["flagged"] == 3


def test_a_flag_keeps_a_status_other_than_normal_and_adds_to_the_comment(iccs_flow) -> None:
    rows = [{**SEX[0], "OBS_STATUS": "B", "COMMENT_OBS": "new source from 2020"}, *SEX[1:3]]
    data = validate(iccs_frame(rows), iccs_flow, rules=["total.sum_mismatch"]).data
    assert data.loc[0, "OBS_STATUS"] == "B"
    assert data.loc[0, "COMMENT_OBS"].startswith("new source from 2020; total.sum_mismatch:")


def test_flagging_what_was_published_flagged_changes_nothing(iccs_flow) -> None:
    once = validate(iccs_frame(SEX), iccs_flow, rules=["total.sum_mismatch"]).data
    twice = validate(once, iccs_flow, rules=["total.sum_mismatch"]).data
    pd.testing.assert_frame_equal(once, twice)


def test_declared_hold_keeps_the_rows_back_and_lists_them(iccs_flow) -> None:
    config = RuleConfig.from_dict({"rules": {"total.sum_mismatch": {"outcome": "hold"}}})
    r = validate(iccs_frame(SEX), iccs_flow, config=config, rules=["total.sum_mismatch"])
    assert sorted(r.data["TIME_PERIOD"]) == ["2021"] * 3
    held = r.outcomes["held_back"]
    assert [h["key"] for h in held] == [f"A.410.0101.{s}._T.NUMBER@2020" for s in ("_T", "F", "M")]
    assert [h["value"] for h in held] == [1198.0, 45.0, 992.0] and held[0]["row"] == 2
    assert held[0]["source"] == "test.csv" and held[0]["rules"] == "total.sum_mismatch"
    d = r.as_dict()
    assert d["counts"]["published"] == 3 and d["counts"]["held"] == 3
    assert r.manifest_entry()["held"] == 3
    assert "held back" in r.summary()


def test_iccs_parent_smaller_than_its_child_is_flagged_on_the_parent(iccs_flow) -> None:
    """UNODC's Cyprus 2005: Theft (0502) 1,201 below its own child Theft of a motorised vehicle (05021)
    1,610, and so its rate per 100,000 (same population). Downgraded to a warning (as the UNODC specs
    do), the parent count and rate are published with OBS_STATUS U and the reason; the child, a figure
    that fits its own definition, keeps its status."""
    rate = {"UNIT_MEASURE": "PER_100000_POP"}
    rows = [{"ICCS": "0502", "OBS_VALUE": 1201.0}, {"ICCS": "05021", "OBS_VALUE": 1610.0},
            {"ICCS": "0502", "OBS_VALUE": 116.8677876, **rate}, {"ICCS": "05021", "OBS_VALUE": 156.6670591, **rate},
            {"ICCS": "0502", "OBS_VALUE": 2000.0, "TIME_PERIOD": "2006"},
            {"ICCS": "05021", "OBS_VALUE": 1500.0, "TIME_PERIOD": "2006"}]
    config = RuleConfig.from_dict({"rules": {"iccs.parent_smaller": {"severity": "warning"}}})
    r = validate(iccs_frame(rows, REF_AREA="196", TIME_PERIOD="2005"), iccs_flow, config=config, rules=["iccs.parent_smaller"])
    data = r.data.set_index(["TIME_PERIOD", "ICCS", "UNIT_MEASURE"]).sort_index()
    assert r.ok and r.warnings == 2 and r.outcomes["flagged"] == 2
    assert (data.loc[("2005", "0502"), "OBS_STATUS"] == "U").all()
    assert data.loc[("2005", "0502", "NUMBER"), "COMMENT_OBS"] == (
        "iccs.parent_smaller: ICCS category total 1201 is smaller than a subcategory (expected >= 1610 (part 05021))")
    assert "116.8677876 is smaller" in data.loc[("2005", "0502", "PER_100000_POP"), "COMMENT_OBS"]
    assert (data.loc[("2005", "05021"), "OBS_STATUS"] == "A").all() and data.loc[("2005", "05021"), "COMMENT_OBS"].isna().all()
    assert (data.loc["2006", "OBS_STATUS"] == "A").all() and data.loc["2006", "COMMENT_OBS"].isna().all()


def test_percentage_total_outside_its_parts_is_flagged_with_its_parts(sdg_flow) -> None:
    """KOSTAT 16.1.3 sexual violence 2012: total 1.5 % with female 0.28 % and male 0.01 %: a total cannot lie
    above both sexes, so the three are published with OBS_STATUS U and the reason (the data cannot tell
    which is wrong); 2014's total within its parts stays as it is."""
    rows = [{"SEX": "_T", "OBS_VALUE": 1.5}, {"SEX": "F", "OBS_VALUE": 0.28}, {"SEX": "M", "OBS_VALUE": 0.01},
            *({"TIME_PERIOD": "2014", "SEX": s, "OBS_VALUE": v} for s, v in (("_T", 0.1), ("F", 0.2), ("M", 0.02)))]
    r = validate(sdg_frame(rows, SERIES="VC_VOV_SEXL", UNIT_MEASURE="PT", TIME_PERIOD="2012"), sdg_flow,
                 rules=["total.outside_parts"])
    data = r.data.set_index(["TIME_PERIOD", "SEX"]).sort_index()
    assert r.ok and r.warnings == 1 and r.outcomes["flagged"] == 3
    assert (data.loc["2012", "OBS_STATUS"] == "U").all()
    assert (data.loc["2012", "COMMENT_OBS"] == "total.outside_parts: total 1.5 lies outside the range of its parts "
                                               "(expected within [0.01, 0.28] (range of F+M))").all()
    assert (data.loc["2014", "OBS_STATUS"] == "A").all() and data.loc["2014", "COMMENT_OBS"].isna().all()


def test_fractional_counts_are_flagged_estimated(iccs_flow) -> None:
    r = validate(iccs_frame([{"OBS_VALUE": 0.628}, {"TIME_PERIOD": "2021"}]), iccs_flow,
                 rules=["value.non_integer_count"])
    assert list(r.data["OBS_STATUS"]) == ["E", "A"]
    assert "not a whole number" in r.data.loc[0, "COMMENT_OBS"]


def test_warn_publishes_as_is(iccs_flow) -> None:
    config = RuleConfig.from_dict({"rules": {"value.non_integer_count": {"outcome": "warn"}}})
    r = validate(iccs_frame([{"OBS_VALUE": 0.628}]), iccs_flow, config=config)
    assert r.warnings == 1 and list(r.data["OBS_STATUS"]) == ["A"] and r.outcomes["flagged"] == 0


def test_outcome_per_source(iccs_flow) -> None:
    config = RuleConfig.from_dict({"sources": {"b.csv": {"value.non_integer_count": {"outcome": "hold"}}}})
    frame = iccs_frame([{"OBS_VALUE": 0.5}, {"OBS_VALUE": 1.5, "_source": "b.csv", "REF_AREA": "392"}])
    r = validate(frame, iccs_flow, config=config, rules=["value.non_integer_count"])
    assert list(r.data["REF_AREA"]) == ["410"] and list(r.data["OBS_STATUS"]) == ["E"]
    assert [h["source"] for h in r.outcomes["held_back"]] == ["b.csv"]


@pytest.mark.parametrize(("settings", "says"), [
    ({"outcome": "drop"}, "outcome 'drop' is not one of warn, flag, hold"),
    ({"obs_status": ""}, "must be an OBS_STATUS code"),
])
def test_bad_outcome_settings(settings, says) -> None:
    with pytest.raises(SpecError, match=says):
        RuleConfig.from_dict({"rules": {"total.sum_mismatch": settings}})


def test_flag_status_must_be_in_the_codelist(iccs_flow) -> None:
    config = RuleConfig.from_dict({"rules": {"total.sum_mismatch": {"obs_status": "ZZ"}}})
    with pytest.raises(SpecError, match="'ZZ' is not a code of"):
        validate(iccs_frame(SEX), iccs_flow, config=config)


def _myanmar(frame: pd.DataFrame) -> pd.DataFrame:
    sel = ((frame["REF_AREA"] == "104") & (frame["TIME_PERIOD"] == "2016") & (frame["ICCS"] == "0101")
           & (frame["UNIT_MEASURE"] == "NUMBER") & (frame["AGE"] == "_T") & (frame["VIC_PERP_REL"] == "_T")
           & (frame["SIT_CONTEXT"] == "_T") & (frame["INDICATOR"] == "VICTIMS"))
    return frame[sel].set_index("SEX")


@pytest.mark.slow
def test_myanmar_2016_published_flagged_or_held_as_declared(tmp_path) -> None:
    """UNODC's Myanmar 2016: female 45 + male 992 = 1,037 victims, total 1,198: published with
    OBS_STATUS U and the reason by default, or held back and listed when the spec declares ``hold``."""
    from sdmx_publish import frames
    from sdmx_publish.pipeline import FRAME, step_extract, step_transform, validate_into
    from sdmx_publish.structure import load_registry

    spec = "examples/unodc/homicide.yaml"
    step_extract(spec, tmp_path)
    step_transform(spec, tmp_path)
    frame = frames.load(tmp_path / FRAME)
    flow = load_registry().flow("DF_ICCS")
    report, summary = validate_into(tmp_path, frame, flow)
    mmr = _myanmar(report.data)
    assert mmr.loc[["_T", "F", "M"], "OBS_VALUE"].tolist() == [1198.0, 45.0, 992.0]
    assert (mmr.loc[["_T", "F", "M"], "OBS_STATUS"] == "U").all()
    assert "1037 (sum of F+M)" in mmr.loc["F", "COMMENT_OBS"]
    assert summary["outcomes"]["flagged"] >= 3
    written = json.loads((tmp_path / "validation.json").read_text())
    assert written["outcomes"]["flagged"] == summary["outcomes"]["flagged"]

    held, _ = validate_into(tmp_path / "hold", frame, flow,
                            config=RuleConfig.from_dict({"rules": {"total.sum_mismatch": {"outcome": "hold"}}}))
    assert "_T" not in _myanmar(held.data).index and "F" not in _myanmar(held.data).index
    keys = {h["key"] for h in held.outcomes["held_back"]}
    assert "A.104.VICTIMS.0101.F._T._T._T._T.NUMBER@2016" in keys


def test_the_rows_to_publish_are_a_copy_of_the_frames_file_when_every_row_passes(tmp_path, iccs_flow) -> None:
    """No row dropped, held back or flagged: validated.parquet is the file the frame came from, byte for
    byte (nothing encoded again); otherwise the rows to publish are written."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from sdmx_publish import frames
    from sdmx_publish.validate.outcome import VALIDATED, validate_into

    frame = iccs_frame([{}, {"TIME_PERIOD": "2021"}])
    src = tmp_path / "frame.parquet"  # written unlike frames.save would (gzip): a copy is told apart
    pq.write_table(pa.Table.from_pandas(frame), src, compression="gzip")
    validate_into(tmp_path / "same", frames.load(src), iccs_flow, read_from=src)
    assert (tmp_path / "same" / VALIDATED).read_bytes() == src.read_bytes()
    twice = frames.save(pd.concat([frame, frame.head(1)], ignore_index=True), tmp_path / "twice.parquet")
    report, _ = validate_into(tmp_path / "dropped", frames.load(twice), iccs_flow, read_from=twice)
    assert report.dropped == 1
    pd.testing.assert_frame_equal(frames.load(tmp_path / "dropped" / VALIDATED), report.data)
    assert len(report.data) == 2
