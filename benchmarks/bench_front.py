"""Benchmark the front of the pipeline: extract, transform and the frames handed between the steps, in CPU time.

    python benchmarks/bench_front.py --obs 1000000 --json

One country table of ``--obs`` observations of ``CCJS:DF_ICCS`` (``bench_pipeline.generate``). In one
process, after a warm-up round (imports, the registry), ``--rounds`` times: the extract step, the
transform step, and the plumbing after them (validate's load of ``frame.parquet``, a save of it as
``validated.parquet``, publish's load of that), each in CPU seconds of this process
(``time.process_time``: all its threads), the best round reported. CPU time rather than wall time
because the machine may be shared. Then the extract step alone in a new process for its peak RSS
(its VmHWM, interpreter and imports included; not ``ru_maxrss``, which Linux keeps across exec: a child
reports at least the RSS of the process it was forked from).

JSON: ``{"obs", "rounds", "cpu_s": {"extract", "transform", "load_frame", "save_validated",
"load_validated", "total"}, "extract_peak_mib", "loadavg_1m_before_after"}``.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_pipeline import PEAK, child_peak_mib, cpu_main, generate  # noqa: E402

from sdmx_publish import frames, pipeline  # noqa: E402

EXTRACT = PEAK + """
import json, sys
from pathlib import Path
from sdmx_publish import pipeline
pipeline.step_extract(sys.argv[1], Path(sys.argv[2]))
print(json.dumps({"peak_kib": peak_kib()}))
"""


def one_round(spec: Path, work: Path) -> dict[str, float]:
    """CPU seconds of each part of the front, in this process."""
    work.mkdir(parents=True)
    took: dict[str, float] = {}

    def timed(name, call):
        start = time.process_time()
        out = call()
        took[name] = round(time.process_time() - start, 3)
        return out

    timed("extract", lambda: pipeline.step_extract(spec, work))
    timed("transform", lambda: pipeline.step_transform(spec, work))
    frame = timed("load_frame", lambda: frames.load(work / pipeline.FRAME))
    timed("save_validated", lambda: frames.save(frame, work / "validated.parquet"))
    timed("load_validated", lambda: frames.load(work / "validated.parquet"))
    took["total"] = round(sum(took.values()), 3)
    return took


def run(n_obs: int, rounds: int, folder: Path) -> dict:
    load = os.getloadavg()[0]
    spec = generate(folder / "source", n_obs, 1)[0]
    one_round(spec, folder / "warm-up")
    best = min((one_round(spec, folder / f"round{i}") for i in range(rounds)), key=lambda r: r["total"])
    (folder / "rss").mkdir()
    peak = child_peak_mib(EXTRACT, str(spec), str(folder / "rss"))
    return {"obs": n_obs, "rounds": rounds, "cpu_s": best, "extract_peak_mib": round(peak, 1),
            "loadavg_1m_before_after": [round(load, 2), round(os.getloadavg()[0], 2)]}


def report(out: dict) -> None:
    for name, seconds in out["cpu_s"].items():
        print(f"{name:>15}  {seconds:6.3f} s CPU")
    print(f"extract peak RSS {out['extract_peak_mib']:.0f} MiB")


if __name__ == "__main__":
    cpu_main(__doc__, "bench-front-", run, report)
