"""Secrets are never written or printed: a planted password, token and API key appear in no file of
the store (release, reports, work folders, status) and in no line of output or log."""

from __future__ import annotations

import functools
import http.server
import logging
import shutil
import threading
from pathlib import Path

import pytest
import yaml

from sdmx_publish.cli import main
from sdmx_publish.errors import InputError
from sdmx_publish.redact import redact_text, redact_url
from sdmx_publish.store import latest

from .conftest import EXAMPLES

TOKEN, KEY, PASSWORD = "PLANTED-token-5f1e", "PLANTED-key-9a2b", "PLANTED-pw-77c3"


@pytest.mark.parametrize("url, shown", [
    ("https://bob:pw1@example.org/t.csv?api_key=k1&year=2020", "https://***@example.org/t.csv?api_key=***&year=2020"),
    ("postgresql://u:p@db:5432/crime?password=q&sslmode=require",
     "postgresql://***@db:5432/crime?password=***&sslmode=require"),
    ("https://s3.example.org/a.csv?X-Amz-Signature=s&X-Amz-Credential=c&access_token=t",
     "https://s3.example.org/a.csv?X-Amz-Signature=***&X-Amz-Credential=***&access_token=***"),
    ("https://example.org/plain.csv", "https://example.org/plain.csv"),
])
def test_redact_url(url, shown):
    assert redact_url(url) == shown


def test_secret_parameter_names_are_configurable(monkeypatch):
    assert redact_url("https://e.org/a?ticket=t") == "https://e.org/a?ticket=t"
    monkeypatch.setenv("SDMX_PUBLISH_SECRET_PARAMS", "ticket")
    assert redact_url("https://e.org/a?ticket=t") == "https://e.org/a?ticket=***"
    assert redact_text("failed: https://e.org/a?ticket=t (500)") == "failed: https://e.org/a?ticket=*** (500)"


def test_errors_never_carry_a_secret():
    e = InputError("cannot download https://u:pw9@h/x?token=t9", where="mysql://a:pw8@db/x", fix="see x")
    assert "pw9" not in str(e) and "t9" not in e.message() and "pw8" not in e.message()


@pytest.fixture
def served(tmp_path):
    """The kostat example folder over HTTP on 127.0.0.1."""
    folder = tmp_path / "kostat"
    shutil.copytree(EXAMPLES / "kostat", folder)
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args) -> None:  # the test server's own log is not ours
            pass

    handler = functools.partial(Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield folder, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def _url_spec(folder: Path, url: str) -> Path:
    spec = folder / "unsentenced.yaml"
    data = yaml.safe_load(spec.read_text())
    data["source"].pop("path", None)
    data["source"]["url"] = url
    spec.write_text(yaml.safe_dump(data, allow_unicode=True))
    return spec


def test_a_planted_secret_is_in_no_file_and_no_line_of_output(served, tmp_path, monkeypatch, capsys, caplog):
    folder, base = served
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("PLANTED_TOKEN", TOKEN)
    store = tmp_path / "store"
    # the token from the environment, the key written in the spec itself
    spec = _url_spec(folder, f"{base}/kor_indicator_16-3-2.csv?access_token=${{PLANTED_TOKEN}}&api_key={KEY}&lang=en")
    assert main(["run", str(spec), "--store", str(store)]) == 0
    release = latest(store, "CCJS", "DF_SDG_16_CRIME")
    assert release.manifest.sources[0]["path"].endswith("?access_token=***&api_key=***&lang=en")
    # failures print the URL too: a missing file (HTTP 404), and a password inside the URL
    _url_spec(folder, f"{base}/missing.csv?api_key={KEY}")
    assert main(["run", str(spec), "--store", str(store)]) == 2
    _url_spec(folder, f"http://user:{PASSWORD}@127.0.0.1:1/t.csv?token={TOKEN}")
    assert main(["run", str(spec), "--store", str(store)]) in (2, 3)
    assert main(["validate", str(spec), "--store", str(store), "--report-dir", str(tmp_path / "report")]) in (2, 3)
    out = capsys.readouterr()
    files = [p for p in [*store.rglob("*"), *(tmp_path / "report").rglob("*")] if p.is_file()]
    assert len(files) > 10 and any(p.name == "validation.json" for p in files)
    for secret in (TOKEN, KEY, PASSWORD):
        assert [p for p in files if secret.encode() in p.read_bytes()] == []
        assert secret not in out.out and secret not in out.err
        assert [r for r in caplog.records if secret in r.getMessage()] == []
    assert "cannot download: HTTP 404" in out.err and "api_key=***" in out.err


def test_a_missing_credential_names_the_variable_not_a_value(served, tmp_path, monkeypatch, capsys):
    folder, base = served
    monkeypatch.delenv("PLANTED_TOKEN", raising=False)
    spec = _url_spec(folder, f"{base}/kor_indicator_16-3-2.csv?access_token=${{PLANTED_TOKEN}}")
    assert main(["run", str(spec), "--store", str(tmp_path / "store")]) == 2
    err = capsys.readouterr().err
    assert "environment variable PLANTED_TOKEN is not set" in err and "source.url" in err and "fix:" in err
