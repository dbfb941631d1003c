"""Design-based shares agree with R's survey package to 1e-6 (reference values and the script that
made them: tests/survey/reference/); single-PSU strata; reliability flags and withholding."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from sdmx_publish import pipeline
from sdmx_publish.errors import InputError
from sdmx_publish.spec import load_spec
from sdmx_publish.store import open_release
from sdmx_publish.structure import load_registry
from sdmx_publish.survey import read_survey, transform_survey

from .helpers import HERE, REFERENCE, check_docs_block, toy_spec

NCVS = pipeline.config.ROOT / "surveys" / "us_ncvs_2021" / "violent_reported.yaml"


def estimates(spec_path) -> tuple[pd.DataFrame, dict]:
    spec = load_spec(spec_path)
    frame, report = transform_survey(read_survey(spec), spec, load_registry().flow(spec.dataflow))
    return frame, report


def compare(report: dict, dataset: str) -> int:
    """Every cell of the report against R's value (for the breakdowns the report has); the number compared."""
    ref = REFERENCE[(REFERENCE["dataset"] == dataset)
                    & REFERENCE["breakdown"].isin([c["breakdown"] for c in report["cells"]])].copy()
    for name, b in report["breakdowns"].items():  # R has the file's codes, the report the DSD's
        rows = (ref["breakdown"] == name) & bool(b["codes"])
        ref.loc[rows, "cell"] = ref.loc[rows, "cell"].map(b["codes"])
    cells = pd.DataFrame(report["cells"]).merge(ref, on=["estimate_id", "breakdown", "cell"], suffixes=("", "_r"))
    assert len(cells) == len(ref) and len(ref)
    for ours, theirs in (("estimate", "estimate_r"), ("se", "se_r"), ("deff", "deff_r"), ("N", "N_r"), ("n", "n_r")):
        np.testing.assert_allclose(cells[ours], cells[theirs], rtol=0, atol=1e-6, err_msg=f"{dataset} {ours}")
    return len(cells)


def test_toy_design_agrees_with_r_including_a_single_psu_stratum(tmp_path):
    frame, report = estimates(toy_spec(tmp_path))
    assert report["design"]["single_psu_strata"] == ["3"]
    assert compare(report, "toy") == 3
    total = frame[frame["SEX"] == "_T"].iloc[0]
    cell = next(c for c in report["cells"] if c["breakdown"] == "total")
    # the report keeps the estimate as computed (compared with R above); the observation is published rounded:
    # one decimal (survey.decimals' default), the bounds two
    assert cell["lower"] == pytest.approx(cell["estimate"] - 1.959963985 * cell["se"], abs=1e-8)
    assert cell["upper"] == pytest.approx(cell["estimate"] + 1.959963985 * cell["se"], abs=1e-8)
    assert (100 * cell["estimate"], total["OBS_VALUE"]) == (pytest.approx(54.06066158426855), 54.1)
    assert (100 * cell["lower"], 100 * cell["upper"]) == (pytest.approx(38.39944817485902), pytest.approx(69.72187499367809))
    assert (total["LOWER_BOUND"], total["UPPER_BOUND"]) == ("38.40", "69.72")
    assert cell["published"] == {"value": 54.1, "lower": 38.4, "upper": 69.72}
    excluded = {x["code"]: x for x in report["estimates"][0]["left_out_by_answer"]}
    assert excluded["85"]["label"] == "Does not walk alone after dark" and excluded["85"]["why"] == "does not walk alone"


def test_a_single_psu_stratum_fails_unless_the_spec_says_how(tmp_path):
    path = toy_spec(tmp_path, survey={"design": {"weight": "w", "strata": "stratum", "psu": "psu"}})
    with pytest.raises(InputError) as e:
        estimates(path)
    assert "['3']" in e.value.what and "single_psu: certainty" in e.value.fix


@pytest.mark.slow
def test_ncvs_reported_to_police_agrees_with_r_and_is_plausible_against_bjs():
    frame, report = estimates(NCVS)
    assert compare(report, "ncvs") == 1
    # 46.72313425912126 in the report (as R gives it); published as BJS publishes: one decimal, bounds two
    assert report["cells"][0]["estimate"] == pytest.approx(0.4672313425912126, abs=1e-12)
    assert frame[["OBS_VALUE", "LOWER_BOUND", "UPPER_BOUND"]].values.tolist() == [[46.7, "43.71", "49.73"]]
    assert report["design"]["single_psu_strata"] == ["81"]
    assert frame["SERIES"].tolist() == ["VC_PRR_PHYV"] and frame["REF_AREA"].tolist() == ["840"]
    # victimisations, all violent crime, age 12+: not the VC_PRR_PHYV definition (its COMMENT_OBS), so D
    assert frame["OBS_STATUS"].tolist() == ["D"] and "Not the VC_PRR_PHYV definition" in frame["COMMENT_OBS"].iloc[0]
    # plausibility only: BJS's 2017-19 figure for the US (restricted-use data, three years pooled, series
    # incidents counted up to 10 times), not the same year or file: docs/surveys.md says what differs
    bjs = pd.read_csv(HERE / "data" / "cv22luss1719at05.csv", encoding="cp1252", skiprows=12, header=None)
    us = bjs[bjs[1].astype(str).str.startswith("United States")].iloc[0]
    assert (float(us[2]), float(us[7]), float(us[9])) == (42.8, 40.13, 45.39)
    ours = frame["OBS_VALUE"].iloc[0]
    assert abs(ours - 42.8) < 10, f"NCVS 2021 {ours:.1f}% is far from BJS 2017-19 42.8%"


