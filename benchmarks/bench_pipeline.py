"""Benchmark the pipeline end to end and per stage, and the cost of one more part.

    python benchmarks/bench_pipeline.py --obs 1000000 --parts 1 --json
    python benchmarks/bench_pipeline.py --obs 10000000 --parts 200 --json

Generates a multi-country source into a temporary folder: ``--parts`` tidy CSV tables (one spec each,
the parts of ``CCJS:DF_ICCS``) of ``--obs / --parts`` observations, every code from the DSD's
codelists (countries split between the parts), made-up values with a few year-on-year jumps and
rounded-to-zero cells so that the statistical rules have something to warn about. Then, each in its
own subprocess (peak RSS via psutil, polled, and the child's own maximum, its VmHWM):

- ``extract``, ``transform``, ``validate``, ``publish``: the pipeline's steps on the first part,
  into an empty store (the library functions the CLI and the DAGs call);
- ``run``: ``sdmx-publish run`` of the first part into another empty store (end to end);
- the parts between the first and the last, published one by one in one process (``pipeline.run``,
  what the CLI calls, without an interpreter start each: ``middle_parts_s``, each part's seconds);
- ``run_last_part``: ``sdmx-publish run`` of the last part into the dataflow holding all the others
  (``last_part_s``; ``first_part_s`` is the ``run`` above);
- ``run_first_part_again``: the first part into another empty store, right after, so that the first and
  the last part are also compared under the same load.

JSON: ``{"obs", "parts", "results": [{"stage", "seconds", "peak_mib"}], "first_part_s", "last_part_s",
"middle_parts_s", "middle_parts_peak_mib", "loadavg_1m_before_after"}`` (the load average because the
machine may be shared).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sdmx_publish.names import STEPS  # noqa: E402
from sdmx_publish.structure import load_registry  # noqa: E402

FLOW_ID = "DF_ICCS"
YEARS = [str(y) for y in range(2000, 2024)]
#: the dimensions that vary within a country (leaf codes only: no total to add up)
VARY = ("INDICATOR", "ICCS", "SEX", "AGE")
CONSTANTS = {"FREQ": "A", "CYBER": "_T", "VIC_PERP_REL": "_T", "SIT_CONTEXT": "_T", "UNIT_MEASURE": "NUMBER"}
#: the child's own peak RSS: VmHWM, not ``ru_maxrss``, which Linux keeps across exec, so that a child
#: reports at least the RSS of the benchmark process it was forked from (the generated tables)
PEAK = """
def peak_kib():
    try:
        with open("/proc/self/status") as f:
            return int(next(line for line in f if line.startswith("VmHWM")).split()[1])
    except OSError:
        import resource
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
"""
STEP = PEAK + """
import json, sys
from pathlib import Path
from sdmx_publish import pipeline
spec, work, store, stage = sys.argv[1:5]
pipeline.run_step(stage, spec, Path(work), Path(store))
print(json.dumps({"peak_kib": peak_kib()}), file=sys.stderr)
"""

#: publishes the parts between the first and the last in one process, one JSON line per part
MIDDLE = PEAK + """
import json, sys, time
from sdmx_publish import pipeline
for spec in sys.argv[2:]:
    t = time.perf_counter()
    pipeline.run(spec, sys.argv[1])
    print(json.dumps({"seconds": round(time.perf_counter() - t, 3)}), file=sys.stderr, flush=True)
print(json.dumps({"peak_kib": peak_kib()}), file=sys.stderr)
"""


def _leaves(codes: dict, n: int | None = None) -> list[str]:
    parents = {c.parent for c in codes.values() if c.parent}
    out = [k for k in codes if not k.startswith("_") and k not in parents]
    return out[:n] if n else out


def generate(folder: Path, n_obs: int, n_parts: int, seed: int = 0) -> list[Path]:
    """The parts' tables and specs; returns the spec paths."""
    flow = load_registry().flow(FLOW_ID)
    cl = flow.codelists
    areas = _leaves(cl["REF_AREA"].codes)
    choices = {"INDICATOR": _leaves(cl["INDICATOR"].codes, 4), "ICCS": _leaves(cl["ICCS"].codes),
               "SEX": ["F", "M"], "AGE": _leaves(cl["AGE"].codes, 40)}
    per_part = n_obs // n_parts
    rng = np.random.default_rng(seed)
    specs = []
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n_parts):
        mine = areas[i::n_parts] or [areas[i % len(areas)]]
        radix = [len(mine), *(len(choices[d]) for d in VARY), len(YEARS)]
        if int(np.prod(radix)) < per_part:
            raise SystemExit(f"part {i}: only {int(np.prod(radix))} distinct keys for {per_part} observations")
        idx = np.unravel_index(np.arange(per_part), radix)
        cols = {"REF_AREA": np.asarray(mine)[idx[0]],
                **{d: np.asarray(choices[d])[idx[k + 1]] for k, d in enumerate(VARY)},
                "TIME_PERIOD": np.asarray(YEARS)[idx[-1]]}
        value = rng.integers(5, 5000, per_part).astype(object)
        value[rng.random(per_part) < 0.001] = 900_000  # a jump: outlier warnings
        table = pd.DataFrame({**cols, "VALUE": value})
        name = f"c{i:03d}"
        table.to_csv(folder / f"{name}.csv", index=False)
        spec = folder / f"{name}.yaml"
        spec.write_text(
            f"dataflow: {FLOW_ID}\nname: benchmark country table {i}\nsource:\n  path: {name}.csv\n  format: csv\n"
            "columns:\n" + "".join(f"  {c}: {c}\n" for c in ("REF_AREA", *VARY, "TIME_PERIOD"))
            + "  OBS_VALUE: VALUE\nconstants:\n" + "".join(f"  {k}: {v}\n" for k, v in CONSTANTS.items()))
        specs.append(spec)
    return specs


