"""A rerun's period range: which observations' periods overlap it."""

from __future__ import annotations

import pandas as pd
import pytest

from sdmx_publish.errors import PublishError
from sdmx_publish.periods import in_range


def test_in_range_compares_whole_periods():
    periods = pd.Series(["2014", "2015", "2018-Q3", "2018-12", "2019"])
    assert in_range(periods, "2015", "2018").tolist() == [False, True, True, True, False]
    assert in_range(periods, None, "2014").tolist() == [True, False, False, False, False]
    quarters = pd.Series(["2018-Q3", "2018-Q4", "2019-Q1"])
    assert in_range(quarters, "2018-Q4", None).tolist() == [False, True, True]
    assert in_range(quarters, "2018", "2018").tolist() == [True, True, False]
    # a year overlaps a range that starts inside it; a month bound is a month, not a prefix
    assert in_range(pd.Series(["2018", "2017"]), "2018-Q4", None).tolist() == [True, False]
    assert in_range(pd.Series(["2018-M11", "2018-12", "2019-01"]), "2018-12", "2018-12").tolist() == [False, True, False]


def test_unparsable_periods_are_never_in_range():
    assert in_range(pd.Series(["2018", "n/a"]), "2000", None).tolist() == [True, False]


@pytest.mark.parametrize("bound", ["2012Q1", "12", "2012-13", "last year"])
def test_a_bad_bound_says_what_a_period_looks_like(bound):
    with pytest.raises(PublishError, match="is not an SDMX time period") as e:
        in_range(pd.Series(["2018"]), bound, None)
    assert "2015-Q3" in e.value.message()


def test_a_range_that_ends_before_it_starts_is_refused():
    with pytest.raises(PublishError, match=r"2020\.\.2019 is empty"):
        in_range(pd.Series(["2018"]), "2020", "2019")
    assert in_range(pd.Series(["2018-Q4", "2019"]), "2018-Q4", "2018").tolist() == [True, False]  # one quarter


@pytest.mark.parametrize("text", ["2015", "2015-A1", "2015-S2", "2015-Q3", "2015-M07", "2015-07", "2015-W05",
                                  "2015-D032", "2015-07-15", "2015-07-15T10:00:00", "2015-13", "2015-Q5",
                                  "15", "2015-W54", "20x5", "2015-07-15T10:00:00Z"])
def test_the_airflow_param_pattern_accepts_what_the_parser_accepts(text):
    """The params of the DAGs refuse at trigger time exactly what a rerun would refuse."""
    import re

    from sdmx_publish.periods import PERIOD_PATTERN, parse_bound

    assert bool(re.match(PERIOD_PATTERN, text)) == (parse_bound(text) is not None)


def test_period_before_a_logical_date():
    from datetime import date

    from sdmx_publish.periods import period_before

    assert period_before(date(2016, 1, 1), "year") == "2015"
    assert period_before(date(2016, 7, 9), "year") == "2015"
    assert period_before(date(2016, 1, 1), "quarter") == "2015-Q4"
    assert period_before(date(2016, 4, 1), "quarter") == "2016-Q1"
    assert period_before(date(2016, 1, 1), "month") == "2015-12"
    assert period_before(date(2016, 3, 31), "month") == "2016-02"


@pytest.mark.parametrize("freq,period,position", [
    ("A", "2021", 2021), ("S", "2021-S2", 2021 * 2 + 1), ("Q", "2021-Q3", 2021 * 4 + 2), ("M", "2021-07", 2021 * 12 + 6),
    ("W", "2021-W05", 2021 * 53 + 4), ("D", "2021-07-15", 737986),
])
def test_each_frequency_has_one_strict_form_that_the_grammar_accepts(freq, period, position):
    """The strict per-frequency patterns (rule time.format) are the general grammar's forms: a period
    written as its frequency says parses as a period, and its neighbour is one step further."""
    from sdmx_publish.periods import FREQUENCY_PATTERNS, ordinal, parse_period

    assert FREQUENCY_PATTERNS[freq].match(period) and parse_period(period) is not None
    assert ordinal(freq, period) == position
    assert [f for f, p in FREQUENCY_PATTERNS.items() if p.match(period)] == [freq]


@pytest.mark.parametrize("freq,period", [("A", "2021-A1"), ("M", "2021-M07"), ("D", "2021-07-15T10:00:00"),
                                         ("D", "2021-D196"), ("M", "2021-13"), ("D", "2021-02-30"), ("Q", "2021"),
                                         ("D", "0000-07-15"), ("X", "2021"), ("A", None)])
def test_lenient_or_wrong_forms_have_no_position(freq, period):
    from sdmx_publish.periods import ordinal

    assert ordinal(freq, period) != ordinal(freq, period)  # NaN


@pytest.mark.parametrize("bound", ["0000", "9999-12-31", "2021-W53"])  # 2021 has 52 ISO weeks
def test_a_bound_beyond_the_calendar_is_an_error_not_a_crash(bound):
    with pytest.raises(PublishError, match="is not an SDMX time period"):
        in_range(pd.Series(["2018"]), bound, None)


def test_week_53_of_a_53_week_year_is_its_last_week():
    from datetime import date

    from sdmx_publish.periods import parse_period

    assert parse_period("2020-W53") == (date(2020, 12, 28), date(2021, 1, 4))
