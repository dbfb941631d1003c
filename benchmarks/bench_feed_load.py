"""Load benchmark of the SDMX feed: many concurrent clients asking one-series key queries, over real HTTP.

    python benchmarks/bench_feed_load.py --clients 50 --seconds 60 --json
    python benchmarks/bench_feed_load.py --store releases --workers 2 --clients 20 --seconds 10

Publishes the demo store (``sdmx-publish demo``) into a temporary folder unless ``--store`` names
one, starts ``sdmx-publish serve --workers N`` on 127.0.0.1 (a separate process tree), and runs
``--clients`` keep-alive HTTP/1.1 clients for ``--seconds``: each asks, one after the other,
``/sdmx/v1/data/DF_ICCS/{key}`` for a random series of the latest release (SDMX-ML 2.1 generic,
the v1 default, gzip accepted as sdmx1 and browsers do) and checks that the answer is a 200
holding exactly that series' observations. Anything else counts as an error.

The clients are a small asyncio HTTP/1.1 client rather than a load tool such as locust: on the
2-core machines this runs on, the load generator shares the cores with the server, and this one
costs a fraction of a millisecond of CPU per request (its CPU time is reported, as is the
server's). Everything is bounded: at most 200 clients, 600 seconds, loopback only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import resource
import socket
import subprocess
import sys
import tempfile
import time
import zlib
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sdmx_publish.store import latest  # noqa: E402

HOST = "127.0.0.1"
FLOW = "DF_ICCS"
MAX_CLIENTS, MAX_SECONDS = 200, 600
OBS = b"<generic:Obs>"


# -- the store and the server -------------------------------------------------------------------

def demo_store(folder: Path) -> Path:
    """Publish the bundled examples into ``folder`` with the real CLI."""
    subprocess.run([sys.executable, "-m", "sdmx_publish.cli", "demo", "--store", str(folder)], cwd=ROOT,
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return folder


def series(store: Path, agency: str = "CCJS") -> tuple[list[str], dict[str, int]]:
    """The v1 keys of every series of the flow's latest release and their observation counts."""
    with latest(store, agency, FLOW).open("data.csv") as data:  # type: ignore[union-attr]
        frame = pd.read_csv(data, dtype=str, keep_default_na=False)
    # the dimensions in key order: the columns between DATAFLOW and TIME_PERIOD
    dims = list(frame.columns[1:list(frame.columns).index("TIME_PERIOD")])
    counts = frame.groupby(dims, sort=False).size()
    keys = [".".join(k) for k in counts.index]
    return keys, dict(zip(keys, counts.to_numpy().tolist(), strict=True))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def start_server(store: Path, workers: int, answer_cache_mib: int | None) -> tuple[subprocess.Popen, int]:
    port = _free_port()
    cmd = [sys.executable, "-m", "sdmx_publish.cli", "serve", "--store", str(store), "--host", HOST,
           "--port", str(port), "--workers", str(workers), "--log-level", "warning"]
    env = dict(os.environ)
    if answer_cache_mib is not None:
        env["SDMX_PUBLISH_ANSWER_CACHE_MIB"] = str(answer_cache_mib)
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with {proc.returncode}")
        try:
            with socket.create_connection((HOST, port), timeout=1):
                return proc, port
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("the server did not start within 120 s")


