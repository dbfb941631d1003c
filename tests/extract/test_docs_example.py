"""The worked example of docs/specs.md, run as written: the docs stay true to the code."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from sdmx_publish import config, pipeline
from sdmx_publish.store import latest, read_frame

BLOCK = re.compile(r"```\w+ file=(?P<name>\S+)(?: encoding=(?P<encoding>\S+))?\n(?P<text>.*?)```", re.S)


def write_blocks(tmp_path) -> list[str]:
    """Write every file block of docs/specs.md into ``tmp_path``; their names in order."""
    doc = (config.ROOT / "docs" / "specs.md").read_text(encoding="utf-8")
    blocks = [b for b in BLOCK.finditer(doc) if "/" not in b["name"]]  # the map example is in a folder
    for b in blocks:
        (tmp_path / b["name"]).write_bytes(b["text"].encode(b["encoding"] or "utf-8"))
    return [b["name"] for b in blocks]


def write_folder(tmp_path, folder: str) -> list[str]:
    """Write the file blocks of docs/specs.md in ``folder/`` into ``tmp_path/folder``; their names in order."""
    doc = (config.ROOT / "docs" / "specs.md").read_text(encoding="utf-8")
    blocks = [b for b in BLOCK.finditer(doc) if b["name"].startswith(f"{folder}/")]
    (tmp_path / folder).mkdir()
    for b in blocks:
        (tmp_path / b["name"]).write_bytes(b["text"].encode(b["encoding"] or "utf-8"))
    return [b["name"] for b in blocks]


def test_the_worked_example_publishes_what_the_docs_say(tmp_path):
    assert write_blocks(tmp_path) == ["table.csv", "sex.csv", "victims.yaml", "report.csv", "states.csv",
                                      "reported.yaml"]
    store = tmp_path / "store"
    result = pipeline.run(tmp_path / "victims.yaml", store)
    assert result["observations"] == 12 and result["validation"]["errors"] == 0
    assert result["validation"]["warnings"] == 4 and "total.sum_mismatch" in result["validation"]["summary"]
    frame = read_frame(latest(store, "CCJS", "DF_ICCS"), pipeline.part_id(tmp_path / "victims.yaml"))
    got = frame.pivot_table(index="SEX", columns="TIME_PERIOD", values="OBS_VALUE")
    expected = pd.DataFrame({"2017": [153.0, 147.0, 301.0], "2018": [154.0, 152.0, 309.0],
                             "2019": [154.0, 138.0, 297.0], "2020": [138.0, 164.0, 308.0]},
                            index=pd.Index(["F", "M", "_T"], name="SEX"))
    pd.testing.assert_frame_equal(got, expected, check_names=False)


@pytest.mark.slow
def test_the_report_table_example_publishes_what_the_docs_say(tmp_path):
    write_blocks(tmp_path)
    store = tmp_path / "store"
    result = pipeline.run(tmp_path / "reported.yaml", store)
    assert result["observations"] == 4 and result["validation"]["errors"] == 0
    release = latest(store, "CCJS", "DF_SDG_16_CRIME_SUBNAT")
    frame = read_frame(release, pipeline.part_id(tmp_path / "reported.yaml")).set_index("REF_AREA")
    # the cells of the published table: estimate, lower and upper bound
    assert frame.loc["US-FL", ["OBS_VALUE", "LOWER_BOUND", "UPPER_BOUND"]].astype(float).tolist() == [54.8, 44.67, 64.85]
    assert frame.loc["840", "OBS_VALUE"] == 42.8 and frame.loc["US-AZ", "OBS_VALUE"] == 42.0
    assert set(frame["TIME_PERIOD"]) == {"2019"} and set(frame["TIME_DETAIL"]) == {"2017-2019"}
    layout = release.manifest.sources[0]["layout"]
    assert {(f["text"], f["marker"]) for f in layout["footnotes_removed"]} == {("United States*", "*"),
                                                                            ("Standard error/a", "/a")}
    assert layout["columns"]["Percent / Estimate"] == "3 (C)"


@pytest.mark.slow
def test_national_data_replaces_another_sources_rows_as_the_docs_say(tmp_path):
    """docs/specs.md, 'Replacing another source's rows': the worked example (Korea's homicide victims) clashes
    with UNODC's homicide part; dropping KOR from the UNODC spec, with consent for the deletion, hands over."""
    import shutil

    import yaml

    from sdmx_publish.errors import PublishError

    write_blocks(tmp_path)
    unodc = tmp_path / "examples" / "unodc"  # its maps name ../../reference/
    shutil.copytree(config.ROOT / "examples" / "unodc", unodc)
    shutil.copytree(config.ROOT / "reference", tmp_path / "reference")
    store = tmp_path / "store"
    pipeline.run(unodc / "homicide.yaml", store)
    with pytest.raises(PublishError) as e:  # the national table first: refused, naming the other part
        pipeline.run(tmp_path / "victims.yaml", store)
    assert "dup.other_source" in str(e.value.message()) or "unodc_homicide" in str(e.value.message())
    spec = yaml.safe_load((unodc / "homicide.yaml").read_text(encoding="utf-8"))
    spec["filter"]["drop"]["Iso3_code"].append("KOR")
    (unodc / "homicide.yaml").write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    with pytest.raises(PublishError):  # Korea's UNODC rows deleted: refused without consent
        pipeline.run(unodc / "homicide.yaml", store)
    pipeline.run(unodc / "homicide.yaml", store, allow_deletions=True)
    assert pipeline.run(tmp_path / "victims.yaml", store)["validation"]["errors"] == 0
    release = latest(store, "CCJS", "DF_ICCS")
    assert len(read_frame(release, pipeline.part_id(tmp_path / "victims.yaml"))) == 12
    assert read_frame(release, "unodc_homicide")["REF_AREA"].ne("410").all()
