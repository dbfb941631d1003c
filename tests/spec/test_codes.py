"""A spec's own codes (constants, roll-up totals, correspondence-table targets) are checked against the
dataflow's codelists and constraints before any data is read: a wrong code stops with the spec key, or the
map's file, line and column, the nearest codes and the fix; exit 2, nothing published."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from sdmx_publish import config, pipeline
from sdmx_publish.cli import main
from sdmx_publish.errors import SpecError
from sdmx_publish.spec import load_spec
from sdmx_publish.spec.codes import check_codes
from sdmx_publish.store import latest
from sdmx_publish.structure import load_registry

from ..survey.helpers import toy_spec
from ..transform.test_correspondence import MAP, write

EXAMPLES = config.ROOT / "examples"


def _edit(path: Path, **constants: str) -> Path:
    spec = yaml.safe_load(path.read_text())
    spec["constants"].update(constants)
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path


def test_a_constant_not_in_the_codelist_stops_before_reading_and_publishes_nothing(tmp_path, capsys):
    path = _edit(write(tmp_path), REF_AREA="7640")
    store = tmp_path / "store"
    assert main(["run", str(path), "--store", str(store)]) == 2
    err = capsys.readouterr().err
    assert (f"{path}: constants.REF_AREA: REF_AREA code '7640' is not in the codelist IAEG-SDGs:CL_AREA(1.14): "
            "did you mean 764 or 760 or 740?") in err
    assert "fix: write a code of REF_AREA in `constants.REF_AREA`: `sdmx-publish codes DF_ICCS REF_AREA`" in err
    assert "correct the value map" not in err and latest(store, "CCJS", "DF_ICCS") is None


def test_a_map_code_not_in_the_codelist_names_the_map_line_and_column(tmp_path, capsys):
    path = write(tmp_path, map_csv=MAP.replace("211020,0401", "211020,0488"))
    assert main(["preview", str(path)]) == 2
    err = capsys.readouterr().err
    assert (f"{tmp_path / 'offences.csv'}: line 3, column 'ICCS': ICCS code '0488' is not in the codelist "
            "CCJS:CL_ICCS(1.0): did you mean 0409 or 0401 or 04?") in err
    assert "fix: correct the code in offences.csv (`maps[0]` of pks.yaml)" in err


def test_every_wrong_code_is_listed_at_once(tmp_path):
    path = _edit(write(tmp_path, map_csv=MAP.replace("435010,0502", "435010,O502")), SEX="X", AGE="_Z")
    with pytest.raises(SpecError) as e:
        pipeline.preview(path)
    text = str(e.value)
    assert "constants.SEX: SEX code 'X'" in text and "and 2 more code(s)" in text
    assert "constants.AGE: AGE code '_Z'" in text and "line 5, column 'ICCS': ICCS code 'O502'" in text


def test_free_text_and_codes_of_the_codelist_pass(tmp_path):
    """COMMENT_OBS has no codelist (any text); _T and the empty target of an excluded row are not wrong codes."""
    path = _edit(write(tmp_path), COMMENT_OBS="anything at all, 7640")
    spec, _, flow = pipeline._flow(path)
    assert spec.constants["SEX"] == "_T" and "COMMENT_OBS" not in flow.codelists


def test_a_code_of_the_codelist_the_constraint_does_not_allow(tmp_path):
    """CL_SERIES holds every SDG series; DF_SDG_16_CRIME's constraint allows the SDG 16 crime series only."""
    src = EXAMPLES / "kostat" / "homicide_victims.yaml"
    spec = load_spec(src, source_file=False)
    flow = load_registry().flow(spec.dataflow)
    assert "SI_POV_DAY1" in flow.codelists["SERIES"].codes and "SI_POV_DAY1" not in flow.allowed("SERIES")
    with pytest.raises(SpecError, match=r"constants.SERIES: SERIES code 'SI_POV_DAY1' is in IAEG-SDGs:CL_SERIES"
                                        r"\(1.14\) but not allowed by the dataflow's constraint "
                                        r"CCJS:CC_SDG_16_CRIME\(1.0\)"):
        check_codes(spec.model_copy(update={"constants": {**spec.constants, "SERIES": "SI_POV_DAY1"}}), flow)


@pytest.mark.slow
def test_every_bundled_spec_has_codes_of_its_dataflow():
    """The examples and the countries' specs (the demo publishes the examples)."""
    specs = [p for p in (*EXAMPLES.glob("*/*.yaml"), *(config.ROOT / "countries").glob("**/*.yaml"))
             if p.name != "country.yaml"]
    assert len(specs) >= 15
    registry = load_registry()
    for p in specs:
        spec = load_spec(p, source_file=False)
        check_codes(spec, registry.flow(spec.dataflow, spec.agency))


def test_a_survey_s_breakdown_map_and_estimate_constants_are_checked_too(tmp_path):
    path = toy_spec(tmp_path, estimate={"constants": {"AGE": "Y15T99"}, "series": "VC_SNS_WALN_DARK"})
    (tmp_path / "sex.csv").write_text("sex,SEX,note\n1,M,Male\n2,W,Female\n", encoding="utf-8")
    with pytest.raises(SpecError) as e:
        pipeline.preview(path)
    text = str(e.value)
    assert f"{path}: survey.estimates[safe].constants.AGE: AGE code 'Y15T99' is not in the codelist" in text
    assert "survey.estimates[safe].series: SERIES code 'VC_SNS_WALN_DARK' is not in the codelist " \
           "IAEG-SDGs:CL_SERIES(1.14): did you mean VC_SNS_WALN_DRK" in text
    assert f"{tmp_path / 'sex.csv'}: line 3, column 'SEX': SEX code 'W' is not in the codelist" in text
