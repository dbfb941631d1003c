"""The Korean police example: KNPA 2023 crimes by type and region, classified to ICCS by the correspondence engine
(reshape, maps with sums and a pro-rata split, roll-up), published by province."""

from __future__ import annotations

import csv

import numpy as np
import pandas as pd
import pytest
import sdmx

from sdmx_publish.extract import extract
from sdmx_publish.pipeline import run
from sdmx_publish.spec import load_spec
from sdmx_publish.store import latest, read_frame
from sdmx_publish.transform import transform
from tests.conftest import EXAMPLES, ROOT
from tests.schemas import validate_xml

KNPA = EXAMPLES / "knpa"
CONFIG = KNPA / "crime_by_region.yaml"


@pytest.fixture(scope="module")
def subnat(registry):
    return registry.flow("DF_ICCS_SUBNAT")


@pytest.fixture(scope="module")
def transformed(subnat):
    spec = load_spec(CONFIG)
    return transform(extract(spec), spec, subnat)


@pytest.fixture(scope="module")
def frame(transformed):
    return transformed[0]


@pytest.fixture(scope="module")
def review(transformed):
    """The mapping review of the categories (the second map)."""
    return transformed[1].mapping[1]


def _source() -> pd.DataFrame:
    return pd.read_csv(KNPA / "knpa_crime_by_region_2023.csv", encoding="utf-8").dropna(how="all")


