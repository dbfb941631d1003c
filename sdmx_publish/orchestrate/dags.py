"""DAG factories: the DAGs of ``dags/`` are generated here from the specs folders.

Ordered as: assets; the national DAG of one spec (``publish_<part>``); the DAG reporting a broken
configuration (``config_error_<name>``); the regional DAG on the national Assets; the manual
all-countries DAG with dynamic task mapping (``publish_countries``); :func:`build_all`.
Tasks call :mod:`.steps` with paths and return small dicts (XCom); no data goes through Airflow.
"""

from __future__ import annotations

import logging
import os
import re
from datetime import datetime, timedelta, timezone
from typing import Any

from airflow.sdk import (
    DAG,
    Asset,
    AssetAlias,
    AssetOrTimeSchedule,
    CronTriggerTimetable,
    Param,
    TriggerRule,
    chain,
    get_current_context,
    task,
)
from airflow.sdk.exceptions import AirflowException, AirflowFailException, AirflowSkipException

from .. import config
from ..derive.ids import DEFAULT_MIN_COUNTRIES, DEFAULT_THRESHOLD, ICCS_FLOW, PART, SDG_FLOW
from ..errors import NotFound, PublishError
from ..names import STEPS, Step
from ..periods import PERIOD_PATTERN, period_before
from . import status
from .notes import set_note
from .notify import FAILURE, WARNINGS, CountryNotifier, entry, send
from .sources import Discovered, Problem, Source, discover, pool_name

log = logging.getLogger(__name__)

#: early, so that a backfill may reach old years (run_period); catchup is off: unpausing runs the latest interval only
START = datetime(2000, 1, 1, tzinfo=timezone.utc)
#: own schedule of the regional DAG (besides the national Assets): ``SDMX_PUBLISH_REGIONAL_SCHEDULE``
REGIONAL_CRON = "0 3 1 * *"
#: retries of a task failing for a passing reason (a TransientError: network, database, lock wait; or an
#: unexpected error, e.g. a lost worker), 5 minutes then doubling: ``SDMX_PUBLISH_RETRIES``
DEFAULT_ARGS: dict[str, Any] = {"owner": "sdmx-publish", "retries": int(os.environ.get("SDMX_PUBLISH_RETRIES", "2")),
                                "retry_delay": timedelta(minutes=5), "retry_exponential_backoff": True}
#: the step that makes a release (its task has the Asset outlet and the release notifier)
PUBLISH = Step.PUBLISH
#: XCom key of the summary of a run with failures (the task fails, so it has no return value)
SUMMARY = "summary"


def dataflow_asset(agency: str, flow: str) -> Asset:
    """The Asset of a dataflow's releases: updated whenever a part of it makes a new release."""
    return Asset(name=f"{agency}:{flow}", uri=f"sdmx://{agency}/{flow}", group="sdmx-dataflow")


def release_alias(agency: str, flow: str) -> AssetAlias:
    """The outlet of a publishing task: through it the dataflow's Asset gets an event only when the
    task made a new release, so an unchanged rerun triggers no downstream run. The task also names the
    Asset as its inlet (it reads the dataflow's previous release): Airflow 3 creates an event through an
    alias only for an Asset some DAG declares, so without it the first event of a dataflow no DAG is
    scheduled on (DF_SDG_16_CRIME) is dropped ("AssetModel ... not found")."""
    return AssetAlias(name=f"{agency}:{flow}:new-release", group="sdmx-dataflow")


def emit_release(context: Any, agency: str, flow: str, part: str, result: dict[str, Any]) -> None:
    """The Asset event of a new release, its ``extra`` the part and the release id: also on a retry that
    finds the release an earlier try of the same run made (``released_by_run``), so an event is never lost."""
    if result["new"] or result.get("released_by_run"):
        context["outlet_events"][release_alias(agency, flow)].add(
            dataflow_asset(agency, flow), extra={"part": part, "release_id": result["release_id"], "new": True})


