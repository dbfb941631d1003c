"""Benchmark the validation engine: structural checks alone, then every rule.

    python benchmarks/bench_validate.py --obs 1000000            # table
    python benchmarks/bench_validate.py --obs 1000000 --json     # {"obs": N, "results": [...]}

The dataset is on our ICCS DSD (dataflow ``DF_ICCS``, every code from the real codelists in
``dsd/``): countries x years x {OFFENCES, VICTIMS} x ICCS sections 01-11 with all their level-2
categories x sex (F, M, _T) x unit (NUMBER and PER_100000_POP), consistent like real data (parents
are the sum of their children, totals the sum of F and M, rates computed from counts and a
population, a rate by sex per 100,000 of that sex, half of it), rows shuffled, with a few hundred
planted problems (unknown codes, negative counts, outliers, a conflicting duplicate) so every rule
does real work. "all" also gets the previous
release (the same frame with 1% of the values revised) and the population, so the revision and
rate rules run. ``seconds`` is the best wall-clock time of ``--repeat`` runs of ``validate()`` (report
assembled, nothing written), ``cpu_seconds`` the best CPU time of this process (less sensitive to a
machine shared with other work).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sdmx_publish.structure import Flow, load_registry  # noqa: E402 - after the sys.path line above
from sdmx_publish.validate import STRUCTURAL, validate  # noqa: E402

FLOW_ID = "DF_ICCS"
YEARS = [str(y) for y in range(2001, 2025)]


def _categories(flow: Flow) -> tuple[list[str], list[str], list[str]]:
    """ICCS level-1 sections, their level-2 children, and each child's parent."""
    codes = flow.codelists["ICCS"].codes.values()
    sections = [c.id for c in codes if c.parent is None and c.id != "_T"]
    kids = [c for c in codes if c.parent in sections]
    return sections, [c.id for c in kids], [c.parent for c in kids]  # type: ignore[misc]


