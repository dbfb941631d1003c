"""OBS_STATUS from the cells: a missing-value marker's declared reason, a declared footnote marker's flag,
and the flag of a sum (:mod:`sdmx_publish.transform.status`)."""

from __future__ import annotations

import pandas as pd
import pytest

from sdmx_publish.errors import SpecError
from sdmx_publish.extract import extract
from sdmx_publish.spec import load_spec
from sdmx_publish.transform import transform

from ..extract.helpers import spec_dict, write_case

TABLE = """Country,Sex,Year,Value
KOR,Male,2021,700 p
KOR,Female,2021,534
JPN,Male,2021,x
JPN,Female,2021,5
GBR,Male,2021,..
GBR,Female,2021,-
USA,Male,2021,12 r
USA,Female,2021,8 (e)
"""


def run(tmp_path, flow, **source):
    spec = load_spec(write_case(tmp_path, TABLE, spec=spec_dict("table.csv", **source)))
    return transform(extract(spec), spec, flow)


def status(frame: pd.DataFrame) -> dict[tuple[str, str], str]:
    return frame.set_index(["REF_AREA", "SEX"])["OBS_STATUS"].to_dict()


def test_each_missing_marker_gets_the_reason_the_spec_declares(tmp_path, iccs_flow):
    frame, report = run(tmp_path, iccs_flow, missing={"..": "O", "x": "Q", "-": "M"})
    got = status(frame)
    assert (got[("392", "M")], got[("826", "M")], got[("826", "F")]) == ("Q", "O", "M")
    assert report.missing_values == 3


def test_a_list_of_markers_means_missing_no_reason_given(tmp_path, iccs_flow):
    frame, _ = run(tmp_path, iccs_flow, missing=["..", "x", "-"])
    got = status(frame)
    assert {got[("392", "M")], got[("826", "M")], got[("826", "F")]} == {"O"}


def test_a_missing_status_that_is_not_a_missing_value_code_is_refused(tmp_path):
    with pytest.raises(SpecError, match=r"source.missing"):
        load_spec(write_case(tmp_path, TABLE, spec=spec_dict("table.csv", missing={"x": "E"})))


def test_declared_footnote_markers_become_the_flag_undeclared_ones_stay_a_finding(tmp_path, iccs_flow):
    frame, _ = run(tmp_path, iccs_flow, missing=["..", "x", "-"], value_markers={"p": "P", "e": "E"})
    got = status(frame)
    values = frame.set_index(["REF_AREA", "SEX"])["OBS_VALUE"]
    assert (got[("410", "M")], values[("410", "M")]) == ("P", 700)      # 700 p: provisional
    assert (got[("840", "F")], values[("840", "F")]) == ("E", 8)        # 8 (e): estimated
    assert (got[("840", "M")], values[("840", "M")]) == ("A", 12)       # 12 r: no flag declared for r
    assert got[("410", "F")] == "A"
    assert frame.loc[frame["_marker"].ne(""), "_value_raw"].tolist() == ["12 r"]  # only r is reported


def test_a_sum_takes_its_parts_flag_and_is_o_when_a_part_is_missing(tmp_path, iccs_flow):
    spec = spec_dict("table.csv", missing={"..": "O", "x": "Q", "-": "M"}, value_markers={"p": "P"})
    spec["roll_up"] = {"SEX": "_T"}
    spec = load_spec(write_case(tmp_path, TABLE, spec=spec))
    frame, _ = transform(extract(spec), spec, iccs_flow)
    got = status(frame)
    total = frame.set_index(["REF_AREA", "SEX"])["OBS_VALUE"]
    assert (total[("410", "_T")], got[("410", "_T")]) == (1234, "P")   # 700 p + 534: provisional
    assert pd.isna(total[("392", "_T")]) and got[("392", "_T")] == "O"  # x (suppressed) + 5: missing
    assert got[("392", "M")] == "Q"                                     # the part keeps its reason


def test_a_constant_status_flags_the_values_and_leaves_the_missing_cells_their_reason(tmp_path, iccs_flow):
    """``constants: {OBS_STATUS: D}`` (definition differs) is every value's flag; a missing cell stays missing
    (a D on an empty value would say nothing of why it is empty), a declared marker's flag is more specific."""
    spec = spec_dict("table.csv", missing={"..": "O", "x": "Q", "-": "M"}, value_markers={"p": "P"})
    spec["constants"]["OBS_STATUS"] = "D"
    spec = load_spec(write_case(tmp_path, TABLE, spec=spec))
    got = status(transform(extract(spec), spec, iccs_flow)[0])
    assert (got[("410", "F")], got[("840", "M")], got[("410", "M")]) == ("D", "D", "P")
    assert (got[("392", "M")], got[("826", "M")], got[("826", "F")]) == ("Q", "O", "M")


def test_a_status_from_a_map_flags_the_values_and_leaves_the_missing_cells_their_reason(tmp_path, iccs_flow):
    """A map giving OBS_STATUS (a year map marking a break, B) flags the values as a constant status does;
    a missing cell keeps its reason (O, Q, M) and a declared marker's flag stays, not B on an empty value."""
    (tmp_path / "years.csv").write_text("Year,OBS_STATUS,note\n2021,B,new answer scale\n", encoding="utf-8")
    spec = spec_dict("table.csv", missing={"..": "O", "x": "Q", "-": "M"}, value_markers={"p": "P"})
    spec["maps"].append({"file": "years.csv", "from": "Year", "to": "OBS_STATUS"})
    spec = load_spec(write_case(tmp_path, TABLE, spec=spec))
    got = status(transform(extract(spec), spec, iccs_flow)[0])
    assert (got[("410", "F")], got[("840", "M")], got[("410", "M")]) == ("B", "B", "P")
    assert (got[("392", "M")], got[("826", "M")], got[("826", "F")]) == ("Q", "O", "M")
