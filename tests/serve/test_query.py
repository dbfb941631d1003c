"""Query parsing, periods, negotiation and selection without a server (fast, many cases)."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sdmx_publish.formats import Format
from sdmx_publish.periods import parse_period
from sdmx_publish.serve.negotiate import negotiate_data, negotiate_structure
from sdmx_publish.serve.query import (
    FlowRef,
    QueryError,
    parse_filter,
    parse_flow_v1,
    parse_flow_v2,
    parse_key_v1,
    parse_key_v2,
    parse_v1,
    parse_v2,
)
from sdmx_publish.serve.select import Columns, select
from tests.serve.sample import sample_frame

DIMS = ["FREQ", "REF_AREA", "SEX"]
F = FlowRef(agency=None, id="X")


def test_v1_keys():
    assert parse_key_v1("all", DIMS) == ()
    assert parse_key_v1("A..F+M", DIMS) == ({"FREQ": {"A"}, "SEX": {"F", "M"}},)
    assert parse_key_v1("..", DIMS) == ({},)
    with pytest.raises(QueryError, match="3 dimensions"):
        parse_key_v1("A.B", DIMS)
    with pytest.raises(QueryError, match="invalid code") as e:
        parse_key_v1("A.<script>.F", DIMS)
    assert e.value.status == 400


def test_v2_keys_and_filters():
    assert parse_key_v2("*", DIMS) == ()
    assert parse_key_v2("A.*.F,A.4.*", DIMS) == ({"FREQ": {"A"}, "SEX": {"F"}}, {"FREQ": {"A"}, "REF_AREA": {"4"}})
    assert parse_key_v2("A.*.F,*.*.*", DIMS) == ()  # one alternative is everything
    alts = parse_filter("TIME_PERIOD", "ge:2020+le:2022,2010")
    assert [[(c.op, c.value) for c in alt] for alt in alts] == [[("ge", "2020"), ("le", "2022")], [("eq", "2010")]]
    assert parse_filter("T", "ge:2020 le:2022")[0][1].op == "le"  # a raw + arrives as a space


def test_unimplemented_and_unknown_parameters():
    assert parse_v1(F, "all", {"includeHistory": "true"}, DIMS).include_history
    with pytest.raises(QueryError) as e:
        parse_v1(F, "all", {"includeHistory": "yes"}, DIMS)
    assert e.value.status == 400
    with pytest.raises(QueryError) as e:
        parse_v1(F, "all", {"asOf": "2020-01-01"}, DIMS)
    assert e.value.status == 501
    with pytest.raises(QueryError) as e:
        parse_v2(F, "*", {"startPeriod": "2020"}, DIMS)  # a v1 parameter on v2
    assert e.value.status == 501
    with pytest.raises(QueryError) as e:
        parse_v1(F, "all", {"foo": "1"}, DIMS)
    assert e.value.status == 400 and "foo" in str(e.value)


def test_flow_refs():
    assert parse_flow_v1("DF") == FlowRef(agency=None, id="DF")
    assert parse_flow_v1("CCJS,DF,1.0") == FlowRef(agency="CCJS", id="DF", version="1.0")
    assert parse_flow_v1("all,DF,latest") == FlowRef(agency=None, id="DF")
    assert parse_flow_v2("dataflow", "*", "DF", "~") == FlowRef(agency=None, id="DF")
    for bad in ("../etc", "A,B,C,D", "A;B"):
        with pytest.raises(QueryError):
            parse_flow_v1(bad)


@pytest.mark.parametrize("text,start,end", [
    ("2021", date(2021, 1, 1), date(2022, 1, 1)),
    ("2021-S2", date(2021, 7, 1), date(2022, 1, 1)),
    ("2021-Q4", date(2021, 10, 1), date(2022, 1, 1)),
    ("2021-M02", date(2021, 2, 1), date(2021, 3, 1)),
    ("2021-02", date(2021, 2, 1), date(2021, 3, 1)),
    ("2021-W01", date(2021, 1, 4), date(2021, 1, 11)),
    ("2020-D366", date(2020, 12, 31), date(2021, 1, 1)),
    ("2021-02-28", date(2021, 2, 28), date(2021, 3, 1)),
    ("2021-02-28T10:00:00Z", date(2021, 2, 28), date(2021, 3, 1)),
])
def test_periods(text, start, end):
    assert parse_period(text) == (start, end)


@pytest.mark.parametrize("text", ["2021-13", "2021-Q5", "2021-02-30", "21", "2021-D000", "2021-D366", "x"])
def test_bad_periods(text):
    assert parse_period(text) is None


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)))
def test_every_day_period_contains_itself(d):
    start, end = parse_period(d.isoformat())
    assert start == d and (end - start).days == 1
    q_start, q_end = parse_period(f"{d.year}-Q{(d.month - 1) // 3 + 1}")
    assert q_start <= d < q_end


@pytest.mark.parametrize("accept,api,fmt", [
    (None, 1, Format.ML21_GENERIC),
    (None, 2, Format.ML30_STRUCTURE_SPECIFIC),
    ("text/csv", 1, Format.CSV10),
    ("text/csv", 2, Format.CSV20),
    ("application/json", 1, Format.JSON20),
    ("application/vnd.sdmx.data+csv;version=2.0", 1, Format.CSV20),
    ("application/vnd.sdmx.data+csv; version=1.0.0; q=0.2, application/xml; q=0.9", 1, Format.ML21_GENERIC),
    ("application/vnd.sdmx.structurespecifictimeseriesdata+xml;version=2.1", 1, Format.ML21_STRUCTURE_SPECIFIC_TS),
])
def test_negotiation(accept, api, fmt):
    assert negotiate_data(accept, None, api).format == fmt


def test_negotiation_errors():
    for accept in ("image/png", "application/vnd.sdmx.data+csv;version=9.0"):
        with pytest.raises(QueryError) as e:
            negotiate_data(accept, None, 1)
        assert e.value.status == 406
    with pytest.raises(QueryError) as e:
        negotiate_data(None, None, 1, labels="name")
    assert e.value.status == 501
    assert negotiate_structure("application/json", None).startswith("application/vnd.sdmx.structure+json")


def test_select_is_vectorised_and_exact(sdg_flow):
    frame = sample_frame(sdg_flow, 2400, years=range(2001, 2021))
    cat = frame.astype({c: "category" for c in frame.columns if c != "OBS_VALUE"})
    dims = sdg_flow.dsd.dimension_ids
    area = sorted(frame["REF_AREA"].unique())[1]
    q = parse_v1(F, ".".join(area if d == "REF_AREA" else "" for d in dims),
                 {"startPeriod": "2010", "endPeriod": "2012-06", "lastNObservations": "2"}, dims)
    got = select(cat, q, sdg_flow.dsd)
    want = frame[(frame["REF_AREA"] == area) & frame["TIME_PERIOD"].isin(["2011", "2012"])]
    assert got.index.tolist() == want.index.tolist()
    assert len(cat) == 2400  # the cached frame is untouched
    q2 = parse_v2(F, "*", {"c[OBS_VALUE]": "ge:10", "c[SEX]": "ne:_T"}, dims)
    got2 = select(cat, q2, sdg_flow.dsd)
    assert np.array_equal(got2.index, frame[(frame["OBS_VALUE"] >= 10) & (frame["SEX"] != "_T")].index)
    assert isinstance(got2["SEX"].dtype, pd.CategoricalDtype)


def test_rows_of_wanted_codes_from_the_index_equal_a_pass_over_every_row():
    rng = np.random.default_rng(0)
    codes = rng.integers(-1, 300, 50_000).astype(np.int16)  # -1: a missing value
    cols = Columns.of(pd.DataFrame({"A": pd.Categorical.from_codes(codes, categories=[f"a{i}" for i in range(300)])}))
    for size in (0, 1, 3, 40, 250):  # few codes: slices of the index; many: one pass
        table = np.zeros(301, dtype=bool)
        table[rng.choice(301, size, replace=False)] = True
        assert np.array_equal(cols.rows_where("A", table), np.flatnonzero(table[codes])), size


def test_chunked_csv_reading_keeps_codes_as_text(tmp_path, sdg_flow):
    from sdmx_publish.serve.store import read_sdmx_csv
    from sdmx_publish.write import write

    frame = sample_frame(sdg_flow, 960, years=range(2001, 2025))
    write(frame, sdg_flow, Format.CSV10, tmp_path / "data.csv")
    whole = read_sdmx_csv(tmp_path / "data.csv")
    chunked = read_sdmx_csv(tmp_path / "data.csv", chunk_rows=100)
    for df in (whole, chunked):
        assert isinstance(df["REF_AREA"].dtype, pd.CategoricalDtype)
        assert set(df["REF_AREA"].astype(str)) == set(frame["REF_AREA"])  # "4" stays "4", not 4
    pd.testing.assert_frame_equal(whole.astype({c: str for c in whole if c != "OBS_VALUE"}),
                                  chunked.astype({c: str for c in chunked if c != "OBS_VALUE"}))