def test_reliability_flags_small_cells(tmp_path):
    frame, report = estimates(toy_spec(tmp_path, survey={"reliability": {"min_n": 20, "max_cv": 0.3}}))
    status = dict(zip(frame["SEX"], frame["OBS_STATUS"]))
    assert status == {"_T": "A", "M": "U", "F": "A"}  # men: n = 14 < 20
    assert frame.loc[frame["SEX"] == "M", "OBS_VALUE"].notna().all()
    assert {c["cell"]: c["status"] for c in report["cells"]} == {"_T": "", "M": "n < 20", "F": ""}


def test_a_status_in_constants_flags_the_reliable_estimates_only(tmp_path):
    frame, _ = estimates(toy_spec(tmp_path, survey={"reliability": {"min_n": 20, "max_cv": 0.3}},
                                  estimate={"constants": {"OBS_STATUS": "D"}}))
    assert dict(zip(frame["SEX"], frame["OBS_STATUS"])) == {"_T": "D", "M": "U", "F": "D"}  # men: n = 14 < 20


@pytest.mark.parametrize("spec", ["enusc_2024.yaml", "enusc_2024_regions.yaml"])
def test_enusc_proxy_is_definition_differs_and_every_estimate_urban(spec):
    """ENUSC (microdata not shipped: observations from made-up estimates through the real spec): the 16.1.3
    proxy is flagged D, 16.1.4 (the SDG definition) A, every estimate URBANISATION U (an urban survey); the
    structural rules (codes, content constraint) pass."""
    from sdmx_publish.survey.frame import observations
    from sdmx_publish.validate import STRUCTURAL, validate

    spec = load_spec(pipeline.config.ROOT / "surveys" / "cl_enusc_2024" / spec, source_file=False)
    flow = load_registry().flow(spec.dataflow)
    breakdown = next(iter(spec.survey.breakdowns))
    cells = ["CL-RM", "CL-RM", "CL-AI"] if breakdown == "region" else ["F", "F", "M"]
    est = pd.DataFrame({"estimate_id": ["safe_after_dark", "violent_victimisation", "violent_victimisation"],
                        "breakdown": breakdown, "cell": cells, "estimate": [0.259, 0.058, 0.05],
                        "se": [0.0044, 0.0022, 0.02], "lower": [0.25, 0.054, 0.01], "upper": [0.267, 0.062, 0.09],
                        "n": [21895, 24472, 30], "cv": [0.017, 0.038, 0.4], "N": [1.2e7, 1.3e7, 5e4]})
    frame = observations(est, spec, flow)
    assert frame[["SERIES", "OBS_STATUS"]].values.tolist() == [["VC_SNS_WALN_DRK", "A"], ["VC_VOV_PHYL", "D"],
                                                               ["VC_VOV_PHYL", "U"]]  # n 30 < 50: U stays
    assert frame["URBANISATION"].eq("U").all()
    assert validate(frame, flow, rules=STRUCTURAL).errors == 0


def test_reliability_withholds_when_the_spec_says_so(tmp_path):
    frame, _ = estimates(toy_spec(tmp_path, survey={"reliability": {"min_n": 10, "max_cv": 0.2,
                                                                    "action": "withhold"}}))
    women = frame[frame["SEX"] == "F"].iloc[0]  # CV 0.22 > 0.2
    assert women["OBS_STATUS"] == "Q" and np.isnan(women["OBS_VALUE"]) and pd.isna(women["LOWER_BOUND"])
    assert frame.loc[frame["SEX"] != "F", "OBS_STATUS"].eq("A").all()


@pytest.mark.slow
def test_the_release_carries_the_estimation_report(tmp_path):
    store = tmp_path / "store"
    result = pipeline.run(toy_spec(tmp_path), store)
    folder = store / "CCJS" / "DF_SDG_16_CRIME" / "releases" / result["release_id"]
    report = json.loads((folder / "estimation.json").read_text())
    assert compare(report, "toy") == 3
    html = (folder / "estimation.html").read_text()
    assert "Does not walk alone after dark" in html and "deff" in html
    assert "<td>54.1 (38.4 to 69.72)</td>" in html  # the total as published, beside the unrounded numbers
    manifest = json.loads((folder / "manifest.json").read_text())
    names = {f["path"] for f in manifest["files"]}
    assert [s["path"].endswith("toy.sav") and len(s["sha256"]) == 64 for s in manifest["sources"]] == [True]
    assert {"estimation.json", "estimation.html"} <= names
    data = pd.read_csv(open_release(folder).open("data.csv"), dtype=str)
    assert data["LOWER_BOUND"].notna().all() and data["UPPER_BOUND"].notna().all()