def period_params() -> dict[str, Param]:
    """A manual run's period range, and whether it may delete observations (``--allow-deletions``)."""
    return {**{name: Param(None, type=["null", "string"], pattern=PERIOD_PATTERN, title=title,
                           description="SDMX time period, e.g. 2015, 2015-Q1, 2015-07 or 2015-07-15; empty for no bound")
               for name, title in (("start_period", "First period to publish"), ("end_period", "Last period to publish"))},
            "allow_deletions": Param(False, type="boolean", title="Allow deletions",
                                     description="publish even if the part loses published observations (by "
                                     "default any is an error) or more source rows than source.max_row_drop "
                                     "(recorded in the release manifest)")}


def run_periods(context: Any, run_period: str | None) -> tuple[str | None, str | None]:
    """The periods this run publishes: the params' range if given; else, where the spec has ``run_period``,
    the last complete year (quarter, month) before the run's logical date (scheduled runs, backfills);
    else every period."""
    params = context["params"]
    chosen = (params.get("start_period"), params.get("end_period"))
    logical = context.get("logical_date")
    if any(chosen) or run_period is None or logical is None:
        return chosen
    period = period_before(logical, run_period)
    return period, period


def failed(e: PublishError, context: Any = None) -> AirflowException:
    """The Airflow exception of an expected failure, its reason and fix first in the task log and, given
    the task's ``context``, as the task instance's note (:mod:`.notes`).

    A :class:`~sdmx_publish.errors.TransientError` (``retriable``) is retried with exponential back-off;
    any other fails the task at once: only a changed input, spec or setting can fix it."""
    message = e.message()
    log.error("%s", message)
    if context is not None:
        set_note(context, message)
    return AirflowException(message) if getattr(e, "retriable", False) else AirflowFailException(message)


def _step(step: str, spec: str, *, run_period: str | None = None, run: dict | None = None) -> dict[str, Any]:
    """Run a step for this task's DAG run; see :func:`failed` for what a failure becomes."""
    from . import steps  # imported by the task, not at parse time: it imports the pipeline and pandas

    context = get_current_context()
    try:
        store = config.configured_store()
        return steps.run_step(step, spec, str(store), context["run_id"], periods=run_periods(context, run_period),
                              run=run, allow_deletions=bool(context["params"].get("allow_deletions")))
    except PublishError as e:
        raise failed(e, context) from None


def _step_task(step: str, spec: str, run_period: str | None) -> Any:
    """A task that runs one step (other than publishing) of a spec."""

    @task(task_id=step)
    def run_step() -> dict[str, Any]:
        return _step(step, spec, run_period=run_period)

    return run_step()


# -- one spec ----------------------------------------------------------------------------------


def national_dag(source: Source) -> DAG:
    """``publish_<part>``: extract >> transform >> validate >> publish, the release emitted as an Asset."""
    notify = source.country.notify
    on_failure = [CountryNotifier(country=source.owner, event=FAILURE, notify=notify)] if notify.on_failure else []
    on_release = [CountryNotifier(country=source.owner, event=WARNINGS, notify=notify)] if notify.on_warnings else []
    spec = str(source.spec)
    by_date = (f" Without them, a scheduled or backfill run publishes the last complete {source.run_period} before "
               "its logical date." if source.run_period else "")
    doc = (f"### {source.name}\n\nPublishes part `{source.part}` of `{source.agency}:{source.dataflow}` from "
           f"`{spec}` ({source.country.name}).\n\nA manual run may set `start_period`/`end_period`: only those "
           f"periods are re-read from the source, the others are carried forward from the latest release.{by_date}")
    with DAG(dag_id=f"publish_{source.part}", schedule=source.schedule, start_date=START, catchup=False,
             max_active_runs=1, doc_md=doc, tags=["sdmx-publish", "national", source.owner, source.dataflow],
             params=period_params(),
             default_args={**DEFAULT_ARGS, "on_failure_callback": on_failure}) as dag:

        @task(task_id=PUBLISH, inlets=[dataflow_asset(source.agency, source.dataflow)],
              outlets=[release_alias(source.agency, source.dataflow)], pool=source.pool,
              on_success_callback=on_release)
        def publish() -> dict[str, Any]:
            context = get_current_context()
            result = _step(PUBLISH, spec, run=airflow_run(context, source.part))
            emit_release(context, source.agency, source.dataflow, source.part, result)
            return result

        chain(*(_step_task(step, spec, source.run_period) for step in STEPS if step != PUBLISH), publish())
    return dag