def stop_server(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


def server_cpu_seconds(proc: subprocess.Popen) -> float:
    """CPU time (user + system) of the server and its worker processes so far."""
    total = 0.0
    root = psutil.Process(proc.pid)
    for p in [root, *root.children(recursive=True)]:
        try:
            t = p.cpu_times()
            total += t.user + t.system
        except psutil.NoSuchProcess:
            continue
    return total


# -- a minimal HTTP/1.1 keep-alive client -----------------------------------------------------------

class Connection:
    """One keep-alive connection; :meth:`get` returns (status, decoded body)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, path: str) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(HOST, self.port)
        assert self.reader is not None
        self.writer.write(f"GET {path} HTTP/1.1\r\nHost: {HOST}:{self.port}\r\nAccept-Encoding: gzip\r\n"
                          f"User-Agent: bench_feed_load\r\n\r\n".encode())
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in lines[1:] if h)}
        if "content-length" in headers:
            body = await self.reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding") == "chunked":
            parts = []
            while size := int((await self.reader.readline()).split(b";")[0], 16):
                parts.append((await self.reader.readexactly(size + 2))[:-2])
            await self.reader.readline()
            body = b"".join(parts)
        else:
            body = await self.reader.read()
        if headers.get("connection") == "close":
            await self.close()
        if headers.get("content-encoding") == "gzip":
            body = zlib.decompress(body, 16 + zlib.MAX_WBITS)
        return status, body

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            try:
                await self.writer.wait_closed()
            except OSError:
                pass
        self.reader = self.writer = None


async def client(port: int, keys: list[str], counts: dict[str, int], until: float, seed: int,
                 latencies: list[float], errors: list[str]) -> None:
    """Ask for random series until ``until`` (monotonic time); record latencies and errors."""
    rng = random.Random(seed)
    conn = Connection(port)
    try:
        while time.monotonic() < until:
            key = rng.choice(keys)
            t = time.perf_counter()
            try:
                status, body = await conn.get(f"/sdmx/v1/data/{FLOW}/{key}")
            except (OSError, asyncio.IncompleteReadError, ValueError, zlib.error) as e:
                errors.append(f"{type(e).__name__}: {e}")
                await conn.close()
                continue
            latencies.append(time.perf_counter() - t)
            if status != 200:
                errors.append(f"HTTP {status} for {key}")
            elif body.count(OBS) != counts[key]:
                errors.append(f"{key}: {body.count(OBS)} observations instead of {counts[key]}")
    finally:
        await conn.close()


async def load(port: int, keys: list[str], counts: dict[str, int], clients: int, seconds: float,
               seed: int) -> tuple[list[float], list[str], float]:
    latencies: list[float] = []
    errors: list[str] = []
    start = time.monotonic()
    await asyncio.gather(*(client(port, keys, counts, start + seconds, seed + i, latencies, errors)
                           for i in range(clients)))
    return latencies, errors, time.monotonic() - start


# -- the run ---------------------------------------------------------------------------------------

def machine() -> dict:
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor())
    return {"cpus": os.cpu_count(), "cpu_model": model, "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
            "python": platform.python_version(), "system": platform.platform()}


def run(store: Path, workers: int, clients: int, seconds: float, warmup: float, seed: int,
        answer_cache_mib: int | None = None) -> dict:
    keys, counts = series(store)
    proc, port = start_server(store, workers, answer_cache_mib)
    try:
        # warm up: every worker loads the release and its structures before the clock starts
        asyncio.run(load(port, keys, counts, clients, warmup, seed + 10_000))
        cpu0, load0 = server_cpu_seconds(proc), os.getloadavg()
        own0 = resource.getrusage(resource.RUSAGE_SELF)
        latencies, errors, took = asyncio.run(load(port, keys, counts, clients, seconds, seed))
        own1 = resource.getrusage(resource.RUSAGE_SELF)
        server_cpu = server_cpu_seconds(proc) - cpu0
        load1 = os.getloadavg()
    finally:
        stop_server(proc)
    ms = np.asarray(latencies) * 1000
    n = len(latencies)
    pct = {f"p{p}_ms": round(float(np.percentile(ms, p)), 1) if n else None for p in (50, 90, 99)}
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "query": f"/sdmx/v1/data/{FLOW}/{{one series key}} (SDMX-ML 2.1 generic, gzip)",
        "store": {"flow": f"CCJS:{FLOW}", "series": len(keys), "observations": int(sum(counts.values()))},
        "workers": workers, "answer_cache_mib": answer_cache_mib if answer_cache_mib is not None else "default",
        "clients": clients, "seconds": round(took, 1), "warmup_s": warmup,
        "requests": n, "errors": len(errors), "error_examples": sorted(set(errors))[:5],
        "req_per_s": round(n / took, 1), **pct, "max_ms": round(float(ms.max()), 1) if n else None,
        "server_cpu_s": round(server_cpu, 1),
        "client_cpu_s": round(own1.ru_utime + own1.ru_stime - own0.ru_utime - own0.ru_stime, 1),
        "loadavg_1m_before_after": [round(load0[0], 2), round(load1[0], 2)],
        "machine": machine(),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clients", type=int, default=50, help=f"concurrent clients (at most {MAX_CLIENTS})")
    ap.add_argument("--seconds", type=float, default=60, help=f"duration of the measured run (at most {MAX_SECONDS})")
    ap.add_argument("--warmup", type=float, default=5, help="seconds of load before the measured run")
    ap.add_argument("--workers", type=int, default=2, help="server worker processes (sdmx-publish serve --workers)")
    ap.add_argument("--store", help="an existing release store with CCJS:DF_ICCS (default: publish the demo)")
    ap.add_argument("--answer-cache-mib", type=int, help="the workers' answer cache (0: off; default: the "
                    "server's default)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    args = ap.parse_args()
    if not (1 <= args.clients <= MAX_CLIENTS and 0 < args.seconds <= MAX_SECONDS and 0 <= args.warmup <= 60
            and 1 <= args.workers <= 16):
        ap.error(f"--clients 1..{MAX_CLIENTS}, --seconds up to {MAX_SECONDS}, --warmup up to 60, --workers 1..16")
    with tempfile.TemporaryDirectory(prefix="bench-feed-load-") as tmp:
        store = Path(args.store).resolve() if args.store else demo_store(Path(tmp) / "store")
        result = run(store, args.workers, args.clients, args.seconds, args.warmup, args.seed, args.answer_cache_mib)
    if args.json:
        print(json.dumps(result))
    else:
        for k, v in result.items():
            print(f"{k:>24}  {v}")
    if result["errors"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
