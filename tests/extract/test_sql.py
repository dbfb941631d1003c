"""SQL sources are read only: one SELECT (parsed), a read-only connection, a statement timeout;
``validate`` and ``run`` alike leave the database as it was."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import yaml

from sdmx_publish.cli import main
from sdmx_publish.errors import InputError, SpecError
from sdmx_publish.extract import extract
from sdmx_publish.extract.sql import check_select
from sdmx_publish.spec import load_spec

from .helpers import spec_dict


@pytest.fixture
def db(tmp_path) -> Path:
    path = tmp_path / "cj.db"
    with sqlite3.connect(path) as con:
        con.execute("create table t (Country text, Sex text, Year int, Value real)")
        con.execute("insert into t values ('KOR', 'Male', 2020, 10), ('KOR', 'Female', 2020, 12)")
    return path


def _spec(tmp_path: Path, db: Path, query: str, **source) -> Path:
    data = spec_dict("x")
    data["source"] = {"format": "sql", "connection": f"sqlite:///{db}", "query": query, **source}
    path = tmp_path / "sql" / "cj.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(yaml.safe_dump(data))
    return path


def _rows(db: Path) -> int:
    with sqlite3.connect(db) as con:
        return con.execute("select count(*) from t").fetchone()[0]


@pytest.mark.parametrize("query, message", [
    ("DROP TABLE t", "not a read-only SELECT (it has DROP)"),
    ("SELECT * FROM t; DROP TABLE t", "has 2 statements"),
    ("select * from t;\ndelete from t", "has 2 statements"),
    ("SELECT * INTO t2 FROM t", "not a read-only SELECT (it has INTO)"),
    ("WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d", "not a read-only SELECT (it has DELETE)"),
    ("UPDATE t SET Value = 0", "not a read-only SELECT"),
    ("PRAGMA writable_schema = 1", "not a read-only SELECT"),
])
@pytest.mark.parametrize("command", ["run", "validate"])
def test_only_one_select_runs(tmp_path, db, capsys, query, message, command):
    spec = _spec(tmp_path, db, query)
    args = ["--store", str(tmp_path / "store")] + (["--report-dir", str(tmp_path / "r")] if command == "validate" else [])
    assert main([command, str(spec), *args]) == 2
    err = capsys.readouterr().err
    assert message in err and "cj.yaml: source.query" in err and "fix: give one SELECT" in err
    assert _rows(db) == 2  # the table is still there, with its rows


def test_a_select_reads_and_a_cte_is_fine(tmp_path, db):
    frame = extract(load_spec(_spec(tmp_path, db, "WITH k AS (SELECT * FROM t) SELECT * FROM k ORDER BY Sex")))
    assert frame["Value"].tolist() == ["12.0", "10.0"]
    assert frame.attrs["sources"][0]["connection"].startswith("sqlite:///")


def test_the_connection_is_read_only_even_if_the_parser_were_fooled(db):
    import sqlalchemy as sa

    from sdmx_publish.extract.sql import read_only

    engine = sa.create_engine(f"sqlite:///{db}")
    with engine.connect() as conn, read_only(conn, "sqlite", 10):
        with pytest.raises(sa.exc.OperationalError, match="readonly|read-only|attempt to write"):
            conn.execute(sa.text("DELETE FROM t"))
    assert _rows(db) == 2


def test_a_slow_query_is_stopped_by_the_timeout(tmp_path, db):
    slow = ("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000000) "
            "SELECT count(*) AS Value FROM n")
    with pytest.raises(InputError, match="interrupted"):
        extract(load_spec(_spec(tmp_path, db, slow, timeout=0.2)))


def test_a_missing_driver_is_a_clear_error(tmp_path, db, capsys):
    spec = _spec(tmp_path, db, "SELECT * FROM t")
    data = yaml.safe_load(spec.read_text())
    data["source"]["connection"] = "mysql+mysqldb_missing_driver://u@h/db"
    spec.write_text(yaml.safe_dump(data))
    code = main(["run", str(spec), "--store", str(tmp_path / "store")])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err and "fix:" in err, err


def test_check_select_names_the_dialect_problem():
    with pytest.raises(SpecError, match="2 statements"):
        check_select("SELECT 1; SELECT 2", "postgresql", "x.yaml: source.query")
    check_select("SELECT a FROM t WHERE b = 'x;y'", "postgresql", "x.yaml: source.query")  # a ; in a string is fine
