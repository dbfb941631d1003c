"""A second reader we did not write: pysdmx reads every SDMX-ML (2.1 and 3.0) and SDMX-CSV
(1.0 and 2.0) message back to exactly the frame (pysdmx needs no DSD for that)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from sdmx_publish.formats import Format
from sdmx_publish.structure import Flow
from sdmx_publish.write import WriteOptions, write

from .conftest import expected_records, sdg_frame

pysdmx_io = pytest.importorskip("pysdmx.io")  # needs the pysdmx[data] extra (pyarrow)

CASES = [(f, o) for f in Format.data() if f is not Format.JSON20
         for o in ("TIME_PERIOD", "AllDimensions")
         if not (o == "AllDimensions" and (f.value.endswith("-ts") or "csv" in f.value))]


def _records(data: pd.DataFrame, flow: Flow) -> dict:
    back = data.astype(object)
    back = back.where(back.notna(), None).replace({"": None})
    back["OBS_VALUE"] = back["OBS_VALUE"].astype(float)
    return expected_records(back, flow)


@pytest.mark.parametrize("fmt,obs", CASES, ids=[f"{f.value}-{o}" for f, o in CASES])
def test_pysdmx_reads_back_exactly(sdg_flow: Flow, fmt: Format, obs: str, tmp_path: Path) -> None:
    frame = sdg_frame()
    path = tmp_path / f"data{fmt.suffix}"
    write(frame, sdg_flow, fmt, path, options=WriteOptions(dimension_at_observation=obs, chunk_rows=5))
    msg = pysdmx_io.read_sdmx(path)
    assert len(msg.data) == 1
    assert _records(msg.data[0].data, sdg_flow) == expected_records(frame, sdg_flow)
