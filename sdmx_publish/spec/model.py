"""The source spec model: one YAML file per national table, saying how to read it, map it to a
dataflow, validate and schedule it (:func:`sdmx_publish.spec.load_spec` reads and checks it)."""

from __future__ import annotations

import codecs
import os
import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from ..errors import SpecError
from ..names import PART_NAME
from ..periods import parse_period
from ..validate.config import RuleConfig
from .survey import Survey

#: encodings named in messages (source.encoding takes any text codec of Python's)
ENCODING_EXAMPLES = ("utf-8 (with or without BOM), cp1252 (Western European), cp949 (Korean), cp874 (Thai), "
                     "cp1251 (Cyrillic), cp1256 (Arabic), cp932 (Japanese), gb18030 (Chinese)")
DEFAULT_MISSING = ["", "-", "..", "na", "NA", "n/a", "…"]
#: SDMX CL_OBS_STATUS 2.1 codes that say why a value is missing (M cannot exist, L not collected, O missing,
#: Q suppressed, H holiday); a missing-value marker gets one, O (no reason given) unless the spec says which
MissingStatus = Literal["O", "M", "L", "Q", "H"]
#: SDMX CL_OBS_STATUS 2.1 codes of a value that is there (e.g. P provisional, E estimated, D definition differs)
ValueStatus = Literal["A", "B", "D", "E", "F", "G", "I", "J", "K", "N", "P", "S", "U", "V", "W"]


def _markers(v: object) -> object:
    """``source.missing`` as a list (each marker: OBS_STATUS O, reason not given) or marker -> status."""
    if not isinstance(v, list | tuple):
        return v
    for x in v:
        if not isinstance(x, str):
            raise spec_problem(f"the missing-value marker {x!r} is not a text",
                               "write each marker as quoted text, e.g. ['..', '0'], or {'..': O, x: Q}")
    return dict.fromkeys(v, "O")


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


def _part_name(v: str) -> str:
    """A part name: it names files of the release."""
    if not PART_NAME.fullmatch(v):
        raise spec_problem(f"part {v!r} is not a part name", "use letters, digits, '_' and '-' (at most 100), "
                           "starting with a letter or digit")
    return v


#: a spec field holding a regular expression, checked when the spec is loaded
Regex = Annotated[str, AfterValidator(_regex)]


class MissingMarkers(_Strict):
    """Cells that mean "no value" only in some value columns or periods, e.g. ``0`` for 2011-2012."""

    values: list[str] = Field(min_length=1, description="the cells that mean missing there, e.g. ['0']")
    status: MissingStatus = Field("O", description="their OBS_STATUS: O missing (reason not given), M cannot exist, "
                                  "L not collected, Q suppressed")
    columns: list[str] | None = Field(None, description="source value columns (after a reshape: the former column "
                                      "headers) where they apply; default every one")
    start: str | None = Field(None, description="first period (TIME_PERIOD) where they apply, e.g. '2011'")
    end: str | None = Field(None, description="last period where they apply, e.g. '2012'")
    note: str = Field("", description="why, for the people who read the spec")

    @field_validator("start", "end")
    @classmethod
    def _a_period(cls, v: str | None) -> str | None:
        if v is not None and parse_period(v) is None:
            raise spec_problem(f"{v!r} is not an SDMX time period", "use e.g. 2011, 2011-Q3 or 2011-07")
        return v


class Labels(_Strict):
    """Row-label columns of a report table (indent levels), merged into one label path."""

    columns: list[Annotated[int, Field(ge=1)]] = Field(min_length=1, description="positions (1 = the left edge), "
                                                       "outermost level first")
    name: str = Field("label", description="name of the merged label column")
    separator: str = Field(" / ", description="between the levels of a label path")


