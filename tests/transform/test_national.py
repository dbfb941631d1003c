"""National classification mechanics on small tables: subtotals, fixed splits, fallbacks, bad input."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from sdmx_publish.errors import InputError, SpecError
from sdmx_publish.transform.classify import classify
from sdmx_publish.transform.coverage import coverage_report
from sdmx_publish.transform.national import load_table_config

TABLE = """\
group,offence,Seoul A,Seoul B,Busan A
Total,Total,31,16,9
Violence,Violence,25,11,7
Violence,Assault,20,9,5
Violence,Threat,5,2,2
Property,Theft,6,5,2
"""
ICCS = """\
group,offence,ICCS,share,note
Violence,Assault,02011,,assault
Violence,Threat,02012,,threat
Property,Theft,0502,0.75,theft split
Property,Theft,0501,0.25,burglary part
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
        classify:
          categories: [group, offence]
          classification: iccs.csv
          areas: areas.csv
          national_area: "410"
          time_period: "2023"
        constants: {FREQ: A, INDICATOR: OFFENCES, SEX: _T, AGE: _T, CYBER: _T, VIC_PERP_REL: _T, SIT_CONTEXT: _T,
                    UNIT_MEASURE: NUMBER}
        """), encoding="utf-8")
    return cfg


def _run(path: Path, registry):
    flow = registry.flow("DF_ICCS_SUBNAT")
    cfg = load_table_config(path)
    c = classify(cfg, flow)
    return c, coverage_report(c, cfg, flow)


def test_subtotals_excluded_and_checked(tmp_path, registry):
    c, report = _run(_config(tmp_path), registry)
    f = c.frame.set_index(["REF_AREA", "ICCS"])["OBS_VALUE"]
    assert f[("410", "_T")] == 56  # 25 + 11 + 15 + ... : details only, no subtotal counted twice
    checks = {r["category"]: r for r in report["subtotal_rows"]}
    assert set(checks) == {"Total/Total", "Violence/Violence"}
    assert checks["Violence/Violence"]["mismatches"] == 0
    assert checks["Total/Total"]["mismatches"] == 0


def test_subtotal_mismatch_is_reported(tmp_path, registry):
    _, report = _run(_config(tmp_path, TABLE.replace("Total,Total,31", "Total,Total,30")), registry)
    bad = next(r for r in report["subtotal_rows"] if r["category"] == "Total/Total")
    assert bad["mismatches"] == 1 and bad["examples"] == {"Seoul A": -1.0}


def test_fixed_split(tmp_path, registry):
    c, report = _run(_config(tmp_path), registry)
    f = c.frame.set_index(["REF_AREA", "ICCS"])
    # 11 thefts x 0.75 / 0.25 = 8.25 / 2.75: whole numbers adding up to 11, the spare unit to the larger fraction
    assert f.loc[("KR-11", "0502"), "OBS_VALUE"] == 8
    assert f.loc[("KR-11", "0501"), "OBS_VALUE"] == 3
    assert f.loc[("KR-11", "05"), ["OBS_VALUE", "OBS_STATUS"]].tolist() == [11, "A"]
    assert f.loc[("KR-11", "0501"), "OBS_STATUS"] == "E"
    cats = {x["category"]: x for x in report["categories"]}
    assert cats["Property/Theft"]["mapping"] == "split (fixed shares)"


def test_pro_rata_falls_back_to_national_proportions(tmp_path, registry):
    table = TABLE.replace("Violence,Threat,5,2,2", "Violence,Threat,5,2,0").replace(
        "Violence,Assault,20,9,5", "Violence,Assault,20,9,0").replace("Property,Theft,6,5,2", "Property,Theft,6,5,4")
    iccs = ICCS.replace("Property,Theft,0502,0.75,theft split\nProperty,Theft,0501,0.25,burglary part\n",
                        "Property,Theft,02011,pro_rata,x\nProperty,Theft,02012,pro_rata,y\n")
    c, _ = _run(_config(tmp_path, table, iccs), registry)
    f = c.frame.set_index(["REF_AREA", "ICCS"])["OBS_VALUE"]
    # Busan has no assault or threat: its 4 thefts follow the national 29:7 proportions (3.22 + 0.78 -> 3 + 1)
    assert (f[("KR-26", "02011")], f[("KR-26", "02012")]) == (3, 1)
    # Seoul: 11 thefts in proportion to Seoul's 29 assaults and 7 threats (8.86 + 2.14 -> 9 + 2)
    assert f[("KR-11", "02012")] == 7 + 2
    assert (f.round() == f).all()  # every count a whole number


@pytest.mark.parametrize(("iccs", "match"), [
    (ICCS.replace("02012", "99999"), "unknown ICCS code"),
    (ICCS.replace("0.25", "0.5"), "summing to 1"),
    (ICCS.replace("Violence,Threat,02012,,threat\n", ""), "not in the correspondence table"),
    (ICCS.replace("0.75", "").replace("0.25", ""), "no split rule"),
])
def test_bad_correspondence(tmp_path, registry, iccs, match):
    with pytest.raises(SpecError, match=match):
        _run(_config(tmp_path, iccs=iccs), registry)


def test_column_not_in_area_table(tmp_path, registry):
    with pytest.raises(InputError, match="Busan A"):
        _run(_config(tmp_path, areas=AREAS.replace("Busan A,KR-26,district\n", "")), registry)


def test_bad_config(tmp_path):
    path = _config(tmp_path)
    path.write_text(path.read_text().replace("categories", "categorys"))
    with pytest.raises(SpecError, match="categor"):
        load_table_config(path)


def test_command_line(tmp_path, capsys):
    from sdmx_publish.cli import main
    from sdmx_publish.store import latest

    store = tmp_path / "store"
    assert main(["run", str(_config(tmp_path)), "--store", str(store)]) == 0
    assert "DF_ICCS_SUBNAT: release" in capsys.readouterr().out
    assert latest(store, "CCJS", "DF_ICCS_SUBNAT").manifest.coverage["total"] == 56
    assert main(["regional", "--store", str(store)]) == 2  # no DF_ICCS release in this store
    assert "no release of CCJS:DF_ICCS(1.0)" in capsys.readouterr().err


def test_bad_split_named_even_after_an_unmapped_category(tmp_path, registry):
    iccs = ICCS.replace("Violence,Threat,02012,,threat", "Violence,Threat,,,deliberately not mapped").replace(
        "0.75", "").replace("0.25", "")
    with pytest.raises(SpecError, match="'Property/Theft' has several rows"):
        _run(_config(tmp_path, iccs=iccs), registry)
