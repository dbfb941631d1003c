"""publish_regional end to end: ICCS release in a store -> derived SDG release, XSD-valid, with lineage and coverage."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from sdmx_publish import pipeline
from sdmx_publish.derive.aggregate import membership
from sdmx_publish.derive.population import bundled, population, read_population
from sdmx_publish.derive.regional import PART, publish_regional
from sdmx_publish.derive.sdg import derive_sdg
from sdmx_publish.errors import InputError, NotFound
from sdmx_publish.store import latest, read_frame
from tests.conftest import EXAMPLES
from tests.schemas import validate_xml


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    store = tmp_path_factory.mktemp("store")
    pipeline.run(EXAMPLES / "unodc" / "homicide.yaml", store)
    pipeline.run(EXAMPLES / "kostat" / "homicide_victims.yaml", store)  # Korea's own 16.1.1 counts
    return store


@pytest.fixture(scope="module")
def result(store):
    return publish_regional(store, threshold=0.6)


@pytest.mark.slow
def test_release_has_national_and_regional_series(store, result, sdg_flow):
    assert result["new"] and result["regional"] > 100 and result["national"] > 1000
    release = latest(store, "CCJS", "DF_SDG_16_CRIME")
    assert release.id == result["release_id"]
    frame = read_frame(release, PART)
    assert set(frame["REPORTING_TYPE"]) == {"N", "R"}
    regional = frame[frame["REPORTING_TYPE"].eq("R")]
    assert set(regional["REF_AREA"]) <= {"142", "9", "30", "34", "35", "143", "145", "53", "54", "57", "61",
                                         "753", "62", "543"}
    validate_xml(release.open("data.ss.xml").read(), flow=sdg_flow)
    validate_xml(release.open("data.generic.xml").read())


@pytest.mark.slow
def test_manifest_carries_lineage_and_coverage(store, result):
    release = latest(store, "CCJS", "DF_SDG_16_CRIME")
    d = release.manifest.derivation
    iccs = latest(store, "CCJS", "DF_ICCS")
    assert d["source_release"] == {"dataflow": "CCJS:DF_ICCS(1.0)", "release_id": iccs.id}
    assert {r["rule"] for r in d["rules"]} >= {"16.1.1-count", "16.1.1-rate-reported"}
    cov = pd.DataFrame(d["coverage"])
    assert d["threshold"] == 0.6
    assert (cov["published"] == ((cov["coverage"] >= 0.6) & cov["note"].eq(""))).all() and (~cov["published"]).any()
    frame = read_frame(release, PART)
    national = frame[frame["REPORTING_TYPE"].eq("N")]
    assert national["COMMENT_OBS"].str.contains(f"(from CCJS:DF_ICCS(1.0) release {iccs.id})", regex=False).all()
    assert "NSO" in set(national["SOURCE_DETAIL"])  # the data's own source, as UNODC gives it
    regional = frame[frame["REPORTING_TYPE"].eq("R")]
    assert set(regional["NATURE"]) == {"E"} and regional["SOURCE_DETAIL"].str.startswith("Regional aggregate").all()


@pytest.mark.slow
def test_country_reported_values_take_precedence(store, result):
    """Korea's counts come from its own platform (kostat part); the derived duplicates are withheld."""
    assert result["withheld_national"] > 0
    release = latest(store, "CCJS", "DF_SDG_16_CRIME")
    assert {"kostat_homicide_victims", PART} <= set(release.manifest.parts)
    ours = read_frame(release, PART)
    kor = ours[ours["REF_AREA"].eq("410") & ours["SERIES"].eq("VC_IHR_PSRCN") & ours["REPORTING_TYPE"].eq("N")]
    theirs = read_frame(release, "kostat_homicide_victims")
    assert len(theirs) > 0 and kor.merge(theirs, on=["SERIES", "SEX", "AGE", "TIME_PERIOD"]).empty
    assert len(kor) > 0  # ages and years Korea does not report are still derived


@pytest.mark.slow
def test_rerun_is_idempotent(store, result):
    again = publish_regional(store, threshold=0.6)
    assert again["release_id"] == result["release_id"] and not again["new"]


def test_no_iccs_release(tmp_path):
    with pytest.raises(NotFound, match="no release"):
        publish_regional(tmp_path)