class Layout(_Strict):
    """A report table: header rows into column keys, label columns into one, columns chosen and named
    (:mod:`sdmx_publish.extract.layout`). Positions count from 1 at the left edge; a pattern is a
    regular expression matching a whole column key."""

    labels: Labels | None = None
    header_separator: str = Field(" / ", description="between the header rows' parts of a column key")
    drop: list[int | Regex] = Field(default_factory=list, description="columns left out (marker, spacer columns)")
    keep: list[int | Regex] | None = Field(None, description="only these columns (and the labels) are kept")
    rename: dict[int | str, str] = Field(default_factory=dict, description="column (position or pattern) -> name")
    footnotes: list[Regex] = Field(default_factory=list, description="markers removed from the end of header "
                                   "cells and labels, e.g. '(?<=[^\\W\\d])\\d+(, ?\\d+)*' for 'ocurridos1, 2'")
    cell_fills: bool = Field(False, description="xlsx: a column '<key> (fill)' beside each value column with the "
                             "cell's fill colour (ARGB, e.g. FFFFEA00; empty: none), for tables that mark precision "
                             "by colour")


class Source(_Strict):
    """Where the table is and how to read it."""

    path: str | None = None
    url: str | None = None
    format: Literal["csv", "xlsx", "sql", "sdmx", "survey"] = "csv"
    encoding: str = "utf-8-sig"
    delimiter: str = ","
    sheet: str | int | None = None
    skip_rows: int = Field(0, ge=0, description="rows above the header")
    header_rows: int = Field(1, ge=1, le=5, description="header rows, joined with a space (with `layout`: "
                             "its header_separator)")
    layout: Layout | None = Field(None, description="a report table: header groups, label columns, column choice, "
                                  "footnote markers (csv, xlsx)")
    missing: Annotated[dict[str, MissingStatus], BeforeValidator(_markers)] = Field(
        default_factory=lambda: dict.fromkeys(DEFAULT_MISSING, "O"),
        description="cells meaning no value: a list (OBS_STATUS O) or marker -> status, e.g. {'..': O, x: Q}")
    value_markers: dict[str, ValueStatus] = Field(default_factory=dict, description="footnote markers after a "
                                                  "number -> its OBS_STATUS, e.g. {p: P, e: E} for '123 p'")
    missing_where: list[MissingMarkers] = Field(default_factory=list, description="more missing-value markers, "
                                                "each only in some columns and/or periods")
    thousands: str | None = None
    decimal: str = "."
    query: str | None = None
    connection: str | None = Field(None, description="SQLAlchemy URL for format: sql")
    structure: str | None = Field(None, description="format: sdmx: structure message for structure-specific data")
    # -- sanity checks on the source itself: a cut or truncated table is refused, not published
    max_bytes: int = Field(512 * 2**20, gt=0, description="largest source file or download accepted (bytes)")
    max_unpacked_bytes: int = Field(256 * 2**20, gt=0, description="xlsx: largest total size of the unpacked "
                                    "workbook (a zip bomb guard)")
    timeout: float = Field(300, gt=0, description="seconds: a URL's read timeout, an SQL query's statement timeout")
    footer: Regex | None = Field(None, description="regex the last non-blank line (or sheet row) must match: a table "
                                 "that ends early has no footer")
    final_newline: bool = Field(True, description="csv: the file must end with a line break (a cut file does not)")
    max_row_drop: float = Field(0.05, ge=0, le=1, description="share of rows the source may lose against the rows "
                                "read by the run that last published this part; more is refused unless deletions "
                                "are allowed")

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
        """Any text codec Python knows (``codecs.lookup``), e.g. cp874 or tis-620 (Thai), cp1251 or koi8-r
        (Cyrillic), cp1256 (Arabic), shift_jis or cp932 (Japanese); not a bytes-to-bytes codec (base64, zlib)."""
        try:
            codecs.lookup(v)
        except LookupError:
            raise spec_problem(f"unknown encoding {v!r}: not a codec Python knows",
                               f"give the file's encoding, e.g. {ENCODING_EXAMPLES}") from None
        try:
            "".encode(v)
        except LookupError:
            raise spec_problem(f"{v!r} is not a text encoding (it turns bytes into bytes, not bytes into text)",
                               f"give the file's text encoding, e.g. {ENCODING_EXAMPLES}") from None
        return v.lower()

    @model_validator(mode="after")
    def _where(self) -> "Source":
        if self.layout is not None and self.layout.cell_fills and self.format != "xlsx":
            raise spec_problem("`layout.cell_fills` reads the cell colours of an xlsx sheet; a csv file has none",
                               "remove source.layout.cell_fills", key="layout.cell_fills")
        if self.layout is not None and self.format not in ("csv", "xlsx"):
            raise spec_problem(f"`layout` reads report tables in csv or xlsx files, not format: {self.format}",
                               "remove source.layout, or set source.format to csv or xlsx", key="layout")
        if self.format == "sql":
            if not (self.query and self.connection):
                raise ValueError("format: sql needs both `query` and `connection`")
        elif bool(self.path) == bool(self.url):
            raise ValueError("give exactly one of `path` or `url`")
        return self


