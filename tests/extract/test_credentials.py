"""``airflow:CONN_ID`` credentials, read from real Airflow Connections (``AIRFLOW_CONN_<ID>`` variables,
looked up by Airflow's own secrets backends): a URL source behind basic auth and an API-key header, and
an SQL source on a PostgreSQL server that checks its password. The sources are read only with the right
credentials, and the planted secrets are in no file of the store, no line of output and no log record."""

from __future__ import annotations

import base64
import functools
import http.server
import json
import logging
import shutil
import threading
from pathlib import Path

import pytest
import yaml

from sdmx_publish.cli import main
from sdmx_publish.store import latest

from ..conftest import EXAMPLES
from .helpers import spec_dict

PASSWORD, KEY = "PLANTED-conn-pw-41d9", "PLANTED-conn-key-0c77"


def _leaks(paths: list[Path], out: str, caplog: pytest.LogCaptureFixture, *secrets: str) -> list[str]:
    """Where any of ``secrets`` appears: files, output, log records."""
    found = [f"{p}" for p in paths if p.is_file() and any(s.encode() in p.read_bytes() for s in secrets)]
    found += ["output"] if any(s in out for s in secrets) else []
    return found + [r.getMessage() for r in caplog.records if any(s in r.getMessage() for s in secrets)]


@pytest.fixture
def guarded(tmp_path):
    """The kostat example folder over HTTP on 127.0.0.1, answering 401 without the planted basic auth and
    API-key header."""
    folder = tmp_path / "kostat"
    shutil.copytree(EXAMPLES / "kostat", folder)
    expected = "Basic " + base64.b64encode(f"stats:{PASSWORD}".encode()).decode()

    class Guarded(http.server.SimpleHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.headers.get("Authorization") != expected or self.headers.get("X-Api-Key") != KEY:
                self.send_error(401)
                return
            super().do_GET()

        def log_message(self, *args) -> None:  # the test server's own log is not ours
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Guarded, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield folder, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.mark.slow
def test_a_url_source_reads_its_credentials_from_an_airflow_connection(guarded, tmp_path, monkeypatch, capsys,
                                                                       caplog):
    folder, base = guarded
    caplog.set_level(logging.DEBUG)
    spec = folder / "unsentenced.yaml"
    data = yaml.safe_load(spec.read_text())
    data["source"].pop("path")
    data["source"]["url"] = "airflow:kostat_web"
    spec.write_text(yaml.safe_dump(data, allow_unicode=True))
    store = tmp_path / "store"

    def connection(path: str, password: str) -> None:
        monkeypatch.setenv("AIRFLOW_CONN_KOSTAT_WEB", json.dumps({
            "conn_type": "http", "host": f"{base}/{path}", "login": "stats", "password": password,
            "extra": {"X-Api-Key": KEY}}))

    connection("kor_indicator_16-3-2.csv", "wrong")
    assert main(["run", str(spec), "--store", str(store)]) == 2  # the server checks: a wrong password is refused
    refused = capsys.readouterr().err
    assert "HTTP 401" in refused
    connection("kor_indicator_16-3-2.csv", PASSWORD)
    assert main(["run", str(spec), "--store", str(store)]) == 0
    release = latest(store, "CCJS", "DF_SDG_16_CRIME")
    assert release.manifest.observations == 13
    assert release.manifest.sources[0]["path"] == f"{base}/kor_indicator_16-3-2.csv"
    connection("missing.csv", PASSWORD)  # a failure prints the URL, never the credentials
    assert main(["run", str(spec), "--store", str(store)]) == 2
    out = capsys.readouterr()
    assert f"{base}/missing.csv" in out.err and "HTTP 404" in out.err
    files = list(store.rglob("*"))
    assert any(p.name == "validation.json" for p in files)
    assert _leaks(files, refused + out.out + out.err, caplog, PASSWORD, KEY) == []


@pytest.mark.slow
def test_an_sql_source_reads_its_credentials_from_an_airflow_connection(tmp_path, monkeypatch, capsys, caplog):
    """PostgreSQL with scram-sha-256: the Connection's password is really used, and shown nowhere."""
    from tests.distributed.services import Postgres, postgres_bin

    found = postgres_bin()
    if found is None:
        pytest.skip("no PostgreSQL server programs (Debian: apt-get install postgresql)")
    caplog.set_level(logging.DEBUG)
    server = Postgres(found, password=PASSWORD)
    try:
        server.start()
        import psycopg2

        with psycopg2.connect(host="127.0.0.1", port=server.port, user="postgres", password=PASSWORD,
                              dbname="airflow") as db, db.cursor() as cur:
            cur.execute('create table cj ("Country" text, "Sex" text, "Year" int, "Value" real)')
            cur.execute("insert into cj values ('KOR', 'Male', 2020, 10), ('KOR', 'Female', 2020, 12)")
        data = spec_dict("x")
        data["source"] = {"format": "sql", "connection": "airflow:crime_db", "query": "SELECT * FROM cj"}
        spec = tmp_path / "sql" / "cj.yaml"
        spec.parent.mkdir()
        spec.write_text(yaml.safe_dump(data))
        store = tmp_path / "store"

        def connection(password: str) -> None:
            monkeypatch.setenv("AIRFLOW_CONN_CRIME_DB", json.dumps({
                "conn_type": "postgres", "host": "127.0.0.1", "port": server.port, "login": "postgres",
                "password": password, "schema": "airflow",
                # the driver installed here (SQLAlchemy's default for postgresql is psycopg 3)
                "extra": {"sqlalchemy_scheme": "postgresql+psycopg2"}}))

        connection("wrong-password")
        assert main(["run", str(spec), "--store", str(store)]) == 2
        refused = capsys.readouterr().err
        assert "password authentication failed" in refused
        connection(PASSWORD)
        assert main(["run", str(spec), "--store", str(store)]) == 0
        release = latest(store, "CCJS", "DF_ICCS")
        assert release.manifest.observations == 2
        assert release.manifest.sources[0]["connection"] == f"postgresql+psycopg2://***@127.0.0.1:{server.port}/airflow"
        out = capsys.readouterr()
        assert _leaks(list(store.rglob("*")), refused + out.out + out.err, caplog, PASSWORD) == []
    finally:
        server.stop()
