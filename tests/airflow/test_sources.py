"""Sources found in the specs folders, broken configurations reported, period ranges (no Airflow needed)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from sdmx_publish.errors import SpecError
from sdmx_publish.orchestrate import status, steps
from sdmx_publish.orchestrate.sources import discover
from sdmx_publish.store import latest, read_frame

from .conftest import COUNTRIES, add_country


def test_repository_countries_are_three_clean_sources():
    discovered = discover([COUNTRIES])
    assert discovered.problems == []
    assert [s.part for s in discovered.sources] == ["jpn_homicide", "kor_homicide", "phl_homicide"]
    kor = discovered.sources[1]
    assert (kor.dataflow, kor.agency, kor.schedule, kor.owner) == ("DF_ICCS", "CCJS", "@yearly", "kor")
    assert kor.country.name == "Republic of Korea" and kor.country.m49 == "410"
    assert kor.country.notify.log == "notifications/kor.jsonl"


def test_broken_files_are_problems_and_never_hide_the_others(specs: Path):
    add_country(specs, "kor")
    bad_spec = specs / "xyz"
    bad_spec.mkdir()
    (bad_spec / "homicide.yaml").write_text((COUNTRIES / "kor" / "homicide.yaml").read_text().replace(
        "schedule:", "shedule:"))
    (bad_spec / "crimes.yaml").write_text("dataflow: DF_NOPE\nsource: {path: nowhere.csv}\n")
    bad_country = specs / "abc"
    bad_country.mkdir()
    (bad_country / "country.yaml").write_text("name: Nowhere\nm49: '999999'\n")
    (bad_country / "homicide.yaml").write_text((COUNTRIES / "kor" / "homicide.yaml").read_text())
    discovered = discover([specs])
    # the DAG processor reads only the headers: the misspelt key is found by the run's first task
    assert [s.part for s in discovered.sources] == ["kor_homicide", "xyz_homicide"]
    problems = {p.name: p.message for p in discovered.problems}
    assert set(problems) == {"abc", "xyz_crimes"}
    assert "'999999' is not an M49 country code" in problems["abc"]
    assert "unknown dataflow 'DF_NOPE'" in problems["xyz_crimes"] and "fix: use one of: DF_ICCS" in problems["xyz_crimes"]
    with pytest.raises(SpecError, match="shedule") as failed:
        steps.run_step("extract", str(bad_spec / "homicide.yaml"), str(specs.parent / "store"), "r1")
    assert "did you mean `schedule`" in failed.value.message()


def test_zero_padded_m49_codes_are_accepted(specs: Path):
    """M49 publishes Australia as 036; CL_AREA and the store use 36."""
    folder = specs / "aus"
    folder.mkdir()
    (folder / "country.yaml").write_text("name: Australia\nm49: '036'\n")
    (folder / "homicide.yaml").write_text((COUNTRIES / "kor" / "homicide.yaml").read_text().replace(
        "../../", f"{COUNTRIES.parent}/"))
    discovered = discover([specs])
    assert discovered.problems == [] and discovered.sources[0].country.m49 == "36"


def test_a_source_file_the_dag_processor_cannot_see_fails_the_run_not_the_dag(specs: Path, tmp_path: Path):
    """The source may live on a share only the workers mount: the DAG exists; its extract task says what is missing."""
    folder = specs / "nzl"
    folder.mkdir()
    (folder / "homicide.yaml").write_text((COUNTRIES / "kor" / "homicide.yaml").read_text().replace(
        "../../examples/unodc/data_cts_intentional_homicide.ASIA_OCEANIA_subset.csv", "/mnt/share/nzl.csv")
        .replace("../../", f"{COUNTRIES.parent}/"))
    discovered = discover([specs])
    assert discovered.problems == [] and [s.part for s in discovered.sources] == ["nzl_homicide"]
    with pytest.raises(Exception, match="source file '/mnt/share/nzl.csv' not found"):
        steps.run_step("extract", str(folder / "homicide.yaml"), str(tmp_path / "store"), "r1")


def test_the_same_part_twice_is_a_problem(tmp_path: Path):
    one, two = tmp_path / "a", tmp_path / "b"
    for root in (one, two):
        root.mkdir()
        add_country(root, "kor")
    discovered = discover([one, two])
    assert len(discovered.sources) == 1
    assert "also published by" in discovered.problems[0].message


def test_missing_specs_folder_is_reported(tmp_path: Path):
    discovered = discover([tmp_path / "nope"])
    assert discovered.sources == [] and "specs folder not found" in discovered.problems[0].message


def _run(spec: str, store: Path, run_id: str, periods=(None, None)) -> dict:
    for step in steps.STEPS[:-1]:
        steps.run_step(step, spec, str(store), run_id, periods=periods)
    return steps.run_step("publish", spec, str(store), run_id)


@pytest.mark.slow
def test_a_period_range_rerun_replaces_only_those_periods(tmp_path: Path):
    store, spec = tmp_path / "store", str(COUNTRIES / "kor" / "homicide.yaml")
    first = _run(spec, store, "full")
    whole = read_frame(latest(store, "CCJS", "DF_ICCS"), "kor_homicide")
    years = sorted(whole["TIME_PERIOD"].unique())
    again = _run(spec, store, "range", periods=(years[2], years[3]))
    assert not again["new"] and again["release_id"] == first["release_id"]  # same source: nothing changed
    assert again["observations"] == len(whole)


def test_a_failing_step_is_recorded_in_the_store(tmp_path: Path):
    store, spec = tmp_path / "store", COUNTRIES / "kor" / "homicide.yaml"
    broken = tmp_path / "kor" / "homicide.yaml"
    broken.parent.mkdir()
    broken.write_text(spec.read_text().replace("../../", f"{spec.parent.parent.parent}/").replace(
        "OBS_VALUE: VALUE", "OBS_VALUE: VALUES"))
    with pytest.raises(Exception, match="VALUES"):  # the extract step checks the columns the spec names
        steps.run_step("extract", str(broken), str(store), "r1")
    summary = status.summarise(store, ["kor_homicide", "jpn_homicide"])
    assert summary["not_run"] == ["jpn_homicide"] and summary["published"] == []
    (failed,) = summary["failed"]
    assert failed["step"] == "extract" and "VALUES" in failed["error"]
    assert "FAILED kor_homicide at extract" in status.describe(summary)


@pytest.mark.slow
def test_a_period_range_rerun_takes_new_values_in_range_and_keeps_the_others(tmp_path: Path):
    """The source revises two years; a rerun for one of them publishes that revision only."""
    spec = COUNTRIES / "kor" / "homicide.yaml"
    repo = spec.parent.parent.parent
    table = pd.read_csv(repo / "examples/unodc/data_cts_intentional_homicide.ASIA_OCEANIA_subset.csv", dtype=str)
    table = table[table["Iso3_code"] == "KOR"]
    local = tmp_path / "kor"
    local.mkdir()
    table.to_csv(local / "homicide.csv", index=False)
    text = spec.read_text().replace("../../examples/unodc/data_cts_intentional_homicide.ASIA_OCEANIA_subset.csv",
                                    "homicide.csv").replace("../../", f"{repo}/")
    (local / "homicide.yaml").write_text(text)
    store = tmp_path / "store"
    _run(str(local / "homicide.yaml"), store, "full")
    total = (table["Dimension"] == "Total") & (table["Sex"] == "Total") & (table["Age"] == "Total") & (
        table["Indicator"] == "Victims of intentional homicide") & (table["Unit of measurement"] == "Counts")
    y1, y2 = sorted(table.loc[total, "Year"])[-2:]
    for year in (y1, y2):
        table.loc[total & (table["Year"] == year), "VALUE"] = "99999"
    table.to_csv(local / "homicide.csv", index=False)
    result = _run(str(local / "homicide.yaml"), store, "range", periods=(y2, y2))
    assert result["new"]
    frame = read_frame(latest(store, "CCJS", "DF_ICCS"), "kor_homicide")
    totals = {"INDICATOR": "VICTIMS", "SEX": "_T", "AGE": "_T", "VIC_PERP_REL": "_T", "SIT_CONTEXT": "_T",
              "UNIT_MEASURE": "NUMBER"}
    victims = frame[(frame[list(totals)] == pd.Series(totals)).all(axis=1)].set_index("TIME_PERIOD")
    assert victims.loc[y2, "OBS_VALUE"] == 99999  # revised in range
    assert victims.loc[y1, "OBS_VALUE"] != 99999  # out of range: the published value stays
    assert result["observations"] == len(frame)


@pytest.mark.slow
def test_the_validate_task_logs_the_report_summary(tmp_path: Path, caplog):
    store, spec = tmp_path / "store", str(COUNTRIES / "kor" / "homicide.yaml")
    for step in ("extract", "transform"):
        steps.run_step(step, spec, str(store), "r1")
    with caplog.at_level("INFO", logger="sdmx_publish.orchestrate.steps"):
        result = steps.run_step("validate", spec, str(store), "r1")
    assert "validation OK" in caplog.text and result["html"] in caplog.text
    # errors: the summary is logged before the task fails
    broken = tmp_path / "kor" / "homicide.yaml"
    broken.parent.mkdir()
    broken.write_text(Path(spec).read_text().replace("../../", f"{COUNTRIES.parent}/").replace(
        "FREQ: A", "FREQ: Q"))
    for step in ("extract", "transform"):
        steps.run_step(step, str(broken), str(store), "r2")
    caplog.clear()
    with caplog.at_level("INFO", logger="sdmx_publish.orchestrate.steps"), pytest.raises(Exception, match="validation"):
        steps.run_step("validate", str(broken), str(store), "r2")
    assert "validation FAILED" in caplog.text and "time.freq_mismatch" in caplog.text


def test_pools_one_per_dataflow_of_the_structures_as_airflow_imports_them(capsys):
    """Every dataflow a spec may publish has its pool, used by today's specs or not (countries/ publishes only
    DF_ICCS): a country's first spec for DF_ICCS_SUBNAT must not wait forever for a pool nobody made."""
    import json

    from sdmx_publish.cli import main

    assert main(["pools"]) == 0
    pools = json.loads(capsys.readouterr().out)
    flows = ("DF_ICCS", "DF_ICCS_SUBNAT", "DF_SDG_16_CRIME", "DF_SDG_16_CRIME_SUBNAT")
    assert pools == {f"sdmx_publish_CCJS_{f}": {"slots": 1, "include_deferred": False,
                                               "description": f"sdmx-publish: publications of CCJS:{f}, one at a time"}
                     for f in flows}
    # the pool of every DAG's publishing task is among them
    assert {s.pool for s in discover([COUNTRIES, COUNTRIES.parent / "examples"]).sources} <= set(pools)


