"""Source specs: one YAML file per national table, saying how to read it and map it to a dataflow.

A spec is checked completely before any data is read: unknown keys, wrong types, missing files and
malformed correspondence tables fail here with the spec file, the key and the fix.
"""

from __future__ import annotations

import difflib
import re
import typing
from pathlib import Path
from typing import Annotated, Literal, TypeVar

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from ..errors import SpecError

ENCODINGS = ("utf-8", "utf-8-sig", "cp949", "euc-kr", "cp1252", "latin-1")
DEFAULT_MISSING = ["", "-", "..", "na", "NA", "n/a", "…"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def spec_problem(what: str, fix: str, *, key: str | None = None) -> PydanticCustomError:
    """A validation error that carries its own fix (and, from a model validator, its key) to :func:`load_yaml_model`."""
    return PydanticCustomError("spec_problem", "{what}", {"what": what, "fix": fix, "key": key})


def _regex(v: str) -> str:
    """A regular expression (Python ``re`` syntax, which the transform uses) that compiles."""
    try:
        re.compile(v)
    except re.error as e:
        raise spec_problem(f"invalid regular expression `{v}`: {e}",
                           "correct the regular expression (Python `re` syntax; quote it in YAML with single "
                           "quotes so that backslashes stay as they are)") from None
    return v


#: a spec field holding a regular expression, checked when the spec is loaded
Regex = Annotated[str, AfterValidator(_regex)]


class Source(_Strict):
    """Where the table is and how to read it."""

    path: str | None = None
    url: str | None = None
    format: Literal["csv", "xlsx", "sql", "sdmx"] = "csv"
    encoding: str = "utf-8-sig"
    delimiter: str = ","
    sheet: str | int | None = None
    skip_rows: int = Field(0, ge=0, description="rows above the header")
    header_rows: int = Field(1, ge=1, le=5, description="header rows, joined with a space")
    missing: list[str] = Field(default_factory=lambda: list(DEFAULT_MISSING))
    thousands: str | None = None
    decimal: str = "."
    query: str | None = None
    connection: str | None = Field(None, description="SQLAlchemy URL for format: sql")
    structure: str | None = Field(None, description="format: sdmx: structure message for structure-specific data")

    @field_validator("delimiter")
    @classmethod
    def _one_character(cls, v: str) -> str:
        if len(v) != 1:
            raise spec_problem(f"the delimiter {v!r} is not one character",
                               "give the one character between fields, e.g. ',' or ';' (\"\\t\" for a tab)")
        return v

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, v: str) -> str:
        if v.lower() not in ENCODINGS:
            raise ValueError(f"unsupported encoding {v!r}; use one of {', '.join(ENCODINGS)}")
        return v.lower()

    @model_validator(mode="after")
    def _where(self) -> "Source":
        if self.format == "sql":
            if not (self.query and self.connection):
                raise ValueError("format: sql needs both `query` and `connection`")
        elif bool(self.path) == bool(self.url):
            raise ValueError("give exactly one of `path` or `url`")
        return self


class Filter(_Strict):
    """Rows to keep or drop (subtotals, footnotes), by exact value or regular expression."""

    keep: dict[str, list[str]] = Field(default_factory=dict)
    drop: dict[str, list[str]] = Field(default_factory=dict)
    drop_matching: dict[str, Regex] = Field(default_factory=dict, description="column -> regex; matching rows are dropped")
    drop_rows: list[int] = Field(default_factory=list, description="source line/row numbers to drop, with a reason in a comment")


class Reshape(_Strict):
    """Wide to long: value columns (years, regions, ...) become rows."""

    id_columns: list[str]
    into: str = Field(description="component that receives the former column headers, e.g. TIME_PERIOD")
    value_columns: list[str] | None = None
    value_columns_matching: Regex | None = Field(None, description="regex selecting the value columns (whole header)")
    label_pattern: Regex | None = Field(None, description="regex with one group extracting the code, e.g. '(\\d{4})'")

    @field_validator("label_pattern")
    @classmethod
    def _one_group(cls, v: str | None) -> str | None:
        groups = re.compile(v).groups if v is not None else 1
        if groups != 1:
            raise spec_problem(f"the regular expression `{v}` has {groups} capture groups; it needs exactly one, "
                               "the part of the column header that becomes the code",
                               "put one pair of parentheses around the code, e.g. '(\\d{4})'; "
                               "use (?:...) for any other group")
        return v


