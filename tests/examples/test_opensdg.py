"""The Open SDG example: Kazakhstan's and Canada's national SDG platform CSVs into DF_SDG_16_CRIME by spec
and maps only, checked against cells picked by hand; what cannot be published honestly as an SDG series is
refused (Canada's 16.1.3), and published for what it is in DF_ICCS."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml

from sdmx_publish import pipeline
from sdmx_publish.cli import main
from sdmx_publish.errors import InputError
from sdmx_publish.extract import extract
from sdmx_publish.spec import load_spec
from sdmx_publish.store import latest, read_frame
from tests.conftest import EXAMPLES

OPENSDG = EXAMPLES / "opensdg_kz_ua_ca"
PUBLISHED = ["kz_feel_safe", "ca_feel_safe", "ca_reporting"]
KEY = ["SERIES", "SEX", "AGE", "URBANISATION", "DISABILITY_STATUS", "TIME_PERIOD"]


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> dict[str, pd.DataFrame]:
    store = tmp_path_factory.mktemp("store")
    reviews = {}
    for name in PUBLISHED:
        result = pipeline.run(OPENSDG / f"{name}.yaml", store)
        assert result["validation"]["errors"] == 0
        reviews[name] = json.loads((Path(result["path"]) / "manifest.json").read_text())["mapping"]
        findings = pd.read_csv(Path(result["path"]) / "validation.findings.csv", dtype=str)
        reviews[f"{name}:checks"] = findings[findings["rule"].eq("map.summary_mismatch")]
    release = latest(store, "CCJS", "DF_SDG_16_CRIME")
    frames = {name: read_frame(release, pipeline.part_id(OPENSDG / f"{name}.yaml")).set_index(KEY)
              for name in PUBLISHED}
    return ({name: f["OBS_VALUE"] for name, f in frames.items()} | {f"{name}:frame": f for name, f in frames.items()}
            | {"reviews": reviews})


@pytest.mark.slow
def test_kazakhstan_feels_safe_is_answers_1a_plus_1b(published):
    kz = published["kz_feel_safe"]
    # kz/indicator_16-1-4.csv lines 3+4 (total 2016), 265+266 (women 2021), 415+416 (60 and over 2022), 69+70
    # (urban 2019)
    assert kz[("VC_SNS_WALN_DRK", "_T", "_T", "_T", "_T", "2016")] == 91.1            # 42.4 + 48.7
    assert kz[("VC_SNS_WALN_DRK", "F", "_T", "_T", "_T", "2021")] == 96.1             # 55.7 + 40.4
    assert kz[("VC_SNS_WALN_DRK", "_T", "Y_GE60", "_T", "_T", "2022")] == 93.2        # 50.8 + 42.4
    assert kz[("VC_SNS_WALN_DRK", "_T", "_T", "U", "_T", "2019")] == 90.9             # lines 69+70: 40.5 + 50.4
    assert len(kz) == 5 * 15  # 5 years x (total, 2 areas, 2 sexes, 10 age groups)
    # 2019, the first year of five answers (1D, 1E added; lines 62-67), is a break in the series: B
    status = published["kz_feel_safe:frame"].groupby("TIME_PERIOD")["OBS_STATUS"].agg(set)
    assert status.to_dict() == {"2016": {"A"}, "2019": {"B"}, "2020": {"A"}, "2021": {"A"}, "2022": {"A"}}
    assert published["kz_feel_safe:frame"]["COMMENT_OBS"].str.contains(
        "those who could not answer (1E) are in the 100 %", regex=False).all()
    # the mapping review says what the answers map summed and what it left out on purpose, per value
    review = next(r for r in published["reviews"]["kz_feel_safe"] if r["map"] == "maps/kz_answers.csv")
    how = {v["value"]: v["mapping"] for v in review["values"]}
    assert how == {"_L_KZ_160104_1A": "mapped", "_L_KZ_160104_1B": "mapped", "_L_KZ_160104_1C": "excluded",
                   "_L_KZ_160104_1D": "excluded", "_L_KZ_160104_1E": "excluded", "": "summary"}
    # coverage is of the answers (1A + 1B of all five), not of answers and their 100.0 totals together (48%)
    assert review["total"] == pytest.approx(7500) and review["coverage"] == pytest.approx(7104.5 / 7500)
    # lines 342-347: rural 2022 answers 65.2 + 33.1 + 1.1 + 0.4 + 0.5 = 100.3, beyond rounding: the one finding
    checks = published["reviews"]["kz_feel_safe:checks"]
    assert checks["row"].tolist() == ["342"] and "add up to 100.3" in checks["message"].iloc[0]


@pytest.mark.slow
def test_canada_feels_safe_by_sex_and_age(published):
    ca = published["ca_feel_safe"]
    # ca/indicator_16-1-4.csv line 2 ("2021",,,79), line 3 (Men+ 81.5), line 87 (2022, 65 years and over, 76)
    assert ca[("VC_SNS_WALN_DRK", "_T", "_T", "_T", "_T", "2021")] == 79
    assert ca[("VC_SNS_WALN_DRK", "M", "_T", "_T", "_T", "2021")] == 81.5
    assert ca[("VC_SNS_WALN_DRK", "_T", "Y_GE65", "_T", "_T", "2022")] == 76
    assert len(ca) == 2 * 6  # 2 years x (total, 2 sexes, 3 age groups); immigrant status and minorities left out


@pytest.mark.slow
def test_canada_reporting_to_police_by_type(published):
    ca = published["ca_reporting"]
    # ca/indicator_16-3-1.csv: 2019 robbery 47, 2004 sexual assault 8, 1999 sexual assault empty
    assert ca[("VC_PRR_ROBB", "_T", "_T", "_T", "_T", "2019")] == 47
    assert ca[("VC_PRR_SEXV", "_T", "_T", "_T", "_T", "2004")] == 8
    assert pd.isna(ca[("VC_PRR_SEXV", "_T", "_T", "_T", "_T", "1999")])
    # the platform's files give no reason for an empty cell: O, "missing value" (not M, "data cannot exist")
    status = published["ca_reporting:frame"]["OBS_STATUS"]
    assert status[("VC_PRR_SEXV", "_T", "_T", "_T", "_T", "1999")] == "O"
    # incidents, not victims: definition differs (D), flagged and said in COMMENT_OBS
    assert (status[ca.notna()] == "D").all() and status[ca.isna()].eq("O").sum() == 2  # lines 4 and 10
    assert published["ca_reporting:frame"]["COMMENT_OBS"].str.contains("incidents \\(not victims\\)").all()
    assert ca[("VC_PRR_PHYV", "_T", "_T", "_T", "_T", "1999")] == 37
    assert len(ca) == 15


@pytest.mark.slow
def test_canada_violence_rates_are_held_back_by_the_sdg_unit_rule(tmp_path, capsys):
    """Statistics Canada's 16.1.3 are incidents per 1,000 population, not the SDG series' percent of persons:
    published honestly (PER_1000_POP) they break the SDG series' unit, so validation refuses them."""
    store = tmp_path / "store"
    assert main(["run", str(OPENSDG / "held_back" / "ca_violence.yaml"), "--store", str(store)]) == 1
    err = capsys.readouterr().err
    assert "nothing was published" in err and "sdg.constraint" in err and "'PER_1000_POP' is not allowed" in err
    assert latest(store, "CCJS", "DF_SDG_16_CRIME") is None


