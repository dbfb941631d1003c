"""A national table on the correspondence engine, on small tables: areas in columns summed into provinces,
subtotal rows declared as summaries (checks, never counted twice), fixed and pro-rata splits, roll-up to the
ICCS ancestors and the national total, bad input."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from sdmx_publish.errors import SpecError
from sdmx_publish.extract import extract
from sdmx_publish.spec import load_spec
from sdmx_publish.transform import transform

TABLE = """\
group,offence,Seoul A,Seoul B,Busan A
Total,Total,31,16,9
Violence,Violence,25,11,7
Violence,Assault,20,9,5
Violence,Threat,5,2,2
Property,Theft,6,5,2
"""
ICCS = """\
offence,ICCS,share,parent,note
Assault,02011,,Violence,assault
Threat,02012,,Violence,threat
Theft,0502,0.75,Total,theft split
Theft,0501,0.25,Total,burglary part
Violence,,,Total,subtotal of assault and threat: a check
"""
AREAS = """\
region,REF_AREA,note
Seoul A,KR-11,district
Seoul B,KR-11,district
Busan A,KR-26,district
"""


def _config(tmp_path: Path, table: str = TABLE, iccs: str = ICCS, areas: str = AREAS) -> Path:
    (tmp_path / "t.csv").write_text(table, encoding="utf-8")
    (tmp_path / "iccs.csv").write_text(iccs, encoding="utf-8")
    (tmp_path / "areas.csv").write_text(areas, encoding="utf-8")
    cfg = tmp_path / "t.yaml"
    cfg.write_text(textwrap.dedent("""\
        dataflow: DF_ICCS_SUBNAT
        source: {path: t.csv, encoding: utf-8}
        reshape: {id_columns: [group, offence], into: REF_AREA}
        maps:
          - {file: areas.csv, from: REF_AREA, to: REF_AREA, key_columns: [region], aggregate: sum}
          - {file: iccs.csv, from: offence, to: ICCS, aggregate: sum, share_column: share, parent_column: parent,
             national_attribute: NAT_CATEGORY}
        roll_up: {REF_AREA: "410", ICCS: codelist}
        constants: {FREQ: A, TIME_PERIOD: "2023", INDICATOR: OFFENCES, SEX: _T, AGE: _T, CYBER: _T, VIC_PERP_REL: _T,
                    SIT_CONTEXT: _T, UNIT_MEASURE: NUMBER}
        """), encoding="utf-8")
    return cfg


def _run(path: Path, registry):
    spec = load_spec(path)
    return transform(extract(spec), spec, registry.flow("DF_ICCS_SUBNAT"))


def test_subtotals_are_checks_never_counted(tmp_path, registry):
    frame, report = _run(_config(tmp_path), registry)
    f = frame.set_index(["REF_AREA", "ICCS"])["OBS_VALUE"]
    assert f[("410", "_T")] == 56  # 34 assaults + 9 threats + 13 thefts: details only, no subtotal counted twice
    assert report.summary_checks == []  # Total and Violence are the sums of their details in every province
    assert report.mapping[1]["summary_rows"] == 4  # Total and Violence in two provinces


def test_subtotal_mismatch_is_reported(tmp_path, registry):
    _, report = _run(_config(tmp_path, TABLE.replace("Total,Total,31", "Total,Total,30")), registry)
    (bad,) = report.summary_checks
    assert (bad["summary"], bad["context"], bad["value"], bad["details_sum"]) == ("Total", {"REF_AREA": "KR-11"},
                                                                                   46.0, 47.0)


def test_fixed_split(tmp_path, registry):
    frame, report = _run(_config(tmp_path), registry)
    f = frame.set_index(["REF_AREA", "ICCS"])
    # 11 thefts x 0.75 / 0.25 = 8.25 / 2.75: whole numbers adding up to 11, the spare unit to the larger fraction
    assert f.loc[("KR-11", "0502"), "OBS_VALUE"] == 8
    assert f.loc[("KR-11", "0501"), "OBS_VALUE"] == 3
    assert f.loc[("KR-11", "05"), ["OBS_VALUE", "OBS_STATUS"]].tolist() == [11, "A"]  # holds both parts: exact
    assert f.loc[("KR-11", "0501"), "OBS_STATUS"] == "E" and "Theft" in f.loc[("KR-11", "0501"), "COMMENT_OBS"]
    assert f.loc[("KR-11", "0201"), "NAT_CATEGORY"] == "Assault; Threat"
    assert f.loc[("KR-11", "_T"), "NAT_CATEGORY"] == "all categories of the table"
    (theft,) = [v for v in report.mapping[1]["values"] if v["value"] == "Theft"]
    assert theft["mapping"] == "split" and [c["code"] for c in theft["codes"]] == ["0502", "0501"]


def test_pro_rata_falls_back_to_national_proportions(tmp_path, registry):
    table = TABLE.replace("Violence,Threat,5,2,2", "Violence,Threat,5,2,0").replace(
        "Violence,Assault,20,9,5", "Violence,Assault,20,9,0").replace("Property,Theft,6,5,2", "Property,Theft,6,5,4")
    iccs = ICCS.replace("Theft,0502,0.75,Total,theft split\nTheft,0501,0.25,Total,burglary part\n",
                        "Theft,02011,pro_rata,Total,x\nTheft,02012,pro_rata,Total,y\n")
    frame, _ = _run(_config(tmp_path, table, iccs), registry)
    f = frame.set_index(["REF_AREA", "ICCS"])["OBS_VALUE"]
    # Busan has no assault or threat: its 4 thefts follow the national 29:7 proportions (3.22 + 0.78 -> 3 + 1)
    assert (f[("KR-26", "02011")], f[("KR-26", "02012")]) == (3, 1)
    # Seoul: 11 thefts in proportion to Seoul's 29 assaults and 7 threats (8.86 + 2.14 -> 9 + 2)
    assert f[("KR-11", "02012")] == 7 + 2
    assert (f.round() == f).all()  # every count a whole number


@pytest.mark.parametrize(("iccs", "match"), [
    (ICCS.replace("0.25", "0.5"), r"iccs.csv rows \[4, 5\]: the shares of Theft add to 1.25, not 1"),
    (ICCS.replace("0.75", "").replace("0.25", ""), r"iccs.csv rows \[4, 5\]: ambiguous mapping: Theft"),
    (ICCS.replace("Violence,,,Total", "Violence,02011,,Total"),
     r"iccs.csv rows 6 and 2: summary row 'Violence' and its detail 'Assault' are both mapped to ICCS=02011"),
    # 02011 rolls up into 0201: assault would be in 0201 twice
    (ICCS.replace("Violence,,,Total", "Violence,0201,,Total"),
     r"iccs.csv rows 6 and 2: summary row 'Violence' and its detail 'Assault' are both mapped to ICCS=02011 and 0201"),
])
def test_bad_correspondence(tmp_path, registry, iccs, match):
    with pytest.raises(SpecError, match=match):
        _run(_config(tmp_path, iccs=iccs), registry)


def test_a_column_not_in_the_area_table_is_unmapped(tmp_path, registry):
    _, report = _run(_config(tmp_path, areas=AREAS.replace("Busan A,KR-26,district\n", "")), registry)
    assert [(u["map"], u["value"], u["count"]) for u in report.unmapped] == [("areas.csv", ["Busan A"], 5)]


@pytest.mark.slow
def test_command_line(tmp_path, capsys):
    from sdmx_publish.cli import main
    from sdmx_publish.store import latest

    store = tmp_path / "store"
    assert main(["run", str(_config(tmp_path)), "--store", str(store)]) == 0
    assert "DF_ICCS_SUBNAT: release" in capsys.readouterr().out
    release = latest(store, "CCJS", "DF_ICCS_SUBNAT")
    assert [r["total"] for r in release.manifest.extra["mapping"]] == [56 + 36 + 7 + 47 + 9, 56]
    assert main(["regional", "--store", str(store)]) == 2  # no DF_ICCS release in this store
    assert "no release of CCJS:DF_ICCS(1.0)" in capsys.readouterr().err


@pytest.mark.slow
def test_the_worked_example_of_the_docs(tmp_path):
    from sdmx_publish import pipeline
    from sdmx_publish.store import latest, read_frame

    from ..extract.test_docs_example import write_folder

    assert write_folder(tmp_path, "wide") == ["wide/table.csv", "wide/areas.csv", "wide/offences.csv", "wide/offences.yaml"]
    result = pipeline.run(tmp_path / "wide" / "offences.yaml", tmp_path / "store")
    assert result["validation"]["errors"] == 0 and "map.summary_mismatch" in result["validation"]["summary"]
    release = latest(tmp_path / "store", "CCJS", "DF_ICCS_SUBNAT")
    assert release.manifest.parts == ["kr_police_offences"]
    f = read_frame(release, "kr_police_offences").set_index(["REF_AREA", "ICCS"])
    assert f.loc[("KR-11", "02011"), ["OBS_VALUE", "OBS_STATUS"]].tolist() == [32, "E"]
    assert f.loc[("KR-11", "02012"), ["OBS_VALUE", "OBS_STATUS"]].tolist() == [8, "E"]
    assert "Aggravated violence" in f.loc[("KR-11", "02012"), "COMMENT_OBS"]
    assert f.loc[("KR-11", "0201"), ["OBS_VALUE", "OBS_STATUS", "NAT_CATEGORY"]].tolist() == \
        [40, "A", "Aggravated violence; Assault; Threat"]
    assert f.loc[("KR-11", "_T"), "OBS_VALUE"] == 51 and f.loc[("410", "_T"), "OBS_VALUE"] == 60
    checks = release.manifest.extra["transform"]["summary_checks"]
    assert [(c["summary"], c["context"], c["value"], c["details_sum"]) for c in checks] == \
        [("Total", {"REF_AREA": "KR-11"}, 47.0, 51.0)]
