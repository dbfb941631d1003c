"""Notifications, configured per country in ``country.yaml``, sent through Airflow notifiers.

:class:`CountryNotifier` is an Airflow ``BaseNotifier``: the national DAGs attach it as the
``on_failure_callback`` of every task (a failed run) and as the ``on_success_callback`` of the
publish task (a new release whose validation report has warnings). The mapped tasks of
``publish_countries`` run sources of several countries, so they send the same notifications
themselves (:func:`entry`, :func:`send`), each to its source's country.

A notification is one JSON object, delivered on each channel the country configured: ``log`` (JSON
lines under the store, for audits), ``webhook`` (POSTed as JSON to the URL of an Airflow
Connection), ``smtp``, ``slack`` and ``apprise`` (the providers' notifiers, with their Connection).
Credentials live in Airflow Connections, never in ``country.yaml``. A notification never fails a
task: a channel that cannot deliver is logged as a warning with the fix, and the publication (the
release and its Asset event) stands.
"""

from __future__ import annotations

import json
import logging
import urllib.request
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from airflow.sdk import BaseNotifier

from .. import config
from ..config import Channel, Notify

log = logging.getLogger(__name__)

FAILURE, WARNINGS = "failure", "warnings"
#: seconds a webhook may take to answer
TIMEOUT = 10


def write_log(note: dict[str, Any], path: str, store: Path) -> Path:
    """Append ``note`` to the JSON-lines file ``path`` (relative to the store, or absolute)."""
    target = Path(path) if Path(path).is_absolute() else Path(store) / path
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(note, ensure_ascii=False, default=str) + "\n")
    return target


def post_webhook(note: dict[str, Any], channel: Channel) -> None:
    """POST ``note`` as JSON to the URL of the channel's Connection (:func:`sdmx_publish.config.http_request`:
    host a URL, or host, port and schema; basic auth; the extra's entries as headers)."""
    from airflow.sdk import BaseHook

    url, headers = config.http_request(BaseHook.get_connection(channel.conn_id))
    request = urllib.request.Request(url, data=json.dumps(note, default=str).encode(),
                                     headers={**headers, "Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
        response.read()


def provider_notifier(kind: str, channel: Channel, note: dict[str, Any]) -> BaseNotifier:
    """The provider's notifier for a ``smtp``, ``slack`` or ``apprise`` channel."""
    title = f"sdmx-publish: {note['message'].splitlines()[0]}"
    body = json.dumps(note, ensure_ascii=False, indent=1, default=str)
    if kind == "smtp":
        from airflow.providers.smtp.notifications.smtp import SmtpNotifier

        return SmtpNotifier(to=channel.to, subject=title, html_content=f"<pre>{body}</pre>",
                            smtp_conn_id=channel.conn_id)
    if kind == "slack":
        from airflow.providers.slack.notifications.slack_webhook import SlackWebhookNotifier

        return SlackWebhookNotifier(slack_webhook_conn_id=channel.conn_id, text=f"{title}\n```{body}```")
    from airflow.providers.apprise.notifications.apprise import AppriseNotifier

    return AppriseNotifier(title=title, body=body, apprise_conn_id=channel.conn_id)


def channels(notify: Notify, context: Any) -> list[tuple[str, Callable[[dict[str, Any]], object]]]:
    """(name, deliver) of every channel configured, in a fixed order: log, webhook, smtp, slack, apprise."""
    found: list[tuple[str, Callable[[dict[str, Any]], object]]] = []
    if notify.log:
        found.append(("log", lambda note: write_log(note, notify.log, config.configured_store())))
    if notify.webhook:
        found.append(("webhook", lambda note: post_webhook(note, notify.webhook)))
    for kind in ("smtp", "slack", "apprise"):
        channel = getattr(notify, kind)
        if channel:
            found.append((kind, lambda note, k=kind, c=channel: provider_notifier(k, c, note).notify(context or {})))
    return found


def send(note: dict | None, notify: Notify, context: Any = None) -> list[str]:
    """Deliver a notification, if there is one, on every channel; return the channels that failed.

    Never raises: a notification that cannot be delivered must not turn a publication into a failure.
    """
    if note is None:
        return []
    failed = []
    for name, deliver in channels(notify, context):
        try:
            deliver(note)
        except Exception as e:  # noqa: BLE001 - any channel's failure is reported, never raised
            failed.append(name)
            conn = getattr(getattr(notify, name, None), "conn_id", None)
            log.warning("notification not delivered (%s%s): %s: %s\n  fix: check the %s and that its server is up; "
                        "the publication itself is not affected", name, f", connection {conn!r}" if conn else "",
                        type(e).__name__, e, f"Airflow Connection {conn!r}" if conn else "log path")
    return failed


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
        send(self.message(context), self.settings, context)


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
