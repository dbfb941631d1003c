"""publish_regional end to end: ICCS release in a store -> derived SDG release, XSD-valid, with lineage and coverage."""

from __future__ import annotations


import pandas as pd
import pytest

from sdmx_publish import pipeline
from sdmx_publish.derive.regional import PART, publish_regional
from sdmx_publish.errors import NotFound
from sdmx_publish.publish import latest, read_frame
from sdmx_publish.schemas import validate_xml
from tests.conftest import EXAMPLES


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    store = tmp_path_factory.mktemp("store")
    pipeline.run(EXAMPLES / "unodc" / "homicide.yaml", store)
    pipeline.run(EXAMPLES / "kostat" / "homicide_victims.yaml", store)  # Korea's own 16.1.1 counts
    return store


@pytest.fixture(scope="module")
def result(store):
    return publish_regional(store, threshold=0.6)


def test_release_has_national_and_regional_series(store, result, sdg_flow):
    assert result["new"] and result["regional"] > 100 and result["national"] > 1000
    release = latest(store, "CCJS", "DF_SDG_16_CRIME")
    assert release.id == result["release_id"]
    frame = read_frame(release, PART)
    assert set(frame["REPORTING_TYPE"]) == {"N", "R"}
    regional = frame[frame["REPORTING_TYPE"].eq("R")]
    assert set(regional["REF_AREA"]) <= {"142", "9", "30", "34", "35", "143", "145", "53", "54", "57", "61",
                                         "753", "62", "543"}
    validate_xml(release.path / "data.ss.xml", flow=sdg_flow)
    validate_xml(release.path / "data.generic.xml")


def test_manifest_carries_lineage_and_coverage(store, result):
    release = latest(store, "CCJS", "DF_SDG_16_CRIME")
    d = release.manifest["derivation"]
    iccs = latest(store, "CCJS", "DF_ICCS")
    assert d["source_release"] == {"dataflow": "CCJS:DF_ICCS(1.0)", "release_id": iccs.id}
    assert {r["rule"] for r in d["rules"]} == {"16.1.1-count", "16.1.1-rate"}
    cov = pd.DataFrame(d["coverage"])
    assert d["threshold"] == 0.6
    assert (cov["published"] == (cov["coverage"] >= 0.6)).all() and (~cov["published"]).any()
    frame = read_frame(release, PART)
    assert frame["SOURCE_DETAIL"].str.contains(iccs.id, regex=False).all()


def test_country_reported_values_take_precedence(store, result):
    """Korea's counts come from its own platform (kostat part); the derived duplicates are withheld."""
    assert result["withheld_national"] > 0
    release = latest(store, "CCJS", "DF_SDG_16_CRIME")
    assert {"kostat_homicide_victims", PART} <= set(release.manifest["parts"])
    ours = read_frame(release, PART)
    kor = ours[ours["REF_AREA"].eq("410") & ours["SERIES"].eq("VC_IHR_PSRCN") & ours["REPORTING_TYPE"].eq("N")]
    theirs = read_frame(release, "kostat_homicide_victims")
    assert len(theirs) > 0 and kor.merge(theirs, on=["SERIES", "SEX", "AGE", "TIME_PERIOD"]).empty
    assert len(kor) > 0  # ages and years Korea does not report are still derived


def test_rerun_is_idempotent(store, result):
    again = publish_regional(store, threshold=0.6)
    assert again["release_id"] == result["release_id"] and not again["new"]


def test_no_iccs_release(tmp_path):
    with pytest.raises(NotFound, match="no release"):
        publish_regional(tmp_path)