def airflow_run(context: Any, part: str) -> dict[str, str]:
    """What the release's manifest records of the run that made it (``steps`` recognises it on a retry)."""
    return {"by": "airflow", "airflow_run_id": context["run_id"], "part": part}


def problem_dag(problem: Problem) -> DAG:
    """``config_error_<name>``: shows a broken spec or country file in the UI, with the fix."""
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", problem.name)
    doc = f"### Configuration error: nothing is published for `{problem.path}`\n\n```\n{problem.message}\n```"
    with DAG(dag_id=f"config_error_{safe}", schedule=None, start_date=START, catchup=False, doc_md=doc,
             tags=["sdmx-publish", "config-error"]) as dag:

        @task(task_id="report_config_error", retries=0)
        def report_config_error() -> None:
            set_note(get_current_context(), problem.message)
            raise AirflowFailException(problem.message)

        report_config_error()
    return dag


# -- many sources ------------------------------------------------------------------------------


def regional_dag(discovered: Discovered) -> DAG:
    """``publish_regional``: on a national ICCS release (Asset) or on its own schedule, with whatever is current."""
    agency = config.agency()
    cron = os.environ.get("SDMX_PUBLISH_REGIONAL_SCHEDULE", REGIONAL_CRON)
    schedule = AssetOrTimeSchedule(timetable=CronTriggerTimetable(cron, timezone="UTC"),
                                   assets=dataflow_asset(agency, ICCS_FLOW))
    parts = [s.part for s in discovered.sources]
    problems = [p.name for p in discovered.problems]
    doc = (f"### Regional SDG 16 aggregates\n\nRuns when a national release of `{agency}:{ICCS_FLOW}` is published "
           f"and at `{cron}` (UTC); derives SDG 16 series and regional aggregates into `{agency}:{SDG_FLOW}`, "
           "then summarises the latest run of every national source (failures included).")
    threshold = float(os.environ.get("SDMX_PUBLISH_REGIONAL_THRESHOLD", DEFAULT_THRESHOLD))
    params = {"threshold": Param(threshold, type="number", minimum=0, maximum=1, title="Coverage threshold",
                                 description="minimum share of a region's population with data for an aggregate"),
              "min_countries": Param(int(os.environ.get("SDMX_PUBLISH_REGIONAL_MIN_COUNTRIES", DEFAULT_MIN_COUNTRIES)),
                                     type="integer", minimum=1, title="Minimum countries",
                                     description="minimum number of countries with data for an aggregate"),
              "impute": Param(False, type="boolean", title="Impute",
                              description="scale regional counts up to the whole region (flagged OBS_STATUS I)")}
    with DAG(dag_id="publish_regional", schedule=schedule, start_date=START, catchup=False, max_active_runs=1,
             doc_md=doc, tags=["sdmx-publish", "regional"], default_args=DEFAULT_ARGS, params=params) as dag:

        @task(task_id="regional", inlets=[dataflow_asset(agency, SDG_FLOW)], outlets=[release_alias(agency, SDG_FLOW)],
              pool=pool_name(agency, SDG_FLOW))
        def regional() -> dict[str, Any]:
            from ..derive.regional import publish_regional

            context = get_current_context()
            chosen = context["params"]
            try:
                result = publish_regional(config.configured_store(), threshold=float(chosen["threshold"]),
                                          min_countries=int(chosen["min_countries"]), impute=bool(chosen["impute"]),
                                          population=config.population_file())
            except NotFound as e:  # nothing national published yet (a first scheduled run): not a failure
                raise AirflowSkipException(e.message()) from None
            except PublishError as e:
                raise failed(e, context) from None
            emit_release(context, agency, SDG_FLOW, PART, result)
            log.info("release %s (%s) of %s:%s, validation report %s/validation.html", result["release_id"],
                     "new" if result["new"] else "unchanged", agency, SDG_FLOW, result["path"])
            return result

        @task(task_id="national_summary", retries=0)
        def national_summary() -> dict[str, Any]:
            result = {**status.summarise(config.configured_store(), parts), "config_errors": problems}
            log.info("national sources: %s", status.describe(result))
            return result

        # side by side: the run fails if and only if the regional publication fails
        regional()
        national_summary()
    return dag


