"""Extracting from other agencies' SDMX-ML data messages; hostile XML refused before parsing."""

from __future__ import annotations

from pathlib import Path

import pytest

from sdmx_publish.errors import InputError
from sdmx_publish.extract import extract
from sdmx_publish.spec import Spec

FIXTURES = Path(__file__).parents[1] / "fixtures" / "sdmx"


def spec_for(path: Path, **source) -> Spec:
    return Spec.model_validate({"dataflow": "X", "source": {"path": str(path), "format": "sdmx", **source}})


def test_generic_data_from_the_ecb():
    frame = extract(spec_for(FIXTURES / "ECB_EXR_M.USD.EUR.SP00.A.generic.xml"))
    assert {"FREQ", "CURRENCY", "TIME_PERIOD", "OBS_VALUE", "OBS_STATUS", "_row", "_source"} <= set(frame.columns)
    first = frame.sort_values("TIME_PERIOD").iloc[0]
    assert (first.TIME_PERIOD, first.CURRENCY, float(first.OBS_VALUE)) == ("1999-01", "USD", 1.16078)


def test_structure_specific_data_with_its_structure():
    frame = extract(spec_for(FIXTURES / "ISTAT_22_289.ss.xml", structure=str(FIXTURES / "ISTAT_22_289-structure.xml")))
    assert set(frame.REF_AREA) == {"IT"} and len(frame) > 0
    assert frame.OBS_VALUE.astype(float).gt(0).all()


@pytest.mark.parametrize("doc", [
    '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><x>&xxe;</x>',
    '<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]><x>&b;</x>',
])
def test_hostile_xml_is_refused(tmp_path, doc):
    path = tmp_path / "in.xml"
    path.write_text(doc)
    with pytest.raises(InputError, match="DOCTYPE"):
        extract(spec_for(path))


def test_not_sdmx(tmp_path):
    path = tmp_path / "in.xml"
    path.write_text("<html><body>Service unavailable</body></html>")
    with pytest.raises(InputError, match="not a readable SDMX-ML data message"):
        extract(spec_for(path))


def test_url_source(tmp_path):
    """A spec may name a URL instead of a path (file:// here: no network in tests)."""
    path = FIXTURES / "ECB_EXR_M.USD.EUR.SP00.A.generic.xml"
    spec = Spec.model_validate({"dataflow": "X", "source": {"url": path.as_uri(), "format": "sdmx"}})
    assert len(extract(spec)) == len(extract(spec_for(path)))
