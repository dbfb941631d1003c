"""Which source failures are worth retrying: TransientError for a server or database that may recover,
a permanent InputError for a request that will fail again unchanged."""

from __future__ import annotations

import socket
import sqlite3
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import yaml

from sdmx_publish.errors import InputError, PermanentError, TransientError
from sdmx_publish.extract import extract
from sdmx_publish.spec import load_spec

from .helpers import spec_dict


class _Status(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(int(self.path.strip("/")))
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def status_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Status)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def _spec(tmp_path, source: dict):
    spec = spec_dict("unused.csv")
    spec["source"] = source
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(spec), encoding="utf-8")
    return load_spec(path)


@pytest.mark.parametrize("status", [500, 503, 429])
def test_server_errors_are_transient(tmp_path, status_server, status):
    with pytest.raises(TransientError, match=f"HTTP Error {status}") as e:
        extract(_spec(tmp_path, {"url": f"{status_server}/{status}"}))
    assert e.value.retriable and "try again later" in e.value.message()


@pytest.mark.parametrize("status", [404, 403])
def test_client_errors_are_permanent(tmp_path, status_server, status):
    with pytest.raises(InputError, match=f"HTTP {status}") as e:
        extract(_spec(tmp_path, {"url": f"{status_server}/{status}"}))
    assert not e.value.retriable and isinstance(e.value, PermanentError)


def test_refused_connection_is_transient(tmp_path):
    with socket.socket() as s:  # a port that was free a moment ago: nothing listens on it
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(TransientError, match="cannot download"):
        extract(_spec(tmp_path, {"url": f"http://127.0.0.1:{port}/table.csv"}))


def _sql(tmp_path, db, query="select * from t"):
    return _spec(tmp_path, {"format": "sql", "connection": f"sqlite:///{db}?timeout=0.05", "query": query})


def test_database_lock_wait_is_transient(tmp_path):
    db = tmp_path / "src.db"
    with sqlite3.connect(db) as con:
        con.execute("create table t (Country text, Sex text, Year text, Value text)")
        con.execute("insert into t values ('KOR', 'Total', '2021', '5')")
    holder = sqlite3.connect(db, isolation_level=None)
    try:
        holder.execute("begin exclusive")  # another writer holds the file: readers wait, then time out
        with pytest.raises(TransientError, match="database is locked") as e:
            extract(_sql(tmp_path, db))
    finally:
        holder.close()
    assert e.value.retriable
    assert len(extract(_sql(tmp_path, db))) == 1  # the lock released, the same spec reads


def test_bad_query_and_missing_database_file_are_permanent(tmp_path):
    db = tmp_path / "src.db"
    sqlite3.connect(db).close()
    with pytest.raises(InputError, match="query failed"):
        extract(_sql(tmp_path, db, "select * from no_such_table"))
    with pytest.raises(InputError, match="cannot open the database"):
        extract(_sql(tmp_path, tmp_path / "missing" / "src.db"))
