"""``sdmx-publish serve --workers 2``: several processes that share nothing but the store's files,
answer concurrent clients, and all pick up a new release without a restart."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import psutil
import pytest

from sdmx_publish.cli import main
from sdmx_publish.publish import publish
from tests.serve.sample import sample_frame

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> httpx.Response:
    with httpx.Client(timeout=30) as client:  # one connection per request: spread over the workers
        return client.get(url)


@pytest.mark.slow
def test_workers_answer_concurrently_and_follow_new_releases(tmp_path, registry, sdg_flow):
    store = tmp_path / "store"
    first, _ = publish(sample_frame(sdg_flow, 120, years=range(2015, 2021), seed=1), sdg_flow, registry,
                       store=store, part="sample")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SDMX_PUBLISH_")}
    proc = subprocess.Popen([sys.executable, "-m", "sdmx_publish.cli", "serve", "--store", str(store), "--port",
                             str(port), "--workers", "2", "--log-level", "warning"], cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            assert proc.poll() is None, "the server exited"
            try:
                if httpx.get(base + "/", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.3)
        workers = [p for p in psutil.Process(proc.pid).children(recursive=True) if "python" in p.name().lower()]
        assert len(workers) >= 2  # (and, on some platforms, multiprocessing's resource tracker)
        url = f"{base}/sdmx/v1/data/DF_SDG_16_CRIME/all?format=csv"
        with ThreadPoolExecutor(16) as pool:
            answers = list(pool.map(_get, [url] * 64))
        assert {r.status_code for r in answers} == {200}
        assert {r.headers["x-sdmx-release"] for r in answers} == {first.id}
        assert len({r.content for r in answers}) == 1
        feed = httpx.get(base + "/feed.atom").text
        assert f'href="{base}/releases/CCJS/DF_SDG_16_CRIME/{first.id}/manifest.json"' in feed  # the CLI's base URL

        second, _ = publish(sample_frame(sdg_flow, 240, years=range(2015, 2023), seed=2), sdg_flow, registry,
                            store=store, part="sample")
        deadline = time.monotonic() + 30
        while True:
            with ThreadPoolExecutor(16) as pool:
                seen = {r.headers.get("x-sdmx-release") for r in pool.map(_get, [url] * 32)}
            if seen == {second.id}:
                break
            assert time.monotonic() < deadline, f"workers still serve {seen}"
            time.sleep(0.5)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert proc.returncode == 0 or proc.returncode == -15


def test_serve_refuses_a_bad_base_url_or_limit(capsys, monkeypatch, tmp_path):
    assert main(["serve", "--store", str(tmp_path), "--base-url", "data.example.org"]) == 2
    err = capsys.readouterr().err
    assert "not an http(s) URL" in err and "fix:" in err and "Traceback" not in err
    monkeypatch.setenv("SDMX_PUBLISH_MAX_KEYS", "lots")
    assert main(["serve", "--store", str(tmp_path)]) == 2
    assert "SDMX_PUBLISH_MAX_KEYS" in capsys.readouterr().err


@pytest.mark.slow
def test_load_benchmark_checks_every_answer(published):
    """benchmarks/bench_feed_load.py, briefly: every answer is checked, and there are no errors."""
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_feed_load.py"), "--store",
                          str(published.store), "--clients", "4", "--seconds", "2", "--warmup", "1", "--workers", "1",
                          "--json"], cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["errors"] == 0 and result["requests"] > 10 and result["clients"] == 4
    assert result["store"]["series"] > 1 and result["p50_ms"] <= result["p99_ms"]
