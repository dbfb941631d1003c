"""The engine: where findings point, quarantine, data to publish, configuration, age bands, revisions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sdmx_publish.errors import SpecError, ValidationFailed
from sdmx_publish.validate import STRUCTURAL, RuleConfig, validate

from .conftest import iccs_frame, sdg_frame


def rules_of(report) -> set[str]:
    return set(report.findings["rule"])


def test_finding_points_at_source_row_column_and_key(iccs_flow) -> None:
    frame = iccs_frame([{}, {"ICCS": "0199", "TIME_PERIOD": "2021"}], _source="unodc.csv", _column="VALUE")
    f = validate(frame, iccs_flow).findings
    hit = f[f["rule"] == "code.unknown"].iloc[0]
    assert (hit["source"], hit["row"], hit["column"]) == ("unodc.csv", 3, "VALUE")
    assert hit["component"] == "ICCS" and hit["value"] == "0199"
    assert hit["key"] == "A.410.0199._T._T.NUMBER@2021"
    assert "CL_ICCS" in hit["expected"]


def test_unknown_and_not_allowed_are_reported_separately(sdg_flow) -> None:
    frame = sdg_frame([{"SERIES": "SI_POV_DAY1", "UNIT_MEASURE": "PT"}, {"SERIES": "NOT_A_SERIES", "TIME_PERIOD": "2021"}])
    f = validate(frame, sdg_flow).findings
    assert f.loc[f["rule"] == "code.not_allowed", "value"].tolist() == ["SI_POV_DAY1"]
    assert f.loc[f["rule"] == "code.unknown", "value"].tolist() == ["NOT_A_SERIES"]
    assert "not allowed by the dataflow's constraint" in f.loc[f["rule"] == "code.not_allowed", "message"].iat[0]


def test_quarantine_and_data_to_publish(iccs_flow) -> None:
    frame = iccs_frame([{}, {}, {"TIME_PERIOD": "2021", "ICCS": "0199"}, {"TIME_PERIOD": "2022", "OBS_VALUE": -1}])
    r = validate(frame, iccs_flow)
    assert not r.ok and r.errors == 2 and r.dropped == 1
    assert r.quarantine["_row"].tolist() == [4, 5]
    assert r.quarantine["reason"].str.startswith(("code.unknown", "value.negative_count")).all()
    assert r.data["TIME_PERIOD"].tolist() == ["2020"]
    with pytest.raises(Exception, match=r"2 validation error\(s\)") as e:
        r.raise_for_errors()
    assert "0199" in str(e.value) and "negative count -1" in str(e.value)  # what failed, not just how many


def test_warnings_only_is_ok(iccs_flow) -> None:
    r = validate(iccs_frame([{"OBS_VALUE": 10.5}]), iccs_flow)
    assert r.ok and r.warnings == 1 and r.errors == 0
    r.raise_for_errors()
    assert r.manifest_entry() == {"errors": 0, "warnings": 1, "infos": 0, "report": "validation.json",
                                "flagged": 1, "held": 0}


def test_missing_mandatory_column_is_one_frame_level_finding(iccs_flow) -> None:
    r = validate(iccs_frame([{}, {"TIME_PERIOD": "2021"}]).drop(columns="OBS_STATUS"), iccs_flow)
    hit = r.findings[r.findings["rule"] == "attr.mandatory"]
    assert len(hit) == 1 and pd.isna(hit["row"].iat[0]) and hit["component"].iat[0] == "OBS_STATUS"


def test_structural_only(iccs_flow) -> None:
    r = validate(iccs_frame([{"OBS_VALUE": -1}, {"ICCS": "0199"}]), iccs_flow, rules=STRUCTURAL)
    assert rules_of(r) == {"code.unknown"}


def test_config_disables_and_changes_severity(iccs_flow) -> None:
    frame = iccs_frame([{"OBS_VALUE": -1.5}])
    cfg = RuleConfig.from_dict({"rules": {"value.non_integer_count": {"enabled": False},
                                          "value.negative_count": {"severity": "warning"}}})
    r = validate(frame, iccs_flow, config=cfg)
    assert rules_of(r) == {"value.negative_count"} and r.ok
    assert r.findings["severity"].tolist() == ["warning"]


def test_config_per_dataflow_and_per_source(iccs_flow) -> None:
    frame = pd.concat([iccs_frame([{"OBS_VALUE": 10.5}], _source="data/a.csv"),
                       iccs_frame([{"OBS_VALUE": 20.5}], _source="data/b.csv", TIME_PERIOD="2021")],
                      ignore_index=True)
    cfg = RuleConfig.from_dict({"sources": {"b.csv": {"value.non_integer_count": {"severity": "info"}}},
                                "dataflows": {"DF_ICCS_TEST": {"series.gap": {"enabled": False}}}})
    f = validate(frame, iccs_flow, config=cfg).findings
    hit = f[f["rule"] == "value.non_integer_count"]
    got = dict(zip(hit["source"], hit["severity"]))
    assert got == {"data/a.csv": "warning", "data/b.csv": "info"}
    assert cfg.settings("series.gap", "DF_ICCS_TEST").enabled is False
    assert cfg.settings("series.gap", "OTHER").enabled is True


def test_config_parameter_per_source(iccs_flow) -> None:
    prev = iccs_frame([{"_source": "a.csv"}, {"TIME_PERIOD": "2021", "_source": "b.csv"}])
    cur = prev.assign(OBS_VALUE=[120.0, 120.0])
    cfg = RuleConfig.from_dict({"sources": {"b.csv": {"revision.large": {"threshold": 0.5}}}})
    f = validate(cur, iccs_flow, previous=prev, config=cfg).findings
    assert f.loc[f["rule"] == "revision.large", "source"].tolist() == ["a.csv"]


@pytest.mark.parametrize("bad", [{"rules": {"no.such.rule": {}}}, {"rules": {"series.gap": {"severity": "fatal"}}},
                                 {"rules": {"series.outlier": {"treshold": 3}}}, {"rulez": {}},
                                 {"rules": {"series.gap": {"enabled": "no"}}}, ["not", "a", "mapping"]])
def test_bad_config_is_a_spec_error(bad) -> None:
    with pytest.raises(SpecError):
        RuleConfig.from_dict(bad)


def test_config_from_yaml(tmp_path) -> None:
    p = tmp_path / "rules.yaml"
    p.write_text("rules:\n  series.outlier: {threshold: 5}\n", encoding="utf-8")
    assert RuleConfig.from_yaml(p).settings("series.outlier").params["threshold"] == 5
    p.write_text("rules: [unclosed", encoding="utf-8")
    with pytest.raises(SpecError):
        RuleConfig.from_yaml(p)


def test_age_bands_that_tile_all_ages_must_sum(iccs_flow) -> None:
    bands = {"Y0T14": 10, "Y15T29": 30, "Y30T44": 20, "Y_GE45": 30}
    f = validate(iccs_frame([{"AGE": "_T", "OBS_VALUE": 100}] + [{"AGE": a, "OBS_VALUE": v} for a, v in bands.items()]),
                 iccs_flow).findings
    hit = f[f["rule"] == "total.sum_mismatch"]
    assert hit["component"].tolist() == ["AGE"] and hit["expected"].iat[0].startswith("90 (sum of")


@pytest.mark.parametrize("bands", [{"Y0T14": 10, "Y15T29": 30},                     # gap: no 30+
                                   {"Y0T14": 10, "Y10T29": 30, "Y_GE30": 50}])        # overlap
def test_age_bands_that_do_not_tile_are_not_summed(iccs_flow, bands) -> None:
    f = validate(iccs_frame([{"AGE": "_T", "OBS_VALUE": 100}] + [{"AGE": a, "OBS_VALUE": v} for a, v in bands.items()]),
                 iccs_flow).findings
    assert "total.sum_mismatch" not in set(f["rule"])


def test_totals_ignore_rates(iccs_flow) -> None:
    frame = iccs_frame([{"SEX": "_T", "OBS_VALUE": 1.0}, {"SEX": "M", "OBS_VALUE": 1.6}, {"SEX": "F", "OBS_VALUE": 0.4}],
                       UNIT_MEASURE="PER_100000_POP")
    assert not {"total.smaller_than_part", "total.sum_mismatch"} & rules_of(validate(frame, iccs_flow))


@pytest.mark.parametrize(("unit", "total", "parts", "fires"), [
    ("PER_100000_POP", 1.5, {"F": 0.28, "M": 0.01}, True),           # above the largest part
    ("PER_100000_POP", 0.3, {"F": 0.28, "M": 0.01}, False),          # 0.3 may be 0.25-0.35: within the rounding
    ("PER_100000_POP", 0.30, {"F": 0.28, "M": 0.01, "_U": 0.0}, False),
    ("PER_100000_POP", 0.34, {"F": 0.28, "M": 0.01}, True),          # two decimals: 0.34 > 0.28 + 0.005 + 0.005
    ("PT", 0.004, {"F": 0.28, "M": 0.01}, True),                     # below the smallest part
    ("PT", 0.006, {"F": 0.28, "M": 0.01}, False),                    # 0.01 may be 0.005
    ("PT", 1.5, {"F": 0.28}, False),                                 # one sex only: not a complete partition
    ("NUMBER", 1.5, {"F": 0.28, "M": 0.01}, False),                  # counts: the sum rules' business
])
def test_rate_total_within_the_range_of_its_parts(iccs_flow, unit, total, parts, fires) -> None:
    frame = iccs_frame([{"SEX": "_T", "OBS_VALUE": total}] + [{"SEX": s, "OBS_VALUE": v} for s, v in parts.items()],
                       UNIT_MEASURE=unit)
    f = validate(frame, iccs_flow, rules=["total.outside_parts"]).findings
    assert len(f) == fires
    if fires:
        assert f["expected"].iat[0] == "within [0.01, 0.28] (range of F+M)" and f["key"].iat[0].endswith(
            f"._T._T.{unit}@2020")


def test_rate_total_of_age_bands_that_tile(iccs_flow) -> None:
    bands = {"Y0T14": 0.5, "Y15T29": 3.25, "Y_GE30": 1.0}
    frame = iccs_frame([{"AGE": "_T", "OBS_VALUE": 3.4}] + [{"AGE": a, "OBS_VALUE": v} for a, v in bands.items()],
                       UNIT_MEASURE="PER_100000_POP")
    f = validate(frame, iccs_flow, rules=["total.outside_parts"]).findings
    assert f["component"].tolist() == ["AGE"] and f["expected"].iat[0] == "within [0.5, 3.25] (range of Y0T14+Y15T29+Y_GE30)"
    gap = frame[frame["AGE"] != "Y_GE30"]  # bands that leave ages out: no range to hold the total to
    assert validate(gap, iccs_flow, rules=["total.outside_parts"]).findings.empty


def test_iccs_level1_sections_are_children_of_total(iccs_flow) -> None:
    frame = iccs_frame([{"ICCS": "_T", "OBS_VALUE": 50}, {"ICCS": "01", "OBS_VALUE": 80}])
    f = validate(frame, iccs_flow).findings
    hit = f[f["rule"] == "iccs.parent_smaller"]
    assert hit["key"].tolist() == ["A.410._T._T._T.NUMBER@2020"] and "01" in hit["expected"].iat[0]


def test_revision_summary(iccs_flow) -> None:
    prev = iccs_frame([{"TIME_PERIOD": y, "OBS_VALUE": 100} for y in ("2018", "2019", "2020")])
    cur = iccs_frame([{"TIME_PERIOD": "2019", "OBS_VALUE": 100}, {"TIME_PERIOD": "2020", "OBS_VALUE": 130},
                      {"TIME_PERIOD": "2021", "OBS_VALUE": 90}])
    r = validate(cur, iccs_flow, previous=prev)
    assert {k: r.revisions[k] for k in ("new", "revised", "deleted", "unchanged", "large")} == \
        {"new": 1, "revised": 1, "deleted": 1, "unchanged": 1, "large": 1}
    gone = r.findings[r.findings["rule"] == "revision.deleted"].iloc[0]
    assert gone["key"].endswith("@2018") and gone["row"] == 2 and gone["source"] == "test.csv"
    assert "130" in r.summary() or "1 revised" in r.summary()


def test_a_deleted_observation_says_where_it_was_present(iccs_flow) -> None:
    prev = iccs_frame([{"TIME_PERIOD": y} for y in ("2019", "2020")])
    cur = prev.iloc[[1]]
    gone = validate(cur, iccs_flow, previous=prev).findings.query("rule == 'revision.deleted'").iloc[0]
    assert gone["message"] == "no observation for this key; the previous release had 100"
    assert gone["expected"] == "present, as in the previous release"
    prev.attrs["release"] = "2026-11-30T10-00-00Z-ab12"  # as the pipeline reads it from the store
    gone = validate(cur, iccs_flow, previous=prev).findings.query("rule == 'revision.deleted'").iloc[0]
    assert gone["expected"] == "present, as in release 2026-11-30T10-00-00Z-ab12"


def test_deletions_caused_by_an_unknown_code_are_not_a_second_error(iccs_flow) -> None:
    """A code error re-keys an observation (its old key is 'deleted'): one error, with its own fix, not the
    deletion share too, its fix run together with the first."""
    prev = iccs_frame([{"TIME_PERIOD": y} for y in ("2019", "2020")])
    cur = iccs_frame([{"TIME_PERIOD": "2019"}, {"TIME_PERIOD": "2020", "ICCS": "0199"}])
    r = validate(cur, iccs_flow, previous=prev)
    assert set(r.findings.query("severity == 'error'")["rule"]) == {"code.unknown"}
    assert len(r.findings.query("rule == 'revision.deleted'")) == 1  # still listed, as a warning
    with pytest.raises(ValidationFailed) as e:
        r.raise_for_errors()
    assert "deleted" not in e.value.fix and "--allow-deletions" not in e.value.fix
    cut = validate(prev.iloc[[0]], iccs_flow, previous=prev)  # no other error: the share is the error
    assert set(cut.findings.query("severity == 'error'")["rule"]) == {"revision.deleted_share"}


def test_the_fixes_of_several_failed_rules_are_named_by_rule(iccs_flow) -> None:
    r = validate(iccs_frame([{"ICCS": "0199"}, {"TIME_PERIOD": "2021", "OBS_VALUE": -1}]), iccs_flow)
    with pytest.raises(ValidationFailed) as e:
        r.raise_for_errors(fix="see report.html")
    assert e.value.fix.startswith("code.unknown: ")
    assert "; value.negative_count: check the source cell" in e.value.fix and e.value.fix.endswith("see report.html")


def test_no_previous_release(iccs_flow) -> None:
    r = validate(iccs_frame([{}]), iccs_flow)
    assert r.revisions["previous_release"] is False and r.revisions["new"] == 1


def test_index_and_column_names_do_not_matter(iccs_flow) -> None:
    frame = iccs_frame([{"ICCS": "0199"}, {"TIME_PERIOD": "2021"}]).set_axis([10, 20])
    frame[5] = "x"
    r = validate(frame, iccs_flow)
    assert r.findings["row"].tolist() == [2] and len(r.data) == 1


def test_large_frame_findings_are_not_capped(iccs_flow) -> None:
    frame = iccs_frame([{"TIME_PERIOD": str(1000 + i), "OBS_VALUE": -1} for i in range(3000)])
    r = validate(frame, iccs_flow, rules=["value.negative_count"])
    assert r.errors == 3000 and len(r.quarantine) == 3000
    assert np.array_equal(r.findings["row"].to_numpy(dtype=int), np.arange(2, 3002))


def test_categorical_columns_give_the_same_findings(iccs_flow) -> None:
    frame = iccs_frame([{}, {"ICCS": "0199", "TIME_PERIOD": "2021"}, {"SEX": "M", "OBS_VALUE": 150},
                        {"TIME_PERIOD": "2022", "OBS_VALUE": -1}])
    cat = frame.astype({c: "category" for c in ["FREQ", "REF_AREA", "ICCS", "SEX", "AGE", "UNIT_MEASURE",
                                                 "TIME_PERIOD", "OBS_STATUS"]})
    plain, coded = validate(frame, iccs_flow).findings, validate(cat, iccs_flow).findings
    cols = ["rule", "row", "value", "expected", "key"]
    assert plain[cols].equals(coded[cols]) and len(plain) == 5  # (one: male without female is incomplete)


def test_summary_shows_an_example_per_error_rule(iccs_flow) -> None:
    text = validate(iccs_frame([{"ICCS": "0199"}], _source="data/unodc.csv"), iccs_flow).summary()
    assert "e.g. unodc.csv row 2 [A.410.0199._T._T.NUMBER@2020]: ICCS code '0199' is not in the codelist" in text


def test_rules_run_per_source_compare_each_source_with_its_own_past(iccs_flow) -> None:
    prev = iccs_frame([{"_source": "a.csv"}, {"TIME_PERIOD": "2021", "_source": "b.csv"}])
    cur = prev.iloc[[0]]
    cfg = RuleConfig.from_dict({"sources": {"a.csv": {"revision.deleted": {"severity": "info"}}}})
    f = validate(cur, iccs_flow, previous=prev, config=cfg).findings
    gone = f[f["rule"] == "revision.deleted"]
    assert gone["source"].tolist() == ["b.csv"] and gone["severity"].tolist() == ["warning"]


def test_rows_without_a_source_keep_the_default_settings(iccs_flow) -> None:
    frame = iccs_frame([{"OBS_VALUE": -1, "_source": "a.csv"}, {"OBS_VALUE": -2, "_source": None, "TIME_PERIOD": "2021"}])
    cfg = RuleConfig.from_dict({"sources": {"a.csv": {"value.negative_count": {"severity": "warning"}}}})
    f = validate(frame, iccs_flow, config=cfg).findings
    hit = f[f["rule"] == "value.negative_count"].sort_values("row")
    assert hit["severity"].tolist() == ["warning", "error"]


def test_unmapped_values_follow_the_source_configuration(iccs_flow) -> None:
    """map.unmapped runs per source like any rule, also for a source none of whose rows was mapped."""
    unmapped = [{"map": "sex.csv", "columns": ["Sex"], "value": [v], "count": 1, "first_row": 2, "source": src}
                for v, src in (("X", "data/a.csv"), ("Y", "data/gone.csv"))]
    cfg = RuleConfig.from_dict({"sources": {"gone.csv": {"map.unmapped": {"severity": "warning"}}}})
    f = validate(iccs_frame([{}], _source="data/a.csv"), iccs_flow, config=cfg, unmapped=unmapped).findings
    hit = f[f["rule"] == "map.unmapped"]
    assert dict(zip(hit["source"], hit["severity"])) == {"data/a.csv": "error", "data/gone.csv": "warning"}
    assert f.loc[f["rule"] != "map.unmapped", "column"].map(lambda c: c is None or isinstance(c, str)).all()


def test_a_value_no_map_row_matches_publishes_nothing(tmp_path, capsys) -> None:
    """Through the command line: the transform drops the rows, the validation's map.unmapped error stops
    the release and names the map, the value and the source row."""
    from sdmx_publish.cli import main
    from tests.transform.test_national import AREAS, _config

    store = tmp_path / "store"
    code = main(["run", str(_config(tmp_path, areas=AREAS.replace("Busan A,KR-26,district\n", ""))),
                 "--store", str(store)])
    err = capsys.readouterr().err
    assert code == 1 and not (store / "CCJS").exists()
    assert "map.unmapped" in err and "{'REF_AREA': 'Busan A'} match no row of areas.csv" in err