def timed(cmd: list[str]) -> tuple[float, float, str]:
    """Run ``cmd``; (seconds, peak MiB, stderr). Fails loudly on a non-zero exit."""
    t = time.perf_counter()
    proc = psutil.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = 0
    while proc.poll() is None:
        try:
            peak = max(peak, proc.memory_info().rss)
        except psutil.Error:
            break
        time.sleep(0.01)
    out, err = proc.communicate()
    took = time.perf_counter() - t
    if proc.returncode:
        raise SystemExit(f"{' '.join(cmd)} exited {proc.returncode}:\n{out}\n{err}")
    for line in err.splitlines():
        if line.startswith('{"peak_kib"'):
            peak = max(peak, json.loads(line)["peak_kib"] * 1024)
    return took, peak / 2**20, err


def run(n_obs: int, n_parts: int, folder: Path) -> dict:
    """Generate the source into ``folder`` and time the runs there."""
    load = os.getloadavg()[0]
    tmp = Path(folder)
    specs = generate(tmp / "source", n_obs, n_parts)
    py = sys.executable
    results = []
    work, stage_store = tmp / "work", tmp / "stages"
    work.mkdir(exist_ok=True)
    for stage in STEPS:
        took, peak, _ = timed([py, "-c", STEP, str(specs[0]), str(work), str(stage_store), stage])
        results.append({"stage": stage, "seconds": round(took, 3), "peak_mib": round(peak, 1)})
    store = tmp / "store"
    cli = [py, "-m", "sdmx_publish.cli", "run", "--store", str(store)]
    first, peak, _ = timed([*cli, str(specs[0])])
    results.append({"stage": "run", "seconds": round(first, 3), "peak_mib": round(peak, 1)})
    last, each, middle_peak = first, [], 0.0
    if n_parts > 2:  # the parts between the first and the last, in one process (no interpreter start each)
        _, middle_peak, err = timed([py, "-c", MIDDLE, str(store), *map(str, specs[1:-1])])
        each = [json.loads(line)["seconds"] for line in err.splitlines() if line.startswith('{"seconds"')]
    if n_parts > 1:
        last, peak, _ = timed([*cli, str(specs[-1])])
        results.append({"stage": "run_last_part", "seconds": round(last, 3), "peak_mib": round(peak, 1)})
        again, peak, _ = timed([*cli[:-1], str(tmp / "store-again"), str(specs[0])])
        results.append({"stage": "run_first_part_again", "seconds": round(again, 3), "peak_mib": round(peak, 1)})
    return {"obs": n_parts * (n_obs // n_parts), "parts": n_parts, "results": results,
            "first_part_s": round(first, 3), "last_part_s": round(last, 3),
            "middle_parts_s": each, "middle_parts_peak_mib": round(middle_peak, 1),
            "loadavg_1m_before_after": [round(load, 2), round(os.getloadavg()[0], 2)]}


def child_peak_mib(code: str, *args: str) -> float:
    """Run ``code`` in a fresh interpreter with this checkout first on the path; the peak RSS in MiB that it
    prints last (``PEAK``'s JSON line)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True, env=env)
    return json.loads(out.stdout.strip().splitlines()[-1])["peak_kib"] / 1024


def cpu_main(doc: str, prefix: str, run: Callable[[int, int, Path], dict], report: Callable[[dict], None]) -> None:
    """The command line of the CPU-time benchmarks (``bench_front``, ``bench_publish``): ``--obs``,
    ``--rounds``, ``--json``; ``run(obs, rounds, folder)`` in a temporary folder, then ``report(result)``."""
    ap = argparse.ArgumentParser(description=doc.split("\n")[0])
    ap.add_argument("--obs", type=int, default=1_000_000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        out = run(args.obs, args.rounds, Path(tmp))
    if args.json:
        print(json.dumps(out))
    else:
        report(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--obs", type=int, default=1_000_000)
    ap.add_argument("--parts", type=int, default=1)
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    ap.add_argument("--keep", type=Path, help="work in this folder and keep it (default: a temporary one)")
    args = ap.parse_args()
    if args.keep:
        out = run(args.obs, args.parts, args.keep)
    else:
        with tempfile.TemporaryDirectory(prefix="bench-pipeline-") as tmp:
            out = run(args.obs, args.parts, Path(tmp))
    if args.json:
        print(json.dumps(out))
        return
    for r in out["results"]:
        print(f"{r['stage']:>14}  {r['seconds']:8.2f} s  {r['peak_mib']:8.0f} MiB")
    print(f"first part {out['first_part_s']:.2f} s, last part {out['last_part_s']:.2f} s")


if __name__ == "__main__":
    main()
