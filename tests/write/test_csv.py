"""SDMX-CSV 1.0 and 2.0: header, escaping (RFC 4180, read back with the csv module and pandas),
labels=both with names from the codelists."""

from __future__ import annotations

import csv
import io

import numpy as np
import pandas as pd
import pytest

from sdmx_publish.errors import Unsupported
from sdmx_publish.formats import Format
from sdmx_publish.structure import Flow
from sdmx_publish.write import WriteOptions, write

from .conftest import expected_records, sdg_frame


def _write(frame: pd.DataFrame, flow: Flow, fmt: Format, **opts: object) -> str:
    buf = io.BytesIO()
    write(frame, flow, fmt, buf, options=WriteOptions(**opts))  # type: ignore[arg-type]
    return buf.getvalue().decode("utf-8")


def _records(text: str, flow: Flow, skip: int) -> dict:
    rows = list(csv.reader(io.StringIO(text, newline="")))
    header, body = rows[0][skip:], [r[skip:] for r in rows[1:]]
    frame = pd.DataFrame(body, columns=header).replace({"": None})
    frame[flow.dsd.primary_measure] = frame[flow.dsd.primary_measure].astype(float)
    return expected_records(frame, flow)


def test_csv10_header_and_exact_round_trip(sdg_flow: Flow) -> None:
    frame = sdg_frame()
    text = _write(frame, sdg_flow, Format.CSV10, chunk_rows=5)
    header = text.split("\n", 1)[0].split(",")
    assert header[0] == "DATAFLOW"
    assert header[1:17] == [*sdg_flow.dsd.dimension_ids, "TIME_PERIOD"]
    assert header[17] == "OBS_VALUE"
    assert set(header[18:]) == {"OBS_STATUS", "UNIT_MULT", "UNIT_MEASURE", "NATURE", "COMMENT_OBS", "COMMENT_TS"}
    assert text.split("\n")[1].startswith("CCJS:DF_SDG_16_CRIME(1.0),A,N,")
    # Korean, quotes, commas, line breaks inside fields all come back exactly
    assert _records(text, sdg_flow, 1) == expected_records(frame, sdg_flow)


def test_csv20_same_rows_as_csv10(sdg_flow: Flow) -> None:
    frame = sdg_frame()
    v1 = list(csv.reader(io.StringIO(_write(frame, sdg_flow, Format.CSV10), newline="")))
    v2 = list(csv.reader(io.StringIO(_write(frame, sdg_flow, Format.CSV20), newline="")))
    assert v2[0][:3] == ["STRUCTURE", "STRUCTURE_ID", "ACTION"]
    assert {tuple(r[:3]) for r in v2[1:]} == {("dataflow", "CCJS:DF_SDG_16_CRIME(1.0)", "I")}
    assert [r[1:] for r in v1] == [r[3:] for r in v2]


def test_pandas_reads_values(sdg_flow: Flow) -> None:
    frame = sdg_frame()
    back = pd.read_csv(io.StringIO(_write(frame, sdg_flow, Format.CSV10)), dtype={"REF_AREA": str, "TIME_PERIOD": str})
    merged = frame.merge(back, on=["SERIES", "REF_AREA", "SEX", "TIME_PERIOD"], suffixes=("", "_back"))
    assert len(merged) == len(frame)
    assert np.allclose(merged["OBS_VALUE"], merged["OBS_VALUE_back"], equal_nan=True, rtol=0, atol=0)


def test_labels_both_uses_codelist_names(sdg_flow: Flow) -> None:
    frame = sdg_frame()
    text = _write(frame, sdg_flow, Format.CSV10, labels="both")
    header = text.split("\n", 1)[0].split(",")
    assert header[:3] == ["DATAFLOW", "FREQ: Frequency of observation", "REPORTING_TYPE: Reporting type"]
    assert "OBS_VALUE: Observation value" in header
    rows = [{k.split(": ")[0]: v for k, v in r.items()} for r in csv.DictReader(io.StringIO(text, newline=""))]
    korea = next(r for r in rows if r["REF_AREA"].startswith("410"))
    assert korea["REF_AREA"] == "410: Republic of Korea"
    assert korea["FREQ"] == "A: Annual"
    assert korea["SERIES"].split(": ", 1)[1] == sdg_flow.codelists["SERIES"].codes[korea["SERIES"].split(":")[0]].name
    assert korea["COMMENT_TS"].endswith("한국어 주석 & <note>")  # free text: no label
    status = sdg_flow.codelists["OBS_STATUS"].codes
    assert {r["OBS_STATUS"] for r in rows} == {f"{c}: {status[c].name}" for c in ("A", "E", "M")}
    assert "A: Normal value" in {r["OBS_STATUS"] for r in rows}
    # the ids are what precedes ": "
    codes = pd.DataFrame(rows)["SEX"].str.split(": ").str[0]
    assert sorted(codes.unique()) == sorted(frame["SEX"].unique())


def test_dataonly_drops_attributes_and_keysonly_is_refused(sdg_flow: Flow) -> None:
    header = _write(sdg_frame(), sdg_flow, Format.CSV20, detail="dataonly").split("\n", 1)[0]
    assert header.endswith("TIME_PERIOD,OBS_VALUE")
    with pytest.raises(Unsupported, match="SDMX-CSV"):
        _write(sdg_frame(), sdg_flow, Format.CSV10, detail="serieskeysonly")


def test_iccs_labels(iccs_flow: Flow) -> None:
    from .conftest import iccs_frame
    text = _write(iccs_frame(iccs_flow), iccs_flow, Format.CSV20, labels="both")
    assert text.startswith("STRUCTURE,STRUCTURE_ID,ACTION,FREQ: Frequency,")  # SDMX:CROSS_DOMAIN_CONCEPTS
    rows = [{k.split(": ")[0]: v for k, v in r.items()} for r in csv.DictReader(io.StringIO(text, newline=""))]
    names = iccs_flow.codelists["ICCS"].codes
    for r in rows:
        code, name = r["ICCS"].split(": ", 1)
        assert names[code].name == name

