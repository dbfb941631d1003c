"""Regional aggregates: membership, sums, population weighting, coverage threshold, imputation flags."""

from __future__ import annotations

import pandas as pd
import pytest

from sdmx_publish.derive.aggregate import aggregate, aggregate_membership, membership
from sdmx_publish.derive.sdg import SDG_COLUMNS, SDG_TOTALS
from sdmx_publish.errors import InputError

# Central Asia (143): Kazakhstan 398, Kyrgyzstan 417, Tajikistan 762, Turkmenistan 795, Uzbekistan 860
CENTRAL_ASIA = ["398", "417", "762", "795", "860"]


def _pop(values: dict[str, float], year: str = "2020") -> pd.DataFrame:
    return pd.DataFrame({"REF_AREA": list(values), "TIME_PERIOD": year, "POPULATION": list(values.values())})


def _national(rows: list[tuple[str, str, str, float]]) -> pd.DataFrame:
    """(area, series, unit, value) rows as national SDG observations of 2020."""
    f = pd.DataFrame(rows, columns=["REF_AREA", "SERIES", "UNIT_MEASURE", "OBS_VALUE"])
    f = f.assign(FREQ="A", REPORTING_TYPE="N", SEX="_T", AGE="_T", TIME_PERIOD="2020", OBS_STATUS="A",
                 UNIT_MULT="0", NATURE="C", SOURCE_DETAIL="src", COMMENT_OBS="", **{c: "_T" for c in SDG_TOTALS})
    return f[SDG_COLUMNS]


POP = _pop({"398": 19e6, "417": 6.5e6, "762": 9.5e6, "795": 6e6, "860": 34e6})  # 75 million in all


def test_membership_from_m49():
    m = membership()
    assert sorted(m.loc[m["REGION"].eq("143"), "REF_AREA"]) == sorted(CENTRAL_ASIA)
    assert set(m.loc[m["REGION"].eq("62"), "REF_AREA"]) >= {"356", *CENTRAL_ASIA}  # India, Central Asia
    assert "410" in set(m.loc[m["REGION"].eq("753"), "REF_AREA"])
    assert "36" not in set(m.loc[m["REGION"].eq("543"), "REF_AREA"])  # Australia is not in Oceania exc. AUS/NZ
    assert set(m["REGION"]) == {"142", "9", "30", "34", "35", "143", "145", "53", "54", "57", "61", "753", "62", "543"}


def test_counts_summed_rates_population_weighted():
    nat = _national([("398", "VC_IHR_PSRCN", "NUMBER", 100), ("860", "VC_IHR_PSRCN", "NUMBER", 300),
                     ("398", "VC_IHR_PSRC", "PER_100000_POP", 2.0), ("860", "VC_IHR_PSRC", "PER_100000_POP", 1.0)])
    out, cov = aggregate(nat, POP, threshold=0.5, min_countries=2)
    ca = out[out["REF_AREA"].eq("143")].set_index("SERIES")
    assert ca.loc["VC_IHR_PSRCN", "OBS_VALUE"] == 400
    assert ca.loc["VC_IHR_PSRC", "OBS_VALUE"] == pytest.approx((2.0 * 19 + 1.0 * 34) / 53)
    assert set(ca["REPORTING_TYPE"]) == {"R"} and set(ca["NATURE"]) == {"E"}
    # 2 of 5 countries (70.7% of the people): below full coverage both are estimates, E
    assert (ca.loc["VC_IHR_PSRCN", "OBS_STATUS"], ca.loc["VC_IHR_PSRC", "OBS_STATUS"]) == ("E", "E")
    assert ca.loc["VC_IHR_PSRCN", "COMMENT_OBS"].startswith("sum over 2 countries covering 70.7%")
    row = cov[cov["REF_AREA"].eq("143") & cov["SERIES"].eq("VC_IHR_PSRCN")].iloc[0]
    assert row["coverage"] == pytest.approx(53 / 75) and row["countries"] == 2 and row["published"]


@pytest.mark.parametrize(("threshold", "published"), [(0.70, True), (53 / 75, True), (0.71, False), (1.0, False)])
def test_coverage_threshold(threshold, published):
    nat = _national([("398", "VC_IHR_PSRCN", "NUMBER", 100), ("860", "VC_IHR_PSRCN", "NUMBER", 300)])
    out, cov = aggregate(nat, POP, threshold=threshold, min_countries=2)
    assert out["REF_AREA"].eq("143").any() == published
    assert cov.loc[cov["REF_AREA"].eq("143"), "published"].item() == published