def test_pools_check_names_the_missing_ones(capsys, tmp_path, monkeypatch):
    """`airflow pools list -o json | sdmx-publish pools --check -`: the missing pools and the fix, exit 1."""
    import io
    import json

    from sdmx_publish.cli import main

    listed = [{"pool": "default_pool", "slots": "128"}, {"pool": "sdmx_publish_CCJS_DF_ICCS", "slots": "1"},
              {"pool": "sdmx_publish_CCJS_DF_SDG_16_CRIME", "slots": "1"}]
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps(listed)))
    assert main(["pools", "--check", "-"]) == 1
    err = capsys.readouterr().err
    assert ("missing Airflow pools (a task in a missing pool stays 'scheduled' forever): "
            "sdmx_publish_CCJS_DF_ICCS_SUBNAT, sdmx_publish_CCJS_DF_SDG_16_CRIME_SUBNAT\n"
            "  fix: sdmx-publish pools > pools.json && airflow pools import pools.json") in err
    # `airflow pools export` writes a mapping: all there
    main(["pools"])
    exported = tmp_path / "export.json"
    exported.write_text(capsys.readouterr().out)
    assert main(["pools", "--check", str(exported)]) == 0
    assert capsys.readouterr().out == "all 4 pools of the sdmx-publish DAGs exist\n"
    exported.write_text("Exported 2 pools")
    assert main(["pools", "--check", str(exported)]) == 2
    assert f"error: {exported}: not a list of Airflow pools" in capsys.readouterr().err


@pytest.mark.slow
def test_the_dag_processor_imports_no_pandas():
    """Parsing reads YAML headers only: a fresh interpreter builds every DAG without importing pandas."""
    import os
    import subprocess
    import sys

    code = ("import sys; from sdmx_publish.orchestrate.dags import build_all; dags = build_all(); "
            "print(len(dags), 'pandas' in sys.modules, 'numpy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False,
                         env={**os.environ, "SDMX_PUBLISH_SPECS_DIR": str(COUNTRIES)})
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["5", "False", "False"]
