"""An unknown code's finding suggests the nearest codes of its codelist ("Y5T15: did you mean Y5T14?")."""

from __future__ import annotations

from sdmx_publish.validate import validate
from sdmx_publish.validate.suggest import nearest_codes

from .conftest import iccs_frame, sdg_frame


def test_an_unknown_code_suggests_the_nearest(sdg_flow):
    findings = validate(sdg_frame([{"AGE": "Y5T15"}, {"AGE": "QQQQQ"}]), sdg_flow).findings
    unknown = findings[findings["rule"].eq("code.unknown")].set_index("value")["message"]
    assert "AGE code 'Y5T15' is not in the codelist: did you mean Y5T14" in unknown["Y5T15"]
    assert "did you mean" not in unknown["QQQQQ"] and "(a code of " in unknown["QQQQQ"]


def test_a_hierarchical_code_suggests_its_siblings_and_parent_not_lookalikes(iccs_flow):
    """ICCS 0488 (robbery is 0401): the level-2 codes under 04 and 04 itself, not 0808 which only looks alike;
    an M49 area typed with a digit too many (7640) still suggests the country it starts with."""
    findings = validate(iccs_frame([{"ICCS": "0488"}, {"REF_AREA": "7640"}]), iccs_flow).findings
    unknown = findings[findings["rule"].eq("code.unknown")].set_index("value")["message"]
    assert "did you mean 0409 or 0401 or 04?" in unknown["0488"]
    assert "0808" not in unknown["0488"]
    assert "did you mean 764 or " in unknown["7640"]
    assert nearest_codes("9999", iccs_flow.codelists["ICCS"].codes) == []
