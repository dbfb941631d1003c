"""A small survey spec over the made-up design in tests/survey/data/toy_design.csv (written as SPSS
with value labels), for tests that change one thing at a time."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import yaml

from sdmx_publish import config

HERE = Path(__file__).parent
TOY = HERE / "data" / "toy_design.csv"
REFERENCE = pd.read_csv(HERE / "reference" / "r_survey_estimates.csv", dtype={"cell": str})
ANSWERS = {1.0: "Very unsafe", 2.0: "Unsafe", 3.0: "Safe", 4.0: "Very safe", 85.0: "Does not walk alone after dark",
           88.0: "Don't know"}
DIMS = ["FREQ", "REPORTING_TYPE", "REF_AREA", "AGE", "URBANISATION", "INCOME_WEALTH_QUANTILE", "EDUCATION_LEV",
        "OCCUPATION", "CUST_BREAKDOWN", "COMPOSITE_BREAKDOWN", "DISABILITY_STATUS", "ACTIVITY", "PRODUCT"]


def reference_dir() -> Path:
    """The shared reference folder: SDMX_PUBLISH_REFERENCE_DIR, else the folder beside the checkout."""
    return Path(os.environ.get("SDMX_PUBLISH_REFERENCE_DIR") or config.ROOT.parent / "shared" / "reference")


def toy_spec(tmp: Path, *, data: pd.DataFrame | None = None, survey: dict | None = None,
             estimate: dict | None = None) -> Path:
    """Write the toy microdata (.sav) and a spec for it into ``tmp``; ``survey``/``estimate`` override keys."""
    import pyreadstat

    frame = pd.read_csv(TOY) if data is None else data
    pyreadstat.write_sav(frame, str(tmp / "toy.sav"), variable_value_labels={"answer": ANSWERS,
                                                                             "sex": {1.0: "Male", 2.0: "Female"}})
    (tmp / "sex.csv").write_text("sex,SEX,note\n1,M,Male\n2,F,Female\n", encoding="utf-8")
    est = {"id": "safe", "title": "Feels safe", "series": "VC_SNS_WALN_DRK",
           "numerator": {"variable": "answer", "codes": [3, 4]},
           "denominator": [{"variable": "answer", "codes": [1, 2, 3, 4]}],
           "special_codes": {"answer": {"85": "does not walk alone", "88": "don't know"}},
           "breakdowns": ["total", "sex"], **(estimate or {})}
    spec = {"dataflow": "DF_SDG_16_CRIME", "source": {"path": "toy.sav", "format": "survey"},
            "survey": {"time_period": "2024",
                       "design": {"weight": "w", "strata": "stratum", "psu": "psu", "single_psu": "certainty"},
                       "breakdowns": {"sex": {"variable": "sex", "map": "sex.csv", "to": "SEX"}},
                       "reliability": {"min_n": 10, "max_cv": 0.3, "action": "flag"},
                       "estimates": [est], **(survey or {})},
            "constants": {**{d: "_T" for d in DIMS}, "FREQ": "A", "REPORTING_TYPE": "N", "REF_AREA": "152",
                          "SEX": "_T", "UNIT_MEASURE": "PT", "UNIT_MULT": "0", "NATURE": "CA"}}
    path = tmp / "toy.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    return path


def refused(path, store, capsys) -> str:
    """`sdmx-publish run` of a bad spec: exit 2, nothing published, no traceback; its stderr."""
    from sdmx_publish.cli import main

    code = main(["run", str(path), "--store", str(store)])
    err = capsys.readouterr().err
    assert code == 2, err
    assert not (store / "CCJS").exists(), "nothing may be published"
    assert "Traceback" not in err
    return err


def check_docs_block(docs: Path, start: str, end: str, block: str) -> None:
    """The block between ``start`` and ``end`` in ``docs`` is ``block`` (a run's example);
    ``SDMX_PUBLISH_UPDATE_DOCS=1`` rewrites it instead."""
    text = docs.read_text(encoding="utf-8")
    assert start in text and end in text, f"{docs} lacks the example markers"
    current = text[text.index(start):text.index(end) + len(end)]
    if os.environ.get("SDMX_PUBLISH_UPDATE_DOCS") == "1":
        docs.write_text(text.replace(current, block), encoding="utf-8")
    else:
        assert current == block, f"{docs} is out of date: run with SDMX_PUBLISH_UPDATE_DOCS=1"
