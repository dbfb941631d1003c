"""Notification delivery: JSON lines in the country's log file and a POST to a real local HTTP server."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from sdmx_publish.orchestrate.notify import CountryNotifier, deliver
from sdmx_publish.orchestrate.sources import Notify


class Hook(BaseHTTPRequestHandler):
    received: list[dict] = []

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Hook.received.append({"type": self.headers["Content-Type"], "body": json.loads(body)})
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def webhook():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    Hook.received = []
    yield f"http://127.0.0.1:{server.server_port}/hook"
    server.shutdown()
    server.server_close()


def test_deliver_appends_to_the_log_under_the_store_and_posts_to_the_webhook(tmp_path: Path, webhook: str):
    notify = Notify(log="notifications/kor.jsonl", webhook=webhook)
    entry = {"country": "kor", "event": "failure", "message": "kor: 범죄 table missing column"}
    path = deliver(entry, notify, tmp_path)
    deliver({**entry, "event": "warnings"}, notify, tmp_path)
    assert path == tmp_path / "notifications" / "kor.jsonl"
    assert [json.loads(x)["event"] for x in path.read_text(encoding="utf-8").splitlines()] == ["failure", "warnings"]
    assert "범죄" in path.read_text(encoding="utf-8")
    assert [(r["type"], r["body"]["event"]) for r in Hook.received] == [("application/json", "failure"),
                                                                        ("application/json", "warnings")]


def test_absolute_log_path_and_nothing_configured(tmp_path: Path):
    target = tmp_path / "elsewhere" / "all.jsonl"
    assert deliver({"event": "failure"}, Notify(log=str(target)), tmp_path / "store") == target
    assert target.is_file() and not (tmp_path / "store").exists()
    assert deliver({"event": "failure"}, Notify(), tmp_path) is None


def test_unreachable_webhook_raises(tmp_path: Path):
    with pytest.raises(OSError):
        deliver({"event": "failure"}, Notify(webhook="http://127.0.0.1:9/nothing"), tmp_path)


def test_notifier_knows_only_two_events():
    with pytest.raises(ValueError, match="event must be"):
        CountryNotifier(country="kor", event="success", notify=Notify())
