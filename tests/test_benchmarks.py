"""The benchmark scripts run and print their documented JSON shapes (timings are not checked)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from sdmx_publish import config


def bench(name: str, *args: str) -> dict:
    """Run ``benchmarks/<name>.py`` with ``args`` and ``--json``; its JSON."""
    out = subprocess.run([sys.executable, str(config.ROOT / "benchmarks" / f"{name}.py"), *args, "--json"],
                         capture_output=True, text=True, check=True, timeout=300)
    return json.loads(out.stdout)


@pytest.mark.slow
def test_bench_validate_json_shape() -> None:
    data = bench("bench_validate", "--obs", "3000", "--repeat", "1")
    assert data["obs"] == 3000
    assert [r["rules"] for r in data["results"]] == ["structural", "all"]
    assert all(r["seconds"] > 0 and r["cpu_seconds"] > 0 and r["obs_per_second"] > 0 for r in data["results"])
    structural, full = data["results"]
    assert structural["errors"] >= 1 and full["findings"] > structural["findings"]  # planted problems found


@pytest.mark.slow
def test_bench_publish_json_shape() -> None:
    data = bench("bench_publish", "--obs", "3000", "--rounds", "1")
    assert data["obs"] == 3000 and data["rounds"] == 1
    assert list(data["cpu_s"]) == ["first", "revised"] and all(v > 0 for v in data["cpu_s"].values())
    assert data["peak_mib"] > 50 and len(data["loadavg_1m_before_after"]) == 2


@pytest.mark.slow
def test_bench_front_json_shape() -> None:
    data = bench("bench_front", "--obs", "3000", "--rounds", "1")
    assert data["obs"] == 3000 and data["rounds"] == 1
    parts = ["extract", "transform", "load_frame", "save_validated", "load_validated"]
    assert list(data["cpu_s"]) == [*parts, "total"]
    assert data["cpu_s"]["total"] == pytest.approx(sum(data["cpu_s"][p] for p in parts), abs=0.01)
    assert data["cpu_s"]["extract"] > 0 and data["extract_peak_mib"] > 50