def _unodc_denominators_as_wpp(homicide_iccs: pd.DataFrame, path) -> pd.DataFrame:
    """UNODC's own denominators (count / rate x 100,000), written in the UN WPP file layout
    (LocID, Time, PopTotal in thousands, one row per variant); returns UNODC's rates."""
    totals = homicide_iccs[homicide_iccs["INDICATOR"].eq("VICTIMS") & homicide_iccs["ICCS"].eq("0101")
                           & homicide_iccs["SEX"].eq("_T") & homicide_iccs["AGE"].eq("_T")
                           & homicide_iccs["VIC_PERP_REL"].eq("_T") & homicide_iccs["SIT_CONTEXT"].eq("_T")]
    wide = totals.pivot_table(index=["REF_AREA", "TIME_PERIOD"], columns="UNIT_MEASURE", values="OBS_VALUE")
    wide = wide[wide["PER_100000_POP"] > 0].dropna().reset_index()
    thousands = wide["NUMBER"] / wide["PER_100000_POP"] * 100_000 / 1000
    wpp = pd.DataFrame({"LocID": wide["REF_AREA"].astype(int), "Location": "x", "VarID": 2, "Variant": "Medium",
                        "Time": wide["TIME_PERIOD"], "PopTotal": thousands})
    high = wpp.assign(VarID=3, Variant="High", PopTotal=thousands * 2)  # another variant: must be ignored
    pd.concat([wpp, high]).to_csv(path, index=False)
    return wide.rename(columns={"PER_100000_POP": "unodc"})[["REF_AREA", "TIME_PERIOD", "unodc"]]


def test_with_a_un_population_file_the_rates_are_unodcs(tmp_path, homicide_iccs):
    """Computed from the counts, with a WPP-layout population file: the only difference from UNODC's
    published rates was the denominator; with UNODC's own, every country-year agrees (docs/regional.md)."""
    wpp = tmp_path / "WPP_TotalPopulationBySex.csv"
    unodc = _unodc_denominators_as_wpp(homicide_iccs, wpp)
    table, info = population(wpp)
    assert info["area_years"] == len(unodc) and len(info["sha256"]) == 64
    ours = derive_sdg(homicide_iccs, table, source="test", reported_rates=False)
    ours = ours[ours["SERIES"].eq("VC_IHR_PSRC")]
    both = ours.merge(unodc, on=["REF_AREA", "TIME_PERIOD"], validate="one_to_one")
    assert len(both) == len(unodc) > 1100
    assert ((both["OBS_VALUE"] / both["unodc"] - 1).abs() <= 0.03).all()
    assert both["COMMENT_OBS"].str.contains("population: population table WPP_TotalPopulationBySex.csv").all()


def test_population_file_formats(tmp_path):
    own = tmp_path / "own.csv"
    own.write_text("REF_AREA,TIME_PERIOD,POPULATION,note\n410,2020,51836239,x\n4,2020,38928341,y\n")
    assert read_population(own).drop(columns="SOURCE").to_dict("list") == {
        "REF_AREA": ["410", "4"], "TIME_PERIOD": ["2020", "2020"], "POPULATION": [51836239.0, 38928341.0]}
    wpp = tmp_path / "wpp.csv"
    wpp.write_text("LocID,Location,VarID,Variant,Time,PopTotal\n4,Afghanistan,2,Medium,2020,38928.341\n"
                   "4,Afghanistan,3,High,2020,39000\n900,World,2,Medium,2020,7794798.729\n")
    got = read_population(wpp)  # the other variant and the World aggregate are left out
    assert got.to_dict("list") == {"REF_AREA": ["4"], "TIME_PERIOD": ["2020"], "POPULATION": [38928341.0],
                                   "SOURCE": ["population table wpp.csv"]}


