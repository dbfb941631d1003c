"""Benchmark the web pages: server time of the catalogue, a 1,000-observation view and a factsheet.

    python benchmarks/bench_web.py                       # builds the demo store in a temporary folder
    python benchmarks/bench_web.py --store releases      # an existing store (demo + regional)
    python benchmarks/bench_web.py --json                # one JSON object

Starts the real server (uvicorn, a separate process on 127.0.0.1) over the demo store (what
``sdmx-publish demo`` then ``sdmx-publish regional`` publish), loads each page once (which fills
the caches), then requests it ``--repeat`` times with one keep-alive httpx client. Server time is the
page's ``Server-Timing: app;dur=`` header (building and rendering the page, from the handler's start
to the rendered HTML); wall time is the client's, over loopback. Each answer is checked: the
1,000-observation view must hold 1,000 table rows. The target is server time p95 under 500 ms.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench_feed import start  # noqa: E402  (the same real server, started the same way)

from sdmx_publish.cli import main as cli  # noqa: E402

#: name -> (path, what the answer must hold); the 1,000-observation view is the first page of the
#: table of VC_IHR_PSRC (2,487 observations in the demo store, 1,000 rows per page)
PAGES = {
    "catalogue": ("/ui/", "article class=\"card\""),
    "table_1000_obs": ("/ui/data/CCJS/DF_SDG_16_CRIME?SERIES=VC_IHR_PSRC&view=table", None),
    "chart_korea": ("/ui/data/CCJS/DF_SDG_16_CRIME?REF_AREA=410&SERIES=VC_IHR_PSRC", "series-chart-spec"),
    "factsheet_korea": ("/ui/country/410", "id=\"latest\""),
    "release_history": ("/ui/history/CCJS/DF_ICCS", "id=\"history\""),
}
TARGET_MS = 500.0


def _check(name: str, text: str, must: str | None) -> None:
    if name == "table_1000_obs":
        rows = len(re.findall(r'data-c="OBS_VALUE"', text))
        if rows != 1000:
            raise AssertionError(f"{name}: {rows} table rows, not 1,000")
    elif must and must not in text:
        raise AssertionError(f"{name}: the page lacks {must!r}")


def measure(base: str, repeat: int) -> dict:
    out: dict = {}
    with httpx.Client(base_url=base, timeout=120) as client:
        for name, (path, must) in PAGES.items():
            t = time.perf_counter()
            first = client.get(path)
            first.raise_for_status()
            cold = (time.perf_counter() - t) * 1000
            _check(name, first.text, must)
            server, wall = [], []
            for _ in range(repeat):
                t = time.perf_counter()
                r = client.get(path)
                wall.append((time.perf_counter() - t) * 1000)
                r.raise_for_status()
                server.append(float(r.headers["server-timing"].split("dur=")[1]))
            out[name] = {"first_ms": round(cold, 1),
                         "server_p50_ms": round(float(np.percentile(server, 50)), 1),
                         "server_p95_ms": round(float(np.percentile(server, 95)), 1),
                         "wall_p50_ms": round(float(np.percentile(wall, 50)), 1),
                         "bytes": len(first.content)}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--store", help="an existing store with the demo and regional releases (default: build one)")
    ap.add_argument("--repeat", type=int, default=30, help="timed requests per page")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-web-") as tmp:
        store = Path(args.store) if args.store else Path(tmp)
        with contextlib.redirect_stdout(sys.stderr):  # the CLI's report is not part of the result
            if not args.store and (cli(["demo", "--store", str(store)]) or cli(["regional", "--store", str(store)])):
                raise SystemExit("building the demo store failed")
        proc, base = start(store)
        try:
            result = measure(base, args.repeat)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    ok = all(r["server_p95_ms"] < TARGET_MS for r in result.values())
    if args.json:
        print(json.dumps({"target_ms": TARGET_MS, "all_under_target": ok, "pages": result}))
        return
    print(f"{'page':>18} {'first':>8} {'server p50':>11} {'server p95':>11} {'wall p50':>9} {'bytes':>9}")
    for name, r in result.items():
        print(f"{name:>18} {r['first_ms']:>8} {r['server_p50_ms']:>11} {r['server_p95_ms']:>11} "
              f"{r['wall_p50_ms']:>9} {r['bytes']:>9}")
    print(f"server time p95 under {TARGET_MS:.0f} ms on every page: {'yes' if ok else 'NO'}")


if __name__ == "__main__":
    main()
