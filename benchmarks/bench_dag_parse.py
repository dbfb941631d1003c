"""How long Airflow takes to parse ``dags/`` with N source specs (docs/airflow.md, "DAG parse cost").

Writes N specs (copies of ``countries/kor/homicide.yaml``, ten per country folder) into a temporary
specs folder, then, in a fresh process that has imported Airflow first (as the DAG processor has),
parses the DAG file with Airflow's own ``DagBag`` ``--repeat`` times and prints the median, and
whether pandas was imported. ``--max-seconds`` makes it a check (exit 1 when slower).

    python benchmarks/bench_dag_parse.py --specs 100 --max-seconds 1
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: run in the child: Airflow imported first (not timed), then the DAG file parsed ``repeat`` times
CHILD = """
import json, statistics, sys, time
import airflow.sdk  # the DAG processor has Airflow loaded before it parses any file
from airflow.dag_processing.dagbag import DagBag

times, dags = [], 0
for _ in range({repeat}):
    for name in [m for m in sys.modules if m.startswith("sdmx_publish")]:
        del sys.modules[name]  # each parse imports the library afresh, as a new parsing process does
    start = time.perf_counter()
    bag = DagBag(dag_folder={dag_file!r}, safe_mode=False)
    times.append(time.perf_counter() - start)
    dags = len(bag.dags)
    assert not bag.import_errors, bag.import_errors
print(json.dumps({{"median_s": statistics.median(times), "runs_s": times, "dags": dags,
                  "pandas_imported": "pandas" in sys.modules, "numpy_imported": "numpy" in sys.modules}}))
"""


def write_specs(folder: Path, count: int) -> None:
    """``count`` specs in folders of ten (``c00/s00.yaml`` ...), their paths made absolute."""
    template = (ROOT / "countries" / "kor" / "homicide.yaml").read_text(encoding="utf-8")
    text = template.replace("../../", f"{ROOT}/")
    for i in range(count):
        owner = folder / f"c{i // 10:02d}"
        owner.mkdir(parents=True, exist_ok=True)
        (owner / f"s{i % 10:02d}.yaml").write_text(text, encoding="utf-8")


def measure(count: int, repeat: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="dag-parse-") as tmp:
        specs = Path(tmp) / "specs"
        write_specs(specs, count)
        env = {**os.environ, "AIRFLOW_HOME": str(Path(tmp) / "home"), "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
               "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{tmp}/airflow.db",
               "SDMX_PUBLISH_SPECS_DIR": str(specs), "SDMX_PUBLISH_STORE": str(Path(tmp) / "store")}
        code = CHILD.format(repeat=repeat, dag_file=str(ROOT / "dags" / "sdmx_publish_dags.py"))
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False)
        if out.returncode:
            raise SystemExit(f"the parse failed:\n{out.stderr[-3000:]}")
        return {"specs": count, **json.loads(out.stdout.strip().splitlines()[-1])}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--specs", type=int, nargs="+", default=[100])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--max-seconds", type=float, help="fail if the median parse of the largest count is slower")
    args = parser.parse_args()
    results = [measure(n, args.repeat) for n in args.specs]
    for r in results:
        print(f"{r['specs']:4d} specs: {r['dags']} DAGs, median parse {r['median_s']:.3f} s "
              f"(runs {', '.join(f'{t:.3f}' for t in r['runs_s'])}), pandas imported: {r['pandas_imported']}")
    worst = results[-1]
    if args.max_seconds is not None and (worst["median_s"] > args.max_seconds or worst["pandas_imported"]):
        print(f"too slow or pandas imported: limit {args.max_seconds} s", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