def test_every_mapping_decision_is_documented():
    for name in ("iccs.csv", "region.csv"):
        with open(KNPA / "maps" / name, encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        assert rows and all(r["note"].strip() for r in rows), name
    doc = (ROOT / "docs" / "korea-knpa-mapping.md").read_text(encoding="utf-8")
    for cat in _source()["범죄중분류"]:
        assert f"| {cat} |" in doc, cat


def test_totals_add_up(frame, transformed):
    src = _source()
    cells = src.drop(columns=["범죄대분류", "범죄중분류"])
    abroad = cells[[c for c in cells.columns if c.startswith("외국")]].to_numpy().sum()
    f = frame
    national = f[f["REF_AREA"].eq("410")].set_index("ICCS")["OBS_VALUE"]
    areas, categories = transformed[1].mapping
    assert national["_T"] == cells.to_numpy().sum() - abroad == categories["total"] == 1_518_716
    assert areas["excluded"] == abroad and {x["value"] for x in areas["excluded_values"]} == {
        c for c in cells.columns if c.startswith("외국")}
    provinces = f[f["REF_AREA"].ne("410")].groupby("ICCS")["OBS_VALUE"].sum()
    np.testing.assert_allclose(provinces.reindex(national.index), national.to_numpy())
    domestic = [c for c in cells.columns if c.startswith("외국")]
    murder, attempts = (src.loc[src["범죄중분류"].eq(c)].iloc[:, 2:].drop(columns=domestic).to_numpy().sum()
                        for c in ("살인기수", "살인미수등"))
    # completed murder (arts. 250-253) straddles 0101, 0104 and 0105: section 01, with the attempts (0102)
    assert "0101" not in national.index and national["0102"] == attempts and national["01"] == murder + attempts


def test_districts_are_summed_into_their_province(frame):
    src = _source()
    seoul = src[src["범죄중분류"].eq("강도")].iloc[0, 2:27]  # the 25 districts of Seoul, written without a prefix
    f = frame
    assert f.loc[f["REF_AREA"].eq("KR-11") & f["ICCS"].eq("0401"), "OBS_VALUE"].item() == seoul.sum()
    assert set(f["REF_AREA"]) == {"410", "KR-11", "KR-26", "KR-27", "KR-28", "KR-29", "KR-30", "KR-31", "KR-41",
                                  "KR-42", "KR-43", "KR-44", "KR-45", "KR-46", "KR-47", "KR-48", "KR-49", "KR-50"}


def test_split_keeps_the_category_total_and_flags_estimates(frame, review):
    f = frame.set_index(["REF_AREA", "ICCS"])
    values = {v["value"]: v for v in review["values"]}
    split = values["폭력범죄/폭력행위등"]
    assert split["mapping"] == "split" and len(split["codes"]) == 5
    direct = {code: sum(v["total"] for v in values.values() if v["mapping"] == "mapped"
                        and [c["code"] for c in v["codes"]] == [code]) for code in ("02011", "02012", "02022", "02051", "0504")}
    shares = sum(f.loc[("410", code), "OBS_VALUE"] - v for code, v in direct.items())
    assert shares == pytest.approx(split["total"])
    assert f.loc[("410", "02011"), "OBS_STATUS"] == "E" and f.loc[("410", "0201"), "OBS_STATUS"] == "E"
    assert f.loc[("410", "_T"), "OBS_STATUS"] == "A" and f.loc[("410", "03"), "OBS_STATUS"] == "A"
    assert "폭력행위등" in f.loc[("410", "0504"), "COMMENT_OBS"]
    # pro rata: intimidation's share of the split equals its share among the aggravated offences (Seoul)
    src = _source().set_index("범죄중분류")
    seoul = src.iloc[:, 1:26].sum(axis=1)  # the 25 districts of Seoul
    ref = seoul[["상해", "폭행", "협박", "체포감금", "공갈", "손괴", "방화"]].sum()
    got = f.loc[("KR-11", "02012"), "OBS_VALUE"] - seoul["협박"]
    assert abs(got - seoul["폭력행위등"] * seoul["협박"] / ref) < 1  # apportioned to whole numbers
    assert (frame["OBS_VALUE"] % 1 == 0).all()  # every published count is a whole number


def test_the_engine_publishes_what_classify_published(frame):
    """Every observation and attribute as the former `classify:` path published them (its part of release
    ...-2d88734d, made at commit 6c981b0 and kept in tests/transform/data/): the rewrite changed no value."""
    old = pd.read_csv(ROOT / "tests" / "transform" / "data" / "knpa_classify_2023.csv", dtype=str,
                      keep_default_na=False).drop(columns="DATAFLOW")
    new = frame.assign(OBS_VALUE=frame["OBS_VALUE"].map(lambda v: f"{v:.15g}"))[list(old.columns)]
    new = new.astype(object).fillna("").astype(str)  # the codes as text (categoricals from a CSV source)
    key = ["REF_AREA", "ICCS"]
    pd.testing.assert_frame_equal(new.sort_values(key).reset_index(drop=True),
                                  old.sort_values(key).reset_index(drop=True))


def test_mapping_review(review):
    values = {v["value"]: v for v in review["values"]}
    assert len(values) == 38
    assert [v for v, x in values.items() if [c["code"] for c in x["codes"]] == ["_T"]] == ["교통범죄/교통범죄",
                                                                                         "기타범죄/기타범죄"]
    assert all(x["note"].startswith("NOT MAPPED") for v, x in values.items() if x["codes"][0]["code"] == "_T")
    # the three mappings reviewed in issue 12: each to the common parent of the codes its articles belong to
    assert [values[c]["codes"][0]["code"] for c in ("강력범죄/살인기수", "폭력범죄/약취 유인", "지능범죄/횡령")] == \
        ["01", "02", "07"]
    assert sum(v["total"] for v in values.values()) == review["total"] == review["mapped"]
    assert review["coverage"] == 1 and review["excluded"] == 0 and review["unmapped"] == 0


@pytest.mark.slow
def test_published_with_subnational_areas(tmp_path, subnat):
    result = run(CONFIG, tmp_path)  # the same pipeline as every other spec
    release = latest(tmp_path, "CCJS", "DF_ICCS_SUBNAT")
    assert result["new"] and release.id == result["release_id"]
    assert release.manifest.extra["mapping"][1]["total"] == 1_518_716
    assert (release.path / "mapping.html").is_file()
    frame = read_frame(release, "knpa_crime_by_region")
    assert len(frame) == result["observations"] > 500
    assert set(frame["REF_AREA"]) <= set(subnat.codelists["REF_AREA"].codes)
    validate_xml(release.open("data.ss.xml").read(), flow=subnat)
    # sdmx1 reads the release with the DSD from dsd/ (CL_AREA_SUBNAT codes and all)
    dsd = sdmx.read_sdmx(ROOT / "dsd" / "CCJS_ICCS_1.0.xml").structure["ICCS_CJ_SUBNAT"]
    data = sdmx.read_sdmx(release.open("data.ss.xml"), structure=dsd).data[0]
    values = sdmx.to_pandas(data)
    assert len(values) == len(frame)
    assert values.xs(("KR-11", "_T"), level=("REF_AREA", "ICCS")).item() == pytest.approx(
        frame.loc[frame["REF_AREA"].eq("KR-11") & frame["ICCS"].eq("_T"), "OBS_VALUE"].item())
    assert not run(CONFIG, tmp_path)["new"]


def test_iso_3166_2_codes_agree_with_pycountry():
    pycountry = pytest.importorskip("pycountry")
    ours = pd.read_csv(ROOT / "dsd" / "sources" / "ISO_3166-2_KR.csv", dtype=str)
    theirs = {s.code: s.name for s in pycountry.subdivisions.get(country_code="KR")}
    assert dict(zip(ours["code"], ours["name"])) == theirs
