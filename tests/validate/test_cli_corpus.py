"""The command line's bad-input corpus (``corpus/cli/CASES.yaml``): every case exits 1 or 2 with a
message naming what, where and the fix, never 3, never a traceback, and publishes nothing."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest
import yaml

from sdmx_publish.cli import main
from sdmx_publish.store import latest

from ..extract.helpers import TABLE, spec_dict

CASES = yaml.safe_load((Path(__file__).parent / "corpus" / "cli" / "CASES.yaml").read_text(encoding="utf-8"))


def _merge(base: dict, over: dict) -> dict:
    out = dict(base)
    for k, v in over.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return {k: v for k, v in out.items() if v is not None}


def _write(folder: Path, case: dict) -> Path:
    table = folder / "table.csv"
    if "table_bytes_cp949" in case:
        table.write_bytes(case["table_bytes_cp949"].encode("cp949"))
    elif case.get("table_bytes"):
        table.write_bytes(bytes(range(256)) * 4)
    elif case.get("fifo"):
        os.mkfifo(table)
    else:
        table.write_text(case.get("table", TABLE), encoding="utf-8")
    data = _merge(spec_dict("table.csv"), case.get("spec", {}))
    if "sql" in case:
        with sqlite3.connect(folder / "cj.db") as con:
            con.execute("create table t (Country text, Sex text, Year int, Value real)")
            con.execute("insert into t values ('KOR', 'Male', 2020, 10)")
        source = {"format": "sql", "connection": f"sqlite:///{folder / 'cj.db'}", "query": case["sql"]}
        data["source"] = {**source, **case.get("spec", {}).get("source", {})}
    spec = folder / "cj.yaml"
    text = case.get("spec_only") or yaml.safe_dump(data, allow_unicode=True) + case.get("spec_text", "")
    spec.write_text(text, encoding="utf-8")
    return spec


@pytest.mark.slow
@pytest.mark.parametrize("name", list(CASES))
def test_cli_corpus_case(name, tmp_path, capsys):
    case = CASES[name]
    folder = tmp_path / "specs" / "kor"
    folder.mkdir(parents=True)
    spec = _write(folder, case)
    store = tmp_path / "store"
    code = main(["run", str(spec), "--store", str(store)])
    err = capsys.readouterr().err
    assert code == case["exit"], err
    assert "Traceback" not in err and "unexpected" not in err
    for text in case["message"]:
        assert text in err, err
    for text in case.get("absent", []):
        assert text not in err
    assert latest(store, "CCJS", "DF_ICCS") is None
    if "sql" in case:
        with sqlite3.connect(folder / "cj.db") as con:
            assert con.execute("select count(*) from t").fetchone()[0] == 1  # the table is intact


def test_the_corpora_hold_at_least_the_reviewed_cases():
    assert {"cut inside a number", "cut line with a line break", "control character in an attribute",
            "yaml alias in a rule parameter", "two sql statements", "missing database driver",
            "path outside the source roots", "fifo as a source"} <= set(CASES)
