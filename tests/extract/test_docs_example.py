"""The worked example of docs/specs.md, run as written: the docs stay true to the code."""

from __future__ import annotations

import re

import pandas as pd

from sdmx_publish import config, pipeline
from sdmx_publish.store import latest, read_frame

BLOCK = re.compile(r"```\w+ file=(?P<name>\S+)(?: encoding=(?P<encoding>\S+))?\n(?P<text>.*?)```", re.S)


def test_the_worked_example_publishes_what_the_docs_say(tmp_path):
    doc = (config.ROOT / "docs" / "specs.md").read_text(encoding="utf-8")
    blocks = [b for b in BLOCK.finditer(doc) if "/" not in b["name"]]  # the map example is in a folder
    assert [b["name"] for b in blocks] == ["table.csv", "sex.csv", "victims.yaml"]
    for b in blocks:
        (tmp_path / b["name"]).write_bytes(b["text"].encode(b["encoding"] or "utf-8"))
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
