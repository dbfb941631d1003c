"""Every shipped rule: one frame that makes it fire, one where it stays quiet."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from sdmx_publish.validate import RULES, validate

from .conftest import iccs_frame, sdg_frame

NAN = float("nan")
KOR_POP = pd.DataFrame({"REF_AREA": ["410"], "TIME_PERIOD": ["2020"], "POPULATION": [51_836_239.0]})
HOMICIDE_CHILDREN = ["0101", "0102", "0103", "0104", "0105", "0106", "0107", "0109"]


def years(values: list[float], **kw: object) -> pd.DataFrame:
    return iccs_frame([{"TIME_PERIOD": str(2005 + i), "OBS_VALUE": v} for i, v in enumerate(values)], **kw)


def with_text_value(v: str) -> pd.DataFrame:
    f = iccs_frame([{}, {"TIME_PERIOD": "2021"}])
    f["OBS_VALUE"] = pd.Series(["12", v], dtype=object)
    return f


def iccs_children(parent: float, kids: list[float]) -> pd.DataFrame:
    return iccs_frame([{"ICCS": "01", "OBS_VALUE": parent}]
                      + [{"ICCS": c, "OBS_VALUE": v} for c, v in zip(HOMICIDE_CHILDREN, kids)])


def sexes(total: float, **parts: float) -> pd.DataFrame:
    return iccs_frame([{"SEX": "_T", "OBS_VALUE": total}] + [{"SEX": s, "OBS_VALUE": v} for s, v in parts.items()])


def sdg_sexes(total: float, **parts: float) -> pd.DataFrame:
    """A percentage by sex (16.1.3 sexual violence, Korea)."""
    return sdg_frame([{"SEX": "_T", "OBS_VALUE": total}] + [{"SEX": s, "OBS_VALUE": v} for s, v in parts.items()],
                     SERIES="VC_VOV_SEXL", UNIT_MEASURE="PT")


def ages(total: float, bands: dict[str, float]) -> pd.DataFrame:
    return iccs_frame([{"AGE": "_T", "OBS_VALUE": total}] + [{"AGE": a, "OBS_VALUE": v} for a, v in bands.items()])


FIVE = {"ICCS": "0101"}
#: another source of the dataflow already publishes the default key in 2020
OTHERS = iccs_frame([{}]).assign(_part="unodc_homicide")
Case = tuple[str, Callable[[], pd.DataFrame], dict]
# rule id -> (flow fixture, firing frame, quiet frame, extra validate() keyword arguments)
CASES: dict[str, tuple[str, Callable[[], pd.DataFrame], Callable[[], pd.DataFrame], dict]] = {
    "dim.missing": ("iccs_flow", lambda: iccs_frame([{}]).drop(columns="AGE"), lambda: iccs_frame([{}]), {}),
    "dim.empty": ("iccs_flow", lambda: iccs_frame([{"SEX": ""}]), lambda: iccs_frame([{}]), {}),
    "code.unknown": ("iccs_flow", lambda: iccs_frame([{"ICCS": "0199"}]), lambda: iccs_frame([{"ICCS": "0109"}]), {}),
    "code.not_allowed": ("sdg_flow", lambda: sdg_frame([{"SERIES": "SI_POV_DAY1", "UNIT_MEASURE": "PT"}]),
                         lambda: sdg_frame([{}]), {}),
    "text.control_char": ("iccs_flow", lambda: iccs_frame([{"COMMENT_OBS": "police\x0bdata"}]),
                          lambda: iccs_frame([{"COMMENT_OBS": "police data\n(tab\tand line breaks are text)"}]), {}),
    "attr.mandatory": ("iccs_flow", lambda: iccs_frame([{}, {"TIME_PERIOD": "2021", "OBS_STATUS": None}]),
                       lambda: iccs_frame([{}]), {}),
    "dup.conflict": ("iccs_flow", lambda: iccs_frame([{"OBS_VALUE": 1}, {"OBS_VALUE": 2}]),
                     lambda: iccs_frame([{}, {"TIME_PERIOD": "2021"}]), {}),
    "dup.other_source": ("iccs_flow", lambda: iccs_frame([{}, {"TIME_PERIOD": "2021"}]),
                         lambda: iccs_frame([{"TIME_PERIOD": "2021"}]), {"others": OTHERS}),
    "dup.exact": ("iccs_flow", lambda: iccs_frame([{}, {}]), lambda: iccs_frame([{}, {"SEX": "F", "OBS_VALUE": 1}]), {}),
    "time.freq_mismatch": ("iccs_flow", lambda: iccs_frame([{"TIME_PERIOD": "2020-Q1"}]),
                           lambda: iccs_frame([{"FREQ": "Q", "TIME_PERIOD": "2020-Q1"}, {"FREQ": "M", "TIME_PERIOD": "2020-12"}]), {}),
    "value.non_numeric": ("iccs_flow", lambda: with_text_value("12a"), lambda: with_text_value("13.5"), {}),
    "value.marker_removed": ("iccs_flow", lambda: iccs_frame([{"OBS_VALUE": 123.0}]).assign(_marker="p", _value_raw="123 p"),
                             lambda: iccs_frame([{"OBS_VALUE": 123.0}]).assign(_marker="", _value_raw="123"), {}),
    "value.bounds": ("sdg_flow", lambda: sdg_frame([{"OBS_VALUE": 42.0, "LOWER_BOUND": "54.59", "UPPER_BOUND": "29.33"},
                                                    {"TIME_PERIOD": "2021", "OBS_VALUE": 39.6, "LOWER_BOUND": "42.03",
                                                     "UPPER_BOUND": "47.15"}]),
                     lambda: sdg_frame([{"OBS_VALUE": 42.0, "LOWER_BOUND": "29.33", "UPPER_BOUND": "54.59"},
                                        {"TIME_PERIOD": "2021", "OBS_VALUE": 39.6, "LOWER_BOUND": "",
                                         "UPPER_BOUND": "47.15"}]), {}),
    "value.not_finite": ("iccs_flow", lambda: iccs_frame([{"OBS_VALUE": np.inf}]), lambda: iccs_frame([{}]), {}),
    "value.missing_no_status": ("iccs_flow", lambda: iccs_frame([{"OBS_VALUE": NAN}]),
                                lambda: iccs_frame([{"OBS_VALUE": NAN, "OBS_STATUS": "M"}]), {}),
    "value.negative_count": ("iccs_flow", lambda: iccs_frame([{"OBS_VALUE": -3}]),
                             lambda: iccs_frame([{"OBS_VALUE": 0}]), {}),
    "value.out_of_range": ("iccs_flow", lambda: iccs_frame([{"UNIT_MEASURE": "PER_100000_POP", "OBS_VALUE": 250000}]),
                           lambda: iccs_frame([{"UNIT_MEASURE": "PER_100000_POP", "OBS_VALUE": 1.3}]), {}),
    "value.non_integer_count": ("iccs_flow", lambda: iccs_frame([{"OBS_VALUE": 10.5}]),
                                lambda: iccs_frame([{"OBS_VALUE": 10.5, "UNIT_MULT": "1"},
                                                    {"OBS_VALUE": 10.5, "UNIT_MEASURE": "PER_100000_POP"}]), {}),
    "unit.fraction_percentage": (
        "sdg_flow", lambda: sdg_frame([{"TIME_PERIOD": "2019", "OBS_VALUE": 0.31}, {"OBS_VALUE": 0.33}],
                                      SERIES="VC_PRS_UNSNT", UNIT_MEASURE="PT"),
        lambda: sdg_frame([{"TIME_PERIOD": "2019", "OBS_VALUE": 31}, {"OBS_VALUE": 33}],
                          SERIES="VC_PRS_UNSNT", UNIT_MEASURE="PT"), {}),
    "sdg.constraint": ("sdg_flow", lambda: sdg_frame([{"SERIES": "VC_IHR_PSRC", "OBS_VALUE": 1.3}]),
                       lambda: sdg_frame([{"SERIES": "VC_IHR_PSRC", "OBS_VALUE": 1.3, "UNIT_MEASURE": "PER_100000_POP"}]), {}),
    "rate.inconsistent": ("iccs_flow", lambda: iccs_frame([{"OBS_VALUE": 700}, {"UNIT_MEASURE": "PER_100000_POP", "OBS_VALUE": 2.5}]),
                          lambda: iccs_frame([{"OBS_VALUE": 700}, {"UNIT_MEASURE": "PER_100000_POP", "OBS_VALUE": 1.35}]),
                          {"population": KOR_POP}),
    "total.smaller_than_part": ("iccs_flow", lambda: sexes(100, M=120, F=10), lambda: sexes(130, M=120), {}),
    "total.sum_mismatch": ("iccs_flow", lambda: sexes(100, M=60, F=30), lambda: sexes(100, M=60, F=40), {}),
    "total.parts_incomplete": ("iccs_flow", lambda: ages(150, {"Y45T59": 50, "Y_GE60": 40}),
                               lambda: ages(100, {"Y0T14": 20, "Y15T64": 60, "Y_GE65": 20}), {}),
    # KOSTAT 16.1.3 sexual violence 2012: total 1.5 % with female 0.28 and male 0.01; 0.3 is within the rounding
    "total.outside_parts": ("sdg_flow", lambda: sdg_sexes(1.5, F=0.28, M=0.01), lambda: sdg_sexes(0.3, F=0.28, M=0.01), {}),
    "iccs.parent_smaller": ("iccs_flow", lambda: iccs_children(50, [100]), lambda: iccs_children(150, [100]), {}),
    "iccs.sum_mismatch": ("iccs_flow", lambda: iccs_children(100, [10] * 8), lambda: iccs_children(80, [10] * 8), {}),
    "series.outlier": ("iccs_flow", lambda: years([100, 102, 101, 103, 500, 104, 102, 103]),
                       lambda: years([100, 102, 101, 103, 105, 104, 102, 103]), {}),
    "series.break": ("iccs_flow", lambda: years([100, 102, 101, 103, 300, 302, 301, 303]),
                     lambda: years([100, 102, 101, 103, 300, 302, 301, 303]).assign(
                         OBS_STATUS=["A"] * 4 + ["B"] + ["A"] * 3), {}),
    "series.gap": ("iccs_flow", lambda: iccs_frame([{"TIME_PERIOD": "2010"}, {"TIME_PERIOD": "2013"}]),
                   lambda: iccs_frame([{"TIME_PERIOD": "2010"}, {"TIME_PERIOD": "2011"}]), {}),
    "revision.new": ("iccs_flow", lambda: iccs_frame([{}, {"TIME_PERIOD": "2021"}]), lambda: iccs_frame([{}]),
                     {"previous": iccs_frame([{}])}),
    "revision.revised": ("iccs_flow", lambda: iccs_frame([{"OBS_VALUE": 101}]), lambda: iccs_frame([{}]),
                         {"previous": iccs_frame([{}])}),
    "revision.large": ("iccs_flow", lambda: iccs_frame([{"OBS_VALUE": 150}]), lambda: iccs_frame([{"OBS_VALUE": 105}]),
                       {"previous": iccs_frame([{}])}),
    "revision.deleted": ("iccs_flow", lambda: iccs_frame([{}]), lambda: iccs_frame([{}, {"TIME_PERIOD": "2021"}]),
                         {"previous": iccs_frame([{}, {"TIME_PERIOD": "2021"}])}),
    # any deletion is held back (max_share 0); none is quiet
    "revision.deleted_share": ("iccs_flow", lambda: years([1] * 19), lambda: years([1] * 20),
                               {"previous": years([1] * 20)}),
    # 2 of 20 observations fall by 90%; 1 of 20 is within 5%, and a 40% change is below the threshold
    "revision.revised_share": ("iccs_flow", lambda: years([1] * 18 + [0.1] * 2), lambda: years([1] * 18 + [0.6, 0.1]),
                               {"previous": years([1] * 20)}),
}


#: the rules on what the transform found in the correspondence tables: rule id -> (firing, quiet) arguments
#: (records as the transform's report holds them), and the source row the finding names
UNMAPPED = {"map": "maps/sex.csv", "columns": ["Sex"], "value": ["Unknown"], "count": 3, "first_row": 7,
            "source": "test.csv"}
SUMMARY = {"map": "maps/iccs.csv", "summary": "Violence", "context": {"REF_AREA": "KR-11"}, "value": 46.0,
           "details_sum": 47.0, "details": 2, "row": 4, "source": "test.csv", "tolerance": 0.0}
FOUND_BY_TRANSFORM: dict[str, tuple[dict, dict, int]] = {
    "map.unmapped": ({"unmapped": [UNMAPPED]}, {"unmapped": []}, 7),
    "map.summary_mismatch": ({"summary_checks": [SUMMARY]}, {"summary_checks": []}, 4),
}


def test_every_rule_has_a_case() -> None:
    assert set(CASES) | set(FOUND_BY_TRANSFORM) == set(RULES) and not set(CASES) & set(FOUND_BY_TRANSFORM)


@pytest.mark.parametrize("rule_id", list(FOUND_BY_TRANSFORM))
def test_rules_on_the_correspondence_tables(rule_id: str, iccs_flow) -> None:
    fire, quiet, row = FOUND_BY_TRANSFORM[rule_id]
    report = validate(iccs_frame([{}]), iccs_flow, **fire)
    (hit,) = report.findings[report.findings["rule"] == rule_id].to_dict("records")
    assert hit["severity"] == RULES[rule_id].severity and report.ok == (hit["severity"] != "error")
    assert (hit["source"], hit["row"], hit["key"]) == ("test.csv", row, "")
    assert rule_id not in set(validate(iccs_frame([{}]), iccs_flow, **quiet).findings["rule"])


def test_finding_messages_of_the_correspondence_rules(iccs_flow) -> None:
    f = validate(iccs_frame([{}]), iccs_flow, unmapped=[UNMAPPED], summary_checks=[SUMMARY]).findings.set_index("rule")
    assert f.loc["map.unmapped", "message"] == "3 row(s) with {'Sex': 'Unknown'} match no row of maps/sex.csv"
    assert (f.loc["map.unmapped", "column"], f.loc["map.unmapped", "value"]) == ("Sex", "Unknown")
    assert f.loc["map.summary_mismatch", "message"] == ("summary row 'Violence' of maps/iccs.csv is 46 but its 2 "
                                                        "detail value(s) add up to 47 (REF_AREA=KR-11)")
    assert f.loc["map.summary_mismatch", "expected"].startswith("47 (tolerance 0;")


@pytest.mark.parametrize("rule_id", list(CASES))
def test_rule_fires(rule_id: str, request: pytest.FixtureRequest) -> None:
    flow_name, fire, _quiet, kw = CASES[rule_id]
    report = validate(fire(), request.getfixturevalue(flow_name), **kw)
    hits = report.findings[report.findings["rule"] == rule_id]
    assert len(hits) >= 1, report.summary()
    assert (hits["severity"] == RULES[rule_id].severity).all()
    assert hits["message"].str.len().gt(0).all()
    assert report.ok == (report.errors == 0)


@pytest.mark.parametrize("rule_id", list(CASES))
def test_rule_stays_quiet(rule_id: str, request: pytest.FixtureRequest) -> None:
    flow_name, _fire, quiet, kw = CASES[rule_id]
    report = validate(quiet(), request.getfixturevalue(flow_name), **kw)
    assert rule_id not in set(report.findings["rule"]), report.findings.to_string()


def test_every_rule_is_documented() -> None:
    from sdmx_publish import config
    doc = (config.ROOT / "docs" / "validation.md").read_text(encoding="utf-8")
    assert [r for r in RULES if f"`{r}`" not in doc] == []