class HeldBack(_Strict):
    """Source lines held back on purpose (values that cannot be right), with the reason the reports show."""

    rows: list[int] = Field(min_length=1, description="source line/row numbers, as in the validation reports")
    reason: str = Field(min_length=1, description="why they are not published (shown in the transform report and "
                        "the mapping review)")


class Filter(_Strict):
    """Rows to keep or drop (subtotals, footnotes), by exact value or regular expression."""

    keep: dict[str, list[str]] = Field(default_factory=dict)
    drop: dict[str, list[str]] = Field(default_factory=dict)
    drop_matching: dict[str, Regex] = Field(default_factory=dict, description="column -> regex; matching rows are dropped")
    drop_rows: list[int | HeldBack] = Field(default_factory=list, description="source line/row numbers to drop: a "
                                            "number (its reason in a comment) or {rows: [...], reason: why}")

    @field_validator("drop_rows", mode="before")
    @classmethod
    def _rows_with_reason(cls, v: object) -> object:
        for i, item in enumerate(v if isinstance(v, list) else []):
            if isinstance(item, dict) and not {"rows", "reason"} <= set(item):
                raise spec_problem(f"item {i + 1} of `drop_rows` has no `rows` or no `reason`",
                                   "write {rows: [line numbers], reason: why they are held back}, or a line number")
        return v

    def dropped_lines(self) -> dict[int, str]:
        """Each line of ``drop_rows`` -> its reason ("" for a bare number)."""
        return {line: reason for item in self.drop_rows
                for line, reason in ([(item, "")] if isinstance(item, int) else [(r, item.reason) for r in item.rows])}


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
    aggregate: Literal["sum"] | None = Field(None, description="`sum`: observations that several source values map "
                                             "to one key are summed (many-to-one); without it they are an error")
    share_column: str | None = Field(None, description="CSV column with each row's share of its source value: a value "
                                     "on several rows is split over their targets by these shares, which add to 1, "
                                     "or `pro_rata` in every row of the value: in proportion to the values mapped "
                                     "whole to each target (or below it in its codelist) in the same context")
    national_attribute: str | None = Field(None, description="attribute listing the national values of this map that "
                                           "make up each observation (e.g. NAT_CATEGORY)")
    summary_pattern: Regex | None = Field(None, description="regex matching the source values that are summary rows "
                                          "(totals of other values); its one group is the prefix their details "
                                          "share, e.g. '^(\\d{4})00$' for German offence keys ****00")
    parent_column: str | None = Field(None, description="CSV column naming, on a detail row, the source value of the "
                                      "summary row it is part of (empty on rows that are part of none)")
    summary_tolerance: float = Field(0.0, ge=0, description="a summary row whose details add to a sum further from it "
                                     "than this is a finding (map.summary_mismatch)")

    @field_validator("summary_pattern")
    @classmethod
    def _prefix_group(cls, v: str | None) -> str | None:
        if v is not None and re.compile(v).groups != 1:
            raise spec_problem(f"summary_pattern `{v}` needs exactly one capture group: the prefix the summary's "
                               "detail values start with", "e.g. '^(\\d{4})00$': 111100 sums the values 1111xx")
        return v

    @model_validator(mode="after")
    def _summaries_of_one_column(self) -> "ValueMap":
        if (self.summary_pattern or self.parent_column) and len(self.source) != 1:
            raise spec_problem("summary rows (summary_pattern, parent_column) need a map from one source column",
                               "map the classification's column alone in its own map", key="from")
        return self

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


