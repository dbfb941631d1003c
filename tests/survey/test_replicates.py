"""Designs with replicate weights instead of strata and PSUs agree with R's survey package
(``svrepdesign``) to 1e-6, for JKn, BRR, Fay and bootstrap weights, with ``mse`` false and true; bad
replicate weights and a design that declares both kinds of variance stop with a clear error.

The replicate weights are R's ``as.svrepdesign`` on the real NCVS 2021 design (pseudo-strata and
half-samples), on the NCVS's own rows and weights: tests/survey/data/SOURCE.md and
tests/survey/reference/replicates.R, which wrote the fixture and the reference values."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pandas as pd
import pytest
import yaml

from sdmx_publish.errors import SpecError
from sdmx_publish.spec import load_spec
from sdmx_publish.structure import load_registry
from sdmx_publish.survey import read_survey, transform_survey

from .helpers import DIMS, HERE, refused

FIXTURE = HERE / "data" / "ncvs_2021_violent_replicates.rds"
SCALES = pd.read_csv(HERE / "data" / "ncvs_2021_replicate_scales.csv")
REFERENCE = pd.read_csv(HERE / "reference" / "r_replicate_estimates.csv", dtype={"cell": str})
#: the fixture's prefix -> the design a user of the file would declare (R's svrepdesign arguments)
KINDS = {"jkn": {"type": "JKn"}, "brr": {"type": "BRR"}, "fay": {"type": "Fay", "rho": 0.5},
         "boot": {"type": "bootstrap"}}
#: NCVS V2143 urbanicity (1 urban, 2 suburban, 3 rural); suburban has no SDG code and is left out
URBANICITY = "V2143,URBANISATION,note\n1,U,Urban\n2,,Suburban: no SDG code\n3,R,Rural\n"


def replicate_design(kind: str, **change) -> dict:
    """The ``replicate_weights`` block for one kind of the fixture's replicates, as its documentation gives it."""
    scales = SCALES[SCALES["kind"] == kind]
    block = {"columns": f"{kind}_[0-9]+", **KINDS[kind], "combined_weights": False}
    if kind in ("jkn", "boot"):
        block["scale"] = float(scales["scale"].iloc[0])
    if kind == "jkn":
        block["rscales"] = scales["rscale"].astype(float).tolist()
    return {**block, **change}


def ncvs_spec(tmp, design: dict, data: pd.DataFrame | None = None) -> str:
    """A spec over the fixture (or ``data`` written as SPSS): violent victimisations reported to the police."""
    if data is None:
        source = "ncvs.rds"
        shutil.copy(FIXTURE, tmp / source)
    else:
        import pyreadstat

        source = "ncvs.sav"
        pyreadstat.write_sav(data, str(tmp / source))
    (tmp / "urbanicity.csv").write_text(URBANICITY, encoding="utf-8")
    spec = {"dataflow": "DF_SDG_16_CRIME", "source": {"path": source, "format": "survey"},
            "survey": {"time_period": "2021", "design": {"weight": "WGTVICCY", **design},
                       "breakdowns": {"urbanicity": {"variable": "V2143", "map": "urbanicity.csv",
                                                     "to": "URBANISATION"}},
                       "estimates": [{"id": "violent_reported", "title": "Reported to the police",
                                      "series": "VC_PRR_PHYV", "numerator": {"variable": "V4399", "codes": ["1"]},
                                      "denominator": [{"variable": "V4399", "codes": ["1", "2", "3"]}],
                                      "breakdowns": ["total", "urbanicity"]}]},
            "constants": {**{d: "_T" for d in DIMS}, "FREQ": "A", "REPORTING_TYPE": "N", "REF_AREA": "840",
                          "SEX": "_T", "UNIT_MEASURE": "PT", "UNIT_MULT": "0", "NATURE": "C"}}
    path = tmp / "ncvs.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    return path


def estimates(path) -> tuple[pd.DataFrame, dict]:
    spec = load_spec(path)
    return transform_survey(read_survey(spec), spec, load_registry().flow(spec.dataflow))


@pytest.mark.parametrize("kind, mse", [
    ("fay", False),  # one kind in the quick suite, every kind and both centres in the slow one
    *(pytest.param(k, m, marks=pytest.mark.slow) for k in KINDS for m in (False, True) if (k, m) != ("fay", False))])
