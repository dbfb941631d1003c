"""value.non_numeric: a hint per pattern of the cell that is not a number, in the finding's message."""

from __future__ import annotations

import pandas as pd
import pytest

from sdmx_publish.validate import validate
from sdmx_publish.validate.hints import non_numeric_hint

from .conftest import iccs_frame


@pytest.mark.parametrize(("cell", "hint"), [
    ("1,210", "a thousands separator? set source.thousands: ','"),
    ("12 345 678", "digits grouped by a space, a thousands separator? set source.thousands: ' '"),
    ("1'234", "set source.thousands: \"'\""),
    ("12,5", "a decimal comma? set source.decimal: ','"),
    ("13O2", "the letter(s) O among digits, a typing error for 1302? correct the source cell"),
    ("1l5", "a typing error for 115?"),
    ("approx. 1185", "text around the number 1185: correct the source cell, or if the cell means that the value "
                     "is missing, declare it in source.missing"),
    ("x", "a missing-value marker? declare it in source.missing with its status, e.g. {'x': O}"),
    ("n.a.", "declare it in source.missing"),
    ("see the note below the table", "correct the source cell, or declare it in source.missing"),
])
def test_each_pattern_has_its_own_hint(cell, hint):
    assert hint in non_numeric_hint(cell)


def test_the_finding_says_what_the_cell_probably_is(iccs_flow):
    frame = iccs_frame([{"TIME_PERIOD": str(y)} for y in (2018, 2019, 2020, 2021)])
    frame["OBS_VALUE"] = pd.Series(["13O2", "1,210", "approx. 1185", "x"], dtype=object)
    found = validate(frame, iccs_flow, rules=["value.non_numeric"]).findings.set_index("value")["message"]
    assert found["13O2"] == ("OBS_VALUE '13O2' is not a number: the letter(s) O among digits, a typing error for "
                             "1302? correct the source cell")
    assert found["1,210"].endswith("a thousands separator? set source.thousands: ','")
    assert "text around the number 1185" in found["approx. 1185"] and "source.thousands" not in found["approx. 1185"]
    assert "declare it in source.missing with its status, e.g. {'x': O}" in found["x"]


def test_a_cell_that_could_not_be_read_is_not_also_a_revision(iccs_flow):
    prev = iccs_frame([{"TIME_PERIOD": str(y), "OBS_VALUE": 1302} for y in (2019, 2020)])
    cur = iccs_frame([{"TIME_PERIOD": str(y)} for y in (2019, 2020, 2021)])
    cur["OBS_VALUE"] = pd.Series(["13O2", "1302", "1,5OO"], dtype=object)
    r = validate(cur, iccs_flow, previous=prev)
    assert sorted(r.findings.query("rule == 'value.non_numeric'")["value"]) == ["1,5OO", "13O2"]
    assert r.findings[r.findings["rule"].str.startswith("revision.")].empty  # not 'revised to nan', not 'new'
    assert {k: r.revisions[k] for k in ("new", "revised", "deleted", "unchanged")} == \
        {"new": 0, "revised": 0, "deleted": 0, "unchanged": 1}
