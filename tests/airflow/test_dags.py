"""The dags folder imports cleanly and generates the DAGs we expect, with the right shape."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from airflow.dag_processing.dagbag import DagBag
from airflow.sdk import AssetAlias, AssetOrTimeSchedule

from .conftest import DAGS, add_country
from .helpers import generated_dags

ICCS = "sdmx://CCJS/DF_ICCS"
NATIONAL = ["publish_jpn_homicide", "publish_kor_homicide", "publish_phl_homicide"]


def dagbag() -> DagBag:
    return DagBag(dag_folder=str(DAGS))


def test_dags_folder_imports_without_errors(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("SDMX_PUBLISH_SPECS_DIR", raising=False)  # the default: the repository's countries/
    bag = dagbag()
    assert bag.import_errors == {}
    assert sorted(bag.dag_ids) == sorted([*NATIONAL, "publish_countries", "publish_regional"])


def test_a_broken_spec_gets_a_config_error_dag_and_the_others_still_load(specs: Path):
    add_country(specs, "kor")
    (specs / "bad").mkdir()
    (specs / "bad" / "homicide.yaml").write_text("dataflow: [DF_ICCS\nsource: {path: x.csv}\n")
    bag = dagbag()
    assert bag.import_errors == {}
    assert {"publish_kor_homicide", "config_error_bad_homicide", "publish_regional"} <= set(bag.dag_ids)
    broken = bag.dags["config_error_bad_homicide"]
    assert "not valid YAML" in broken.doc_md and "fix:" in broken.doc_md
    assert [t.task_id for t in broken.tasks] == ["report_config_error"]
    assert broken.schedule is None


def test_national_dag_shape(specs: Path):
    add_country(specs, "kor")
    dag = generated_dags()["publish_kor_homicide"]
    assert [t.task_id for t in dag.topological_sort()] == ["extract", "transform", "validate", "publish"]
    for upstream, downstream in [("extract", "transform"), ("transform", "validate"), ("validate", "publish")]:
        assert dag.get_task(downstream).upstream_task_ids == {upstream}
    for t in dag.tasks:
        assert t.retries == 2 or t.retries == 0  # 0 only under this test session's SDMX_PUBLISH_RETRIES
        assert t.retry_delay == timedelta(minutes=5)
        assert t.on_failure_callback, "every task notifies the country on failure"
    # the dataflow's Asset gets its event through an alias, only for a new release
    assert dag.get_task("publish").outlets == [AssetAlias(name="CCJS:DF_ICCS:new-release", group="sdmx-dataflow")]
    assert dag.get_task("publish").on_success_callback  # release-with-warnings notification
    # publications of a dataflow take turns in its one-slot pool; the other steps run side by side
    assert dag.get_task("publish").pool == "sdmx_publish_CCJS_DF_ICCS"
    assert {t.pool for t in dag.tasks if t.task_id != "publish"} == {"default_pool"}
    assert dag.schedule == "@yearly" and dag.catchup is False and dag.max_active_runs == 1
    assert set(dag.params) == {"start_period", "end_period", "allow_deletions"}
    assert {"national", "kor", "DF_ICCS"} <= set(dag.tags)
    assert "countries/kor/homicide.yaml" in dag.doc_md


def test_retries_come_from_the_environment(specs: Path, monkeypatch: pytest.MonkeyPatch):
    import importlib

    import sdmx_publish.orchestrate.dags as factories

    add_country(specs, "kor")
    monkeypatch.setenv("SDMX_PUBLISH_RETRIES", "2")
    try:
        importlib.reload(factories)
        assert {t.retries for t in factories.build_all()["publish_kor_homicide"].tasks} == {2}
    finally:
        monkeypatch.setenv("SDMX_PUBLISH_RETRIES", "0")
        importlib.reload(factories)


def test_regional_dag_runs_on_the_national_asset_or_its_own_schedule(specs: Path):
    for code in ("kor", "jpn"):
        add_country(specs, code)
    dag = generated_dags()["publish_regional"]
    assert isinstance(dag.timetable, AssetOrTimeSchedule)
    assert dag.timetable.asset_condition.uri == ICCS
    assert dag.timetable.timetable.expression == "0 3 1 * *"
    assert {t.task_id: t.upstream_task_ids for t in dag.tasks} == {"regional": set(), "national_summary": set()}
    assert [a.name for a in dag.get_task("regional").outlets] == ["CCJS:DF_SDG_16_CRIME:new-release"]
    assert (dag.params["threshold"], dag.params["min_countries"], dag.params["impute"]) == (0.5, 3, False)


def test_regional_threshold_is_a_checked_param_with_a_deployment_default(specs: Path, monkeypatch):
    from airflow.sdk.definitions.param import ParamValidationError

    monkeypatch.setenv("SDMX_PUBLISH_REGIONAL_THRESHOLD", "0.8")
    monkeypatch.setenv("SDMX_PUBLISH_REGIONAL_MIN_COUNTRIES", "2")
    dag = generated_dags()["publish_regional"]
    assert (dag.params["threshold"], dag.params["min_countries"]) == (0.8, 2)
    with pytest.raises(ParamValidationError):
        dag.params.get_param("threshold").resolve(1.5)
    with pytest.raises(ParamValidationError):
        dag.params.get_param("min_countries").resolve(0)


def test_countries_dag_maps_one_task_per_source_and_takes_a_country(specs: Path):
    for code in ("kor", "jpn"):
        add_country(specs, code)
    dag = generated_dags()["publish_countries"]
    assert dag.schedule is None
    assert dag.params.get_param("country").schema["enum"] == ["all", "jpn", "kor"]
    assert set(dag.params) == {"country", "start_period", "end_period", "allow_deletions"}
    assert dag.get_task("summary").trigger_rule == "all_done"
    publish = dag.get_task("publish_source_DF_ICCS")
    assert publish.upstream_task_ids == {"select_DF_ICCS"}
    assert dag.get_task("select_DF_ICCS").upstream_task_ids == {"select_sources"}
    assert [a.name for a in publish.outlets] == ["CCJS:DF_ICCS:new-release"]
    assert publish.pool == "sdmx_publish_CCJS_DF_ICCS" and publish.map_index_template == "{{ source_part }}"
    assert dag.get_task("summary").upstream_task_ids == {"select_sources", "publish_source_DF_ICCS"}


def test_period_params_refuse_what_is_not_an_sdmx_period(specs: Path):
    from airflow.sdk.definitions.param import ParamValidationError

    add_country(specs, "kor")
    params = generated_dags()["publish_kor_homicide"].params
    for good in ("2015", "2015-Q1", "2015-07", "2015-M07", "2015-S2", "2015-W05", "2015-07-15", None):
        assert params.get_param("start_period").resolve(good) == good
    for bad in ("last year", "15", "2015-Q5", "2015-13", "20x5"):
        with pytest.raises(ParamValidationError):
            params.get_param("end_period").resolve(bad)


def test_transient_errors_are_retried_permanent_ones_fail_at_once_with_the_reason_first(caplog):
    import logging

    from airflow.sdk.exceptions import AirflowException, AirflowFailException

    from sdmx_publish.errors import InputError, TransientError
    from sdmx_publish.orchestrate.dags import failed

    with caplog.at_level(logging.ERROR):
        retried = failed(TransientError("the source server answered 503", where="https://stats.example.org/t.csv",
                                        fix="nothing: the task is retried"))
        final = failed(InputError("column 'VALUE' not found", where="kor.csv", fix="rename the column"))
    assert type(retried) is AirflowException  # Airflow retries it (retries, exponential back-off)
    assert isinstance(final, AirflowFailException)  # no retry: the input must change
    assert str(final).splitlines() == ["kor.csv: column 'VALUE' not found", "  fix: rename the column"]
    assert [r.getMessage().splitlines()[0] for r in caplog.records] == [
        "https://stats.example.org/t.csv: the source server answered 503", "kor.csv: column 'VALUE' not found"]


def test_a_run_publishes_the_period_before_its_logical_date_only_where_the_spec_says_so():
    from datetime import datetime, timezone

    from sdmx_publish.orchestrate.dags import run_periods

    jan = {"params": {"start_period": None, "end_period": None},
           "logical_date": datetime(2025, 1, 1, tzinfo=timezone.utc)}
    assert run_periods(jan, "year") == ("2024", "2024")
    assert run_periods(jan, "quarter") == ("2024-Q4", "2024-Q4")
    assert run_periods(jan, None) == (None, None)  # no run_period: every period
    assert run_periods({**jan, "logical_date": None}, "year") == (None, None)  # a manual run without a date
    assert run_periods({**jan, "params": {"start_period": "2019", "end_period": None}}, "year") == ("2019", None)