def test_replicate_weights_agree_with_r(tmp_path, kind, mse):
    frame, report = estimates(ncvs_spec(tmp_path, {"replicate_weights": replicate_design(kind, mse=mse)}))
    ref = REFERENCE[(REFERENCE["kind"] == kind) & (REFERENCE["mse"] == mse)].copy()
    ref["cell"] = ref["cell"].replace({"1": "U", "3": "R"})
    cells = pd.DataFrame(report["cells"]).merge(ref, on=["breakdown", "cell"], suffixes=("", "_r"))
    assert sorted(cells["cell"]) == ["R", "U", "_T"]
    assert len(report["cells"]) == 3  # suburban (2), left out by the map, is no cell of its own
    for ours, theirs in (("estimate", "estimate_r"), ("se", "se_r"), ("deff", "deff_r"), ("N", "N_r"), ("n", "n_r")):
        np.testing.assert_allclose(cells[ours], cells[theirs], rtol=0, atol=1e-6, err_msg=f"{kind} {ours}")
    reps = report["design"]["replicate_weights"]
    assert reps["type"] == KINDS[kind]["type"] and reps["mse"] is mse and reps["replicates"] == len(
        SCALES[SCALES["kind"] == kind])
    assert report["method"]["variance"].startswith(f"replicate weights, {KINDS[kind]['type']}")
    assert report["method"]["library"].startswith("svy ")
    assert report["design"]["strata"] is None and report["design"]["single_psu"] is None
    assert frame["OBS_STATUS"].eq("A").all()


def fixture(kind: str) -> pd.DataFrame:
    """The fixture's rows with one kind of replicate factors."""
    import pyreadr

    data = pyreadr.read_r(FIXTURE)[None]
    return data[[c for c in data.columns if "_" not in c or c.startswith(f"{kind}_")]]


def test_combined_weights_give_the_same_estimates(tmp_path):
    """The same replicates as the weights themselves (what most files ship): factor times WGTVICCY."""
    data = fixture("brr")
    cols = [c for c in data.columns if c.startswith("brr_")]
    data[cols] = data[cols].mul(data["WGTVICCY"], axis=0)
    design = replicate_design("brr", columns=cols)
    del design["combined_weights"]
    _, report = estimates(ncvs_spec(tmp_path, {"replicate_weights": design}, data=data))
    ref = REFERENCE[(REFERENCE["kind"] == "brr") & ~REFERENCE["mse"] & (REFERENCE["breakdown"] == "total")]
    total = next(c for c in report["cells"] if c["breakdown"] == "total")
    assert total["se"] == pytest.approx(float(ref["se"].iloc[0]), abs=1e-9)
    assert report["design"]["replicate_weights"]["combined_weights"] is True


def test_replicate_se_is_close_to_taylor():
    """Plausibility: JKn replicates of the NCVS design give the Taylor SE of the same design (R: 0.015349)."""
    taylor = pd.read_csv(HERE / "reference" / "r_survey_estimates.csv")
    se = float(taylor.loc[taylor["dataset"] == "ncvs", "se"].iloc[0])
    jkn = REFERENCE[(REFERENCE["kind"] == "jkn") & ~REFERENCE["mse"] & (REFERENCE["breakdown"] == "total")]
    assert abs(float(jkn["se"].iloc[0]) - se) < 1e-4


@pytest.mark.parametrize("value, what", [(-1.0, "negative"), (np.nan, "missing or non-numeric")])
def test_a_bad_replicate_weight(tmp_path, capsys, value, what):
    data = fixture("fay")
    data.loc[6, "fay_17"] = value
    err = refused(ncvs_spec(tmp_path, {"replicate_weights": replicate_design("fay")}, data=data), tmp_path / "s", capsys)
    assert "ncvs.sav: fay_17" in err and what in err and "data row 7" in err and "fix:" in err


def test_a_pattern_that_matches_no_column(tmp_path, capsys):
    err = refused(ncvs_spec(tmp_path, {"replicate_weights": replicate_design("brr", columns="repwgt[0-9]+")}),
              tmp_path / "s", capsys)
    assert "ncvs.rds" in err and "'repwgt[0-9]+' matches 0 variable(s)" in err and "fix:" in err


def test_a_listed_replicate_column_missing_from_the_file(tmp_path, capsys):
    listed = [f"brr_{i}" for i in range(1, 165)] + ["brr_165"]
    err = refused(ncvs_spec(tmp_path, {"replicate_weights": replicate_design("brr", columns=listed)}),
              tmp_path / "s", capsys)
    assert "ncvs.rds" in err and "'brr_165'" in err and "not in the file" in err and "fix:" in err


def test_rscales_of_the_wrong_length(tmp_path, capsys):
    err = refused(ncvs_spec(tmp_path, {"replicate_weights": replicate_design("jkn", rscales=[0.5, 0.5, 0.5])}),
              tmp_path / "s", capsys)
    assert "rscales has 3 values for 328 replicate weights (jkn_1 ... jkn_328)" in err


