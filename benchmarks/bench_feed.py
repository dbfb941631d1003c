"""Benchmark the SDMX REST service: key queries and full downloads on a large dataflow, over real HTTP.

    python benchmarks/bench_feed.py --obs 1000000            # table
    python benchmarks/bench_feed.py --obs 1000000 --json     # one JSON object

Builds one release of ``CCJS:DF_SDG_16_CRIME`` (the global SDG DSD 1.14, codes from its codelists,
made-up values) with the real publisher, starts the real server (uvicorn, a separate process on
127.0.0.1), then with one keep-alive httpx client:

- ``first_query_s``: the first query, which loads the release's data.csv into the frame cache;
- ``key_query_p50_ms``/``p99``: ``--queries`` one-series key queries (SDMX-ML 2.1 generic, the v1
  default) for random series of the release, each answer checked to hold that series' observations;
- ``full_download_s``: the whole dataflow as SDMX-CSV 1.0, streamed and counted, not stored;
- ``server_peak_mib``: the server process's peak resident memory (VmHWM) at the end;
- ``build_s``, ``build_peak_mib``: making the sample frame and publishing it (one part), and this
  process's peak resident memory, which that sets;
- ``loadavg_1m_before_after``: the machine's load average (it may be shared).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sdmx_publish.publish import publish  # noqa: E402
from sdmx_publish.structure import load_registry  # noqa: E402
from tests.serve.sample import sample_frame  # noqa: E402

FLOW_ID = "DF_SDG_16_CRIME"
YEARS = range(2000, 2024)


def build(store: Path, n_obs: int) -> tuple[list[str], float]:
    """Publish the release; return the series keys (v1 key syntax) and the seconds it took."""
    registry = load_registry()
    flow = registry.flow(FLOW_ID)
    t = time.perf_counter()
    frame = sample_frame(flow, n_obs, years=YEARS)
    publish(frame, flow, registry, store=store, part="bench")
    took = time.perf_counter() - t
    dims = flow.dsd.dimension_ids
    keys = frame[dims].drop_duplicates().astype(str).agg(".".join, axis=1).tolist()
    return keys, took


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(store: Path) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    code = f"from sdmx_publish.serve.app import run; run({str(store)!r}, '127.0.0.1', {port}, log_level='warning')"
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            httpx.get(base + "/", timeout=2)
            return proc, base
        except httpx.TransportError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("the server did not start")


def peak_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def measure(base: str, keys: list[str], n_queries: int, n_obs: int) -> dict:
    rng = np.random.default_rng(0)
    out: dict = {}
    with httpx.Client(base_url=base, timeout=600) as client:
        t = time.perf_counter()
        client.get(f"/sdmx/v1/data/{FLOW_ID}/{keys[0]}").raise_for_status()
        out["first_query_s"] = round(time.perf_counter() - t, 3)
        lat = []
        for k in rng.choice(keys, size=n_queries):
            t = time.perf_counter()
            r = client.get(f"/sdmx/v1/data/{FLOW_ID}/{k}")
            lat.append((time.perf_counter() - t) * 1000)
            r.raise_for_status()
            if r.text.count("<generic:Obs>") != len(YEARS):
                raise AssertionError(f"key {k}: expected {len(YEARS)} observations")
        out["key_query_p50_ms"] = round(float(np.percentile(lat, 50)), 2)
        out["key_query_p99_ms"] = round(float(np.percentile(lat, 99)), 2)
        t = time.perf_counter()
        size = lines = 0
        with client.stream("GET", f"/sdmx/v1/data/{FLOW_ID}/all", params={"format": "sdmx-csv-1.0"},
                           headers={"Accept-Encoding": "identity"}) as r:
            r.raise_for_status()
            for chunk in r.iter_bytes():
                size += len(chunk)
                lines += chunk.count(b"\n")
        out["full_download_s"] = round(time.perf_counter() - t, 3)
        out["full_download_mib"] = round(size / 2**20, 1)
        if lines != n_obs + 1:
            raise AssertionError(f"full download has {lines - 1} observations, not {n_obs}")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--obs", type=int, default=1_000_000, help="observations in the release")
    ap.add_argument("--queries", type=int, default=300, help="key queries to time")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    args = ap.parse_args()
    n_obs = len(YEARS) * -(-args.obs // len(YEARS))  # whole series
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="bench-feed-") as tmp:
        keys, build_s = build(Path(tmp), n_obs)
        proc, base = start(Path(tmp))
        try:
            result = {"obs": n_obs, **measure(base, keys, args.queries, n_obs)}
            result["server_peak_mib"] = round(peak_mib(proc.pid), 1)
            result["build_s"] = round(build_s, 1)
            result["build_peak_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
            result["loadavg_1m_before_after"] = [round(load, 2), round(os.getloadavg()[0], 2)]
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    if args.json:
        print(json.dumps(result))
    else:
        for k, v in result.items():
            print(f"{k:>20}  {v}")


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