def make_frame(flow: Flow, n: int, seed: int = 7) -> tuple[pd.DataFrame, pd.DataFrame]:
    """About ``n`` observations (exactly ``n`` after trimming) and a population table."""
    rng = np.random.default_rng(seed)
    sections, kids, parent_of = _categories(flow)
    per_area = len(YEARS) * 2 * (len(sections) + len(kids)) * 3 * 2
    areas_all = sorted(c for c in flow.codelists["REF_AREA"].codes if c.isdigit())
    n_areas = min(len(areas_all), max(1, -(-n // per_area)))
    areas = areas_all[:n_areas]
    # leaf counts: area x year x indicator x child x sex(F, M)
    grid = pd.MultiIndex.from_product([areas, YEARS, ["OFFENCES", "VICTIMS"], kids, ["F", "M"]],
                                      names=["REF_AREA", "TIME_PERIOD", "INDICATOR", "ICCS", "SEX"]).to_frame(index=False)
    grid["OBS_VALUE"] = rng.poisson(40, len(grid)).astype(np.float64)
    parents = grid.assign(ICCS=grid["ICCS"].map(dict(zip(kids, parent_of))))
    parents = parents.groupby(["REF_AREA", "TIME_PERIOD", "INDICATOR", "ICCS", "SEX"], as_index=False)["OBS_VALUE"].sum()
    counts = pd.concat([grid, parents], ignore_index=True)
    totals = counts.groupby(["REF_AREA", "TIME_PERIOD", "INDICATOR", "ICCS"], as_index=False)["OBS_VALUE"].sum()
    counts = pd.concat([counts, totals.assign(SEX="_T")], ignore_index=True)
    pop = pd.DataFrame({"REF_AREA": np.repeat(areas, len(YEARS)), "TIME_PERIOD": YEARS * len(areas)})
    base = np.repeat(rng.integers(1_000_000, 100_000_000, len(areas)), len(YEARS))
    pop["POPULATION"] = np.round(base * 1.01 ** np.tile(np.arange(len(YEARS)), len(areas)))
    counts["UNIT_MEASURE"] = "NUMBER"
    rates = counts.merge(pop, on=["REF_AREA", "TIME_PERIOD"])
    # a rate by sex is per 100,000 of that sex (half the population here), as UNODC and the SDG series give it
    share = np.where(rates["SEX"].eq("_T"), 1.0, 0.5)
    rates["OBS_VALUE"] = (rates["OBS_VALUE"] / (rates.pop("POPULATION") * share) * 1e5).round(3)
    frame = pd.concat([counts, rates.assign(UNIT_MEASURE="PER_100000_POP")], ignore_index=True)
    frame = frame.iloc[:n].sample(frac=1.0, random_state=seed).reset_index(drop=True)
    for dim, code in {"FREQ": "A", "AGE": "_T", "CYBER": "_T", "VIC_PERP_REL": "_T", "SIT_CONTEXT": "_T"}.items():
        frame[dim] = code
    frame["OBS_STATUS"] = "A"
    frame["_source"] = "bench/iccs_" + frame["REF_AREA"].astype(str) + ".csv"
    frame["_row"] = np.arange(2, len(frame) + 2)
    frame["_column"] = "VALUE"
    _plant(frame, rng)
    return frame, pop


def _plant(frame: pd.DataFrame, rng: np.random.Generator) -> None:
    """A few hundred problems: unknown ICCS codes, negative counts, outliers, one conflicting duplicate."""
    n = len(frame)
    k = max(1, n // 5000)
    frame.loc[rng.choice(n, k, replace=False), "ICCS"] = "0199"
    counts = np.flatnonzero((frame["UNIT_MEASURE"] == "NUMBER").to_numpy())
    frame.loc[rng.choice(counts, k, replace=False), "OBS_VALUE"] = -1.0
    frame.loc[rng.choice(counts, k, replace=False), "OBS_VALUE"] *= 25
    if n > 1:
        frame.loc[n - 1, [c for c in frame.columns if not c.startswith("_") and c != "OBS_VALUE"]] = \
            frame.loc[0, [c for c in frame.columns if not c.startswith("_") and c != "OBS_VALUE"]].to_numpy()


def previous_release(frame: pd.DataFrame, seed: int = 8) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    prev = frame.copy()
    idx = rng.choice(len(prev), max(1, len(prev) // 100), replace=False)
    prev.loc[idx, "OBS_VALUE"] = prev.loc[idx, "OBS_VALUE"] * rng.uniform(0.7, 1.3, len(idx))
    return prev


def best(fn, repeat: int) -> tuple[float, float, object]:
    """The best wall-clock and the best CPU seconds (this process) of ``repeat`` runs, and the result."""
    times, cpu, out = [], [], None
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        out = fn()
        times.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    return min(times), min(cpu), out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--obs", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    args = ap.parse_args(argv)
    flow = load_registry().flow(FLOW_ID)
    frame, pop = make_frame(flow, args.obs)
    prev = previous_release(frame)
    runs = {"structural": lambda: validate(frame, flow, rules=STRUCTURAL),
            "all": lambda: validate(frame, flow, previous=prev, population=pop)}
    results = []
    for name, fn in runs.items():
        seconds, cpu, report = best(fn, args.repeat)
        results.append({"rules": name, "seconds": round(seconds, 3), "cpu_seconds": round(cpu, 3),
                        "obs_per_second": round(len(frame) / seconds),
                        "findings": len(report.findings), "errors": report.errors})  # type: ignore[attr-defined]
    if args.json:
        print(json.dumps({"obs": len(frame), "results": results}))
    else:
        print(f"{len(frame)} observations on {FLOW_ID}")
        for r in results:
            print(f"  {r['rules']:<11} {r['seconds']:>7.3f} s  {r['obs_per_second']:>12,} obs/s  "
                  f"{r['findings']:>8} findings ({r['errors']} errors)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
