"""Readers: a national table (CSV, XLSX, SQL query) into a frame of strings with each row's origin.

Every cell is kept as text (numbers are parsed later, where a bad value can be reported with its
row and column). ``_source`` and ``_row`` (1-based line or sheet row) say where each row came from.
"""

from __future__ import annotations

import codecs
import csv
import functools
import hashlib
import io
import urllib.error
import urllib.request
import zipfile
from collections import defaultdict
from pathlib import Path

import pandas as pd

from .. import frames, xmlsafe
from ..errors import InputError, PublishError, TransientError
from ..redact import redact_url
from ..spec import Spec
from . import limits, sanity, sql
from .credentials import resolve_sql, resolve_url
from .layout import SheetFacts, layout_header, sheet_facts

_OTHERS = "cp1252 (Western European), cp949 (Korean), cp874 (Thai), cp1251 (Cyrillic), cp1256 (Arabic) or cp932 (Japanese)"
#: what to try when a file does not decode: by the encoding that failed (else utf-8)
SUGGEST = {"utf-8": _OTHERS, "utf-8-sig": _OTHERS, "cp949": "utf-8", "euc-kr": "utf-8", "cp1252": "utf-8",
           "latin-1": "utf-8"}


def display_path(path: Path) -> str:
    """A path as reports show it: relative to the working folder when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path.resolve())


def read_bytes(spec: Spec) -> tuple[bytes, str]:
    """The raw bytes of the source and a name for it (file path or URL)."""
    src = spec.source
    if src.url:
        url, headers = resolve_url(src.url, f"{spec.path}: source.url")
        where = redact_url(url)  # the name reports and manifests show: no password, token or key
        try:
            request = urllib.request.Request(url, headers=headers)
            with urllib.request.urlopen(request, timeout=src.timeout) as r:  # noqa: S310 (URL from a reviewed spec)
                return limits.read_at_most(r, src.max_bytes, where), where
        except OSError as e:
            raise _download_error(e, where) from None
        except ValueError as e:  # http.client.InvalidURL and friends
            raise InputError(f"not a URL that can be downloaded: {e.__class__.__name__}", where=where,
                             fix="check source.url; give credentials with ${NAME} environment variables or "
                                 "airflow:CONN_ID, not inside the URL") from None
    path = spec.resolve(src.path or "")
    return limits.open_source_file(spec, path, display_path(path)), display_path(path)


def _download_error(e: OSError, url: str) -> PublishError:
    """A failed download: transient (timeout, no connection, HTTP 5xx, 408 or 429) or permanent (other 4xx)."""
    if isinstance(e, urllib.error.HTTPError) and e.code < 500 and e.code not in (408, 429):
        return InputError(f"cannot download: HTTP {e.code} {e.reason}", where=url, fix="check the URL")
    return TransientError(f"cannot download: {e}", where=url,
                          fix="the server or the network failed; try again later, or check the URL")


def decode(raw: bytes, encoding: str, where: str) -> str:
    """Decode strictly; on failure say on which line and which encoding to try instead."""
    if not raw or raw.isspace():
        raise InputError("the file is empty", where=where, fix="export the table again")
    if b"\x00" in raw[:4096] and not codecs.lookup(encoding).name.startswith(("utf-16", "utf-32")):
        raise InputError("the file is binary, not text (NUL bytes)", where=where,
                         fix="export the table as CSV, or set source.format: xlsx for Excel files")
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise InputError(f"byte {raw[e.start:e.start + 1]!r} at line {line} is not valid {encoding}", where=where,
                         fix=f"set source.encoding to the file's real encoding, e.g. {SUGGEST.get(encoding, 'utf-8')}") from None
    text = text.lstrip("\ufeff")
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


def _with_header(grid: pd.DataFrame, spec: Spec, where: str, skip: int, sheet: SheetFacts | None = None) -> pd.DataFrame:
    """Cut ``skip`` rows and the header rows off a grid of strings and name the columns after the header
    (a report table's by its ``source.layout``: :mod:`.layout`; ``sheet``: its XLSX merged ranges and fills).

    The grid's index is the 0-based line (or sheet row) number in the source.
    """
    src = spec.source
    sanity.check_footer(grid, spec, where)
    first = skip + src.header_rows
    if len(grid) <= skip:
        raise InputError("no header row: the file has fewer lines than source.skip_rows", where=where,
                         fix="check source.skip_rows")
    if src.layout is not None:
        return _body(layout_header(grid, src.layout, skip, src.header_rows, where, sheet, tuple(src.missing)), where)
    head = grid.iloc[skip:first].astype(object).fillna("").astype(str)
    head = head.replace("", pd.NA).ffill(axis=1).fillna("") if src.header_rows > 1 else head
    names = [" ".join(p.strip() for p in head[c] if p.strip()) for c in head.columns]
    seen: dict[str, int] = {}
    for i, n in enumerate(names):
        if not n:
            names[i] = n = f"column {i + 1}"
        if n in seen:
            raise InputError(f"duplicated column name {n!r} (columns {seen[n] + 1} and {i + 1})", where=where,
                             fix="rename one of the columns in the source, or set source.header_rows")
        seen[n] = i
    body = grid.iloc[first:]
    body.columns = names
    return _body(_filled(body), where)


def _filled(body: pd.DataFrame) -> pd.DataFrame:
    """Missing cells (a short row, a blank line) as empty text; a categorical column's unused categories
    (the header's cells) dropped."""
    out = {}
    for c in body.columns:
        col = body[c]
        if isinstance(col.dtype, pd.CategoricalDtype):
            col = frames.used_only(col)
            if col.hasnans:
                col = (col if "" in col.cat.categories else col.cat.add_categories("")).fillna("")
            out[c] = col
        else:
            out[c] = col.fillna("")
    return pd.DataFrame(out, index=body.index)


def _body(body: pd.DataFrame, where: str) -> pd.DataFrame:
    """The data rows: ``_row`` (the 1-based line or sheet row) added, blank lines left out."""
    body["_row"] = body.index.to_numpy() + 1  # grid index is the 0-based line/row number
    blank = (body.drop(columns="_row") == "").all(axis=1)
    if blank.any():  # blank lines are not data
        body = body[~blank]
        body = body.assign(**{c: frames.used_only(body[c]) for c in body.columns
                              if isinstance(body[c].dtype, pd.CategoricalDtype)})
    if body.empty:
        raise InputError("the table has a header but no data rows", where=where, fix="export the table again")
    return body


def _origin_of(raw: bytes, where: str) -> dict:
    """Which bytes a frame is read from (for the manifest's ``sources``): the path, sha256 and size."""
    return {"path": where, "sha256": hashlib.sha256(raw).hexdigest(), "bytes": len(raw)}


def _origin(frame: pd.DataFrame, origin: dict) -> pd.DataFrame:
    """Record on the frame which bytes it was read from (``origin``: :func:`_origin_of`), and for a report
    table how its header and labels were read (``layout``: column keys, footnote markers removed)."""
    layout = {"layout": frame.attrs.pop("layout")} if "layout" in frame.attrs else {}
    frame.attrs["sources"] = [{**origin, **layout}]
    return frame


#: the rows whose cells decide how each column of a CSV is read (:func:`_kinds`), and the share of
#: them that may be distinct in a column read as a categorical: measured on 1M rows, a categorical reads
#: 5k distinct cells in half the time of text (63% of a 5k sample distinct) and 50k in about the same
#: (95%); 1M distinct cells take seven times as long
SAMPLE_ROWS, DISTINCT = 5000, 0.8


def _kinds(sample: pd.DataFrame) -> defaultdict:
    """How to read each column of a CSV: a categorical (each distinct cell one string, the rows small
    integer codes) where the sample's cells repeat (codes, labels, periods), text where nearly all are
    distinct (values: a categorical with about as many categories as rows costs more than it saves)."""
    return defaultdict(lambda: str, {c: "category" if sample[c].nunique() <= DISTINCT * len(sample) else str
                                     for c in sample.columns})


def read_csv(spec: Spec) -> pd.DataFrame:
    """A CSV table; columns of repeated cells as categoricals, the others (and every column of a report
    table, ``source.layout``) as text (:func:`_kinds`)."""
    raw, where = read_bytes(spec)
    text = decode(raw, spec.source.encoding, where)
    origin = _origin_of(raw, where)
    del raw  # one copy of the file in memory at a time: the bytes, the text, the bytes the parser reads
    sanity.check_conflict_markers(text, where)
    sanity.check_text_end(text, spec, where)
    sanity.check_last_row(text, spec, where)
    # the decoded text again as UTF-8 bytes, what the C parser reads (a StringIO would hold 4 bytes a character)
    data = text.encode("utf-8")
    del text
    read = functools.partial(pd.read_csv, encoding="utf-8", sep=spec.source.delimiter, header=None,
                             keep_default_na=False, skip_blank_lines=False, engine="c", skiprows=spec.source.skip_rows)
    try:
        kinds = str if spec.source.layout else _kinds(read(io.BytesIO(data), dtype=str, nrows=SAMPLE_ROWS))
        grid = read(io.BytesIO(data), dtype=kinds)
    except pd.errors.ParserError as e:
        raise _too_many_fields(data.decode("utf-8"), spec, where) or InputError(
            f"not a readable CSV table: {str(e).strip()}", where=where,
            fix="check source.delimiter and that every row has the same number of fields") from None
    except pd.errors.EmptyDataError as e:
        raise InputError(f"not a readable CSV table: {e}", where=where,
                         fix="check source.delimiter and that every row has the same number of fields") from None
    del data
    grid.index += spec.source.skip_rows
    frame = _with_header(grid, spec, where, skip=0)
    frame["_source"] = frames.constant(where, frame.index)
    return _origin(frame, origin)


def _too_many_fields(text: str, spec: Spec, where: str) -> InputError | None:
    """The first line with more fields than the first line read (what the C parser rejects), as an
    :class:`InputError` with its line number; None if there is none (another parser error)."""
    skip = spec.source.skip_rows
    parts = text.split("\n", skip)
    if len(parts) <= skip:
        return None
    reader = csv.reader(io.StringIO(parts[skip]), delimiter=spec.source.delimiter)
    first: list[str] | None = None
    wider: tuple[int, list[str]] | None = None  # the first line with more fields than the first line read
    start = 1  # line on which the next record starts, counted from the first line read
    try:
        for record in reader:
            record = record or [""]  # a blank line is one empty field to pandas
            if first is None:
                first = record
            elif wider is None and len(record) > len(first):
                wider = skip + start, record
            if wider is not None and any(c.strip() for c in record):  # the header is not an empty line (",,,,")
                return _wider_line(first, *wider, skip + start, record, spec, where)
            start = reader.line_num + 1
    except csv.Error:
        return None
    return _wider_line(first, *wider, None, [], spec, where) if first is not None and wider is not None else None


def _wider_line(first: list[str], line: int, record: list[str], header_line: int | None, header: list[str],
                spec: Spec, where: str) -> InputError:
    """The error for ``line`` (``record``), wider than the ``first`` line read; ``header_line`` is the first
    line from there on with a cell that is not empty, the header if ``first`` is a title."""
    skip = spec.source.skip_rows
    above = f"line {skip + 1} (the first line read{' after source.skip_rows' if skip else ''})"
    blank = "" if header_line == line else " (all of them empty)"
    what = f"not a readable CSV table: line {line} has {len(record)} fields{blank}, but {above} has only {len(first)}"
    if header_line is not None and 2 * sum(1 for c in first if c.strip()) <= len(header):  # a short first line: a title?
        fix = ("a title or note above the header? set source.skip_rows (or header_rows) so that the "
               f"header is the first line read (if line {header_line} is the header: source.skip_rows: "
               f"{header_line - 1}); otherwise check source.delimiter")
    else:
        fix = (f"check source.delimiter, quote values that contain {spec.source.delimiter!r} "
               f"(e.g. thousands separators), or remove the extra fields in line {line}")
    return InputError(what, where=where, fix=fix)


def read_xlsx(spec: Spec) -> pd.DataFrame:
    raw, where = read_bytes(spec)
    limits.check_unpacked(raw, spec.source.max_unpacked_bytes, where)
    sheet = spec.source.sheet if spec.source.sheet is not None else 0
    try:
        grid = pd.read_excel(io.BytesIO(raw), sheet_name=sheet, header=None, dtype=str, engine="openpyxl")
    except (zipfile.BadZipFile, OSError, KeyError, ValueError) as e:
        raise InputError(f"not a readable Excel workbook: {e}", where=where,
                         fix="open and save the workbook again in Excel (.xlsx), or check source.sheet") from None
    layout = spec.source.layout
    facts = sheet_facts(raw, sheet, grid, fills=layout.cell_fills) if layout is not None else None
    frame = _with_header(grid, spec, where, skip=spec.source.skip_rows, sheet=facts)
    frame["_source"] = f"{where} [{sheet}]"
    return _origin(frame, _origin_of(raw, where))


def read_sql(spec: Spec) -> pd.DataFrame:
    import sqlalchemy as sa

    url = resolve_sql(spec.source.connection or "", f"{spec.path}: source.connection")
    where = redact_url(url.render_as_string(hide_password=False))
    backend = url.get_backend_name()
    sql.check_select(spec.source.query or "", backend, f"{spec.path}: source.query")
    try:
        try:
            engine = sa.create_engine(url)
        except ImportError as e:
            raise sql.driver_missing(e, backend, where) from None
        try:
            conn = engine.connect()
        except sa.exc.SQLAlchemyError as e:
            raise _connect_error(e, backend, where) from None
        with conn, sql.read_only(conn, backend, spec.source.timeout):
            frame = pd.read_sql_query(sa.text(spec.source.query or ""), conn, dtype=str)
    except (sa.exc.SQLAlchemyError, pd.errors.DatabaseError) as raised:
        e = raised.__cause__ if isinstance(raised.__cause__, sa.exc.SQLAlchemyError) else raised  # pandas wraps it
        if _is_transient_db_error(e):
            raise TransientError(f"query interrupted: {e.__class__.__name__}: {str(e).splitlines()[0]}", where=where,
                                 fix="the database was busy or dropped the connection; try again later") from None
        raise InputError(f"query failed: {e.__class__.__name__}: {str(e).splitlines()[0]}", where=where,
                         fix="check source.query and source.connection") from None
    if frame.empty:
        raise InputError("the query returned no rows", where=where, fix="check source.query")
    frame = frame.fillna("")
    frame["_row"] = range(1, len(frame) + 1)
    frame["_source"] = where
    frame.attrs["sources"] = [{"connection": where, "query": spec.source.query,
                               "sha256": hashlib.sha256(frame.to_csv(index=False).encode()).hexdigest()}]
    return frame


# SQLSTATEs worth retrying: serialization failure, deadlock, lock not available, admin shutdown, cannot connect now
_TRANSIENT_SQLSTATES = {"40001", "40P01", "55P03", "57P01", "57P03"}
_TRANSIENT_MESSAGES = ("database is locked", "lock wait timeout", "lock timeout", "deadlock", "server closed the connection")


def _is_transient_db_error(e: Exception) -> bool:
    """Whether a database error may pass by itself: a lost connection, a pool timeout or a lock wait."""
    import sqlalchemy as sa

    if isinstance(e, (sa.exc.DisconnectionError, sa.exc.TimeoutError)):
        return True
    if isinstance(e, sa.exc.DBAPIError):
        if e.connection_invalidated:
            return True
        code = getattr(e.orig, "sqlstate", None) or getattr(e.orig, "pgcode", None)
        if code in _TRANSIENT_SQLSTATES:
            return True
        return isinstance(e, sa.exc.OperationalError) and any(m in str(e.orig).lower() for m in _TRANSIENT_MESSAGES)
    return False


def _connect_error(e: Exception, backend: str, where: str) -> PublishError:
    """A failed connection: transient for a database server (down, unreachable, busy); permanent for a
    SQLite file that cannot be opened (a wrong path does not fix itself)."""
    first = f"{e.__class__.__name__}: {str(e).splitlines()[0]}"
    if backend == "sqlite" and not _is_transient_db_error(e):
        return InputError(f"cannot open the database: {first}", where=where, fix="check source.connection")
    return TransientError(f"cannot connect to the database: {first}", where=where,
                          fix="the database server did not answer; try again later, or check source.connection")


def read_sdmx(spec: Spec) -> pd.DataFrame:
    """An SDMX-ML 2.1 data message (generic, or structure-specific with ``source.structure``) from
    another agency: one row per observation, dimension and attribute ids as columns, ``OBS_VALUE``."""
    import sdmx

    raw, where = read_bytes(spec)
    xmlsafe.refuse_dtd(raw, where)
    dsd = None
    if spec.source.structure:
        st_path = spec.resolve(spec.source.structure)
        xmlsafe.refuse_dtd(st_path.read_bytes(), display_path(st_path))
        dsd = next(iter(sdmx.read_sdmx(st_path).structure.values()), None)
    try:
        msg = sdmx.read_sdmx(io.BytesIO(raw), structure=dsd) if dsd else sdmx.read_sdmx(io.BytesIO(raw))
        frames = [sdmx.to_pandas(ds, attributes="dsgo") for ds in msg.data]
    except Exception as e:  # sdmx1 raises many kinds on malformed input; all mean "not readable"
        raise InputError(f"not a readable SDMX-ML data message: {e.__class__.__name__}: {e}", where=where,
                         fix="check the file, or give source.structure for structure-specific data") from None
    if not frames or not sum(len(f) for f in frames):
        raise InputError("the SDMX message has no observations", where=where, fix="check the query or file")
    frame = pd.concat([f.reset_index() for f in frames], ignore_index=True).rename(columns={"value": "OBS_VALUE"})
    frame = frame.astype(str).replace({"nan": "", "None": "", "<NA>": ""})
    frame["_row"] = range(1, len(frame) + 1)
    frame["_source"] = where
    return _origin(frame, _origin_of(raw, where))


def read_survey(spec: Spec) -> pd.DataFrame:
    """Respondent-level microdata (SPSS, Stata, R, CSV) with its value labels: :mod:`sdmx_publish.survey`.
    Each file (the source and a joined one) is a regular file inside the source roots within source.max_bytes
    before it is read."""
    from ..survey import microdata_files
    from ..survey import read_survey as read

    for path in microdata_files(spec):
        limits.check_file(spec, path, display_path(path))
    return read(spec)


READERS = {"csv": read_csv, "xlsx": read_xlsx, "sql": read_sql, "sdmx": read_sdmx, "survey": read_survey}


def extract(spec: Spec) -> pd.DataFrame:
    """Read the spec's source table: string cells, plus ``_source`` and ``_row``; ``attrs["sources"]``
    says what was read (path or connection, and the sha256 of the very bytes or rows read)."""
    return READERS[spec.source.format](spec)
