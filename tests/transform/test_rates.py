"""Rates per 100,000 derived from counts and the bundled World Bank population."""

from __future__ import annotations

import shutil

import numpy as np
import yaml

from sdmx_publish.extract import extract
from sdmx_publish.spec import load_spec
from sdmx_publish.transform import transform
from sdmx_publish.transform.rates import m49_population

from ..conftest import EXAMPLES


def test_derived_rates_fill_gaps_and_keep_source_rates(tmp_path, iccs_flow):
    shutil.copytree(EXAMPLES / "unodc", tmp_path / "examples" / "unodc")
    (tmp_path / "reference").symlink_to(EXAMPLES.parent / "reference")  # the spec's ../../reference/m49.csv
    spec_path = tmp_path / "examples" / "unodc" / "homicide.yaml"
    data = yaml.safe_load(spec_path.read_text())
    data["derive_rates"] = {"population": "bundled"}
    spec_path.write_text(yaml.safe_dump(data, allow_unicode=True))
    spec = load_spec(spec_path)
    frame, report = transform(extract(spec), spec, iccs_flow)
    key = [*iccs_flow.dsd.dimension_ids, "TIME_PERIOD"]
    assert not frame.duplicated(key).any()
    derived = frame[frame.COMMENT_OBS.str.startswith("Rate per 100,000 derived", na=False)]
    assert report.rates_derived == len(derived) > 0
    pop = m49_population().set_index(["REF_AREA", "TIME_PERIOD"])["POPULATION"]
    same = [k for k in key if k != "UNIT_MEASURE"]
    counts = frame[frame.UNIT_MEASURE == "NUMBER"].set_index(same)["OBS_VALUE"]
    expected = (counts.loc[derived.set_index(same).index].to_numpy()
                / pop.loc[list(zip(derived.REF_AREA, derived.TIME_PERIOD))].to_numpy() * 1e5)
    assert np.allclose(derived.OBS_VALUE.to_numpy(), expected, equal_nan=True)
    # the source's own rates stay as published by UNODC
    source_rates = frame[(frame.UNIT_MEASURE == "PER_100000_POP") & ~frame.index.isin(derived.index)]
    assert len(source_rates) > 1000
