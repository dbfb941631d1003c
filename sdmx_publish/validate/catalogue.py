"""The shipped rules, declared as data: :data:`RULES` maps a stable id to its :class:`Rule`.

Outcomes (:mod:`.flags`): a total that differs from its complete parts (sex, age, ICCS
children), or a rate or percentage total outside the range of its complete parts, is flagged with
OBS_STATUS ``U`` (low reliability) together with its parts; an ICCS parent smaller than one of its
children is flagged ``U`` (the parent alone: it cannot hold the whole category); a count with
decimals ``E`` (estimated); an incomplete breakdown gets a COMMENT_OBS note on its total and parts;
every other rule warns only. Specs may declare another outcome.

Order: what the transform found in the correspondence tables, structural rules (the data fit the
DSD), value rules, totals and hierarchy, time series, revisions. Severities and parameters here are defaults; a :class:`RuleConfig` changes them per
dataflow or per source. ``docs/validation.md`` lists the same table for people.
"""

from __future__ import annotations

from types import MappingProxyType

from . import aggregates, correspondence, revisions, series, structural, values
from .rules import Rule

COUNT_UNITS = ["NUMBER"]
#: rates per N population: categories of one population share the denominator
POPULATION_RATES = ["PER_100_POP", "PER_1000_POP", "PER_10000_POP", "PER_100000_POP", "PER_1000000_POP"]
_S = "structural"

