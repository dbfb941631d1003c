"""The write()/stream() API: format table, chunking, files, input checks with clear errors."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sdmx_publish.errors import InputError, Unsupported
from sdmx_publish.formats import Format
from sdmx_publish.structure import Flow
from sdmx_publish.write import WRITERS, WriteOptions, prepare, stream, write
from tests.schemas import validate_xml

from .conftest import sdg_frame

FIXED = dict(message_id="TEST1", prepared=datetime(2026, 11, 27, tzinfo=timezone.utc))


def _bytes(frame: pd.DataFrame, flow: Flow, fmt: Format, **opts: object) -> bytes:
    return b"".join(stream(frame, flow, fmt, options=WriteOptions(**FIXED, **opts)))  # type: ignore[arg-type]


def test_every_format_has_a_writer() -> None:
    assert set(WRITERS) == set(Format.data())


def test_unknown_format_lists_supported(sdg_flow: Flow) -> None:
    with pytest.raises(Unsupported) as e:
        write(sdg_frame(), sdg_flow, "sdmx-edi", io.BytesIO())
    assert "sdmx-csv-1.0" in str(e.value) and "sdmx-json-2.0" in str(e.value)


@pytest.mark.parametrize("fmt", Format.data())
def test_output_does_not_depend_on_chunk_size(sdg_flow: Flow, fmt: Format) -> None:
    frame = sdg_frame(n_years=4)
    whole = _bytes(frame, sdg_flow, fmt, chunk_rows=10_000)
    assert _bytes(frame, sdg_flow, fmt, chunk_rows=1) == whole
    assert _bytes(frame, sdg_flow, fmt, chunk_rows=7) == whole


@pytest.mark.parametrize("fmt", [Format.ML21_STRUCTURE_SPECIFIC, Format.CSV10, Format.JSON20])
def test_row_order_and_dtypes_do_not_matter(sdg_flow: Flow, fmt: Format) -> None:
    frame = sdg_frame()
    shuffled = frame.sample(frac=1, random_state=1).reset_index(drop=True)
    for c in ("REF_AREA", "SEX", "OBS_STATUS", "COMMENT_OBS"):
        shuffled[c] = shuffled[c].astype("category")
    assert _bytes(shuffled, sdg_flow, fmt) == _bytes(frame, sdg_flow, fmt)


def test_header(sdg_flow: Flow) -> None:
    text = _bytes(sdg_frame(), sdg_flow, Format.ML21_STRUCTURE_SPECIFIC, sender="KOSTAT", test=True).decode()
    assert "<message:ID>TEST1</message:ID>" in text
    assert "<message:Test>true</message:Test>" in text
    assert "<message:Prepared>2026-11-27T00:00:00Z</message:Prepared>" in text
    assert '<message:Sender id="KOSTAT"/>' in text
    assert 'dimensionAtObservation="TIME_PERIOD"' in text
    # the dataflow the data are reported against; the DSD through the structure-specific namespace
    assert ('<common:StructureUsage><Ref agencyID="CCJS" id="DF_SDG_16_CRIME" version="1.0" class="Dataflow"'
            ' package="datastructure"/>') in text
    assert 'namespace="urn:sdmx:org.sdmx.infomodel.datastructure.DataStructure=IAEG-SDGs:SDG(1.14)' in text


def test_write_to_path_returns_bytes(sdg_flow: Flow, tmp_path: Path) -> None:
    path = tmp_path / "data.xml"
    n = write(sdg_frame(), sdg_flow, Format.ML21_GENERIC, path)
    assert n == path.stat().st_size > 0
    assert [p.name for p in tmp_path.iterdir()] == ["data.xml"]  # no temporary file left


def test_stream_chunks_are_megabytes(sdg_flow: Flow) -> None:
    frame = pd.concat([sdg_frame(n_years=30).assign(TIME_PERIOD=lambda f, i=i: (f["TIME_PERIOD"].astype(int) + 40 * i)
                                                    .astype(str)) for i in range(50)], ignore_index=True)
    for rows in (1000, 1_000_000):  # many small bodies, or one body of many megabytes
        chunks = list(stream(frame, sdg_flow, Format.ML21_GENERIC, options=WriteOptions(chunk_rows=rows)))
        assert len(chunks) >= 3
        assert all(1024 * 1024 <= len(c) <= 4 * 1024 * 1024 for c in chunks[:-1])


def test_failed_write_leaves_no_file(sdg_flow: Flow, tmp_path: Path) -> None:
    frame = sdg_frame()
    frame.loc[3, "SEX"] = None
    with pytest.raises(InputError, match="SEX has no value") as e:
        write(frame, sdg_flow, Format.CSV10, tmp_path / "x.csv")
    assert "test.csv:4" in str(e.value)  # points at the source row
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("change,message", [
    (lambda f: f.drop(columns=["SEX"]), "missing dimension column(s) SEX"),
    (lambda f: f.assign(COLOUR="red"), "unknown column(s) COLOUR"),
    (lambda f: pd.concat([f, f.iloc[[0]]]), "1 duplicate observation(s)"),
    (lambda f: f.assign(OBS_VALUE="many"), "OBS_VALUE is not numeric"),
    (lambda f: f.assign(COMMENT_OBS="bell\x07"), "control character"),
    (lambda f: f.assign(UNIT_MEASURE=np.where(np.arange(len(f)) % 2, "NUMBER", "PER_100000_POP")),
     "series-level attribute UNIT_MEASURE differs within one series"),
])
def test_bad_frames_get_clear_errors(sdg_flow: Flow, change, message: str) -> None:
    with pytest.raises(InputError) as e:
        _bytes(change(sdg_frame()), sdg_flow, Format.ML21_STRUCTURE_SPECIFIC)
    assert message in str(e.value) and e.value.fix


def test_bad_options() -> None:
    with pytest.raises(Unsupported, match="labels"):
        WriteOptions(labels="name")  # type: ignore[arg-type]
    with pytest.raises(Unsupported, match="detail"):
        WriteOptions(detail="everything")  # type: ignore[arg-type]


def test_unknown_observation_dimension(sdg_flow: Flow) -> None:
    with pytest.raises(Unsupported, match="not a dimension"):
        _bytes(sdg_frame(), sdg_flow, Format.ML21_GENERIC, dimension_at_observation="ICCS")
    with pytest.raises(Unsupported, match="time dimension"):
        _bytes(sdg_frame(), sdg_flow, Format.ML21_GENERIC_TS, dimension_at_observation="REF_AREA")


def test_empty_frame(sdg_flow: Flow) -> None:
    empty = sdg_frame().iloc[0:0]
    text = _bytes(empty, sdg_flow, Format.ML21_GENERIC).decode()
    assert text.rstrip().endswith("</message:GenericData>")
    validate_xml(text.encode())
    assert _bytes(empty, sdg_flow, Format.CSV10).decode().count("\n") == 1


@pytest.fixture
def dataset_flow(sdg_flow: Flow) -> Flow:
    """The SDG DSD with SOURCE_DETAIL attached to the dataset, to exercise that level."""
    attrs = tuple(replace(a, attachment="dataset") if a.id == "SOURCE_DETAIL" else a for a in sdg_flow.dsd.attributes)
    return replace(sdg_flow, dsd=replace(sdg_flow.dsd, attributes=attrs))


def test_dataset_level_attribute(dataset_flow: Flow) -> None:
    frame = sdg_frame().assign(SOURCE_DETAIL="경찰청 범죄통계 & <KNPA>")
    ss = _bytes(frame, dataset_flow, Format.ML21_STRUCTURE_SPECIFIC).decode()
    assert 'ss:action="Information" SOURCE_DETAIL="경찰청 범죄통계 &amp; &lt;KNPA&gt;">' in ss
    assert ss.count("SOURCE_DETAIL") == 1
    validate_xml(ss.encode(), flow=dataset_flow)
    generic = _bytes(frame, dataset_flow, Format.ML21_GENERIC)
    assert generic.decode().count('<generic:Value id="SOURCE_DETAIL"') == 1
    validate_xml(generic)
    frame.loc[0, "SOURCE_DETAIL"] = "other"
    with pytest.raises(InputError, match="dataset-level attribute SOURCE_DETAIL has several values"):
        _bytes(frame, dataset_flow, Format.ML21_STRUCTURE_SPECIFIC)


def test_lexsort_fallback_gives_the_same_output(sdg_flow: Flow, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keys too wide for one int64 are sorted with np.lexsort: same bytes."""
    from sdmx_publish.write import frame as frame_module
    shuffled = sdg_frame().sample(frac=1, random_state=2)
    fast = _bytes(shuffled, sdg_flow, Format.ML21_STRUCTURE_SPECIFIC)
    monkeypatch.setattr(frame_module, "_mixed_radix", lambda cols, n: None)
    assert _bytes(shuffled, sdg_flow, Format.ML21_STRUCTURE_SPECIFIC) == fast
    with pytest.raises(InputError, match="duplicate"):
        _bytes(pd.concat([shuffled, shuffled.iloc[[5]]]), sdg_flow, Format.CSV10)


