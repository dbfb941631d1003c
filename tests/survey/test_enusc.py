"""Chile ENUSC 2024 (microdata not shipped: skipped without it): SDG 16.1.4 and the violent-victimisation
proxy, national, by sex and by the 16 regions, agree with R; the example in docs/surveys.md is this run.

The docs' example block is checked against the run; ``SDMX_PUBLISH_UPDATE_DOCS=1`` rewrites it.
"""

from __future__ import annotations

import json
import os
import shutil

import pandas as pd
import pycountry
import pytest

from sdmx_publish import config, pipeline
from sdmx_publish.store import open_release

from .helpers import check_docs_block, reference_dir
from .test_estimates import compare

FOLDER = config.ROOT / "surveys" / "cl_enusc_2024"
DATA = reference_dir() / "surveys" / "cl_enusc_2024" / "enusc_1_select_desc.RDS"
DOCS = config.ROOT / "docs" / "surveys.md"
START, END = "<!-- enusc-example:start (written by tests/survey/test_enusc.py) -->", "<!-- enusc-example:end -->"

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not DATA.is_file(), reason=f"ENUSC microdata not found at {DATA} (not shipped)")]


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict:
    """Both ENUSC specs (and a variant counting code 85 in the denominator) published into a fresh store."""
    tmp = tmp_path_factory.mktemp("enusc")
    os.environ["SDMX_PUBLISH_REFERENCE_DIR"] = str(reference_dir())
    variant = tmp / "variant"
    shutil.copytree(FOLDER, variant)
    text = (variant / "enusc_2024.yaml").read_text(encoding="utf-8")
    (variant / "enusc_2024.yaml").write_text(text.replace("codes: [1, 2, 3, 4]}", "codes: [1, 2, 3, 4, 85]}"),
                                             encoding="utf-8")
    out = {}
    for name, spec in (("national", FOLDER / "enusc_2024.yaml"), ("regions", FOLDER / "enusc_2024_regions.yaml"),
                       ("with_85", variant / "enusc_2024.yaml")):
        store = tmp / f"store-{name}"
        result = pipeline.run(spec, store)
        folder = store / "CCJS" / result["dataflow"] / "releases" / result["release_id"]
        out[name] = {"report": json.loads((folder / "estimation.json").read_text()),
                     "data": pd.read_csv(open_release(folder).open("data.csv"), dtype=str), "result": result}
    return out


def test_enusc_agrees_with_r(runs):
    assert compare(runs["national"]["report"], "enusc") == 6    # 2 estimates x (total + 2 sexes)
    assert compare(runs["regions"]["report"], "enusc") == 32    # 2 estimates x 16 regions


def test_enusc_regions_are_the_iso_3166_2_cl_codes(runs):
    data = runs["regions"]["data"]
    iso = {s.code for s in pycountry.subdivisions.get(country_code="CL")}
    assert set(data["REF_AREA"]) == iso and len(iso) == 16
    assert runs["regions"]["result"]["dataflow"] == "DF_SDG_16_CRIME_SUBNAT"
    ours = pd.read_csv(config.ROOT / "dsd" / "sources" / "ISO_3166-2_CL.csv", dtype=str)
    assert set(ours["code"]) == iso and set(ours["parent"]) == {"152"}


def test_enusc_national_release_has_bounds_nature_and_unit(runs):
    data = runs["national"]["data"]
    female = data[data["SERIES"].eq("VC_SNS_WALN_DRK") & data["SEX"].eq("F")].iloc[0]
    # 17.278485237329765 in the estimation report; one decimal as INE publishes it, bounds two
    assert (female["OBS_VALUE"], female["LOWER_BOUND"], female["UPPER_BOUND"]) == ("17.3", "16.33", "18.23")
    assert set(data["SERIES"]) == {"VC_SNS_WALN_DRK", "VC_VOV_PHYL"}
    assert data["UNIT_MEASURE"].eq("PT").all() and set(data["NATURE"]) == {"CA", "C"}
    assert (data["LOWER_BOUND"].astype(float) < data["OBS_VALUE"].astype(float)).all()
    assert data.loc[data["SERIES"] == "VC_VOV_PHYL", "COMMENT_OBS"].str.startswith("PROXY").all()
    assert data.loc[data["SERIES"] == "VC_VOV_PHYL", "OBS_STATUS"].eq("D").all()  # definition differs
    assert data["URBANISATION"].eq("U").all()  # an urban survey


def example_block(runs) -> str:
    """The markdown of the docs' example: the command, then each estimate with its precision."""
    national, regions = runs["national"]["report"], runs["regions"]["report"]
    lines = [START, "", "```console",
             "$ SDMX_PUBLISH_REFERENCE_DIR=/path/to/reference sdmx-publish run surveys/cl_enusc_2024/enusc_2024.yaml",
             f"DF_SDG_16_CRIME: release ... ({len(runs['national']['data'])} observations, published)",
             "$ SDMX_PUBLISH_REFERENCE_DIR=/path/to/reference sdmx-publish run surveys/cl_enusc_2024/enusc_2024_regions.yaml",
             f"DF_SDG_16_CRIME_SUBNAT: release ... ({len(runs['regions']['data'])} observations, published)",
             "```", "",
             "| estimate | cell | n | weighted N | % (published) | SE (points) | 95% bounds (published) | CV | deff | status |",
             "|---|---|---:|---:|---:|---:|---|---:|---:|---|"]
    for report in (national, regions):
        for c in report["cells"]:
            lines.append(f"| {c['estimate_id']} | {c['breakdown']} {c['cell']} | {c['n']:,} | {c['N']:,.0f} | "
                         f"{c['published']['value']:.1f} | {100 * c['se']:.2f} | "
                         f"{c['published']['lower']:.2f}-{c['published']['upper']:.2f} "
                         f"| {c['cv']:.3f} | {c['deff']:.2f} | {c['status'] or 'ok'} |")
    left = {x["code"]: x for x in national["estimates"][0]["left_out_by_answer"]}
    alt = next(c for c in runs["with_85"]["report"]["cells"] if c["breakdown"] == "total"
               and c["estimate_id"] == "safe_after_dark")
    main = next(c for c in national["cells"] if c["breakdown"] == "total" and c["estimate_id"] == "safe_after_dark")
    lines += ["", f"Left out of the 16.1.4 denominator: code 85 'No aplica' {left['85']['rows']:,} respondents "
                  f"({left['85']['weighted']:,.0f} weighted), 88 'No sabe' {left['88']['rows']}, 99 'No responde' "
                  f"{left['99']['rows']}. Counting code 85 as 'not safe' instead would give "
                  f"{alt['published']['value']:.1f}% (95% bounds {alt['published']['lower']:.2f}-"
                  f"{alt['published']['upper']:.2f}) against the published {main['published']['value']:.1f}%.", "", END]
    return "\n".join(lines)


def test_docs_show_this_run(runs):
    check_docs_block(DOCS, START, END, example_block(runs))