_RULES = [
    Rule(id="map.unmapped", family=_S, severity="error", title="Source value with no row in its correspondence table",
         description="Every source value a map reads has a row in the map's CSV table (a row with empty targets "
                     "excludes it on purpose); the transform drops the rows of a value no row matches and counts them.",
         message="{count} row(s) with {values} match no row of {map}{encoding}", check=correspondence.check_unmapped,
         fix="add a row for the value to the map's table (or a row with empty targets to exclude it); but where "
             "the message says the text looks decoded with the wrong encoding, correct source.encoding instead"),
    Rule(id="map.summary_mismatch", severity="warning",
         title="Summary row of the source that its details do not add up to",
         description="A summary row the map declares (a national total or subtotal, not published twice) is "
                     "within the map's `summary_tolerance` of the sum of its direct details.",
         message="summary row {summary} of {map} is {total} but its {details} detail value(s) add up to "
                 "{details_sum}{where}", check=correspondence.check_summary_rows,
         fix="check the source table for a missing or misread detail row, or the map's summary/detail declaration"),
    Rule(id="dim.missing", family=_S, severity="error", title="Component column missing",
         description="Every DSD dimension, the time dimension and the primary measure must be a column.",
         message="no column for {component}", check=structural.check_missing_components,
         fix="map a source column or a constant to this component in the source spec"),
    Rule(id="dim.empty", family=_S, severity="error", title="Empty dimension value",
         description="Every observation has a code for every dimension and a time period.",
         message="{component} is empty", check=structural.check_empty_dimension,
         fix="fill the cell or map the source's total/blank to the codelist's total code (_T)"),
    Rule(id="code.unknown", family=_S, severity="error", title="Unknown code",
         description="Codes of coded dimensions and attributes must exist in the component's codelist.",
         message="{component} code '{value}' is not in the codelist: {expected}", check=structural.check_unknown_code,
         fix="the code is a source cell taken as it is (`columns`, a reshaped header): correct the source, "
             "or map its values to codes with a correspondence table (`maps`)"),
    Rule(id="code.not_allowed", family=_S, severity="error", title="Code not allowed by the dataflow",
         description="The code exists in the codelist but the dataflow's content constraint does not allow it.",
         message="{component} code '{value}' exists in the codelist but is not allowed by the dataflow's constraint",
         check=structural.check_not_allowed_code,
         fix="use an allowed code, or publish these observations in the dataflow that allows them"),
    Rule(id="text.control_char", family=_S, severity="error", title="Control character in a text",
         description="Codes and attribute values must not hold control characters (XML cannot carry them).",
         message="{component} holds a control character: {value}", check=structural.check_control_characters,
         fix="remove the control character from the source cell (or the value map)"),
    Rule(id="attr.mandatory", family=_S, severity="error", title="Mandatory attribute missing",
         description="Attributes the DSD declares mandatory must have a value on every observation.",
         message="mandatory attribute {component} has no value", check=structural.check_mandatory_attributes,
         fix="set the attribute in the source spec (a column or a constant such as OBS_STATUS: A)"),
    Rule(id="dup.conflict", family=_S, severity="error", title="Conflicting duplicate observations",
         description="Two rows with the same series key and period but different values or attributes.",
         message="series key and period repeated with different values (this row: {value})",
         check=structural.check_conflicting_duplicate,
         fix="keep one of the rows; often two source columns were mapped to the same key"),
    Rule(id="dup.exact", family=_S, severity="warning", title="Exact duplicate observation (dropped)",
         description="A row repeating an earlier row exactly; it is dropped from the published data.",
         message="exact duplicate of an earlier row (dropped)", check=structural.check_exact_duplicate,
         fix="remove the repeated row from the source or the extraction query"),
    Rule(id="dup.other_source", family=_S, severity="error", title="Observation of another source",
         description="Another source (part) of the dataflow already publishes this series key and period.",
         message="the same series key and period are already published by source '{value}'",
         check=structural.check_other_source,
         fix="map each observation from one source only: drop these rows in one spec's filter (national data "
             "replacing another source: docs/specs.md, 'Replacing another source's rows')"),
    Rule(id="time.freq_mismatch", family=_S, severity="error", title="Time period does not match FREQ",
         description="TIME_PERIOD must be written as the frequency says: A YYYY, Q YYYY-Qn, M YYYY-MM, ...",
         message="TIME_PERIOD '{value}' does not match the frequency", check=structural.check_time_format,
         fix="fix the period format in the source spec (e.g. the year column) or the FREQ constant"),
    Rule(id="value.non_numeric", family=_S, severity="error", title="Observation value not numeric",
         description="OBS_VALUE must be a number or empty.",
         message="OBS_VALUE '{value}' is not a number: {hint}", check=structural.check_non_numeric,
         fix="as each message says: a number format (source.thousands, source.decimal), a typing error to "
             "correct in the source, or a missing-value marker to declare in source.missing (e.g. {'..': O})"),
    Rule(id="value.marker_removed", family=_S, severity="info", title="Footnote marker removed from a value",
         description="A cell like '123 p' or '45*' was read as the number before its footnote marker.",
         message="'{value}' was read without its footnote marker", check=structural.check_marker_removed,
         fix="if the marker says something about the value (e.g. p provisional, e estimated), declare it in "
             "source.value_markers (e.g. {p: P, e: E}) to publish it as the OBS_STATUS; if it is a typing error "
             "(e.g. '14o' for 140), correct the source"),
    Rule(id="value.not_finite", family=_S, severity="error", title="Observation value infinite",
         description="OBS_VALUE must be finite (a division by zero upstream gives inf).",
         message="OBS_VALUE is {value}", check=structural.check_not_finite,
         fix="check the rate computation: the population or denominator is probably 0"),
    Rule(id="value.missing_no_status", family=_S, severity="error", title="Missing value without a reason",
         description="An empty OBS_VALUE needs an OBS_STATUS that says why it is missing.",
         message="OBS_VALUE is missing and OBS_STATUS is '{value}'", check=structural.check_missing_without_status,
         params={"missing_status": ["M", "L", "O", "Q", "H"]},
         fix="set OBS_STATUS M (cannot exist), L (not collected), O (missing) or Q (suppressed)"),
    Rule(id="value.negative_count", severity="error", title="Negative count",
         description="Counts (unit NUMBER) cannot be negative.",
         message="negative count {value}", check=values.check_negative_count,
         params={"count_units": COUNT_UNITS}, fix="check the source cell; a minus sign often marks 'not available'"),
    Rule(id="value.out_of_range", severity="error", title="Rate or percentage out of range",
         description="Percentages lie in 0-100 and rates per N population in 0-N.",
         message="{value} is outside the possible range", check=values.check_range,
         params={"ranges": {"PT": [0, 100], "PER_100_POP": [0, 100], "PER_1000_POP": [0, 1000],
                            "PER_10000_POP": [0, 10000], "PER_100000_POP": [0, 100000],
                            "PER_1000000_POP": [0, 1000000], "PROB": [0, 1]}},
         fix="check the unit: a count published as a rate, or a rate per 100,000 labelled as percent"),
    Rule(id="value.bounds", severity="error", title="Estimate outside its confidence bounds",
         description="LOWER_BOUND is not above UPPER_BOUND, and the value lies between them.",
         message="{value} is not within its bounds {expected} (LOWER_BOUND, UPPER_BOUND)", check=values.check_bounds,
         fix="check the bound columns (lower and upper swapped, or taken from another column or row)"),
    Rule(id="value.non_integer_count", severity="warning", title="Count with decimals",
         description="Counts (unit NUMBER, after UNIT_MULT) are whole numbers.",
         message="count {value} is not a whole number", check=values.check_non_integer_count,
         params={"count_units": COUNT_UNITS, "tolerance": 1e-6}, outcome="flag", flag_status="E",
         fix="check the unit: is this an estimate (then OBS_STATUS E) or a rate labelled NUMBER?"),
    Rule(id="unit.fraction_percentage", severity="warning", title="Percentage series that looks like fractions",
         description="A series in percent whose values all lie between 0 and 1 is probably in fractions.",
         message="percentage {value} in a series whose values all lie in [0, 1]",
         check=values.check_fraction_percentage, params={"percent_units": ["PT"], "min_obs": 2},
         fix="multiply the series by 100 in the transform, or label it with the right unit"),
    Rule(id="sdg.constraint", severity="error", title="Not allowed for this SDG series",
         description="The SDG global content constraints fix, per series, the allowed UNIT_MEASURE, SEX, AGE, ...",
         message="{component} '{value}' is not allowed for this SDG series", check=values.check_sdg_constraint,
         fix="use the unit and breakdown codes the global SDG database accepts for the series"),
    Rule(id="rate.inconsistent", severity="warning", title="Rate does not match count and population",
         description="A rate per 100,000 equals count / population x 100,000 (totals by sex and age).",
         message="rate {value} does not match its count and the population", check=values.check_rate_consistency,
         params={"per": 100000, "rel_tolerance": 0.05, "abs_tolerance": 0.051, "total_dims": ["SEX", "AGE"],
                 "pairs": [{"dimension": "UNIT_MEASURE", "rate": "PER_100000_POP", "count": "NUMBER"},
                           *({"dimension": "SERIES", "rate": r, "count": c} for r, c in [
                               ("VC_IHR_PSRC", "VC_IHR_PSRCN"), ("VC_DTH_TOTR", "VC_DTH_TOTN"),
                               ("VC_HTF_DETVR", "VC_HTF_DETV"), ("VC_HTF_DETVFLR", "VC_HTF_DETVFL"),
                               ("VC_HTF_DETVOPR", "VC_HTF_DETVOP"), ("VC_HTF_DETVOGR", "VC_HTF_DETVOG"),
                               ("VC_HTF_DETVSXR", "VC_HTF_DETVSX")])]},
         fix="recompute the rate, or check that count and rate refer to the same year and population"),
]

