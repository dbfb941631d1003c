"""Every SDMX-ML 2.1 and 3.0 message and SDMX-CSV 2.0 file is read back by sdmx1 to exactly the frame.

sdmx1 reads the DSD itself from the structure file in ``dsd/``; nothing of ours is involved in
reading. (sdmx1 reads SDMX-CSV 2.x only; SDMX-CSV 1.0 is checked against 2.0 in test_csv.py.)
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pytest
import sdmx

# sdmx1 2.28 fails to import its SDMX-ML 3.0 reader after its 2.1 reader has registered a
# structure-specific namespace (ns_prefix raises ValueError); importing it first avoids that.
import sdmx.reader.xml.v30  # noqa: F401

from sdmx_publish.formats import Format
from sdmx_publish.structure import load_registry
from sdmx_publish.write import WriteOptions, write

from .conftest import expected_records, iccs_frame, sdg_frame, sdmx1_records

DSD_FILES = {"SDG": "IAEG-SDGs_SDG_1.14.xml", "ICCS_CJ": "CCJS_ICCS_1.0.xml"}
CASES = [
    (Format.ML21_STRUCTURE_SPECIFIC, "TIME_PERIOD"), (Format.ML21_STRUCTURE_SPECIFIC, "AllDimensions"),
    (Format.ML21_STRUCTURE_SPECIFIC, "REF_AREA"), (Format.ML21_STRUCTURE_SPECIFIC_TS, "TIME_PERIOD"),
    (Format.ML21_GENERIC, "TIME_PERIOD"), (Format.ML21_GENERIC, "AllDimensions"),
    (Format.ML21_GENERIC, "REF_AREA"), (Format.ML21_GENERIC_TS, "TIME_PERIOD"),
    (Format.ML30_STRUCTURE_SPECIFIC, "TIME_PERIOD"), (Format.ML30_STRUCTURE_SPECIFIC, "AllDimensions"),
    (Format.CSV20, "TIME_PERIOD"),
]


@lru_cache(maxsize=2)
def sdmx1_dsd(dsd_id: str):
    from sdmx_publish import config
    return sdmx.read_sdmx(Path(config.dsd_dir()) / DSD_FILES[dsd_id]).structure[dsd_id]


@pytest.mark.parametrize("fmt,obs", CASES, ids=[f"{f.value}-{o}" for f, o in CASES])
@pytest.mark.parametrize("flow_id", ["DF_SDG_16_CRIME", "DF_ICCS"])
def test_sdmx1_reads_back_exactly(flow_id: str, fmt: Format, obs: str, tmp_path: Path) -> None:
    flow = load_registry().flow(flow_id)
    frame = sdg_frame() if flow_id == "DF_SDG_16_CRIME" else iccs_frame(flow)
    if fmt is Format.CSV20:
        # sdmx1's CSV reader splits the file with str.splitlines() before csv.reader, so it loses
        # line breaks inside quoted fields (valid RFC 4180; test_csv.py checks them with the csv module)
        frame["COMMENT_OBS"] = frame["COMMENT_OBS"].str.replace("\n", " ")
    path = tmp_path / f"data{fmt.suffix}"
    # small chunks: series cross chunk boundaries
    write(frame, flow, fmt, path, options=WriteOptions(dimension_at_observation=obs, chunk_rows=4))
    msg = sdmx.read_sdmx(path, structure=sdmx1_dsd(flow.dsd.ref.id))
    assert len(msg.data) == 1
    got = sdmx1_records(msg.data[0], flow)
    assert got == expected_records(frame, flow)
    if fmt is not Format.CSV20:
        assert msg.header.sender.id == "CCJS"
        assert str(msg.header.test).lower() == "false" or msg.header.test is False
        # the header names the dataflow; sdmx1 attaches the DSD it was given to it
        assert (msg.dataflow.id, msg.dataflow.maintainer.id) == (flow.id, flow.dataflow.ref.agency)
        assert msg.dataflow.structure.id == flow.dsd.ref.id


def test_series_attributes_sit_on_series(tmp_path: Path) -> None:
    """UNIT_MEASURE and COMMENT_TS (attached to the series key) are series attributes in sdmx1."""
    flow = load_registry().flow("DF_SDG_16_CRIME")
    path = tmp_path / "d.xml"
    write(sdg_frame(), flow, Format.ML21_STRUCTURE_SPECIFIC, path)
    ds = sdmx.read_sdmx(path, structure=sdmx1_dsd("SDG")).data[0]
    assert len(ds.series) == 18
    key, obs = next((k, v) for k, v in ds.series.items() if k.values["REF_AREA"].value == "410")
    assert set(key.attrib) == {"UNIT_MEASURE", "COMMENT_TS"}
    assert str(key.attrib["COMMENT_TS"].value).endswith("한국어 주석 & <note>")
    assert "UNIT_MEASURE" not in obs[0].attached_attribute
