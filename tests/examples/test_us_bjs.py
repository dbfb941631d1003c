"""The BJS example: 22 largest US states, 2017-19, report-table CSVs read as published (CP1252, preamble,
two header rows, marker columns, notes), the share of violent victimisations reported to police published
by state with its 95% bounds; checked against cells picked by hand from the source files."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest
import yaml

from sdmx_publish.cli import main
from sdmx_publish.errors import InputError
from sdmx_publish.extract import extract
from sdmx_publish.spec import load_spec
from sdmx_publish.store import latest
from tests.conftest import EXAMPLES
from tests.examples import publish

BJS = EXAMPLES / "us_bjs_cv22luss1719"
SPEC = BJS / "reported.yaml"

#: (label, line in cv22luss1719at05.csv, estimate, standard error, lower bound, upper bound), read off the file
AT05 = [("United States", 13, 42.8, 1.34, 40.13, 45.39), ("Florida", 17, 54.8, 5.15, 44.67, 64.85),
        ("Massachusetts", 22, 57.9, 8.9, 40.4, 75.3), ("Wisconsin", 35, 33.8, 5.18, 23.59, 43.91)]


def read_table(name: str, tmp_path, **source) -> pd.DataFrame:
    """A BJS file read with the example spec's reading instructions (``source`` overrides them)."""
    spec = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    spec["source"] = {**spec["source"], "path": str(BJS / name), **source}
    spec["maps"] = [{**m, "file": str(BJS / m["file"])} for m in spec["maps"]]
    (tmp_path / "spec.yaml").write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    frame = extract(load_spec(tmp_path / "spec.yaml"))
    return frame[frame["State"].isin(pd.read_csv(BJS / "maps" / "states.csv")["State"])].set_index("State")


def test_appendix_table_5_read_as_published(tmp_path):
    at05 = read_table("cv22luss1719at05.csv", tmp_path)
    assert len(at05) == 23
    for label, line, est, se, low, up in AT05:
        row = at05.loc[label]
        assert row["_row"] == line
        assert [float(row[c].replace(",", "")) for c in ("Percent / Estimate", "Percent / Standard error",
                                                         "95% confidence interval / Lower bound",
                                                         "95% confidence interval / Upper bound")] == [est, se, low, up]
    # the bounds are the estimate -/+ 1.96 standard errors (the errors rounded for disclosure protection)
    values = at05[["Percent / Estimate", "Percent / Standard error", "95% confidence interval / Lower bound",
                   "95% confidence interval / Upper bound"]].astype(float).to_numpy()
    assert abs(values[:, 0] - 1.96 * values[:, 1] - values[:, 2]).max() < 0.25
    assert abs(values[:, 0] + 1.96 * values[:, 1] - values[:, 3]).max() < 0.25


@pytest.mark.parametrize(("figure", "table", "group"), [
    ("cv22luss1719f05.csv", "cv22luss1719at05.csv", "Percent"),
    ("cv22luss1719f01.csv", "cv22luss1719at01.csv", "Rate per 1,000"),
    ("cv22luss1719f02.csv", "cv22luss1719at02.csv", "Rate per 1,000"),
])
def test_figures_and_appendix_tables_agree(tmp_path, figure, table, group):
    """Each figure's file (estimate and bounds, its own layout) and its appendix table (with standard errors
    and counts) give the same numbers: both are read by the same layout instructions."""
    measures = [f"{group} / Estimate", "95% confidence interval / Lower bound", "95% confidence interval / Upper bound"]
    fig = read_table(figure, tmp_path)[measures].astype(float)
    app = read_table(table, tmp_path)[measures].astype(float)
    assert len(fig) == 23
    pd.testing.assert_frame_equal(fig, app)


