"""The ``survey:`` block of a spec (``source.format: survey``): microdata, its design, the shares to estimate.

Every choice an estimate depends on is declared here (and commented in the YAML): which codes count
in the numerator, who is in the denominator, which special codes are left out, which breakdowns are
published and when an estimate is too unreliable to publish as it is.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

STRICT = ConfigDict(extra="forbid", frozen=True)

#: a code as written in the spec: numeric codes (SPSS, Stata, haven) or string codes (factors, CSV)
Code = int | float | str


class Join(BaseModel):
    """A second file whose variables are added to every row by key (e.g. incidents to households)."""

    model_config = STRICT
    path: str
    keys: list[str] = Field(min_length=1, description="key variables present in both files (YAML reads `on` as true)")
    variables: list[str] = Field(min_length=1, description="variables taken from the joined file")
    object: str | None = Field(None, description="object name inside an .rda/.RData file")


class Design(BaseModel):
    """The sample design: weight, strata, primary sampling units and what to do with single-PSU strata."""

    model_config = STRICT
    weight: str
    strata: str | None = None
    psu: str | None = None
    #: ``fail``: stop (R survey's default); ``certainty``: a stratum with one PSU adds no variance
    #: (R ``options(survey.lonely.psu = "certainty")``)
    single_psu: Literal["fail", "certainty"] = "fail"


class Condition(BaseModel):
    """Rows whose ``variable`` has one of ``codes`` (or, with ``exclude``, none of them)."""

    model_config = STRICT
    variable: str
    codes: list[Code] = Field(min_length=1)
    exclude: bool = Field(False, description="true: the rows NOT having these codes")


class Breakdown(BaseModel):
    """A variable whose values become a dimension's codes through a correspondence table (CSV)."""

    model_config = STRICT
    variable: str
    map: str = Field(description="CSV with columns `code` (the variable's value), the dimension, and `note`")
    to: str = Field(description="the dimension the codes go to, e.g. SEX or REF_AREA")


class Estimate(BaseModel):
    """One share: weighted count of the numerator over the weighted count of the denominator."""

    model_config = STRICT
    id: str = Field(pattern=r"^[A-Za-z0-9_]+$")
    title: str
    series: str = Field(description="SERIES code of the global SDG codelist")
    numerator: Condition
    denominator: list[Condition] = Field(min_length=1, description="every condition holds (AND)")
    special_codes: dict[str, dict[str, str]] = Field(
        default_factory=dict, description="variable -> {code: why it is left out of the denominator}")
    breakdowns: list[str] = Field(default_factory=lambda: ["total"],
                                  description="`total` and names of survey.breakdowns")
    constants: dict[str, str] = Field(default_factory=dict, description="component -> code for this estimate only")
    comment: str | None = Field(None, description="COMMENT_OBS: the definition as published, honestly")

    @model_validator(mode="after")
    def _numerator_in_denominator(self) -> "Estimate":
        if not any(c.variable == self.numerator.variable and not c.exclude for c in self.denominator):
            raise ValueError(f"estimate {self.id}: the denominator must restrict `{self.numerator.variable}` "
                             "to its valid answers (list them under denominator), so that refusals, "
                             "don't know and not applicable are left out on purpose")
        return self


class Reliability(BaseModel):
    """When an estimate is too unreliable: fewer than ``min_n`` respondents, or a CV above ``max_cv``."""

    model_config = STRICT
    min_n: int = Field(30, ge=1, description="minimum unweighted denominator count")
    max_cv: float = Field(0.3, gt=0, description="maximum coefficient of variation (SE / estimate)")
    #: ``flag``: publish with OBS_STATUS U (low reliability); ``withhold``: publish no value, OBS_STATUS Q (suppressed)
    action: Literal["flag", "withhold"] = "flag"


class Survey(BaseModel):
    """Respondent-level microdata (``source.path``) and the design-based shares estimated from it."""

    model_config = STRICT
    object: str | None = Field(None, description="object name inside an .rda/.RData file")
    join: Join | None = None
    design: Design
    time_period: str
    scale: float = Field(100, description="100: shares in percent (UNIT_MEASURE PT)")
    confidence: float = Field(0.95, gt=0, lt=1)
    breakdowns: dict[str, Breakdown] = Field(default_factory=dict)
    estimates: list[Estimate] = Field(min_length=1)
    reliability: Reliability = Field(default_factory=Reliability)

    @field_validator("breakdowns")
    @classmethod
    def _not_total(cls, v: dict[str, Breakdown]) -> dict[str, Breakdown]:
        if "total" in v:
            raise ValueError("`total` is the whole population; give the breakdown another name")
        return v

    @model_validator(mode="after")
    def _known_breakdowns(self) -> "Survey":
        for e in self.estimates:
            unknown = [b for b in e.breakdowns if b != "total" and b not in self.breakdowns]
            if unknown:
                raise ValueError(f"estimate {e.id}: breakdown(s) {unknown} are not declared under survey.breakdowns "
                                 f"(declared: {sorted(self.breakdowns)})")
        return self
