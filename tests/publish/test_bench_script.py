"""The publish benchmark runs and prints the documented JSON shape (timings are not checked)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from sdmx_publish import config


@pytest.mark.slow
def test_bench_publish_json_shape() -> None:
    out = subprocess.run([sys.executable, str(config.ROOT / "benchmarks" / "bench_publish.py"), "--obs", "3000",
                          "--rounds", "1", "--json"], capture_output=True, text=True, check=True, timeout=300)
    data = json.loads(out.stdout)
    assert data["obs"] == 3000 and data["rounds"] == 1
    assert list(data["cpu_s"]) == ["first", "revised"] and all(v > 0 for v in data["cpu_s"].values())
    assert data["peak_mib"] > 50 and len(data["loadavg_1m_before_after"]) == 2
