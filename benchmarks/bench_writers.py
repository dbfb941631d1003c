"""Benchmark our SDMX writers against sdmx1 and pandas on a realistic crime dataset.

    python benchmarks/bench_writers.py --obs 1000000            # table
    python benchmarks/bench_writers.py --obs 1000000 --json     # one JSON object

The dataset is ICCS offences x country x sex x age group x year on our ICCS DSD (dataflow
``DF_ICCS``), every code from the real codelists in ``dsd/``; rows arrive in random order (the
writers sort them). Each (writer, format) runs in its own subprocess so that ``peak_mib`` is that
process's peak resident memory, frame included (generating the frame has its own peak);
``frame_mib`` is the resident memory once the frame is built and ``write_peak_mib`` the highest
resident memory sampled (every 5 ms) while the writer runs. ``seconds`` is the best of ``--repeat`` runs writing the whole message to a byte-counting
sink (no disk in the measurement). sdmx1 time = building its model objects from the frame plus
``to_xml``/``to_csv``; it runs only up to ``--sdmx1-max`` observations.
"""

from __future__ import annotations

import argparse
import gc
import io
import json
import os
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd
import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sdmx_publish.formats import Format  # noqa: E402
from sdmx_publish.structure import Flow, load_registry  # noqa: E402
from sdmx_publish.write import write  # noqa: E402

FLOW_ID = "DF_ICCS"
AGES = ["_T", "Y0T14", "Y15T17", "Y18T24", "Y25T34", "Y35T44", "Y45T54", "Y_GE55"]
YEARS = [str(y) for y in range(2000, 2025)]
COMMENTS = ["살인 기수", "살인 미수 <포함> & \"추정\"", "경찰청 통계, 2024년 기준"]


class Sink(io.RawIOBase):
    """Counts bytes and throws them away."""

    def __init__(self) -> None:
        self.n = 0

    def writable(self) -> bool:
        return True

    def write(self, b) -> int:  # type: ignore[override]
        self.n += len(b)
        return len(b)


def crime_frame(flow: Flow, n: int, dtype: str = "category", seed: int = 0) -> pd.DataFrame:
    """``n`` observations: ICCS x area x sex x age x year (year fastest), rows shuffled."""
    cl = flow.codelists
    iccs = sorted(flow.allowed("ICCS") or cl["ICCS"].codes)
    ages = [a for a in AGES if a in (flow.allowed("AGE") or ())] or sorted(flow.allowed("AGE"))[:8]
    areas = sorted(c for c in (flow.allowed("REF_AREA") or ()) if len(c) == 3)
    sexes = ["F", "M", "_T"]
    radix = [len(YEARS), len(ages), len(sexes), len(iccs)]
    per_area = int(np.prod(radix))
    if n > per_area * len(areas):
        raise SystemExit(f"at most {per_area * len(areas)} observations with these codelists")
    rng = np.random.default_rng(seed)
    idx = rng.permutation(n)
    codes = {}
    for name, r in zip(["TIME_PERIOD", "AGE", "SEX", "ICCS"], radix):
        codes[name], idx = idx % r, idx // r
    codes["REF_AREA"] = idx
    cats = {"TIME_PERIOD": YEARS, "AGE": ages, "SEX": sexes, "ICCS": iccs, "REF_AREA": areas}
    frame = pd.DataFrame({d: pd.Categorical.from_codes(codes[d].astype(np.int32), cats[d]) for d in cats})
    const = {"FREQ": "A", "INDICATOR": "OFFENCES", "CYBER": "_T", "VIC_PERP_REL": "_T", "SIT_CONTEXT": "_T",
             "UNIT_MEASURE": "NUMBER"}
    for d, v in const.items():
        if d in flow.dsd.dimension_ids:
            frame[d] = pd.Categorical.from_codes(np.zeros(n, np.int8), [v])
    frame = frame[[*flow.dsd.dimension_ids, "TIME_PERIOD"]]
    u = rng.random(n)
    values = rng.poisson(120, n).astype("float64")
    values[u < 0.2] = np.round(values[u < 0.2] / 7.3, 2)  # rates
    values[u > 0.98] = np.nan
    frame["OBS_VALUE"] = values
    status = np.where(u > 0.98, 2, np.where(u > 0.93, 1, 0)).astype(np.int8)
    frame["OBS_STATUS"] = pd.Categorical.from_codes(status, ["A", "E", "M"])
    frame["UNIT_MULT"] = pd.Categorical.from_codes(np.zeros(n, np.int8), ["0"])
    comment = np.where(u < 0.01, (u * 300).astype(np.int8) % 3, -1).astype(np.int8)
    frame["COMMENT_OBS"] = pd.Categorical.from_codes(comment, COMMENTS)
    if dtype == "str":
        for c in frame.columns:
            if isinstance(frame[c].dtype, pd.CategoricalDtype):
                frame[c] = frame[c].astype("str")
    return frame