@pytest.mark.slow
def test_canada_violence_rates_published_in_iccs_as_survey_incidents_per_1000(tmp_path):
    """The same 16.1.3 file, honestly, in DF_ICCS: GSS incidents per 1,000 population aged 15+, physical
    assault as ICCS 0201 and sexual assault as 0301, by sex and age; read back from the released SDMX-CSV."""
    spec = OPENSDG / "ca_violence_iccs.yaml"
    result = pipeline.run(spec, tmp_path / "store")
    assert result["validation"]["errors"] == 0 and result["validation"]["warnings"] == 0
    release = latest(tmp_path / "store", "CCJS", "DF_ICCS")
    with release.open(f"parts/{pipeline.part_id(spec)}.csv") as f:
        csv = pd.read_csv(f, dtype=str, keep_default_na=False)
    value = csv.set_index(["ICCS", "SEX", "AGE", "TIME_PERIOD"])["OBS_VALUE"].astype(float)
    # ca/indicator_16-1-3.csv line 2 (1999 physical, total), 15 (2019 sexual, women), 17 (2019 physical,
    # 25 to 34 years), 27 (2019 sexual, 65 years and older)
    assert value[("0201", "_T", "Y_GE15", "1999")] == 80
    assert value[("0301", "F", "Y_GE15", "2019")] == 50
    assert value[("0201", "_T", "Y25T34", "2019")] == 78
    assert value[("0301", "_T", "Y_GE65", "2019")] == 2
    # 2 series x (5 years total + 2 sexes + 6 age groups in 2019); the breakdowns DF_ICCS has no dimension
    # for (disability, sexual orientation, Indigenous identity, ...) left out: "Has a disability" 66 is not here
    assert len(csv) == 26 and "66" not in set(csv["OBS_VALUE"])
    assert set(csv["INDICATOR"]) == {"VICTIMS"} and set(csv["UNIT_MEASURE"]) == {"PER_1000_POP"}
    assert set(csv["OBS_STATUS"]) == {"D"}  # survey victimizations, not the police-recorded victims of the key
    assert set(csv["REF_AREA"]) == {"124"} and set(csv["ICCS"]) == {"0201", "0301"}
    assert set(csv["COMMENT_OBS"]) == {  # survey incidents, not police-recorded offences, not the SDG percent
        "Victimization incidents reported by respondents in a survey, per 1,000 population aged 15 and over (a "
        "rate of incidents: a person victimized twice counts twice); not police-recorded offences, and not SDG "
        "16.1.3's percent of persons subjected to violence."}
    assert csv["SOURCE_DETAIL"].str.contains("General Social Survey on Canadians' Safety").all()
    assert dict(zip(csv["ICCS"], csv["NAT_CATEGORY"])) == {"0201": "Physical violence", "0301": "Sexual violence"}
    # the mapping review: each national value, the code it went to, its rows and their total
    review = {r["map"]: r for r in release.manifest.mapping}["maps/ca_violence_iccs.csv"]
    went = {v["value"]: [(c["code"], c["rows"], c["total"]) for c in v["codes"]] for v in review["values"]}
    assert went == {"Physical violence": [("0201", 13, 706.0)], "Sexual violence": [("0301", 13, 371.0)]}
    html = (release.path / "mapping.html").read_text(encoding="utf-8")
    assert "Physical violence" in html and "0201" in html and "Sexual violence" in html


def test_the_merge_conflict_file_is_refused_naming_the_line(tmp_path):
    spec = yaml.safe_load((OPENSDG / "ca_feel_safe.yaml").read_text(encoding="utf-8"))
    spec["source"]["path"] = str(OPENSDG / "ca" / "indicator_16-1-4__commit03bb6858_merge_conflict.csv")
    spec["maps"] = [{**m, "file": str(OPENSDG / m["file"])} for m in spec["maps"]]
    (tmp_path / "spec.yaml").write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    with pytest.raises(InputError) as e:
        extract(load_spec(tmp_path / "spec.yaml"))
    message = str(e.value)
    assert "indicator_16-1-4__commit03bb6858_merge_conflict.csv: line 3 is a git merge-conflict marker " \
           "('<<<<<<< HEAD')" in message and "fix: resolve the conflict" in message