class Metadata(_Strict):
    """National methodology notes of the table, published with each release as reference metadata
    (``attachments/<part>/metadata.json``; each key fills one attribute of the SDG metadata structure)."""

    definition: str | None = Field(None, description="what is measured (SDG_MSD STAT_CONC_DEF)")
    source: str | None = Field(None, description="where the data come from (DATA_SOURCE)")
    method: str | None = Field(None, description="how the values are computed (DATA_COMP)")
    comparability: str | None = Field(None, description="departures from the international definition (COMPARABILITY)")
    contact: str | None = Field(None, description="the organisation to contact (CONTACT_ORGANISATION)")


class Spec(_Strict):
    """A national table described once: read it, map it, publish it to a dataflow."""

    dataflow: str
    agency: str | None = None
    name: str | None = None
    part: Annotated[str, AfterValidator(_part_name)] | None = Field(
        None, description="the spec's part of its dataflow (default: <folder>_<file stem>)")
    schedule: str | None = Field("@yearly", description="Airflow schedule of the generated DAG")
    run_period: Literal["year", "quarter", "month"] | None = Field(
        None, description="a scheduled or backfill run publishes only the last complete year (quarter, month) "
                          "before its logical date; the other periods are carried forward")
    source: Source
    filter: Filter = Field(default_factory=Filter)
    reshape: Reshape | None = None
    columns: dict[str, str] = Field(default_factory=dict, description="component <- source column")
    constants: dict[str, str] = Field(default_factory=dict, description="component <- constant code")
    maps: list[ValueMap] = Field(default_factory=list)
    unit_multiplier: int | None = Field(None, description="power of ten the source values are expressed in")
    derive_rates: Rate | None = None
    roll_up: dict[str, str] = Field(default_factory=dict, description="component -> `codelist` (each code also summed "
                                    "into every ancestor of its codelist, and into _T) or a code (an observation of "
                                    "that code, the sum over all codes of the component, e.g. REF_AREA: '410')")
    survey: Survey | None = Field(None, description="source.format: survey: microdata, design and estimates")
    validation: dict = Field(default_factory=dict, description="rule overrides for this source")
    metadata: Metadata | None = Field(None, description="national methodology notes (reference metadata)")
    allow_deletions: bool = Field(False, description="publish even when the part loses published observations (by "
                                  "default any is an error) or more source rows than source.max_row_drop; recorded "
                                  "in the manifest")
    #: file the spec was read from (set by load_spec)
    path: Path | None = None

    @field_validator("validation")
    @classmethod
    def _known_rules(cls, v: dict) -> dict:
        """The ``validation`` block is a rule configuration (:class:`~sdmx_publish.validate.RuleConfig`):
        known rules, severities and parameters, checked now rather than when the validate step runs."""
        try:
            RuleConfig.from_dict(v, where="validation")
        except SpecError as e:
            raise spec_problem(e.what, e.fix or "see docs/validation.md for the rules and their parameters",
                               key=(e.where or "validation").replace(": ", ".")) from None
        return v

    @model_validator(mode="before")
    @classmethod
    def _no_classify(cls, data: object) -> object:
        """``classify:`` (one special shape) was replaced by the correspondence engine, which does it all."""
        if isinstance(data, dict) and "classify" in data:
            raise spec_problem("`classify` was replaced by the correspondence engine (maps with shares, "
                               "`aggregate: sum`, `national_attribute`, and `roll_up`)",
                               "reshape the area columns into REF_AREA, map areas and categories with `maps`, and "
                               "roll up with `roll_up`: see examples/knpa/crime_by_region.yaml and docs/specs.md",
                               key="classify")
        return data

    @model_validator(mode="after")
    def _survey_block(self) -> "Spec":
        """``source.format: survey`` and the ``survey`` block go together."""
        if (self.source.format == "survey") != (self.survey is not None):
            raise spec_problem("`source.format: survey` needs a `survey` block, and a `survey` block needs "
                               "`source.format: survey`",
                               "give both (see docs/surveys.md), or neither", key="survey")
        return self

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
        """A path in the spec, relative to the spec file; ``${VAR}`` is replaced by the environment variable
        (microdata often lives on a protected share, outside the repository)."""
        p = Path(os.path.expandvars(relative))
        return p if p.is_absolute() or self.path is None else (self.path.parent / p)
