"""Airflow orchestration: DAGs generated from the specs folders (one per source, a regional one).

``sources`` finds the sources and broken configurations, ``steps`` runs one pipeline step for a task,
``status`` keeps each source's last outcome in the store, ``notify`` is our Airflow notifier and
``dags`` holds the DAG factories. Only ``notify`` and ``dags`` import Airflow.
"""