class ValueMap(_Strict):
    """A correspondence table (CSV) from source column(s) to component(s); each row may carry a note.

    A row whose targets are all empty excludes the matching source rows on purpose (reported).
    """

    file: str
    source: list[str] = Field(alias="from")
    target: list[str] = Field(alias="to")
    key_columns: list[str] | None = Field(None, description="columns of the CSV holding the source values, if named differently")
    value_columns: list[str] | None = Field(None, description="columns of the CSV holding the targets, if named differently")

    @field_validator("source", "target", mode="before")
    @classmethod
    def _listify(cls, v: str | list[str]) -> list[str]:
        return [v] if isinstance(v, str) else v


class Rate(_Strict):
    """Derive a rate per 100,000 population from counts.

    ``population: bundled`` uses the bundled World Bank population by M49 code; a path names a CSV
    with area (REF_AREA codes), year and population columns.
    """

    population: str = "bundled"
    area_column: str = "REF_AREA"
    year_column: str = "TIME_PERIOD"
    value_column: str = "POPULATION"


class Classify(_Strict):
    """A national offence table (categories in rows, areas in columns) classified to ICCS with split rules.

    Replaces ``columns``/``maps``/``reshape``: see :mod:`sdmx_publish.transform.national`.
    """

    categories: list[str] = Field(min_length=1, description="columns holding the national offence categories")
    classification: str = Field(description="correspondence table CSV: categories -> ICCS, share, note")
    areas: str = Field(description="area table CSV: region (source column) -> REF_AREA, note")
    national_area: str = Field(description="REF_AREA code of the whole country (sum of the areas)")
    time_period: str
    subtotal_labels: list[str] = Field(default_factory=lambda: ["합계", "소계", "총계", "계", "Total", "Subtotal"])
    source_detail: str | None = None


class Spec(_Strict):
    """A national table described once: read it, map it, publish it to a dataflow."""

    dataflow: str
    agency: str | None = None
    name: str | None = None
    schedule: str | None = Field("@yearly", description="Airflow schedule of the generated DAG")
    source: Source
    filter: Filter = Field(default_factory=Filter)
    reshape: Reshape | None = None
    columns: dict[str, str] = Field(default_factory=dict, description="component <- source column")
    constants: dict[str, str] = Field(default_factory=dict, description="component <- constant code")
    maps: list[ValueMap] = Field(default_factory=list)
    unit_multiplier: int | None = Field(None, description="power of ten the source values are expressed in")
    derive_rates: Rate | None = None
    classify: Classify | None = None
    validation: dict = Field(default_factory=dict, description="rule overrides for this source")
    #: file the spec was read from (set by load_spec)
    path: Path | None = None

    @model_validator(mode="after")
    def _reshape_keeps_what_is_used(self) -> "Spec":
        """After ``reshape`` only its id columns and ``into`` are left, and the values are the reshaped cells."""
        r = self.reshape
        if r is None:
            return self
        if "OBS_VALUE" in self.columns:
            raise spec_problem(f"{self.columns['OBS_VALUE']!r} is never used: with a `reshape` block the observation "
                               "values are the cells of the reshaped value columns",
                               "remove `columns.OBS_VALUE`; choose the value columns with reshape.value_columns "
                               "or reshape.value_columns_matching", key="columns.OBS_VALUE")
        kept = [*r.id_columns, r.into]
        used = [(f"columns.{comp}", col) for comp, col in self.columns.items()]
        used += [(f"maps.{i}.from", col) for i, m in enumerate(self.maps) for col in m.source]
        for key, col in used:
            if col not in kept:
                raise spec_problem(f"source column {col!r} is not kept by the reshape: after "
                                   f"`reshape` the table has only reshape.id_columns {r.id_columns} and "
                                   f"reshape.into {r.into!r}",
                                   f"add {col!r} to reshape.id_columns, or correct `{key}`", key=key)
        return self

    def resolve(self, relative: str) -> Path:
        """A path in the spec, relative to the spec file."""
        p = Path(relative)
        return p if p.is_absolute() or self.path is None else (self.path.parent / p)


M = TypeVar("M", bound=BaseModel)