BAD_TABLES = {
    "unknown columns": ("Country,Year,Value\nKOR,2020,1\n", r"columns \['Country', 'Year', 'Value'\]", "LocID"),
    "ISO codes": ("REF_AREA,TIME_PERIOD,POPULATION\n410,2019,5\nMNG,2019,3\n",
                  "REF_AREA is not an M49 code: 1 row.*row 3 REF_AREA='MNG'", "not ISO codes"),
    "not a number": ("REF_AREA,TIME_PERIOD,POPULATION\n496,2018,three million\n",
                     "not a positive number: 1 row.*row 2 POPULATION='three million'", "plain numbers"),
    "not a year": ("REF_AREA,TIME_PERIOD,POPULATION\n496,FY2018,3000000\n", "row 2 TIME_PERIOD='FY2018'", "2020"),
    "twice": ("REF_AREA,TIME_PERIOD,POPULATION\n496,2018,3\n496,2018,4\n", "more than once: 2 row", "one row"),
    "WPP without countries": ("LocID,Time,PopTotal\n900,2020,7794798\n", "LocID of a country", "unchanged"),
}


@pytest.mark.parametrize("name", BAD_TABLES)
def test_a_bad_population_table_says_which_rows(tmp_path, name):
    text, what, fix = BAD_TABLES[name]
    path = tmp_path / "pop.csv"
    path.write_text(text)
    with pytest.raises(InputError, match=what) as e:
        read_population(path)
    assert fix in e.value.message() and str(path) in e.value.message()


def test_a_missing_population_table(tmp_path):
    with pytest.raises(InputError, match="not found") as e:
        read_population(tmp_path / "nope.csv")
    assert "check the path" in e.value.message()


@pytest.mark.slow
def test_a_partial_population_table_is_laid_over_the_bundled_one(tmp_path, store, capsys):
    """Korea's own estimate for two years; every other rate and the regional weights keep the World Bank's."""
    from sdmx_publish.cli import main

    path = tmp_path / "kor.csv"
    years = range(1990, 2021)
    path.write_text("REF_AREA,TIME_PERIOD,POPULATION\n" + "".join(f"410,{y},99000000\n" for y in years))
    table, info = population(path)
    assert info["area_years"] == len(years) and len(table) == len(bundled())
    assert table.set_index(["REF_AREA", "TIME_PERIOD"]).loc[("410", "2019"), "POPULATION"] == 99_000_000
    local = tmp_path / "store"
    shutil.copytree(store, local)
    assert main(["regional", "--store", str(local), "--population", str(path), "--threshold", "0.6"]) == 0
    release = latest(local, "CCJS", "DF_SDG_16_CRIME")
    assert release.manifest.derivation["population"]["table"] == str(path)
    # Eastern Asia weighs Korea by its own estimate and the other countries by the World Bank's:
    # the region keeps its full membership, it is not computed from Korea alone
    cov = pd.DataFrame(release.manifest.derivation["coverage"])
    east = cov[cov["REF_AREA"].eq("30") & cov["SERIES"].eq("VC_IHR_PSRC") & cov["published"]].iloc[-1]
    year = east["TIME_PERIOD"]
    wb = bundled().set_index(["REF_AREA", "TIME_PERIOD"])["POPULATION"]
    members = membership().query("REGION == '30'")["REF_AREA"]
    expected = sum(wb.get((m, year), 0) for m in members) - wb[("410", year)] + 99_000_000
    assert east["region_population"] == pytest.approx(expected)


@pytest.mark.slow
def test_regions_add_up_the_national_values_that_are_published(store, result):
    """Korea's own counts (Statistics Korea, part kostat_homicide_victims) are published instead of the
    UNODC-based ones, so they are what Eastern Asia adds up."""
    release = latest(store, "CCJS", "DF_SDG_16_CRIME")
    frame = pd.concat([read_frame(release, p) for p in release.manifest.parts], ignore_index=True)
    counts = frame[frame["SERIES"].eq("VC_IHR_PSRCN") & frame["SEX"].eq("_T") & frame["AGE"].eq("_T")]
    east = counts[counts["REF_AREA"].eq("30") & counts["REPORTING_TYPE"].eq("R")].set_index("TIME_PERIOD")
    members = set(membership().query("REGION == '30'")["REF_AREA"])
    national = counts[counts["REPORTING_TYPE"].eq("N") & counts["REF_AREA"].isin(members)]
    sums = national.groupby("TIME_PERIOD")["OBS_VALUE"].sum()
    kostat = read_frame(release, "kostat_homicide_victims")
    years = sorted(set(east.index) & set(kostat["TIME_PERIOD"]))
    assert years, "no year where Korea's own count enters a published Eastern Asia total"
    for year in years:
        assert east.loc[year, "OBS_VALUE"] == pytest.approx(sums[year])