_TOTALS = {"count_units": COUNT_UNITS, "abs_tolerance": 0.5, "rel_tolerance": 0.001,
           "dimensions": {"SEX": {"kind": "set", "total": "_T", "parts": ["F", "M"], "extra_parts": ["_O", "_U"]},
                          "AGE": {"kind": "age", "total": "_T", "extra_parts": ["_U"]}}}
_ICCS = {"count_units": COUNT_UNITS, "abs_tolerance": 0.5, "rel_tolerance": 0.001, "dimension": "ICCS"}
_SERIES = {"threshold": 3.5, "min_changes": 5}

_RULES += [
    Rule(id="total.smaller_than_part", severity="error", title="Total smaller than a part",
         description="A total (SEX or AGE _T) is never smaller than one of its parts.",
         message="total {value} is smaller than a part", check=aggregates.check_total_smaller, params=_TOTALS,
         fix="check that total and parts come from the same table, year and unit"),
    Rule(id="total.sum_mismatch", severity="warning", title="Total differs from the sum of its parts",
         description="Where the parts are complete (F and M; age bands covering all ages) the total is their sum.",
         message="total {value} differs from the sum of its parts", check=aggregates.check_total_sum,
         params=_TOTALS, outcome="flag", flag_status="U", related=aggregates.related_total_parts,
         fix="add the missing part (e.g. sex unknown, _U) or correct the total"),
    Rule(id="total.parts_incomplete", severity="info", title="Incomplete breakdown",
         description="A total has a breakdown (age bands, sex) whose parts do not cover it all (ages left out, one sex only).",
         message="breakdown of total {value} is incomplete", check=aggregates.check_total_incomplete,
         params=_TOTALS, outcome="flag", related=aggregates.related_total_parts,
         fix="nothing if the source gives no more; the note tells readers that the parts do not add up to the total"),
    Rule(id="total.outside_parts", severity="warning", title="Total outside the range of its parts",
         description="For rates and percentages, where the parts are complete (F and M; age bands covering all "
                     "ages) the total, their weighted average, lies between the smallest and the largest part, "
                     "give or take half a unit of the last published digit of the total and of the parts.",
         message="total {value} lies outside the range of its parts", check=aggregates.check_total_outside_parts,
         params={"units": ["PT", *POPULATION_RATES], "dimensions": _TOTALS["dimensions"]}, outcome="flag",
         flag_status="U", related=aggregates.related_total_parts,
         fix="check that the total and its parts come from the same table, year and population: a total read "
             "from another row or column, a part in another unit, or rates by sex divided by the whole "
             "population instead of each sex's (then the parts add up to the total) put it outside"),
    Rule(id="iccs.parent_smaller", severity="error", title="ICCS parent smaller than a child",
         description="A parent ICCS category is never smaller than any of its child categories (counts, and "
                     "rates per population, which share the denominator).",
         message="ICCS category total {value} is smaller than a subcategory", check=aggregates.check_iccs_smaller,
         params={**_ICCS, "rate_units": POPULATION_RATES}, outcome="flag", flag_status="U",
         fix="check the ICCS mapping of the national offence categories (a child mapped too wide?)"),
    Rule(id="iccs.sum_mismatch", severity="warning", title="ICCS parent differs from the sum of its children",
         description="Where all child categories are reported, the parent equals their sum.",
         message="ICCS category total {value} differs from the sum of its subcategories",
         check=aggregates.check_iccs_sum, params=_ICCS, outcome="flag", flag_status="U",
         related=aggregates.related_children,
         fix="check for offences counted in two subcategories, or a national category mapped to the parent only"),
    Rule(id="series.outlier", severity="warning", title="Outlier in the series' history",
         description="A one-period jump that comes back: robust z-score of the period-on-period change above the threshold.",
         message="{value} jumps away from the series' history", check=series.check_outlier, params=_SERIES,
         fix="check the source cell (typo, wrong unit, a different source that year)"),
    Rule(id="series.break", severity="warning", title="Break in the series",
         description="A level shift (robust z-score of the change above the threshold, level stays) not marked OBS_STATUS B.",
         message="level shift to {value}", check=series.check_break, params=_SERIES,
         fix="if the definition or source changed, set OBS_STATUS B on this observation"),
    Rule(id="series.gap", severity="info", title="Gap in the series",
         description="Periods missing between a series' first and last observation.",
         message="gap before {value}", check=series.check_gap,
         fix="report the missing periods with OBS_STATUS L or M if they are known to be missing"),
    Rule(id="revision.new", family="revision", severity="info", title="New observation",
         description="Observation not in the previous release of the dataflow.",
         message="new observation {value}", check=revisions.check_new, fix="none needed"),
    Rule(id="revision.revised", family="revision", severity="info", title="Revised observation",
         description="Observation whose value differs from the previous release.",
         message="revised to {value}", check=revisions.check_revised, fix="none needed"),
    Rule(id="revision.large", family="revision", severity="warning", title="Large revision",
         description="Revision above the threshold (relative change) and above min_abs (absolute change).",
         message="revised to {value}, more than {threshold:.0%} away from the previous release",
         check=revisions.check_large_revision, params={"threshold": 0.10, "min_abs": 0.0},
         fix="confirm the revision with the data producer and document it (COMMENT_OBS)"),
    Rule(id="revision.deleted", family="revision", severity="warning", title="Observation deleted",
         description="Observation of the previous release missing from this one.",
         message="no observation for this key; the previous release had {value}", check=revisions.check_deleted,
         fix="if the deletion is intended, nothing; otherwise check the extraction (a source file left out?)"),
    Rule(id="revision.deleted_share", family="revision", severity="error", title="Observations deleted",
         description="The part lost more than `max_share` of its observations in the previous release (by "
                     "default any, `max_share: 0`): held back unless deletions are allowed (`--allow-deletions`, "
                     "the spec's `allow_deletions` or its own `max_share`); the manifest records which. Left "
                     "out when this run's errors that lose rows or change keys (unmapped values, unknown codes, "
                     "...) are on at least as many rows as observations are gone: those are the errors to fix; "
                     "the share is checked on the run after.",
         message="{value}", check=revisions.check_deleted_share, params={"max_share": 0.0},
         fix=revisions.DELETION_FIX),
    Rule(id="revision.revised_share", family="revision", severity="error", title="Many large revisions",
         description="More than `max_share` (5%) of the part's observations revised by more than `threshold` "
                     "(50%, relative): a wrong unit, a shifted column or a cut number.",
         message="{value}", check=revisions.check_revised_share, params={"threshold": 0.5, "max_share": 0.05},
         fix="check the source; if the producer confirms the revisions, raise max_share in the spec's "
             "validation block"),
]

#: Every shipped rule by id, in report order.
RULES: MappingProxyType[str, Rule] = MappingProxyType({r.id: r for r in _RULES})

