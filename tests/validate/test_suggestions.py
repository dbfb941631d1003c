"""An unknown code's finding suggests the nearest codes of its codelist ("Y5T15: did you mean Y5T14?")."""

from __future__ import annotations

from sdmx_publish.validate import validate

from .conftest import sdg_frame


def test_an_unknown_code_suggests_the_nearest(sdg_flow):
    findings = validate(sdg_frame([{"AGE": "Y5T15"}, {"AGE": "QQQQQ"}]), sdg_flow).findings
    unknown = findings[findings["rule"].eq("code.unknown")].set_index("value")["message"]
    assert "AGE code 'Y5T15' is not in the codelist: did you mean Y5T14" in unknown["Y5T15"]
    assert "did you mean" not in unknown["QQQQQ"] and "(a code of " in unknown["QQQQQ"]