def countries_dag(discovered: Discovered) -> DAG:
    """``publish_countries``: a manual run over every source (or one country's), one mapped task each, named
    after its part; one mapped task per dataflow (``publish_source_<FLOW>``), in that dataflow's pool."""
    owners = discovered.owners()
    flows = discovered.dataflows()
    by_spec = {str(s.spec): s for s in discovered.sources}
    problems = [p.name for p in discovered.problems]
    params = {"country": Param("all", enum=["all", *owners], title="Country (folder) to publish, or all"),
              **period_params()}
    doc = ("### Publish every country\n\nManual backfills and reruns: choose a country (or all) and a period "
           "range. One mapped task per source, named after it, so one failing country never blocks the others; "
           "publications of one dataflow take turns in its pool; the last task summarises the failures.")
    with DAG(dag_id="publish_countries", schedule=None, start_date=START, catchup=False, max_active_runs=1,
             doc_md=doc, tags=["sdmx-publish", "backfill"], params=params, default_args=DEFAULT_ARGS) as dag:

        @task(task_id="select_sources", retries=0)
        def select_sources() -> list[str]:
            country = get_current_context()["params"]["country"]
            return [str(s.spec) for s in discovered.sources if country in ("all", s.owner)]

        def of_flow(specs: list[str], flow: str) -> list[str]:
            """The chosen specs publishing to ``flow`` (``AGENCY:FLOW``)."""
            return [s for s in specs if f"{by_spec[s].agency}:{by_spec[s].dataflow}" == flow]

        def publish_source(spec: str) -> dict[str, Any]:
            """One source, all four steps; its country is notified as by its own DAG."""
            context = get_current_context()
            source, ti = by_spec[spec], context["ti"]
            context["source_part"] = source.part  # the mapped task's name (map_index_template)
            notify = source.country.notify
            try:
                for step in STEPS:
                    if step != PUBLISH:
                        _step(step, spec)
                result = _step(PUBLISH, spec, run=airflow_run(context, source.part))
            except Exception as e:
                last_try = isinstance(e, AirflowFailException) or ti.try_number > context["task"].retries
                if notify.on_failure and last_try:
                    send(entry(source.owner, FAILURE, ti, error=e), notify, context)
                raise
            # the Asset event first: a notification can never cost it (send() does not raise either)
            emit_release(context, source.agency, source.dataflow, source.part, result)
            if notify.on_warnings:
                send(entry(source.owner, WARNINGS, ti, result=result), notify, context)
            return result

        @task(task_id="summary", trigger_rule=TriggerRule.ALL_DONE, retries=0)
        def summary(specs: list[str]) -> dict[str, Any]:
            """Summarise every selected source; fail (after saving the summary) if any failed."""
            from ..names import part_id

            store = config.configured_store()
            result = {**status.summarise(store, [part_id(s) for s in specs]), "config_errors": problems}
            log.info("%s", status.describe(result))
            if result["failed"]:
                context = get_current_context()
                context["ti"].xcom_push(key=SUMMARY, value=result)
                set_note(context, status.describe(result))
                raise AirflowFailException(status.describe(result))
            return result

        chosen = select_sources()
        done = summary(chosen)
        for a, f in flows:
            selected = task(of_flow, task_id=f"select_{f}", retries=0)(chosen, f"{a}:{f}")
            publish = task(publish_source, task_id=f"publish_source_{f}", inlets=[dataflow_asset(a, f)],
                           outlets=[release_alias(a, f)],
                           pool=pool_name(a, f), map_index_template="{{ source_part }}")
            publish.expand(spec=selected) >> done
    return dag


def build_all(discovered: Discovered | None = None) -> dict[str, DAG]:
    """Every DAG, by id: one per usable spec, one per problem, the regional and the all-countries DAG."""
    discovered = discovered if discovered is not None else discover()
    dags = [national_dag(s) for s in discovered.sources] + [problem_dag(p) for p in discovered.problems]
    for problem in discovered.problems:
        log.error("sdmx-publish configuration error, no DAG for %s:\n%s", problem.path, problem.message)
    dags += [regional_dag(discovered), countries_dag(discovered)]
    return {d.dag_id: d for d in dags}