def test_region_without_enough_data_is_withheld_but_reported():
    nat = _national([("417", "VC_IHR_PSRCN", "NUMBER", 10)])  # Kyrgyzstan: 8.7% of Central Asia, 0.1% of Asia
    out, cov = aggregate(nat, POP, threshold=0.5)
    assert out.empty
    assert set(cov["REF_AREA"]) == {"143", "142", "62"} and not cov["published"].any()


def test_imputation_only_when_configured_and_flagged():
    nat = _national([("398", "VC_IHR_PSRCN", "NUMBER", 100), ("860", "VC_IHR_PSRCN", "NUMBER", 300),
                     ("398", "VC_IHR_PSRC", "PER_100000_POP", 2.0), ("860", "VC_IHR_PSRC", "PER_100000_POP", 1.0)])
    out, _ = aggregate(nat, POP, threshold=0.5, min_countries=2, impute=True)
    ca = out[out["REF_AREA"].eq("143")].set_index("SERIES")
    assert ca.loc["VC_IHR_PSRCN", "OBS_VALUE"] == pytest.approx(400 / (53 / 75))
    assert (ca.loc["VC_IHR_PSRCN", "OBS_STATUS"], ca.loc["VC_IHR_PSRCN", "NATURE"]) == ("I", "E")
    assert "imputed" in ca.loc["VC_IHR_PSRCN", "COMMENT_OBS"]
    assert ca.loc["VC_IHR_PSRC", "OBS_STATUS"] == "E"  # a weighted mean is not scaled


def test_full_coverage_is_not_imputed():
    nat = _national([(a, "VC_IHR_PSRCN", "NUMBER", 1.0) for a in CENTRAL_ASIA])
    out, _ = aggregate(nat, POP, threshold=1.0, impute=True)
    ca = out[out["REF_AREA"].eq("143")]
    assert ca["OBS_VALUE"].item() == 5.0 and ca["OBS_STATUS"].item() == "A"


def test_regional_input_rows_are_ignored():
    nat = _national([("398", "VC_IHR_PSRCN", "NUMBER", 100), ("860", "VC_IHR_PSRCN", "NUMBER", 300)])
    nat.loc[1, "REPORTING_TYPE"] = "R"
    _, cov = aggregate(nat, POP, threshold=0)
    assert cov.loc[cov["REF_AREA"].eq("143"), "countries"].item() == 1


@pytest.mark.parametrize("threshold", [-0.1, 1.5, 50])
def test_threshold_must_be_a_share(threshold):
    with pytest.raises(InputError, match="between 0 and 1"):
        aggregate(_national([]), POP, threshold=threshold)


def test_a_breakdown_is_published_only_over_the_countries_of_its_total():
    """Kazakhstan reports by sex, Uzbekistan only a total: a regional 'female' would be Kazakhstan's alone
    while the regional total has both, so female + male would not add up to the total. It is withheld."""
    nat = _national([("398", "VC_IHR_PSRCN", "NUMBER", 100), ("860", "VC_IHR_PSRCN", "NUMBER", 300)])
    by_sex = _national([("398", "VC_IHR_PSRCN", "NUMBER", 40), ("398", "VC_IHR_PSRCN", "NUMBER", 60)]).assign(
        SEX=["F", "M"])
    out, cov = aggregate(pd.concat([nat, by_sex], ignore_index=True), POP, threshold=0.2, min_countries=2)
    ca = out[out["REF_AREA"].eq("143")]
    assert ca["SEX"].tolist() == ["_T"] and ca["OBS_VALUE"].tolist() == [400]
    withheld = cov[cov["REF_AREA"].eq("143") & cov["SEX"].ne("_T")]
    assert len(withheld) == 2 and not withheld["published"].any()
    assert withheld["note"].str.contains("other countries than the region's total").all()
    # once Uzbekistan reports by sex too, the parts are published and add up to the total
    both = pd.concat([nat, by_sex, by_sex.assign(REF_AREA="860", OBS_VALUE=[100, 200])], ignore_index=True)
    out, _ = aggregate(both, POP, threshold=0.2, min_countries=2)
    ca = out[out["REF_AREA"].eq("143")].set_index("SEX")["OBS_VALUE"]
    assert ca["F"] + ca["M"] == ca["_T"] == 400