# -- the contenders ---------------------------------------------------------------------------------
def ours(fmt: Format) -> Callable[[pd.DataFrame, Flow], int]:
    def run(frame: pd.DataFrame, flow: Flow) -> int:
        return write(frame, flow, fmt, Sink())
    return run


def pandas_csv(frame: pd.DataFrame, flow: Flow) -> int:
    sink = Sink()
    with io.TextIOWrapper(io.BufferedWriter(sink, 1 << 20), encoding="utf-8", newline="") as text:
        frame.to_csv(text, index=False)
        text.flush()
        return sink.n


def _sdmx1_dataset(frame: pd.DataFrame, flow: Flow, series: bool):
    """sdmx1 model objects for the frame: one Observation (and Key) per row."""
    import sdmx
    from sdmx.model import common, v21

    sm = sdmx.read_sdmx(ROOT / "dsd" / "CCJS_ICCS_1.0.xml")
    dsd = sm.structure[flow.dsd.ref.id]
    attrs = [a for a in flow.dsd.attribute_ids if a in frame.columns]
    dims = flow.dsd.dimension_ids
    ds = v21.StructureSpecificDataSet(structured_by=dsd, described_by=sm.dataflow[flow.id])
    measure = dsd.measures.get(flow.dsd.primary_measure)
    da = {a: dsd.attributes.get(a) for a in attrs}

    def obs(row: dict, key: common.Key) -> v21.Observation:
        av = {a: common.AttributeValue(value=str(row[a]), value_for=da[a]) for a in attrs
              if row[a] == row[a] and row[a] is not None}
        v = row["OBS_VALUE"]
        return v21.Observation(dimension=key, value=None if v != v else v, value_for=measure, attached_attribute=av)

    if not series:
        ds.add_obs([obs(r, dsd.make_key(common.Key, {d: str(r[d]) for d in (*dims, "TIME_PERIOD")}))
                    for r in frame.to_dict("records")])
        return dsd, ds
    for key, group in frame.groupby(dims, observed=True, sort=True):
        sk = dsd.make_key(common.SeriesKey, dict(zip(dims, map(str, key))))
        ds.add_obs([obs(r, common.Key(TIME_PERIOD=str(r["TIME_PERIOD"]))) for r in group.to_dict("records")], sk)
    return dsd, ds


def sdmx1_xml(frame: pd.DataFrame, flow: Flow) -> int:
    import sdmx
    from sdmx.message import DataMessage

    dsd, ds = _sdmx1_dataset(frame, flow, series=True)
    msg = DataMessage(data=[ds], observation_dimension=dsd.dimensions.get("TIME_PERIOD"))
    return len(sdmx.to_xml(msg))


def sdmx1_csv(frame: pd.DataFrame, flow: Flow) -> int:
    import sdmx

    _, ds = _sdmx1_dataset(frame, flow, series=False)
    return len(sdmx.to_csv(ds).encode("utf-8"))


