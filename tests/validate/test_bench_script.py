"""The benchmark script runs and prints the documented JSON shape (timings are not checked)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from sdmx_publish import config


@pytest.mark.slow
def test_bench_validate_json_shape() -> None:
    out = subprocess.run([sys.executable, str(config.ROOT / "benchmarks" / "bench_validate.py"), "--obs", "3000",
                          "--repeat", "1", "--json"], capture_output=True, text=True, check=True, timeout=300)
    data = json.loads(out.stdout)
    assert data["obs"] == 3000
    assert [r["rules"] for r in data["results"]] == ["structural", "all"]
    assert all(r["seconds"] > 0 and r["cpu_seconds"] > 0 and r["obs_per_second"] > 0 for r in data["results"])
    structural, full = data["results"]
    assert structural["errors"] >= 1 and full["findings"] > structural["findings"]  # planted problems found
