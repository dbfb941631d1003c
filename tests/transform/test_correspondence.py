"""The correspondence engine: split shares, declared summary rows (no double counting; summaries as checks),
the mapping review, missing-value markers per column and period; bad maps stop with file, row, key and fix,
nothing is published and the last release stays."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from sdmx_publish import pipeline
from sdmx_publish.cli import main
from sdmx_publish.errors import SpecError
from sdmx_publish.extract import extract
from sdmx_publish.spec import load_spec
from sdmx_publish.store import latest
from sdmx_publish.transform import transform

#: German-style offence keys: ****00 rows are totals of the keys that share their first four digits
TABLE = """Key,Label,Year,Count
211000,Raub (total),2022,30
211010,Raub a,2022,20
211020,Raub b,2022,10
435000,Diebstahl (total),2022,50
435010,Diebstahl a,2022,35
435020,Diebstahl b,2022,15
010000,Leben (total),2022,5
010010,Mord,2022,3
010020,Totschlag,2022,2
211000,Raub (total),2023,31
211010,Raub a,2023,21
211020,Raub b,2023,10
435000,Diebstahl (total),2023,0
435010,Diebstahl a,2023,0
435020,Diebstahl b,2023,0
010000,Leben (total),2023,6
010010,Mord,2023,4
010020,Totschlag,2023,2
"""

MAP = """Key,ICCS,share,note
211010,0401,,robbery
211020,0401,,robbery
211000,,,summary of 2110xx: a check of its details
435010,0502,,theft
435020,0501,0.5,half burglary
435020,0502,0.5,half theft
010010,0101,,murder
010020,,,manslaughter: not intentional homicide in this test
"""


def write(tmp_path: Path, table: str = TABLE, map_csv: str = MAP, **map_keys) -> Path:
    (tmp_path / "pks.csv").write_text(table)
    (tmp_path / "offences.csv").write_text(map_csv)
    spec = {"dataflow": "DF_ICCS", "name": "PKS test", "source": {"path": "pks.csv"},
            "columns": {"TIME_PERIOD": "Year", "OBS_VALUE": "Count"},
            "constants": {"FREQ": "A", "REF_AREA": "276", "INDICATOR": "OFFENCES", "SEX": "_T", "AGE": "_T",
                          "CYBER": "_T", "VIC_PERP_REL": "_T", "SIT_CONTEXT": "_T", "UNIT_MEASURE": "NUMBER"},
            "maps": [{"file": "offences.csv", "from": "Key", "to": "ICCS", "aggregate": "sum",
                      "share_column": "share", "summary_pattern": r"^(\d{4})00$", **map_keys}]}
    path = tmp_path / "pks.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path


def run(path: Path, registry):
    spec = load_spec(path)
    return transform(extract(spec), spec, registry.flow(spec.dataflow))


def test_splits_sums_and_summary_checks(tmp_path, registry):
    frame, report = run(write(tmp_path), registry)
    got = frame[frame["TIME_PERIOD"].eq("2022")].set_index("ICCS")
    assert got.loc["0401", "OBS_VALUE"] == 30 and got.loc["0401", "OBS_STATUS"] == "A"
    # 15 split half and half in whole numbers: the unit left over goes to the first row of the split
    assert got.loc["0501", "OBS_VALUE"] == 8 and got.loc["0502", "OBS_VALUE"] == 35 + 7
    assert got.loc["0501", "OBS_STATUS"] == "E" and got.loc["0502", "OBS_STATUS"] == "E"
    assert got.loc["0101", "OBS_VALUE"] == 3
    assert report.summary_checks == []  # 211000, 435000 and 010000 are the sums of their details


def test_summary_check_finds_details_that_do_not_add_up(tmp_path, registry):
    _, report = run(write(tmp_path, TABLE.replace("435020,Diebstahl b,2022,15", "435020,Diebstahl b,2022,14")),
                    registry)
    assert [(c["summary"], c["value"], c["details_sum"], c["context"], c["row"]) for c in report.summary_checks] == \
        [("435000", 50.0, 49.0, {"Year": "2022"}, 5)]


def test_the_mapping_review_says_what_went_where(tmp_path, registry):
    _, report = run(write(tmp_path), registry)
    (review,) = report.mapping
    values = {v["value"]: v for v in review["values"]}
    assert values["435020"]["mapping"] == "split" and values["435020"]["total"] == 15
    assert [(c["code"], c["share"], c["total"]) for c in values["435020"]["codes"]] == [("0501", .5, 7.5),
                                                                                       ("0502", .5, 7.5)]
    # each code's English name from the codelist, a valid but wrong code easier to spot
    assert [c["name"] for c in values["435020"]["codes"]] == ["Burglary", "Theft"]
    assert values["211010"]["codes"][0]["name"] == "Robbery"
    assert values["211000"]["mapping"] == "summary" and values["010000"]["mapping"] == "summary"  # checks
    (manslaughter,) = review["excluded_values"]
    assert manslaughter["value"] == "010020" and "manslaughter" in manslaughter["note"]
    assert manslaughter["by_period"] == {"2022": 2.0, "2023": 2.0}
    # the national total is the detail rows' (the summaries are checks): 2022: 20+10+35+15+3+2 = 85
    assert review["by_period"]["2022"]["total"] == 85 and review["by_period"]["2022"]["mapped"] == 83
    assert review["by_period"]["2022"]["coverage"] == pytest.approx(83 / 85)
    assert review["summary_rows"] == 6  # 211000, 435000, 010000 in two years


def test_missing_markers_of_some_periods_only(tmp_path, registry):
    path = write(tmp_path)
    spec = yaml.safe_load(path.read_text())
    spec["source"]["missing_where"] = [{"values": ["0"], "start": "2023", "end": "2023",
                                        "note": "theft not yet reported for 2023"}]
    path.write_text(yaml.safe_dump(spec))
    frame, _ = run(path, registry)
    got = frame.set_index(["TIME_PERIOD", "ICCS"])
    # not yet reported is "missing value" (O), not "data cannot exist" (M, what every marker got before)
    assert got.loc[("2023", "0502"), "OBS_STATUS"] == "O" and got.loc[("2023", "0502"), "OBS_VALUE"] != 0
    assert got.loc[("2022", "0101"), "OBS_VALUE"] == 3 and got.loc[("2023", "0401"), "OBS_VALUE"] == 31


@pytest.mark.parametrize("map_csv, message", [
    (MAP.replace("435020,0502,0.5", "435020,0502,0.4"),
     r"offences.csv rows \[6, 7\]: the shares of 435020 add to 0.9, not 1"),
    (MAP.replace("211000,,,", "211000,0401,,"),
     r"offences.csv rows 4 and 2: summary row '211000' and its detail '211010' are both mapped to ICCS=0401"),
    (MAP.replace("435020,0501,0.5", "435020,0501,"),
     r"offences.csv row 6: the share '' of 435020 is not a number"),
], ids=["shares_not_adding_to_1", "summary_with_its_details", "split_without_share"])
def test_bad_maps_are_refused_at_load(tmp_path, map_csv, message):
    with pytest.raises(SpecError, match=message) as e:
        load_spec(write(tmp_path, map_csv=map_csv))
    assert e.value.fix and "maps[0]" in str(e.value)


def test_a_value_on_two_rows_without_shares_is_ambiguous(tmp_path):
    with pytest.raises(SpecError, match=r"offences.csv rows \[6, 7\]: ambiguous mapping: 435020") as e:
        load_spec(write(tmp_path, map_csv=MAP.replace(",0.5,", ",,")))
    assert "share_column" in e.value.fix


@pytest.mark.slow
@pytest.mark.parametrize("bad", ["shares", "summary", "ambiguous"])
def test_a_bad_map_publishes_nothing_and_keeps_the_last_release(tmp_path, bad, capsys):
    store = tmp_path / "store"
    path = write(tmp_path)
    assert main(["run", str(path), "--store", str(store)]) == 0
    before = latest(store, "CCJS", "DF_ICCS")
    assert (before.path / "mapping.html").is_file() and before.manifest.extra["mapping"][0]["map"] == "offences.csv"
    if bad == "ambiguous":
        spec = yaml.safe_load(path.read_text())
        del spec["maps"][0]["aggregate"]
        path.write_text(yaml.safe_dump(spec))
    else:
        (tmp_path / "offences.csv").write_text(MAP.replace("0502,0.5", "0502,0.4") if bad == "shares"
                                               else MAP.replace("211000,,,", "211000,0401,,"))
    assert main(["run", str(path), "--store", str(store)]) == 2
    err = capsys.readouterr().err
    assert "offences.csv rows" in err and "fix:" in err
    assert latest(store, "CCJS", "DF_ICCS").id == before.id


@pytest.mark.slow
def test_the_review_page_is_published_beside_the_validation_report(tmp_path):
    store = tmp_path / "store"
    result = pipeline.run(write(tmp_path), store)
    release = latest(store, "CCJS", "DF_ICCS")
    assert result["release_id"] == release.id
    page = (release.path / "mapping.html").read_text()
    assert "Mapping review: PKS test" in page and "435020" in page and "half burglary" in page
    assert "0501 Burglary (0.5), 0502 Theft (0.5)" in page and "0401 Robbery" in page
    assert json.loads((release.path / "mapping.json").read_text())[0]["map"] == "offences.csv"
    assert {f.path for f in release.files} >= {"mapping.html", "mapping.json", "validation.html"}
    # the web explorer's release page (where the Airflow "Mapping review" link goes) shows the coverage and links it
    from lxml import html
    from starlette.testclient import TestClient

    from sdmx_publish.serve.app import create_app

    with TestClient(create_app(store)) as client:
        doc = html.fromstring(client.get(f"/ui/history/CCJS/DF_ICCS/{release.id}").text)
        (row,) = doc.cssselect("#map-coverage tbody tr")
        assert "offences.csv" in row.text_content() and "96.7 %" in row.text_content()  # 118 of 122
        link = doc.get_element_by_id("mapping-page").get("href")
        answer = client.get(link)
        assert answer.status_code == 200 and "Mapping review: PKS test" in answer.text


@pytest.mark.slow
def test_the_worked_example_of_the_docs(tmp_path):
    from sdmx_publish.store import read_frame

    from ..extract.test_docs_example import write_folder

    assert write_folder(tmp_path, "pks") == ["pks/table.csv", "pks/offences.csv", "pks/offences.yaml"]
    store = tmp_path / "store"
    result = pipeline.run(tmp_path / "pks" / "offences.yaml", store)
    assert result["validation"]["warnings"] == 1 and "map.summary_mismatch" in result["validation"]["summary"]
    release = latest(store, "CCJS", "DF_ICCS")
    got = read_frame(release, pipeline.part_id(tmp_path / "pks" / "offences.yaml")).set_index("ICCS")
    assert got["OBS_VALUE"].to_dict() == {"0101": 3, "0401": 30, "0501": 7, "0502": 42}
    assert got.loc["0501", "OBS_STATUS"] == "E" and got.loc["0401", "OBS_STATUS"] == "A"
    (review,) = release.manifest.extra["mapping"]
    assert (review["excluded"], review["mapped"], review["total"]) == (2, 82, 84)
    assert f"{review['coverage']:.1%}" == "97.6%" and review["summary_rows"] == 2


@pytest.mark.slow
def test_a_spec_without_maps_has_a_review_that_says_so(tmp_path):
    path = write(tmp_path)
    spec = yaml.safe_load(path.read_text())
    spec["maps"] = []
    spec["constants"]["ICCS"] = "0101"
    spec["filter"] = {"keep": {"Key": ["010010"]}}
    path.write_text(yaml.safe_dump(spec))
    store = tmp_path / "store"
    assert pipeline.run(path, store)["new"]
    release = latest(store, "CCJS", "DF_ICCS")
    assert release.manifest.extra["mapping"] == []
    assert "every code comes from a column or a constant" in (release.path / "mapping.html").read_text()


@pytest.mark.slow
def test_the_worked_example_of_missing_where(tmp_path):
    from sdmx_publish.store import read_frame

    from ..extract.test_docs_example import write_folder

    assert write_folder(tmp_path, "missing") == ["missing/table.csv", "missing/sex.csv", "missing/victims.yaml"]
    store = tmp_path / "store"
    assert pipeline.run(tmp_path / "missing" / "victims.yaml", store)["new"]
    frame = read_frame(latest(store, "CCJS", "DF_ICCS"), pipeline.part_id(tmp_path / "missing" / "victims.yaml"))
    got = frame.set_index(["SEX", "TIME_PERIOD"])
    assert got.loc[("M", "2013"), "OBS_VALUE"] == 0 and got.loc[("M", "2013"), "OBS_STATUS"] == "A"
    # the example declares `status: L` (data exist, not collected); before, every marker was M (cannot exist)
    assert got.loc[("F", "2011"), "OBS_STATUS"] == "L" and got.loc[("F", "2011"), "OBS_VALUE"] != 0
    assert got.loc[("F", "2013"), "OBS_VALUE"] == 11
    assert (got.xs("2012", level="TIME_PERIOD")["OBS_STATUS"] == "L").all()


def test_fiscal_years_in_a_column_become_the_year_they_end_in_and_their_span(tmp_path, registry):
    """A column of non-calendar periods (docs/specs.md): a map gives each label its TIME_PERIOD (the year it
    ends in) and TIME_DETAIL (the span as published), where the DSD has TIME_DETAIL (the SDG DSD)."""
    (tmp_path / "t.csv").write_text("Year,Value\n2021/22,10.5\n2022/23,12\n")
    (tmp_path / "years.csv").write_text("Year,TIME_PERIOD,TIME_DETAIL,note\n"
                                        "2021/22,2022,2021/22,April to March\n2022/23,2023,2022/23,April to March\n")
    constants = {d: "_T" for d in ("SEX", "AGE", "URBANISATION", "INCOME_WEALTH_QUANTILE", "EDUCATION_LEV",
                                   "OCCUPATION", "CUST_BREAKDOWN", "COMPOSITE_BREAKDOWN", "DISABILITY_STATUS",
                                   "ACTIVITY", "PRODUCT")}
    spec = {"dataflow": "DF_SDG_16_CRIME", "source": {"path": "t.csv"}, "columns": {"OBS_VALUE": "Value"},
            "constants": {**constants, "FREQ": "A", "REPORTING_TYPE": "N", "SERIES": "VC_PRS_UNSNTN",
                          "REF_AREA": "410", "UNIT_MEASURE": "PT", "UNIT_MULT": "0", "NATURE": "C"},
            "maps": [{"file": "years.csv", "from": "Year", "to": ["TIME_PERIOD", "TIME_DETAIL"]}]}
    (tmp_path / "s.yaml").write_text(yaml.safe_dump(spec))
    frame, _ = run(tmp_path / "s.yaml", registry)
    got = frame.set_index("TIME_PERIOD")
    assert got["TIME_DETAIL"].to_dict() == {"2022": "2021/22", "2023": "2022/23"}
    assert got["OBS_VALUE"].to_dict() == {"2022": 10.5, "2023": 12}


def test_the_review_names_the_codes_of_each_target_of_a_map(registry):
    """A map to two components: the names joined as the codes are; a free-text target has no name."""
    from sdmx_publish.transform.review import code_names

    flow = registry.flow("DF_ICCS")
    assert code_names(flow, ["ICCS", "SEX"], ["0401 | F", "0501 | _T"]) == ["Robbery | Female",
                                                                          "Burglary | Both sexes or no breakdown by sex"]
    assert code_names(flow, ["COMMENT_OBS", "SEX"], ["any text | M", "more text | NOPE"]) == [" | Male", ""]
