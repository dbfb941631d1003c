"""Notification delivery through Airflow Connections: JSON lines in the country's log file, a POST to a
real local HTTP server, e-mail through the SMTP provider; a channel that is down never raises."""

from __future__ import annotations

import json
import logging
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from pydantic import ValidationError

from sdmx_publish.config import Notify
from sdmx_publish.orchestrate.notify import CountryNotifier, send


class Hook(BaseHTTPRequestHandler):
    received: list[dict] = []

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Hook.received.append({"type": self.headers["Content-Type"], "auth": self.headers.get("Authorization"),
                              "body": json.loads(body)})
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


def closed_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def webhook(monkeypatch: pytest.MonkeyPatch) -> str:
    """A real local HTTP server, behind the Airflow Connection ``kor_hook`` (with a password)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    Hook.received = []
    monkeypatch.setenv("AIRFLOW_CONN_KOR_HOOK", json.dumps(
        {"conn_type": "http", "host": f"http://127.0.0.1:{server.server_port}/hook", "login": "bot",
         "password": "s3cret"}))
    yield "kor_hook"
    server.shutdown()
    server.server_close()


def test_send_appends_to_the_log_under_the_store_and_posts_to_the_connection(store: Path, webhook: str):
    notify = Notify(log="notifications/kor.jsonl", webhook={"conn_id": webhook})
    note = {"country": "kor", "event": "failure", "message": "kor: 범죄 table missing column"}
    assert send(note, notify) == [] and send({**note, "event": "warnings"}, notify) == []
    path = store / "notifications" / "kor.jsonl"
    assert [json.loads(x)["event"] for x in path.read_text(encoding="utf-8").splitlines()] == ["failure", "warnings"]
    assert "범죄" in path.read_text(encoding="utf-8")
    assert [(r["type"], r["body"]["event"]) for r in Hook.received] == [("application/json", "failure"),
                                                                        ("application/json", "warnings")]
    assert Hook.received[0]["auth"].startswith("Basic ")  # the credentials come from the Connection


def test_absolute_log_path_and_nothing_configured(tmp_path: Path, store: Path):
    target = tmp_path / "elsewhere" / "all.jsonl"
    assert send({"event": "failure", "message": "x"}, Notify(log=str(target))) == []
    assert target.is_file() and not store.exists()
    assert send({"event": "failure", "message": "x"}, Notify()) == []
    assert send(None, Notify(log=str(target))) == [] and len(target.read_text().splitlines()) == 1


def test_channels_that_are_down_are_logged_never_raised(store: Path, monkeypatch: pytest.MonkeyPatch, caplog):
    port = closed_port()
    monkeypatch.setenv("AIRFLOW_CONN_DOWN_HOOK", json.dumps({"conn_type": "http", "host": "127.0.0.1", "port": port,
                                                             "schema": "http", "password": "tok3n"}))
    monkeypatch.setenv("AIRFLOW_CONN_DOWN_SMTP", json.dumps(
        {"conn_type": "smtp", "host": "127.0.0.1", "port": port, "login": "u", "password": "pw",
         "extra": {"from_email": "stats@example.org", "disable_ssl": True, "timeout": 2, "retry_limit": 0}}))
    notify = Notify(log="notifications/kor.jsonl", webhook={"conn_id": "down_hook"},
                    smtp={"conn_id": "down_smtp", "to": ["data@example.org"]})
    with caplog.at_level(logging.WARNING):
        failed = send({"country": "kor", "event": "failure", "message": "kor: failed"}, notify)
    assert failed == ["webhook", "smtp"]
    assert (store / "notifications" / "kor.jsonl").is_file()  # the channels that work still deliver
    warnings = [r.getMessage() for r in caplog.records if "notification not delivered" in r.getMessage()]
    assert len(warnings) == 2 and "connection 'down_smtp'" in warnings[1] and "fix:" in warnings[1]
    assert not any("tok3n" in w or "pw" in w.split() for w in warnings)  # no secret in the log


def test_a_url_in_country_yaml_is_refused():
    with pytest.raises(ValidationError, match="Airflow Connection"):
        Notify(webhook="https://chat.example.org/hooks/kor?token=abc")


def test_notifier_knows_only_two_events():
    with pytest.raises(ValueError, match="event must be"):
        CountryNotifier(country="kor", event="success", notify=Notify())