def test_published_precision_rounds_ties_away_from_zero_on_the_printed_digits():
    from sdmx_publish.survey.frame import round_half_away

    values = pd.Series([17.25, 0.285, -0.05, 46.72313425912126, 17.278485237329765, np.nan])
    got = round_half_away(values, pd.Series([1, 2, 1, 1, 1, 1]))
    assert got.tolist()[:5] == [17.3, 0.29, -0.1, 46.7, 17.3] and np.isnan(got.iat[5])
    # what Python and numpy would give: ties to even, and the binary double of 0.285 is just below it
    assert (round(17.25, 1), float(np.round(17.25, 1)), round(0.285, 2), float(np.round(0.285, 2))) == (
        17.2, 17.2, 0.28, 0.28)


DECIMALS_DOC = pipeline.config.ROOT / "docs" / "surveys.md"
DECIMALS_START = "<!-- decimals-example:start (written by tests/survey/test_estimates.py) -->"
DECIMALS_END = "<!-- decimals-example:end -->"


def test_published_decimals_per_spec_and_per_estimate_as_the_docs_show(tmp_path):
    """The toy design with the default (1 decimal, bounds 2), `survey.decimals: 2`, and an estimate's own
    `decimals: 0`: the published values (as the SDMX writers print them) and bounds, and the unrounded
    report beside them (docs/surveys.md)."""
    from sdmx_publish.write.text import format_numbers

    lines = [DECIMALS_START, "", "| spec | cell | estimate (report) | OBS_VALUE | 95% bounds (report) | "
             "LOWER_BOUND | UPPER_BOUND |", "|---|---|---:|---:|---|---:|---:|"]
    for i, (label, kw) in enumerate((("default", {}), ("`survey.decimals: 2`", {"survey": {"decimals": 2}}),
                                     ("estimate `decimals: 0`", {"estimate": {"decimals": 0}}))):
        (tmp_path / str(i)).mkdir()
        frame, report = estimates(toy_spec(tmp_path / str(i), **kw))
        for c, (_, row) in zip(report["cells"], frame.iterrows()):
            assert c["published"]["value"] == row["OBS_VALUE"]
            lines.append(f"| {label} | {row['SEX']} | {100 * c['estimate']!r} | {format_numbers([row['OBS_VALUE']])[0]} | "
                         f"{100 * c['lower']!r} to {100 * c['upper']!r} | {row['LOWER_BOUND']} | {row['UPPER_BOUND']} |")
        decimals = {0: 1, 1: 2, 2: 0}[i]
        assert frame["LOWER_BOUND"].str.split(".").str[1].str.len().eq(decimals + 1).all()
        assert (frame["OBS_VALUE"] == frame["OBS_VALUE"].round(decimals)).all()
    check_docs_block(DECIMALS_DOC, DECIMALS_START, DECIMALS_END, "\n".join([*lines, "", DECIMALS_END]))


@pytest.mark.parametrize(("estimate", "lower", "upper", "says"), [
    (0.0003, 0.0001, 0.0005, "0.03 (bounds 0.01 to 0.05) would be published as 0.0 (0.01 to 0.05) at 1 "
                             "decimal(s), 0 though it is not"),
    (0.0096, 0.0094, 0.0098, "0.96 (bounds 0.94 to 0.98) would be published as 1.0 (0.94 to 0.98) at 1 "
                             "decimal(s), outside its bounds"),
])
def test_decimals_that_hide_the_estimate_stop_the_run(tmp_path, estimate, lower, upper, says):
    """A rare event's share (0.03%) published as 0.0, or a value rounded outside its own interval: the
    spec must publish more decimals (SpecError: exit 2, nothing published)."""
    from sdmx_publish.errors import SpecError
    from sdmx_publish.survey.frame import observations

    spec = load_spec(toy_spec(tmp_path))
    est = pd.DataFrame({"estimate_id": ["safe"], "breakdown": ["total"], "cell": ["_T"], "estimate": [estimate],
                        "se": [0.0001], "lower": [lower], "upper": [upper], "n": [5000], "cv": [0.01], "N": [1e6]})
    with pytest.raises(SpecError) as e:
        observations(est, spec, load_registry().flow(spec.dataflow))
    assert says in e.value.what and "survey.decimals" in e.value.where
    assert e.value.fix.startswith("publish more decimals: decimals: 2 on estimate safe")
    two = load_spec(toy_spec(tmp_path, estimate={"decimals": 2}))
    frame = observations(est, two, load_registry().flow(spec.dataflow))
    assert frame["OBS_VALUE"].iat[0] == round(100 * estimate, 2)