@pytest.mark.parametrize(("min_countries", "published"), [(1, True), (2, True), (3, False)])
def test_minimum_number_of_countries(min_countries, published):
    """Kazakhstan and Uzbekistan hold 70.7% of Central Asia: enough people, but only two countries."""
    nat = _national([("398", "VC_IHR_PSRCN", "NUMBER", 100), ("860", "VC_IHR_PSRCN", "NUMBER", 300)])
    out, cov = aggregate(nat, POP, threshold=0.5, min_countries=min_countries)
    assert out["REF_AREA"].eq("143").any() == published
    row = cov[cov["REF_AREA"].eq("143")].iloc[0]
    assert row["published"] == published
    assert row["note"] == ("" if published else "not published: fewer than 3 countries")


def test_a_region_smaller_than_the_minimum_needs_all_its_members():
    """Australia and New Zealand (53) has two members: with a minimum of 3 it needs both, Australia
    alone is not the region."""
    pop = _pop({"36": 25e6, "554": 5e6})
    alone = _national([("36", "VC_IHR_PSRCN", "NUMBER", 200)])
    out, cov = aggregate(alone, pop, threshold=0.5, min_countries=3)
    assert not out["REF_AREA"].eq("53").any()
    assert cov.loc[cov["REF_AREA"].eq("53"), "note"].item() == "not published: fewer than 2 countries"
    both = _national([("36", "VC_IHR_PSRCN", "NUMBER", 200), ("554", "VC_IHR_PSRCN", "NUMBER", 50)])
    out, _ = aggregate(both, pop, threshold=0.5, min_countries=3)
    anz = out[out["REF_AREA"].eq("53")]
    assert anz["OBS_VALUE"].item() == 250 and anz["OBS_STATUS"].item() == "A"


@pytest.mark.parametrize("bad", [0, -1, 2.5, True])
def test_minimum_countries_must_be_a_positive_whole_number(bad):
    with pytest.raises(InputError, match="minimum number of countries"):
        aggregate(_national([]), POP, min_countries=bad)


def test_a_change_of_countries_is_a_break_in_composition():
    """Four countries in 2019; Uzbekistan joins in 2020: the 2020 value is flagged B and says who entered."""
    pop = pd.concat([POP, POP.assign(TIME_PERIOD="2019")], ignore_index=True)
    y2020 = _national([(a, "VC_IHR_PSRCN", "NUMBER", 10) for a in CENTRAL_ASIA])
    y2019 = y2020[y2020["REF_AREA"].ne("860")].assign(TIME_PERIOD="2019")
    out, cov = aggregate(pd.concat([y2019, y2020], ignore_index=True), pop, threshold=0.3, min_countries=3)
    ca = out[out["REF_AREA"].eq("143")].set_index("TIME_PERIOD")
    assert ca.loc["2019", "OBS_STATUS"] == "E"  # 41 of 75 million: partial
    assert ca.loc["2020", "OBS_STATUS"] == "B"
    assert ca.loc["2020", "COMMENT_OBS"].endswith("break in composition since the previous year: +860")
    assert cov.loc[cov["REF_AREA"].eq("143") & cov["TIME_PERIOD"].eq("2020"), "composition_change"].item() == "+860"


def test_membership_of_every_published_aggregate():
    nat = _national([("398", "VC_IHR_PSRC", "PER_100000_POP", 2.0), ("860", "VC_IHR_PSRC", "PER_100000_POP", 1.0),
                     ("417", "VC_IHR_PSRC", "PER_100000_POP", 3.0)])
    out, cov, members = aggregate_membership(nat, POP, threshold=0.5, min_countries=3)
    published = cov[cov["published"]]
    assert len(published) == len(out) > 0
    got = members.groupby(["REF_AREA", "SERIES", "TIME_PERIOD"])["MEMBER"].agg(lambda m: sorted(m))
    for rec in out.to_dict("records"):  # every aggregate has its members, and only those with a value
        assert got[(rec["REF_AREA"], rec["SERIES"], rec["TIME_PERIOD"])] == ["398", "417", "860"]
    ca = members[members["REF_AREA"].eq("143")].set_index("MEMBER")
    assert ca["WEIGHT"].sum() == pytest.approx(1.0) and ca.loc["860", "WEIGHT"] == pytest.approx(34 / 59.5)
    value = (ca["MEMBER_VALUE"] * ca["WEIGHT"]).sum()
    assert value == pytest.approx(out.loc[out["REF_AREA"].eq("143"), "OBS_VALUE"].item())