@pytest.mark.parametrize("design, said", [
    ({"strata": "V2117", "psu": "V2118", "replicate_weights": {"columns": "brr_[0-9]+", "type": "BRR"}},
     "declares both replicate_weights and psu, strata"),
    ({"single_psu": "certainty", "replicate_weights": {"columns": "brr_[0-9]+", "type": "BRR"}},
     "declares both replicate_weights and single_psu"),
    ({"replicate_weights": {"columns": "fay_[0-9]+", "type": "Fay"}}, "type Fay need rho"),
    ({"replicate_weights": {"columns": "jkn_[0-9]+", "type": "JKn"}}, "type JKn need rscales"),
    ({"replicate_weights": {"columns": "brr_[0-9]+", "type": "BRR", "scale": 0.5}}, "type BRR fixes scale"),
])
def test_the_spec_is_checked_when_it_is_loaded(tmp_path, design, said):
    with pytest.raises(SpecError) as e:
        load_spec(ncvs_spec(tmp_path, design))
    assert said in e.value.what and "key `survey.design" in e.value.what and e.value.fix


def test_the_report_says_how_the_variance_was_estimated(tmp_path):
    from sdmx_publish.survey.report import to_html

    _, report = estimates(ncvs_spec(tmp_path, {"replicate_weights": replicate_design("jkn", mse=True)}))
    html = to_html(report)
    assert "replicate weights, JKn (328 replicates)" in html and "full-sample estimate (mse)" in html
    assert "0.5 for 298, 0.666667 for 30 replicates" in html and "single_psu" not in html
    reps = json.loads(json.dumps(report, default=str))["design"]["replicate_weights"]
    assert reps["first"] == "jkn_1" and reps["rscales"] == SCALES.loc[SCALES["kind"] == "jkn", "rscale"].tolist()


def test_a_cell_empty_under_some_replicate_weight_has_no_se_and_is_flagged(tmp_path):
    """One PSU as a cell: the JKn replicate that drops that PSU has nobody in it, so the cell's replicate
    estimate is undefined there. R's svrVar drops such replicates (with a warning) and reports an SE from
    the rest; we publish no SE and no bounds, and flag (or withhold) the estimate instead."""
    from sdmx_publish.survey.estimate import Design, shares
    from sdmx_publish.survey.frame import observations, reliability
    from sdmx_publish.survey.replicate import replicates

    spec = load_spec(ncvs_spec(tmp_path, {"replicate_weights": replicate_design("jkn")}))
    raw = read_survey(spec)
    weight = raw["WGTVICCY"].to_numpy(dtype=float)
    rep = replicates(raw, spec.survey.design.replicate_weights, weight, set(), "ncvs.rds")
    file = fixture("jkn")  # the same rows, with the design variables the spec does not read
    psu = file["V2117"].astype(str) + "/" + file["V2118"].astype(str)
    cells = np.where(psu.eq(psu.iloc[0]), "U", "R")  # stand-in codes for "that PSU" and "the rest"
    den = raw["V4399"].isin(["1", "2", "3"]).to_numpy()
    est = shares(Design(weight=weight, strata=None, psu=None, single_psu="fail", where="ncvs.rds", replicates=rep),
                 (raw["V4399"] == "1").to_numpy(), den, cells, 0.95).assign(estimate_id="violent_reported",
                                                                          breakdown="urbanicity")
    one = est.set_index("cell")
    assert np.isnan(one.loc["U", "se"]) and one.loc["R", "se"] > 0
    assert dict(zip(est["cell"], reliability(est, spec))) == {"R": "", "U": "n < 30; SE not estimable"}
    frame = observations(est, spec, load_registry().flow(spec.dataflow)).set_index("URBANISATION")
    assert frame.loc["U", "OBS_STATUS"] == "U" and pd.isna(frame.loc["U", "LOWER_BOUND"])
    assert frame.loc["R", "OBS_STATUS"] == "A" and float(frame.loc["R", "LOWER_BOUND"]) > 0


@pytest.mark.slow
def test_a_replicate_design_is_published_with_its_report(tmp_path):
    from sdmx_publish import pipeline
    from sdmx_publish.store import open_release

    store = tmp_path / "store"
    result = pipeline.run(ncvs_spec(tmp_path, {"replicate_weights": replicate_design("brr")}), store)
    folder = store / "CCJS" / "DF_SDG_16_CRIME" / "releases" / result["release_id"]
    report = json.loads((folder / "estimation.json").read_text())
    assert report["method"]["variance"].startswith("replicate weights, BRR (164 replicates)")
    assert "replicate weights, BRR (164 replicates)" in (folder / "estimation.html").read_text()
    ref = REFERENCE[(REFERENCE["kind"] == "brr") & ~REFERENCE["mse"] & (REFERENCE["breakdown"] == "total")]
    total = next(c for c in report["cells"] if c["breakdown"] == "total")
    assert total["se"] == pytest.approx(float(ref["se"].iloc[0]), abs=1e-9)
    data = pd.read_csv(open_release(folder).open("data.csv"), dtype=str).set_index("URBANISATION")
    assert sorted(data.index) == ["R", "U", "_T"]
    # published to two decimals (survey.decimals 1, bounds one more); the report keeps the unrounded bound
    assert data.loc["_T", "LOWER_BOUND"] == f"{total['published']['lower']:.2f}" == f"{100 * total['lower']:.2f}"
