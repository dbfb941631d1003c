"""Benchmark the publish step in CPU time: a first publication, and the same part published again revised.

    python benchmarks/bench_publish.py --obs 1000000 --json

One country table of ``--obs`` observations of ``CCJS:DF_ICCS`` (``bench_pipeline.generate``), taken
through extract, transform and validate once. Then in one process, after a warm-up round (imports, the
registry), ``--rounds`` times into a new store: ``first``, the publish step (``pipeline.step_publish``:
the part's three files, content hash, last-changed dates, structure message, fsync and commit) into the
empty store; ``revised``, the same part again with one value in a hundred changed (``publish.publish``:
the part compared with the previous release's version for its last-changed dates). Each in CPU seconds of
this process (``time.process_time``), the best round reported: CPU rather than wall time because the
machine may be shared. Then both in a new process for the peak RSS (its VmHWM: interpreter, imports and
the loaded frame included).

JSON: ``{"obs", "rounds", "cpu_s": {"first", "revised"}, "peak_mib", "loadavg_1m_before_after"}``.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_pipeline import PEAK, child_peak_mib, cpu_main, generate  # noqa: E402

from sdmx_publish import frames, pipeline  # noqa: E402
from sdmx_publish.names import STEPS, Step  # noqa: E402
from sdmx_publish.publish import publish  # noqa: E402
from sdmx_publish.structure import load_registry  # noqa: E402

BOTH = PEAK + """
import json, sys
from pathlib import Path
sys.path.insert(0, sys.argv[4])
from bench_publish import both
both(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]))
print(json.dumps({"peak_kib": peak_kib()}))
"""


def both(spec: Path, work: Path, store: Path) -> dict[str, float]:
    """CPU seconds of the first publication of the part into ``store`` and of its revised republication."""
    start = time.process_time()
    pipeline.step_publish(spec, work, store)
    first = time.process_time() - start
    frame = frames.load(work / pipeline.VALIDATED)
    frame["OBS_VALUE"] = frame["OBS_VALUE"].where(np.arange(len(frame)) % 100 != 0, frame["OBS_VALUE"] + 1)
    flow = load_registry().flow("DF_ICCS")
    start = time.process_time()
    _, new = publish(frame, flow, load_registry(), store=store, part=pipeline.part_id(spec))
    revised = time.process_time() - start
    assert new, "the revised part must make a new release"
    return {"first": round(first, 3), "revised": round(revised, 3)}


def run(n_obs: int, rounds: int, folder: Path) -> dict:
    load = os.getloadavg()[0]
    spec = generate(folder / "source", n_obs, 1)[0]
    work = folder / "work"
    work.mkdir()
    for step in STEPS[:STEPS.index(Step.PUBLISH)]:  # the steps before publish
        pipeline.run_step(step, spec, work, folder / "stages")
    both(spec, work, folder / "warm-up")
    best = min((both(spec, work, folder / f"round{i}") for i in range(rounds)), key=lambda r: r["first"] + r["revised"])
    peak = child_peak_mib(BOTH, str(spec), str(work), str(folder / "rss"), str(ROOT / "benchmarks"))
    return {"obs": n_obs, "rounds": rounds, "cpu_s": best, "peak_mib": round(peak, 1),
            "loadavg_1m_before_after": [round(load, 2), round(os.getloadavg()[0], 2)]}


def report(out: dict) -> None:
    for name, seconds in out["cpu_s"].items():
        print(f"{name:>8}  {seconds:6.3f} s CPU")
    print(f"peak RSS {out['peak_mib']:.0f} MiB")


if __name__ == "__main__":
    cpu_main(__doc__, "bench-publish-", run, report)
