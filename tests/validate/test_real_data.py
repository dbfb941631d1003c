"""The rules on the bundled real data: UNODC homicide counts and rates, Statistics Korea SDG 16.1.1.

The frames are built here with pandas from the bundled CSVs (a small, explicit mapping), so these
tests check the rules, not the extract/transform specs. docs/validation.md explains the findings.
"""

from __future__ import annotations

import pandas as pd
import pytest

from sdmx_publish import config
from sdmx_publish.validate import validate

UNODC = config.ROOT / "examples" / "unodc" / "data_cts_intentional_homicide.ASIA_OCEANIA_subset.csv"
KOSTAT = config.ROOT / "examples" / "kostat" / "kor_indicator_16-1-1.csv"
REF = config.reference_dir()


def m49() -> dict[str, str]:
    table = pd.read_csv(REF / "m49.csv", dtype=str, encoding="utf-8-sig")
    return dict(zip(table["ISO-alpha3 Code"], table["M49 Code"].str.lstrip("0")))


@pytest.fixture(scope="module")
def unodc_frame() -> pd.DataFrame:
    raw = pd.read_csv(UNODC, dtype=str, keep_default_na=False)
    raw["_row"] = range(2, len(raw) + 2)
    keep = ((raw["Indicator"] == "Victims of intentional homicide") & (raw["Dimension"] == "Total")
            & (raw["Age"] == "Total") & raw["Sex"].isin(["Total", "Male", "Female"]))
    raw = raw[keep]
    area = raw["Iso3_code"].map(m49())
    raw = raw[area.notna()]
    return pd.DataFrame({
        "FREQ": "A", "REF_AREA": area.dropna(), "ICCS": "0101", "SEX": raw["Sex"].map({"Total": "_T", "Male": "M", "Female": "F"}),
        "AGE": "_T", "UNIT_MEASURE": raw["Unit of measurement"].map({"Counts": "NUMBER"}).fillna("PER_100000_POP"),
        "TIME_PERIOD": raw["Year"], "OBS_VALUE": raw["VALUE"].astype(float), "OBS_STATUS": "A",
        "_source": UNODC.name, "_row": raw["_row"], "_column": "VALUE"}).reset_index(drop=True)


@pytest.fixture(scope="module")
def population() -> pd.DataFrame:
    pop = pd.read_csv(REF / "population.csv", dtype={"Year": str})
    return pd.DataFrame({"REF_AREA": pop["Country Code"].map(m49()), "TIME_PERIOD": pop["Year"],
                         "POPULATION": pop["Value"]}).dropna()


@pytest.fixture(scope="module")
def unodc_report(unodc_frame, population, iccs_flow):
    return validate(unodc_frame, iccs_flow, population=population)


def one(report, rule: str, key: str) -> pd.Series:
    f = report.findings
    hit = f[(f["rule"] == rule) & (f["key"] == key)]
    assert len(hit) == 1, f"{rule} {key}: {len(hit)} findings"
    return hit.iloc[0]


def test_unodc_total_differs_from_female_plus_male(unodc_report) -> None:
    # Armenia 2016: total 87 (source UNSDC/TransMonEE) vs female 14 + male 69 (source UNECE/WHO)
    hit = one(unodc_report, "total.sum_mismatch", "A.51.0101._T._T.NUMBER@2016")
    assert (hit["value"], hit["expected"], hit["row"]) == ("87", "83 (sum of F+M)", 175)


def test_unodc_total_smaller_than_male(unodc_report) -> None:
    # Uzbekistan 2015: both sexes 506 < male 510 (the homicide spec drops this source row)
    hit = one(unodc_report, "total.smaller_than_part", "A.860.0101._T._T.NUMBER@2015")
    assert (hit["value"], hit["expected"]) == ("506", ">= 510 (part M)")
    assert not unodc_report.ok and 2960 in unodc_report.quarantine["_row"].tolist()


def test_unodc_estimated_counts_have_decimals(unodc_report) -> None:
    hit = one(unodc_report, "value.non_integer_count", "A.410.0101._T._T.NUMBER@1990")
    assert hit["value"].startswith("208.03")


def test_unodc_rates_mostly_match_world_bank_population(unodc_report, unodc_frame) -> None:
    f = unodc_report.findings
    flagged = (f["rule"] == "rate.inconsistent").sum()
    rates = ((unodc_frame["UNIT_MEASURE"] == "PER_100000_POP") & (unodc_frame["SEX"] == "_T")).sum()
    assert 0 < flagged < rates / 2


def test_kostat_homicide_by_sex(sdg_flow) -> None:
    raw = pd.read_csv(KOSTAT, dtype=str, keep_default_na=False)
    sex = raw["data.Sex"].map({"": "_T", "data.Male": "M", "data.Female": "F", "data.Not_indicated": "_U"})
    from .conftest import sdg_frame
    frame = sdg_frame([{"SEX": s, "TIME_PERIOD": y, "OBS_VALUE": float(v)}
                       for s, y, v in zip(sex, raw["Year"], raw["Value"])], _source=KOSTAT.name)
    report = validate(frame, sdg_flow)
    rules = set(report.findings["rule"])
    assert report.ok and not {"total.sum_mismatch", "total.smaller_than_part"} & rules  # _T = M + F + _U every year
    hit = one(report, "series.outlier", "A.N.VC_IHR_PSRCN.410.M._T._T._T._T._T._T._T._T._T._T@2020")
    assert hit["value"] == "164"
