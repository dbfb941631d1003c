"""Property-based fuzzing (hypothesis) of the spec loader and the readers: whatever the bytes, the
answer is a frame or a PublishError with a message (exit 1 or 2), never another exception (exit 3)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sdmx_publish.errors import PublishError
from sdmx_publish.extract import extract
from sdmx_publish.spec import load_spec

from .helpers import TABLE, spec_dict

pytestmark = pytest.mark.slow  # about 2 s each

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
KEYS = ["dataflow", "source", "filter", "reshape", "columns", "constants", "maps", "validation", "allow_deletions",
        "path", "format", "encoding", "delimiter", "skip_rows", "header_rows", "query", "connection", "footer",
        "max_bytes", "rules", "threshold", "keep", "drop", "id_columns", "into", "file", "from", "to"]
scalars = st.one_of(st.none(), st.booleans(), st.integers(-5, 10**12), st.floats(allow_nan=True),
                    st.text(max_size=12), st.sampled_from(["csv", "xlsx", "sql", "DF_ICCS", "table.csv", "*", "(\\d"]))
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) |
                      st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=6), inner, max_size=4), max_leaves=12)


def _check(folder: Path, data: object, table: bytes = TABLE.encode()) -> None:
    (folder / "table.csv").write_bytes(table)
    spec = folder / "spec.yaml"
    spec.write_text(yaml.safe_dump(data, allow_unicode=True) if not isinstance(data, str) else data, encoding="utf-8")
    try:
        extract(load_spec(spec))
    except PublishError as e:
        assert e.message().strip() and e.exit_code in (1, 2)


@FUZZ
@given(st.dictionaries(st.sampled_from(KEYS), values, max_size=6))
def test_any_mapping_as_a_spec(data):
    with tempfile.TemporaryDirectory() as d:
        _check(Path(d), data)


@FUZZ
@given(st.dictionaries(st.sampled_from(["path", "format", "encoding", "delimiter", "skip_rows", "header_rows",
                                        "missing", "thousands", "decimal", "footer", "final_newline",
                                        "max_row_drop", "sheet"]), values, max_size=4))
def test_any_source_block(source):
    data = spec_dict("table.csv")
    data["source"].update(source)
    with tempfile.TemporaryDirectory() as d:
        _check(Path(d), data)


@FUZZ
@given(st.text(max_size=200))
def test_any_text_as_a_spec_file(text):
    with tempfile.TemporaryDirectory() as d:
        _check(Path(d), text)


@FUZZ
@given(st.binary(max_size=400) | st.text(alphabet=st.sampled_from(list(',;"\n\r\t .-0123456789KORJPNTotalMale')),
                                         max_size=300).map(str.encode))
def test_any_bytes_as_the_source_table(table):
    with tempfile.TemporaryDirectory() as d:
        _check(Path(d), spec_dict("table.csv"), table)
