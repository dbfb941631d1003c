"""SDG 16 series derived from ICCS data: 16.1.1 against UNODC's own rates, 16.2.2 and 16.3.2 rules, DSD validity."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sdmx_publish.derive.sdg import SDG_DIMENSIONS, TRAFFICKING, derive_sdg, lineage
from sdmx_publish.errors import InputError
from sdmx_publish.validate import validate

TOTALS = {"SEX": "_T", "AGE": "_T", "VIC_PERP_REL": "_T", "SIT_CONTEXT": "_T"}


def _unodc(frame: pd.DataFrame, unit: str) -> pd.DataFrame:
    mask = frame["INDICATOR"].eq("VICTIMS") & frame["ICCS"].eq("0101") & frame["UNIT_MEASURE"].eq(unit)
    for c, v in TOTALS.items():
        mask &= frame[c].eq(v)
    return frame.loc[mask, ["REF_AREA", "TIME_PERIOD", "OBS_VALUE"]]


@pytest.fixture(scope="module")
def derived(homicide_iccs, population) -> pd.DataFrame:
    """Every rate computed from the counts and the population (UNODC's own rates left aside)."""
    return derive_sdg(homicide_iccs, population, source="CCJS:DF_ICCS(1.0) release test", reported_rates=False)


def test_reported_rates_are_taken_as_reported_by_sex_too(homicide_iccs, population):
    """By default the rates UNODC publishes (nature C) come first; only totals without one are computed (CA)."""
    both = derive_sdg(homicide_iccs, population, source="test")
    rates = both[both["SERIES"].eq("VC_IHR_PSRC")]
    mask = homicide_iccs["INDICATOR"].eq("VICTIMS") & homicide_iccs["ICCS"].eq("0101") & homicide_iccs[
        "UNIT_MEASURE"].eq("PER_100000_POP")
    for c in ("VIC_PERP_REL", "SIT_CONTEXT"):
        mask &= homicide_iccs[c].eq("_T")
    theirs = homicide_iccs[mask]
    key = ["REF_AREA", "SEX", "AGE", "TIME_PERIOD"]
    got = rates.merge(theirs[[*key, "OBS_VALUE"]], on=key, how="left", suffixes=("", "_unodc"), validate="one_to_one")
    reported = got["OBS_VALUE_unodc"].notna()
    assert reported.sum() == len(theirs) > 1000 and {"F", "M", "_T"} <= set(got.loc[reported, "SEX"])
    np.testing.assert_array_equal(got.loc[reported, "OBS_VALUE"], got.loc[reported, "OBS_VALUE_unodc"])
    assert set(got.loc[reported, "NATURE"]) == {"C"} and set(got.loc[~reported, "NATURE"]) <= {"CA"}
    assert got.loc[reported, "COMMENT_OBS"].str.startswith("Derived by rule 16.1.1-rate-reported:").all()


def test_homicide_counts_are_unodc_counts(derived, homicide_iccs):
    ours = derived[derived["SERIES"].eq("VC_IHR_PSRCN") & derived["SEX"].eq("_T") & derived["AGE"].eq("_T")]
    theirs = _unodc(homicide_iccs, "NUMBER")
    both = ours.merge(theirs, on=["REF_AREA", "TIME_PERIOD"], suffixes=("", "_unodc"), validate="one_to_one")
    assert len(both) == len(theirs) > 1000
    np.testing.assert_array_equal(both["OBS_VALUE"], both["OBS_VALUE_unodc"])


def test_homicide_rates_agree_with_the_rates_unodc_publishes(derived, homicide_iccs, population):
    """Our rate = UNODC count / World Bank population; UNODC divides by UN population estimates.

    Measured on the bundled table (1,145 country-years with both rates): 62% agree within 3%, 80%
    within 5%, 96% within 10%, median 2.0%. Not every country-year agrees within 3%: the residual is
    the ratio of the two denominators (docs/regional.md lists the largest: SAU, QAT, ARE, YEM).
    """
    ours = derived[derived["SERIES"].eq("VC_IHR_PSRC")]
    theirs = _unodc(homicide_iccs, "PER_100000_POP")
    both = ours.merge(theirs, on=["REF_AREA", "TIME_PERIOD"], suffixes=("", "_unodc"))
    both = both[both["OBS_VALUE_unodc"] > 0]
    assert len(both) > 1100
    rel = (both["OBS_VALUE"] / both["OBS_VALUE_unodc"] - 1).abs()
    assert rel.median() < 0.03
    assert (rel <= 0.03).mean() > 0.6
    assert (rel <= 0.10).mean() > 0.95
    # the residual is all in the denominator: UNODC's implied population / World Bank population
    counts = _unodc(homicide_iccs, "NUMBER").rename(columns={"OBS_VALUE": "count"})
    d = both.merge(counts, on=["REF_AREA", "TIME_PERIOD"]).merge(population, on=["REF_AREA", "TIME_PERIOD"])
    implied = d["count"] / d["OBS_VALUE_unodc"] * 100_000
    np.testing.assert_allclose(d["OBS_VALUE"] / d["OBS_VALUE_unodc"], implied / d["POPULATION"], rtol=1e-9)
    worst = d.assign(rel=(d["OBS_VALUE"] / d["OBS_VALUE_unodc"] - 1).abs()).groupby("REF_AREA")["rel"].max()
    assert set(worst.nlargest(3).index) == {"682", "634", "784"}  # Saudi Arabia, Qatar, United Arab Emirates


def test_rates_only_for_totals_with_a_population(derived, population):
    rates = derived[derived["SERIES"].eq("VC_IHR_PSRC")]
    assert rates["SEX"].eq("_T").all() and rates["AGE"].eq("_T").all()
    assert set(rates["UNIT_MEASURE"]) == {"PER_100000_POP"} and set(rates["NATURE"]) == {"CA"}
    assert rates.merge(population, on=["REF_AREA", "TIME_PERIOD"]).shape[0] == len(rates)
    counts = derived[derived["SERIES"].eq("VC_IHR_PSRCN")]
    assert {"M", "F"} <= set(counts["SEX"]) and set(counts["NATURE"]) == {"C"}


def test_every_value_has_its_lineage(derived, homicide_iccs):
    """The data's own source stays in SOURCE_DETAIL (UNODC's, e.g. NSO); the rule and the release in COMMENT_OBS."""
    assert set(derived["SOURCE_DETAIL"]) <= set(homicide_iccs["SOURCE_DETAIL"])
    assert derived["COMMENT_OBS"].str.match(r"Derived by rule 16\.1\.1-(count|rate): .* "
                                            r"\(from CCJS:DF_ICCS\(1\.0\) release test\)$").all()
    rules = {r["rule"]: r["observations"] for r in lineage(derived)}
    assert rules["16.1.1-count"] + rules["16.1.1-rate"] == len(derived)


def test_derived_series_valid_in_the_global_dsd(derived, sdg_flow):
    """Korea's derived series validate against the SDG DSD 1.14 and the global content constraints."""
    kor = derived[derived["REF_AREA"].eq("410")]
    assert list(kor.columns[:15]) == SDG_DIMENSIONS and len(kor) > 20
    report = validate(kor, sdg_flow, rules=None)
    assert report.ok, report.summary()
    assert set(kor["UNIT_MULT"]) == {"0"} and set(kor["REPORTING_TYPE"]) == {"N"}


def _iccs(rows: list[tuple]) -> pd.DataFrame:
    cols = ["REF_AREA", "INDICATOR", "ICCS", "SEX", "AGE", "TIME_PERIOD", "OBS_VALUE"]
    f = pd.DataFrame(rows, columns=cols)
    return f.assign(FREQ="A", CYBER="_T", VIC_PERP_REL="_T", SIT_CONTEXT="_T", UNIT_MEASURE="NUMBER", OBS_STATUS="A")


def test_trafficking_and_unsentenced(population, sdg_flow):
    iccs = _iccs([("410", "VICTIMS", "0204", "_T", "_T", "2020", 120.0),
                  ("410", "VICTIMS", "02041", "_T", "_T", "2020", 70.0),
                  ("410", "VICTIMS", "02042", "F", "_T", "2020", 30.0),
                  ("410", "VICTIMS", "02043", "_T", "_T", "2020", 1.0),
                  ("410", "VICTIMS", "02044", "_T", "_T", "2020", 19.0),
                  ("410", "VICTIMS", "0201", "_T", "_T", "2020", 5000.0),  # assault: no SDG series
                  ("410", "PRISONERS_UNSENTENCED", "_T", "_T", "_T", "2020", 20000.0),
                  ("410", "PRISONERS", "_T", "_T", "_T", "2020", 80000.0),
                  ("410", "PRISONERS", "_T", "M", "_T", "2020", 75000.0)])  # no unsentenced males: no share
    out = derive_sdg(iccs, population, source="s").set_index(["SERIES", "SEX"])
    assert set(out.index.get_level_values(0)) == {*TRAFFICKING.values(), "VC_PRS_UNSNTN", "VC_PRS_UNSNT"}
    assert out.loc[("VC_HTF_DETVFL", "F"), "OBS_VALUE"] == 30.0
    assert out.loc[("VC_PRS_UNSNT", "_T"), "OBS_VALUE"] == pytest.approx(25.0)
    assert out.loc[("VC_PRS_UNSNT", "_T"), "UNIT_MEASURE"] == "PT"
    assert len(out) == 7
    assert validate(out.reset_index(), sdg_flow).ok


def test_disaggregated_and_missing_values_are_not_used(population):
    iccs = _iccs([("410", "VICTIMS", "0101", "_T", "_T", "2020", 300.0),
                  ("410", "VICTIMS", "0101", "_T", "_T", "2021", np.nan)])
    iccs.loc[len(iccs)] = {**iccs.iloc[0].to_dict(), "SIT_CONTEXT": "SiC_OC", "OBS_VALUE": 40.0}
    out = derive_sdg(iccs, population, source="s")
    assert set(out["TIME_PERIOD"]) == {"2020"}
    assert out.loc[out["SERIES"].eq("VC_IHR_PSRCN"), "OBS_VALUE"].tolist() == [300.0]


def test_not_an_iccs_frame():
    with pytest.raises(InputError, match="missing column"):
        derive_sdg(pd.DataFrame({"REF_AREA": ["410"]}), pd.DataFrame(), source="s")
