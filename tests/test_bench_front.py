"""The front-of-pipeline benchmark runs and prints the documented JSON shape (timings are not checked)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from sdmx_publish import config


@pytest.mark.slow
def test_bench_front_json_shape() -> None:
    out = subprocess.run([sys.executable, str(config.ROOT / "benchmarks" / "bench_front.py"), "--obs", "3000",
                          "--rounds", "1", "--json"], capture_output=True, text=True, check=True, timeout=300)
    data = json.loads(out.stdout)
    assert data["obs"] == 3000 and data["rounds"] == 1
    parts = ["extract", "transform", "load_frame", "save_validated", "load_validated"]
    assert list(data["cpu_s"]) == [*parts, "total"]
    assert data["cpu_s"]["total"] == pytest.approx(sum(data["cpu_s"][p] for p in parts), abs=0.01)
    assert data["cpu_s"]["extract"] > 0 and data["extract_peak_mib"] > 50
