"""Property-based: no observation frame, however broken, crashes the validator or its reports."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sdmx_publish.validate import FINDING_FIELDS, RuleConfig, validate

from .conftest import sdg_frame

pytestmark = pytest.mark.slow  # hypothesis runs hundreds of frames per test

COLUMNS = ["FREQ", "REF_AREA", "ICCS", "SEX", "AGE", "UNIT_MEASURE", "TIME_PERIOD", "OBS_VALUE", "OBS_STATUS",
           "UNIT_MULT", "_source", "_row"]
REAL = {"FREQ": ["A", "Q", "M", "D"], "REF_AREA": ["410", "392"], "ICCS": ["_T", "01", "0101", "0102", "02"],
        "SEX": ["_T", "F", "M", "_U"], "AGE": ["_T", "Y0T14", "Y15T29", "Y_GE30", "_U"],
        "UNIT_MEASURE": ["NUMBER", "PER_100000_POP", "PT"], "TIME_PERIOD": ["2019", "2020", "2020-Q1", "2020-01"],
        "OBS_STATUS": ["A", "M", "B", "E"], "UNIT_MULT": ["0", "3"], "_source": ["a.csv", "b.csv"]}

text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=6)
number = st.floats(allow_nan=True, allow_infinity=True) | st.integers(-10**20, 10**20)


def cell(col: str) -> st.SearchStrategy:
    if col == "OBS_VALUE":
        return number | text | st.none()
    if col == "_row":
        return st.integers(-5, 10**6) | st.none()
    return st.sampled_from(REAL[col]) | text | st.none() | number


@st.composite
def frames(draw: st.DrawFn) -> pd.DataFrame:
    cols = draw(st.lists(st.sampled_from(COLUMNS), unique=True, min_size=0, max_size=len(COLUMNS)))
    n = draw(st.integers(0, 25))
    data = {c: draw(st.lists(cell(c), min_size=n, max_size=n)) for c in cols}
    frame = pd.DataFrame(data, columns=cols)
    if "OBS_VALUE" in cols and draw(st.booleans()):
        frame["OBS_VALUE"] = pd.to_numeric(frame["OBS_VALUE"], errors="coerce")
    return frame


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(frame=frames(), previous=st.none() | frames())
def test_no_frame_crashes_the_validator(iccs_flow, frame: pd.DataFrame, previous: pd.DataFrame | None) -> None:
    report = validate(frame, iccs_flow, previous=previous)
    f = report.findings
    assert list(f.columns[: len(FINDING_FIELDS)]) == FINDING_FIELDS
    assert report.errors + report.warnings + report.infos == len(f)
    assert report.ok == (report.errors == 0)
    assert len(report.data) + len(report.quarantine) + report.dropped >= len(frame) >= len(report.data)
    json.dumps(report.as_dict(), default=str)
    assert report.summary()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=1, max_size=40))
def test_any_values_in_a_real_series(iccs_flow, values: list[float]) -> None:
    frame = pd.DataFrame({"FREQ": "A", "REF_AREA": "410", "ICCS": "0101", "SEX": "_T", "AGE": "_T",
                          "UNIT_MEASURE": "NUMBER", "TIME_PERIOD": [str(1980 + i) for i in range(len(values))],
                          "OBS_VALUE": np.array(values, dtype=float), "OBS_STATUS": "A"})
    report = validate(frame, iccs_flow, previous=frame.iloc[::-2])
    assert set(report.findings["rule"]) <= {"value.not_finite", "value.missing_no_status", "value.negative_count",
                                            "value.non_integer_count", "series.outlier", "series.break",
                                            "series.gap", "revision.new", "revision.revised", "revision.large"}


SDG_VALUES = {"SERIES": ["VC_IHR_PSRC", "VC_IHR_PSRCN", "VC_PRS_UNSNT", "SI_POV_DAY1", "XX", None],
              "SEX": ["_T", "F", "M", "_U", "Z", None], "AGE": ["_T", "Y0T14", "Y15T29", "Y_GE30", "Y_GE15", None],
              "UNIT_MEASURE": ["NUMBER", "PER_100000_POP", "PT", None], "TIME_PERIOD": ["2019", "2020", "2020-Q1", None],
              "OBS_STATUS": ["A", "M", "B", None], "REF_AREA": ["410", "392", None]}
POP = pd.DataFrame({"REF_AREA": ["410", "392"], "TIME_PERIOD": ["2020", "2020"], "POPULATION": [5.1e7, 0.0]})


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(data=st.data())
def test_sdg_frames_with_population_never_crash(sdg_flow, data: st.DataObject) -> None:
    n = data.draw(st.integers(1, 20))
    rows = [{k: data.draw(st.sampled_from(v)) for k, v in SDG_VALUES.items() if data.draw(st.booleans())}
            for _ in range(n)]
    for r in rows:
        r["OBS_VALUE"] = data.draw(st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from([0.5, 300.0]))
    frame = sdg_frame(rows).drop(columns=data.draw(st.lists(st.sampled_from(["AGE", "OBS_STATUS", "_row"]), unique=True)))
    report = validate(frame, sdg_flow, previous=frame.iloc[::2], population=POP)
    assert report.errors + report.warnings + report.infos == len(report.findings)
    json.dumps(report.as_dict(), default=str)


SPLIT = RuleConfig.from_dict({"sources": {"a.csv": {r: {"severity": "info"} for r in
                                                    ["dup.conflict", "total.sum_mismatch", "series.outlier",
                                                     "revision.deleted", "revision.large", "code.unknown"]}}})


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(frame=frames(), previous=st.none() | frames())
def test_rules_split_by_source_never_crash(iccs_flow, frame: pd.DataFrame, previous: pd.DataFrame | None) -> None:
    report = validate(frame, iccs_flow, previous=previous, config=SPLIT)
    pos = report.findings["pos"].to_numpy()
    assert ((pos >= -1) & (pos < max(len(frame), 1))).all()
    assert report.errors + report.warnings + report.infos == len(report.findings)
