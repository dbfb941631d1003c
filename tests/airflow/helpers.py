"""Run generated DAGs for real with ``dag.test()`` and read what they left in the metadata DB."""

from __future__ import annotations

from typing import Any

from airflow.sdk import DAG


def generated_dags() -> dict[str, DAG]:
    """The DAGs as the dags folder generates them now (from the current environment)."""
    from sdmx_publish.orchestrate.dags import build_all

    return build_all()


def run_dag(dag_id: str, conf: dict | None = None) -> Any:
    """One real DAG run (in this process, SQLite metadata DB); returns the DagRun."""
    return generated_dags()[dag_id].test(run_conf=conf)


def task_states(run: Any) -> dict[str, str]:
    from airflow.models import TaskInstance
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        tis = session.scalars(select(TaskInstance).where(TaskInstance.dag_id == run.dag_id,
                                                          TaskInstance.run_id == run.run_id)).all()
        return {ti.task_id if ti.map_index < 0 else f"{ti.task_id}[{ti.map_index}]": str(ti.state) for ti in tis}


def xcom(run: Any, task_id: str, map_index: int = -1, key: str = "return_value") -> Any:
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        row = session.scalars(select(XComModel).where(XComModel.dag_id == run.dag_id, XComModel.run_id == run.run_id,
                                                      XComModel.task_id == task_id, XComModel.map_index == map_index,
                                                      XComModel.key == key)).first()
        return None if row is None else XComModel.deserialize_value(row)


def asset_events(uri: str) -> list[dict[str, Any]]:
    """Events of an Asset, oldest first: which DAG emitted them and their extra."""
    from airflow.models.asset import AssetEvent, AssetModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        rows = session.scalars(select(AssetEvent).join(AssetModel, AssetEvent.asset_id == AssetModel.id)
                               .where(AssetModel.uri == uri).order_by(AssetEvent.id)).all()
        return [{"dag_id": e.source_dag_id, "run_id": e.source_run_id, "extra": dict(e.extra or {})} for e in rows]


def mapped_names(run: Any, task_id: str) -> list[str]:
    """The names the UI shows for a mapped task's instances (rendered ``map_index_template``)."""
    from airflow.models import TaskInstance
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        tis = session.scalars(select(TaskInstance).where(TaskInstance.dag_id == run.dag_id, TaskInstance.run_id ==
                                                          run.run_id, TaskInstance.task_id == task_id)
                              .order_by(TaskInstance.map_index)).all()
        return [ti.rendered_map_index for ti in tis]


def airflow_token() -> str:
    """A real token from Airflow's auth manager (the simple one, as configured in the test home)."""
    from airflow.api_fastapi.app import get_auth_manager, init_auth_manager

    try:
        manager = get_auth_manager()
    except RuntimeError:
        manager = init_auth_manager()
    from airflow.api_fastapi.auth.managers.simple.user import SimpleAuthManagerUser

    return manager.generate_jwt(SimpleAuthManagerUser(username="admin", role="admin"))