def test_schema_cache_tells_flows_with_same_references_apart(sdg_flow: Flow, dataset_flow: Flow) -> None:
    from tests.schemas import SchemaInvalid
    frame = sdg_frame().assign(SOURCE_DETAIL="KNPA")
    at_dataset = _bytes(frame, dataset_flow, Format.ML21_STRUCTURE_SPECIFIC)
    at_obs = _bytes(frame, sdg_flow, Format.ML21_STRUCTURE_SPECIFIC)
    validate_xml(at_dataset, flow=dataset_flow)
    validate_xml(at_obs, flow=sdg_flow)
    with pytest.raises(SchemaInvalid, match="SOURCE_DETAIL"):
        validate_xml(at_obs, flow=dataset_flow)


def test_stream_checks_before_the_first_chunk(sdg_flow: Flow) -> None:
    """An HTTP handler gets the error when it calls stream(), before any status is sent."""
    bad = sdg_frame().drop(columns=["SEX"])
    with pytest.raises(InputError, match="SEX"):
        stream(bad, sdg_flow, Format.JSON20)  # not iterated


def test_a_prepared_frame_writes_the_same_bytes_in_every_format(sdg_flow: Flow) -> None:
    """Several formats of one frame share its preparation; options that would prepare it otherwise are refused."""
    frame = sdg_frame()
    prep = prepare(frame, sdg_flow, WriteOptions(**FIXED))
    for fmt in Format.data():
        out = io.BytesIO()
        n = write(prep, sdg_flow, fmt, out)
        assert out.getvalue() == _bytes(frame, sdg_flow, fmt) and n == len(out.getvalue()), fmt
    assert b"".join(stream(prep, sdg_flow, Format.CSV10, options=WriteOptions(**FIXED, labels="both"))) == \
        _bytes(frame, sdg_flow, Format.CSV10, labels="both")
    with pytest.raises(Unsupported, match="prepared with other dimension_at_observation"):
        write(prep, sdg_flow, Format.CSV10, io.BytesIO(), options=WriteOptions(dimension_at_observation="AllDimensions"))