def load_yaml_model(path: Path, model: type[M], *, extra: dict | None = None, example: str) -> M:
    """Read a YAML mapping into ``model``; a :class:`SpecError` names the file, the key and the fix."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as e:
        raise SpecError(f"not valid YAML: {e}", where=str(path), fix="fix the YAML syntax") from None
    if not isinstance(data, dict):
        raise SpecError("the file must be a YAML mapping", where=str(path), fix=f"see {example}")
    try:
        return model.model_validate({**data, **(extra or {})})
    except ValidationError as e:
        raise _spec_error(e, model, path, example, internal=set(extra or {})) from None


def _spec_error(e: ValidationError, model: type[BaseModel], path: Path, example: str, *,
                internal: set[str]) -> SpecError:
    """The first problem of a validation error, as a :class:`SpecError` with its key and fix.

    A misspelt key gives two errors, the unknown key and (if it was required) the missing one; the
    unknown key is the cause, so it is reported, with the allowed key it is closest to.
    """
    errors = e.errors()
    err = next((x for x in errors if x["type"] == "extra_forbidden"), errors[0])
    loc = err["loc"]
    ctx = err.get("ctx") or {}
    key = ctx.get("key") or ".".join(str(p) for p in loc) or "(top level)"
    if err["type"] == "extra_forbidden":
        parent, name = loc[:-1], str(loc[-1])
        prefix = "".join(f"{p}." for p in parent)
        missing = [str(x["loc"][-1]) for x in errors if x["type"] == "missing" and x["loc"][:-1] == parent]
        allowed = [k for k in _allowed_keys(model, parent) if not (parent == () and k in internal)]
        close = difflib.get_close_matches(name, missing, n=1, cutoff=0.5) or \
            difflib.get_close_matches(name, allowed, n=1, cutoff=0.6)
        what = f"key `{key}` is not allowed here (unknown key)"
        if close:
            fix = f"did you mean `{prefix}{close[0]}`? rename `{key}` to `{prefix}{close[0]}`"
        else:
            fix = f"remove or correct `{key}` (unknown key; check its spelling)"
            if allowed:
                fix += f"; the keys allowed here are {', '.join(allowed)}"
        return SpecError(what, where=str(path), fix=fix)
    if err["type"] == "spec_problem":
        return SpecError(f"key `{key}`: {ctx['what']}", where=str(path), fix=ctx["fix"])
    fix = {"missing": f"add `{key}`"}.get(err["type"], f"correct `{key}` (see {example})")
    return SpecError(f"key `{key}`: {err['msg']}", where=str(path), fix=fix)


def _models_in(annotation: object) -> list[type[BaseModel]]:
    """The pydantic models inside a field's type (``X | None``, ``list[X]``, ``dict[str, X]``)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    if typing.get_origin(annotation) is not None:  # X | None, list[X], dict[str, X], Annotated[...]
        return [m for a in typing.get_args(annotation) for m in _models_in(a)]
    return []


def _allowed_keys(model: type[BaseModel], loc: tuple) -> list[str]:
    """The keys a YAML mapping may have at ``loc`` (list indexes and dict keys are passed over)."""
    current: type[BaseModel] | None = model
    for part in loc:
        if current is None:
            return []
        fields = {f.alias or n: f for n, f in current.model_fields.items()}
        if part in fields:
            inner = _models_in(fields[part].annotation)
            current = inner[0] if inner else None
    return [] if current is None else [f.alias or n for n, f in current.model_fields.items()]


def load_spec(path: str | Path, *, source_file: bool = True) -> Spec:
    """Read and check a spec; raise :class:`SpecError` naming the file, the key and the fix.

    ``source_file=False`` leaves the source table unchecked (the DAG processor may not see it)."""
    path = Path(path)
    if not path.is_file():
        raise SpecError("spec file not found", where=str(path), fix="check the path")
    spec = load_yaml_model(path, Spec, extra={"path": path.resolve()}, example="examples/*/*.yaml")
    check_files(spec, source_file=source_file)
    return spec


def check_files(spec: Spec, *, source_file: bool = True) -> None:
    """Every file a spec refers to exists and every correspondence table has the columns it needs."""
    from ..transform.mapping import read_map  # the transform stage owns the map format

    where = str(spec.path)
    if source_file and spec.source.path and not spec.resolve(spec.source.path).is_file():
        raise SpecError(f"source file {spec.source.path!r} not found", where=f"{where}: source.path",
                        fix="correct the path (relative to the spec file)")
    for i, m in enumerate(spec.maps):
        if not spec.resolve(m.file).is_file():
            raise SpecError(f"correspondence table {m.file!r} not found", where=f"{where}: maps[{i}].file",
                            fix="correct the path (relative to the spec file)")
        read_map(spec, m, where=f"{where}: maps[{i}]")
    for key in ("classification", "areas"):
        if spec.classify and not spec.resolve(getattr(spec.classify, key)).is_file():
            raise SpecError(f"{key} table {getattr(spec.classify, key)!r} not found", where=f"{where}: classify.{key}",
                            fix="correct the path (relative to the spec file)")
    rates = spec.derive_rates
    if rates and rates.population != "bundled" and not spec.resolve(rates.population).is_file():
        raise SpecError(f"population table {spec.derive_rates.population!r} not found",
                        where=f"{where}: derive_rates.population", fix="correct the path")
