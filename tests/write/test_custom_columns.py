"""SDMX-CSV 2.0 custom columns (``WriteOptions.custom_columns``): written last, one cell per observation;
a column not declared custom is still refused."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from sdmx_publish.errors import InputError
from sdmx_publish.formats import Format
from sdmx_publish.write import WriteOptions, write
from tests.serve.sample import sample_frame


def test_a_custom_column_is_the_last_sdmx_csv_2_0_column(sdg_flow):
    frame = sample_frame(sdg_flow, 12, years=range(2019, 2022))
    frame["LAST_CHANGED"] = [f"R{i % 3}" for i in range(len(frame))]
    out = io.BytesIO()
    write(frame, sdg_flow, Format.CSV20, out, options=WriteOptions(custom_columns=("LAST_CHANGED",)))
    got = pd.read_csv(io.BytesIO(out.getvalue()), dtype=str, keep_default_na=False)
    assert got.columns[-1] == "LAST_CHANGED"
    merged = got.merge(frame.astype(str), on=["SERIES", "REF_AREA", "SEX", "AGE", "TIME_PERIOD"], suffixes=("", "_in"))
    assert len(merged) == len(frame) and (merged["LAST_CHANGED"] == merged["LAST_CHANGED_in"]).all()


def test_a_column_that_is_not_declared_custom_is_still_refused(sdg_flow):
    frame = sample_frame(sdg_flow, 6, years=range(2020, 2022)).assign(LAST_CHANGED="R1")
    with pytest.raises(InputError, match="LAST_CHANGED"):
        write(frame, sdg_flow, Format.CSV20, io.BytesIO())
