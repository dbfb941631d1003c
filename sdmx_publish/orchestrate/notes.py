"""A failed task's reason and fix as its **note** in the Airflow UI, set through Airflow's public REST API.

Airflow 3 gives a running task no call to set its own note: the Task Execution API (the only channel of
a worker, which has no metadata DB) has no note for a task instance, and a DAG author's code may not
write the metadata DB. The public REST API does (``PATCH /api/v2/dags/{dag_id}/dagRuns/{run_id}/
taskInstances/{task_id}[/{map_index}]`` with ``{"note": ...}``, the call the UI makes), so the task
makes that call, as a user of the API server, with the credentials of the Airflow Connection
``sdmx_publish_api`` (:data:`CONNECTION`): host the API server's base URL, login and password a user
allowed to edit task instances (``POST /auth/token`` gives the JWT). Without that Connection no note is
written (an info line says so); a note that cannot be written is a warning, never a failure of its own.
The note is the failure's message, which never carries a secret (:class:`sdmx_publish.errors.PublishError`
redacts URLs).
"""

from __future__ import annotations

import json
import logging
import urllib.request
from typing import Any
from urllib.parse import quote

from .. import config
from ..redact import redact_text

log = logging.getLogger(__name__)

#: the Airflow Connection of the API server the notes are written through
CONNECTION = "sdmx_publish_api"
#: the longest note the REST API accepts
MAX_NOTE = 1000
#: seconds each call to the API server may take
TIMEOUT = 10


def _call(method: str, url: str, body: dict[str, Any], headers: dict[str, str]) -> Any:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method=method,
                                     headers={**headers, "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=TIMEOUT) as answer:  # noqa: S310 (the Connection's URL)
        return json.loads(answer.read() or b"null")


def note_url(base: str, ti: Any) -> str:
    """The REST API's address of the task instance ``ti`` (its map index, if mapped), for a note only."""
    dag, run, task = (quote(str(p), safe="") for p in (ti.dag_id, ti.run_id, ti.task_id))
    mapped = f"/{ti.map_index}" if ti.map_index is not None and ti.map_index >= 0 else ""
    return f"{base.rstrip('/')}/api/v2/dags/{dag}/dagRuns/{run}/taskInstances/{task}{mapped}?update_mask=note"


def set_note(context: Any, text: str) -> bool:
    """Make ``text`` (cut to :data:`MAX_NOTE` characters) the note of the context's task instance; True if
    it was written. Never raises: a note is a courtesy, the task's own outcome stands."""
    from airflow.sdk import BaseHook

    try:
        conn = BaseHook.get_connection(CONNECTION)
    except Exception:  # no such Connection: notes are not configured
        log.info("no task note: define the Airflow Connection %r (the API server, and a user who may edit task "
                 "instances) to get each failure's reason as its note", CONNECTION)
        return False
    base, headers = config.http_request(conn)
    headers.pop("Authorization", None)  # the API takes a JWT, not basic auth
    try:
        token = _call("POST", f"{base.rstrip('/')}/auth/token", {"username": conn.login, "password": conn.password},
                      headers)["access_token"]
        _call("PATCH", note_url(base, context["ti"]), {"note": text[:MAX_NOTE]},
              {**headers, "Authorization": f"Bearer {token}"})
    except (OSError, ValueError, KeyError, TypeError) as e:
        log.warning("the task note could not be written through %s (Connection %r): %s; check the Connection's "
                    "URL, login and password, and that the user may edit task instances",
                    redact_text(base), CONNECTION, redact_text(str(e)))
        return False
    return True
