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


#: replicate-weight types, as R survey's ``svrepdesign(type = ...)`` names them
REPLICATE_TYPES = ("JK1", "JKn", "JK2", "BRR", "Fay", "bootstrap", "successive-difference", "other")


class ReplicateWeights(BaseModel):
    """Replicate weights a file ships instead of strata and PSUs (R survey's ``svrepdesign``).

    The variance of an estimate is ``scale * sum(rscales_r * (estimate_r - centre)^2)`` over the
    replicates r, the centre being the replicates' mean (``mse: false``) or the full-sample estimate
    (``mse: true``). ``scale`` and ``rscales`` default as in ``svrepdesign`` for each type.
    """

    model_config = STRICT
    columns: str | list[str] = Field(description="a regular expression the whole variable name matches (the "
                                                 "replicates in file order), or the list of variables")
    type: Literal[REPLICATE_TYPES]  # type: ignore[valid-type]
    rho: float | None = Field(None, description="Fay only: the weight factor of the down-weighted half (0 < rho < 1)")
    scale: float | None = Field(None, gt=0, description="overall variance multiplier (JK1, bootstrap, JKn, other)")
    rscales: float | list[float] | None = Field(None, description="per-replicate multipliers (JKn: (n_h-1)/n_h of "
                                                                  "the replicate's stratum)")
    mse: bool = Field(False, description="true: deviations from the full-sample estimate; false: from the "
                                         "replicates' mean (R's default)")
    combined_weights: bool = Field(True, description="true: the columns are the replicate weights; false: "
                                                     "factors that multiply the design weight")

    @field_validator("columns")
    @classmethod
    def _columns(cls, v: str | list[str]) -> str | list[str]:
        from .model import _regex, spec_problem

        if isinstance(v, str):
            return _regex(v)
        if len(v) < 2 or len(set(v)) != len(v):
            raise spec_problem(f"replicate_weights.columns must list at least two distinct variables (got {v})",
                               "list every replicate-weight variable once, or give a regular expression")
        return v

    @field_validator("rscales")
    @classmethod
    def _rscales(cls, v: float | list[float] | None) -> float | list[float] | None:
        from .model import spec_problem

        if v is not None and min(v if isinstance(v, list) else [v], default=-1) < 0:
            raise spec_problem("replicate_weights.rscales must be numbers >= 0 (one, or one per replicate)",
                               "copy the per-replicate multipliers from the file's documentation")
        return v

    @model_validator(mode="after")
    def _type_needs(self) -> "ReplicateWeights":
        from .model import spec_problem

        given = self.model_fields_set
        needs = {"Fay": {"rho"}, "JKn": {"rscales"}, "other": {"scale", "rscales"}}.get(self.type, set())
        missing = sorted(needs - given)
        if missing:
            raise spec_problem(f"replicate weights of type {self.type} need {' and '.join(missing)}",
                               f"add replicate_weights.{missing[0]} from the file's documentation (docs/surveys.md "
                               "lists what each type needs)", key="survey.design.replicate_weights")
        if self.rho is not None and not (self.type == "Fay" and 0 < self.rho < 1):
            raise spec_problem(f"rho {self.rho} is for type Fay only, between 0 and 1 (here type {self.type})",
                               "remove rho, or use type: Fay with 0 < rho < 1", key="survey.design.replicate_weights")
        fixed = {"BRR", "Fay", "JK2", "successive-difference"}
        if self.type in fixed and given & {"scale", "rscales"}:
            raise spec_problem(f"type {self.type} fixes scale and rscales (as R's svrepdesign does)",
                               "remove scale and rscales, or use type: other with the documented values",
                               key="survey.design.replicate_weights")
        return self


class Design(BaseModel):
    """The sample design: a weight and either strata, PSUs and what to do with single-PSU strata
    (Taylor linearisation), or replicate weights."""

    model_config = STRICT
    weight: str
    strata: str | None = None
    psu: str | None = None
    #: ``fail``: stop (R survey's default); ``certainty``: a stratum with one PSU adds no variance
    #: (R ``options(survey.lonely.psu = "certainty")``)
    single_psu: Literal["fail", "certainty"] = "fail"
    replicate_weights: ReplicateWeights | None = None

    @model_validator(mode="after")
    def _one_variance_method(self) -> "Design":
        from .model import spec_problem

        taylor = sorted(self.model_fields_set & {"strata", "psu", "single_psu"})
        if self.replicate_weights is not None and taylor:
            raise spec_problem(f"declares both replicate_weights and {', '.join(taylor)}: the variance "
                               "comes from one or the other",
                               "keep replicate_weights (the file's own variance method) and remove "
                               f"{', '.join(taylor)}, or remove replicate_weights to use Taylor linearisation",
                               key="survey.design")
        return self


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
    decimals: int | None = Field(None, ge=0, le=6, description="decimals of this estimate as published "
                                                                "(default: survey.decimals)")

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
    decimals: int = Field(1, ge=0, le=6, description="decimals of the published estimates (OBS_VALUE, after "
                                                     "`scale`); their bounds get one more")
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