CONTENDERS: dict[tuple[str, str], Callable[[pd.DataFrame, Flow], int]] = {
    **{("ours", f.value): ours(f) for f in Format.data()},
    ("pandas", "csv"): pandas_csv,
    ("sdmx1", Format.ML21_STRUCTURE_SPECIFIC.value): sdmx1_xml,
    ("sdmx1", Format.CSV10.value): sdmx1_csv,
}


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class RssSampler(threading.Thread):
    """Samples this process's resident memory every 5 ms; ``peak`` in MiB."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.proc, self.peak, self.done = psutil.Process(), 0.0, threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            self.peak = max(self.peak, self.proc.memory_info().rss / 2**20)
            time.sleep(0.005)


def child(writer: str, fmt: str, n: int, repeat: int, dtype: str) -> dict:
    flow = load_registry().flow(FLOW_ID)
    frame = crime_frame(flow, n, dtype)
    gc.collect()
    frame_mib = psutil.Process().memory_info().rss / 2**20
    run = CONTENDERS[(writer, fmt)]
    best, size = float("inf"), 0
    sampler = RssSampler()
    sampler.start()
    for _ in range(repeat):
        t0 = time.perf_counter()
        size = run(frame, flow)
        best = min(best, time.perf_counter() - t0)
        gc.collect()
    sampler.done.set()
    sampler.join()
    return {"format": fmt, "writer": writer, "seconds": round(best, 3), "peak_mib": round(_peak_mib()),
            "frame_mib": round(frame_mib), "write_peak_mib": round(sampler.peak), "bytes": size, "dtype": dtype}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--obs", type=int, default=100_000)
    p.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    p.add_argument("--repeat", type=int, default=3, help="runs per writer; the best counts")
    p.add_argument("--sdmx1-max", type=int, default=1_000_000, help="skip sdmx1 above this many observations")
    p.add_argument("--only", default="", help="comma-separated writers to run (ours, pandas, sdmx1)")
    p.add_argument("--dtype", choices=["category", "str"], default="category",
                   help="dtype of code columns in the frame")
    p.add_argument("--table", metavar="JSON_FILE", help="print the table of a saved --json result and exit")
    p.add_argument("--child", nargs=2, metavar=("WRITER", "FORMAT"), help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.table:
        saved = json.loads(Path(a.table).read_text())
        print(table(saved["obs"], saved["results"]))
        return
    if a.child:
        print(json.dumps(child(a.child[0], a.child[1], a.obs, a.repeat, a.dtype)))
        return
    only = set(filter(None, a.only.split(",")))
    results = []
    for writer, fmt in CONTENDERS:
        if (only and writer not in only) or (writer == "sdmx1" and a.obs > a.sdmx1_max):
            continue
        repeat = 1 if writer == "sdmx1" and a.obs > 100_000 else a.repeat
        cmd = [sys.executable, __file__, "--obs", str(a.obs), "--repeat", str(repeat), "--dtype", a.dtype,
               "--child", writer, fmt]
        out = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "PYTHONWARNINGS": "ignore"})
        if out.returncode:
            sys.exit(f"{writer} {fmt} failed:\n{out.stderr}")
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
        if not a.json:
            print(f"  done {writer:6} {fmt} in {results[-1]['seconds']} s", file=sys.stderr)
    if a.json:
        print(json.dumps({"obs": a.obs, "results": results}))
    else:
        print(table(a.obs, results))


def table(n: int, results: list[dict]) -> str:
    """Markdown table: obs/s, ratio to sdmx1 (same format) or to pandas.to_csv (CSV), memory, bytes."""
    base = {r["format"]: r["seconds"] for r in results if r["writer"] == "sdmx1"}
    pandas_s = next((r["seconds"] for r in results if r["writer"] == "pandas"), None)
    lines = [f"{n:,} observations", "",
             "| format | writer | seconds | obs/s | x faster than sdmx1 | time / pandas.to_csv"
             " | peak MiB | frame MiB | MiB while writing | bytes |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        s = r["seconds"]
        vs = f"{base[r['format']] / s:.0f}x" if r["format"] in base and r["writer"] == "ours" else ""
        vp = f"{s / pandas_s:.2f}" if pandas_s and "csv" in r["format"] else ""
        lines.append(f"| {r['format']} | {r['writer']} | {s:.2f} | {n / s:,.0f} | {vs} | {vp} |"
                     f" {r['peak_mib']:,} | {r['frame_mib']:,} | {r.get('write_peak_mib', '')} | {r['bytes']:,} |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
