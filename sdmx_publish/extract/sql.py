"""SQL sources are read only: one SELECT statement, checked before it runs, on a read-only
connection or transaction with a statement timeout, and never committed.

The statement is parsed with sqlglot (a parser for many SQL dialects) rather than matched with a
regular expression: a comment, a second statement after a ``;``, ``SELECT ... INTO`` or a writing
common table expression (``WITH d AS (DELETE ...) SELECT``) are seen for what they are.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ..errors import InputError, SpecError

#: SQLAlchemy backend name -> sqlglot dialect
DIALECTS = {"postgresql": "postgres", "mysql": "mysql", "mariadb": "mysql", "sqlite": "sqlite", "mssql": "tsql",
            "oracle": "oracle", "duckdb": "duckdb"}
FIX = "give one SELECT statement (WITH ... SELECT is fine); the publisher never changes the database"


def check_select(query: str, backend: str, where: str) -> None:
    """Refuse anything but one read-only SELECT (:class:`SpecError` with the fix)."""
    import sqlglot
    from sqlglot import exp

    try:
        statements = [s for s in sqlglot.parse(query, read=DIALECTS.get(backend)) if s is not None]
    except sqlglot.errors.SqlglotError as e:
        raise SpecError(f"source.query is not a readable SQL statement: {str(e).splitlines()[0][:200]}",
                        where=where, fix=FIX) from None
    if len(statements) != 1:
        raise SpecError(f"source.query has {len(statements)} statements; only one SELECT may run", where=where,
                        fix=FIX)
    stmt = statements[0]
    writes = stmt.find(exp.Into, exp.Insert, exp.Update, exp.Delete, exp.Merge, exp.Drop, exp.Create, exp.Alter,
                       exp.Command, exp.TruncateTable)
    if not isinstance(stmt, exp.Query) or writes is not None:
        kind = type(writes or stmt).__name__.upper()
        raise SpecError(f"source.query is not a read-only SELECT (it has {kind})", where=where, fix=FIX)


@contextmanager
def read_only(conn: Any, backend: str, timeout: float) -> Iterator[None]:
    """A read-only transaction with a statement timeout where the database has them; rolled back after."""
    import sqlalchemy as sa

    ms = max(1, int(timeout * 1000))
    with conn.begin() as tx:
        if backend == "postgresql":
            conn.execute(sa.text("SET TRANSACTION READ ONLY"))
            conn.execute(sa.text(f"SET LOCAL statement_timeout = {ms}"))
        elif backend in ("mysql", "mariadb"):
            conn.execute(sa.text(f"SET SESSION max_execution_time = {ms}"))
        elif backend == "sqlite":
            raw = conn.connection.driver_connection
            raw.execute("PRAGMA query_only = ON")  # writes fail on this connection
            deadline = time.monotonic() + timeout
            raw.set_progress_handler(lambda: int(time.monotonic() > deadline), 10_000)  # non-zero aborts
        try:
            yield
        finally:
            if backend == "sqlite":
                conn.connection.driver_connection.set_progress_handler(None, 0)
            tx.rollback()


def driver_missing(e: ImportError, backend: str, where: str) -> InputError:
    """A database driver that is not installed, named with the way to install it."""
    return InputError(f"the database driver for {backend} is not installed ({e.name or e})", where=where,
                      fix=f"install the driver package in the environment of the run (e.g. pip install "
                          f"{e.name or 'the driver'}), or correct the scheme of source.connection")
