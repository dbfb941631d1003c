"""Notifications, configured per country in ``country.yaml``, sent through Airflow's notifier mechanism.

:class:`CountryNotifier` is an Airflow ``BaseNotifier``: the national DAGs attach it as the
``on_failure_callback`` of every task (a failed run) and as the ``on_success_callback`` of the
publish task (a new release whose validation report has warnings). The mapped tasks of
``publish_countries`` run sources of several countries, so they send the same notifications
themselves (:func:`entry`, :func:`send`), each to its source's country. A notification is one JSON
object, appended to the country's log file (relative to the release store) and, if configured,
POSTed to the country's webhook.
"""

from __future__ import annotations

import json
import urllib.request
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from airflow.sdk import BaseNotifier

from .. import config
from .sources import Notify

FAILURE, WARNINGS = "failure", "warnings"


def deliver(entry: dict[str, Any], notify: Notify, store: Path) -> Path | None:
    """Append ``entry`` to the log file and POST it to the webhook (those configured); return the log path."""
    path = None
    if notify.log:
        path = Path(notify.log) if Path(notify.log).is_absolute() else Path(store) / notify.log
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(entry, ensure_ascii=False, default=str) + "\n")
    if notify.webhook:
        request = urllib.request.Request(notify.webhook, data=json.dumps(entry, default=str).encode(),
                                         headers={"Content-Type": "application/json"}, method="POST")
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - the URL is the admin's config
            response.read()
    return path


class CountryNotifier(BaseNotifier):
    """Tell a country's data managers that a run failed or that a release has warnings."""

    def __init__(self, *, country: str, event: str, notify: Notify) -> None:
        super().__init__()
        if event not in (FAILURE, WARNINGS):
            raise ValueError(f"event must be {FAILURE!r} or {WARNINGS!r}, not {event!r}")
        self.country, self.event, self.settings = country, event, notify

    def message(self, context: Any) -> dict[str, Any] | None:
        """The notification for this task's outcome, or None when there is nothing to say."""
        ti = context["ti"]
        result = ti.xcom_pull(task_ids=ti.task_id) or {} if self.event == WARNINGS else {}
        return entry(self.country, self.event, ti, error=context.get("exception"), result=result)

    def notify(self, context: Any) -> None:
        send(self.message(context), self.settings)


def entry(country: str, event: str, ti: Any, *, error: object = None, result: dict | None = None) -> dict | None:
    """A notification of a failed task (``error``) or of a new release with warnings (``result`` of the
    publish step); None when a release has nothing to report."""
    base = {"country": country, "event": event, "dag_id": ti.dag_id, "task_id": ti.task_id,
            "run_id": ti.run_id, "at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")}
    if event == FAILURE:
        return {**base, "message": f"{country}: {ti.dag_id} failed at {ti.task_id}: {error}"}
    result = result or {}
    if not (result.get("new") and result.get("warnings")):
        return None
    return {**base, "release_id": result["release_id"], "warnings": result["warnings"],
            "message": f"{country}: release {result['release_id']} of {result['agency']}:"
                       f"{result['dataflow']} published with {result['warnings']} validation warning(s)"}


def send(note: dict | None, notify: Notify) -> None:
    """Deliver a notification, if there is one, where the country wants it."""
    if note is not None:
        deliver(note, notify, config.store_dir())
