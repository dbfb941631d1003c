"""A survey spec becomes a DAG like any other spec, and its run publishes the estimates with their report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sdmx_publish import config
from sdmx_publish.store import latest

from .helpers import generated_dags, run_dag, task_states

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("airflow_db")]


def test_a_survey_spec_is_a_dag_that_publishes_estimates(specs: Path, store: Path):
    (specs / "us_ncvs_2021").symlink_to(config.ROOT / "surveys" / "us_ncvs_2021", target_is_directory=True)
    dag = generated_dags()["publish_us_ncvs_2021_violent_reported"]
    assert [t.task_id for t in dag.tasks] == ["extract", "transform", "validate", "publish"]
    run = run_dag("publish_us_ncvs_2021_violent_reported")
    assert str(run.state) == "success", task_states(run)
    release = latest(store, "CCJS", "DF_SDG_16_CRIME")
    assert release is not None
    report = json.loads((release.path / "estimation.json").read_text())
    cell = report["cells"][0]
    assert cell["n"] == 1776 and abs(cell["estimate"] - 0.467231342591213) < 1e-9
    data = release.open("data.csv").read().decode("utf-8")
    assert "VC_PRR_PHYV" in data and "UPPER_BOUND" in data.splitlines()[0]