@pytest.mark.slow  # the module's store: two pipeline runs and the regional derivation
def test_no_regional_aggregate_below_the_coverage_rules(store, result):
    """Every published regional value has at least min(3, members with a population) countries and
    covers at least the threshold (0.6) of its region's population; the coverage report says so."""
    release = latest(store, "CCJS", "DF_SDG_16_CRIME")
    d = release.manifest.derivation
    assert d["min_countries"] == 3
    cov = pd.DataFrame(d["coverage"])
    pub = cov[cov["published"]]
    assert (pub["coverage"] >= 0.6).all()
    assert (pub["countries"] >= pub["region_members"].clip(upper=3)).all()
    assert cov.loc[~cov["published"], "note"].str.startswith("not published").all()
    assert cov["note"].str.contains("fewer than").any()  # the rule withheld something in the real data
    regional = read_frame(release, PART).query("REPORTING_TYPE == 'R'")
    key = ["REF_AREA", "SERIES", "SEX", "AGE", "UNIT_MEASURE", "TIME_PERIOD"]
    joined = regional.merge(pub[key + ["coverage"]], on=key, how="left", validate="one_to_one")
    assert joined["coverage"].notna().all() and len(joined) == len(pub)
    full = joined["coverage"] >= 1
    assert set(joined.loc[~full, "OBS_STATUS"]) <= {"E", "I", "B"}  # partial coverage is never A
    assert "A" in set(joined.loc[full, "OBS_STATUS"])  # (E and U there come from the national values' flags)


@pytest.mark.slow  # the module's store: two pipeline runs and the regional derivation
def test_membership_of_every_aggregate_is_served(store, result):
    """membership.csv is a file of the release; the server serves it, and it names, for every regional
    observation, the countries whose values make it (summed, or weighted by population)."""
    import httpx

    from sdmx_publish.serve.app import create_app
    from tests.serve.conftest import running

    release = latest(store, "CCJS", "DF_SDG_16_CRIME")
    name = release.manifest.derivation["membership"]
    assert any(f.path == name for f in release.files)
    with running(create_app(store)) as url:
        r = httpx.get(f"{url}/releases/CCJS/DF_SDG_16_CRIME/{release.id}/{name}", timeout=30)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    from io import StringIO
    members = pd.read_csv(StringIO(r.text), dtype={"REF_AREA": str, "TIME_PERIOD": str, "MEMBER": str})
    regional = read_frame(release, PART).query("REPORTING_TYPE == 'R'")
    key = ["REF_AREA", "SERIES", "SEX", "AGE", "UNIT_MEASURE", "TIME_PERIOD"]
    members["contrib"] = members["MEMBER_VALUE"] * members["WEIGHT"]
    agg = members.groupby(key, as_index=False).agg(value=("contrib", "sum"), n=("MEMBER", "nunique"))
    both = regional.merge(agg, on=key, how="left")
    assert both["value"].notna().all() and len(agg) == len(regional)
    not_imputed = ~both["OBS_STATUS"].eq("I")
    assert both.loc[not_imputed, "OBS_VALUE"].to_numpy() == pytest.approx(both.loc[not_imputed, "value"].to_numpy())
    region_of = membership()
    pairs = members.merge(region_of.rename(columns={"REF_AREA": "MEMBER", "REGION": "REF_AREA"}), how="left",
                          on=["REF_AREA", "MEMBER"], indicator=True)
    assert (pairs["_merge"] == "both").all()  # every member belongs to its region (M49)


@pytest.mark.slow  # the module's store: two pipeline runs and the regional derivation
def test_membership_is_carried_forward_when_another_part_publishes(tmp_path, store, result):
    local = tmp_path / "store"
    shutil.copytree(store, local)
    before = latest(local, "CCJS", "DF_SDG_16_CRIME")
    name = before.manifest.derivation["membership"]
    out = pipeline.run(EXAMPLES / "kostat" / "unsentenced.yaml", local)
    after = latest(local, "CCJS", "DF_SDG_16_CRIME")
    assert out["new"] and after.id != before.id and after.manifest.part != PART
    entry = next(f for f in after.files if f.path == name)
    assert entry == next(f for f in before.files if f.path == name)
    assert (after.path / name).read_bytes() == (before.path / name).read_bytes()