#: (file, label, line, estimate, standard error, lower bound, upper bound), read off appendix tables 1 and 2
RATES = [("cv22luss1719at01.csv", "United States", 13, 21.6, 0.6, 20.42, 22.78),
         ("cv22luss1719at01.csv", "Colorado", 16, 45, 4.49, 36.21, 53.83),       # marker " †" in its own column
         ("cv22luss1719at01.csv", "Texas", 32, 18.3, 1.83, 14.69, 21.85),        # marker " ‡"
         ("cv22luss1719at02.csv", "United States", 13, 105.9, 1.33, 103.3, 108.5),
         ("cv22luss1719at02.csv", "Indiana", 20, 121.1, 6.43, 108.49, 133.71)]


@pytest.mark.parametrize(("table", "label", "line", "est", "se", "low", "up"), RATES)
def test_rates_read_from_the_appendix_tables(tmp_path, table, label, line, est, se, low, up):
    """Cells of appendix tables 1 and 2 (violent and property victimisation rates), picked by hand: read
    right (line, estimate, standard error, 95% bounds) though not published (SOURCE.md says why)."""
    rates = read_table(table, tmp_path)
    assert len(rates) == 23  # the United States and the 22 states
    row = rates.loc[label]
    assert row["_row"] == line
    assert [float(row[c]) for c in ("Rate per 1,000 / Estimate", "Rate per 1,000 / Standard error",
                                    "95% confidence interval / Lower bound",
                                    "95% confidence interval / Upper bound")] == [est, se, low, up]


@pytest.mark.slow
def test_a_wrong_header_rows_publishes_nothing_and_keeps_the_last_release(tmp_path, capsys):
    folder = tmp_path / "bjs"
    shutil.copytree(BJS, folder)
    store = tmp_path / "store"
    assert main(["run", str(folder / "reported.yaml"), "--store", str(store)]) == 0
    good = latest(store, "CCJS", "DF_SDG_16_CRIME_SUBNAT")
    snapshot = {p: p.read_bytes() for p in good.path.rglob("*") if p.is_file()}
    spec = folder / "reported.yaml"
    spec.write_text(spec.read_text(encoding="utf-8").replace("header_rows: 2", "header_rows: 1"), encoding="utf-8")
    assert main(["run", str(spec), "--store", str(store)]) == 2
    err = capsys.readouterr().err
    assert "cv22luss1719at05.csv: line 12 looks like one more header row" in err and "set source.header_rows: 2" in err
    assert latest(store, "CCJS", "DF_SDG_16_CRIME_SUBNAT").id == good.id
    assert {p: p.read_bytes() for p in good.path.rglob("*") if p.is_file()} == snapshot


def test_a_wrong_header_rows_names_the_line_of_the_real_file(tmp_path):
    with pytest.raises(InputError) as e:
        read_table("cv22luss1719at05.csv", tmp_path, header_rows=1)
    assert "cv22luss1719at05.csv: line 12 looks like one more header row ('Estimate'" in str(e.value)
    assert "set source.header_rows: 2" in str(e.value)


@pytest.mark.slow
def test_published_shares_and_bounds_are_the_source_cells(tmp_path):
    store = tmp_path / "store"
    result, release, frame = publish(SPEC, store)
    assert result["observations"] == 23 and result["validation"]["errors"] == 0
    frame = frame.set_index("REF_AREA")
    codes = pd.read_csv(BJS / "maps" / "states.csv", dtype=str).set_index("State")["REF_AREA"]
    for label, _, est, _, low, up in AT05:
        row = frame.loc[codes[label]]
        assert [row["OBS_VALUE"], float(row["LOWER_BOUND"]), float(row["UPPER_BOUND"])] == [est, low, up]
    assert set(frame["SERIES"]) == {"VC_PRR_PHYV"} and set(frame["TIME_DETAIL"]) == {"2017-2019"}
    assert frame["COMMENT_OBS"].str.contains("not the VC_PRR_PHYV definition").all()
    assert set(frame["OBS_STATUS"]) == {"D"}  # definition differs: flagged, not only said in a comment
    removed = release.manifest.sources[0]["layout"]["footnotes_removed"]
    assert {(f["line"], f["text"]) for f in removed} == {(12, "Standard error/a"), (13, "United States*")}
