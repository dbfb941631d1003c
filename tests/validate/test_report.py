"""The report: stable JSON schema, HTML for people (summary first, examples per rule, CSV link), CSV."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from sdmx_publish.validate import FINDING_FIELDS, RULES, SCHEMA_VERSION, validate

from .conftest import iccs_frame


@pytest.fixture()
def report(iccs_flow):
    prev = iccs_frame([{"TIME_PERIOD": str(y)} for y in range(2000, 2010)])
    rows = [{"TIME_PERIOD": str(y), "OBS_VALUE": -1} for y in range(2000, 2008)]
    rows += [{"TIME_PERIOD": "2010", "ICCS": "0199"}, {"TIME_PERIOD": "2011", "OBS_VALUE": 10.5},
             {"TIME_PERIOD": "2012", "COMMENT_OBS": "<script>alert(1)</script>"}]
    return validate(iccs_frame(rows), iccs_flow, previous=prev)


def test_as_dict_schema(report) -> None:
    d = report.as_dict()
    assert d["schema_version"] == SCHEMA_VERSION == 1
    assert set(d) == {"schema_version", "created", "dataflow", "ok", "counts", "revisions", "rules", "outcomes",
                      "findings"}
    assert d["dataflow"] == {"agency": "CCJS", "id": "DF_ICCS_TEST", "version": "1.0"}
    assert d["ok"] is False
    # 9 rows in error, plus the whole part: 2 of 10 observations deleted, 8 of 10 revised by more than 50%
    assert d["counts"]["errors"] == report.errors == 11
    assert d["counts"]["observations"] == 11 and d["counts"]["quarantined"] == 9
    assert [r["id"] for r in d["rules"]] == list(RULES)
    assert set(d["rules"][0]) == {"id", "title", "family", "severity", "enabled", "description", "fix", "params",
                                  "outcome", "obs_status", "count"}
    assert len(d["findings"]) == len(report.findings)
    assert all(set(f) == set(FINDING_FIELDS) for f in d["findings"])
    assert d["revisions"]["deleted"] == 2 and d["revisions"]["new"] == 3


def test_to_json_round_trip(report, tmp_path) -> None:
    back = json.loads(report.to_json(tmp_path / "v.json").read_text(encoding="utf-8"))
    assert back == json.loads(json.dumps(report.as_dict()))
    neg = [f for f in back["findings"] if f["rule"] == "value.negative_count"]
    assert [f["row"] for f in neg] == list(range(2, 10)) and neg[0]["source"] == "test.csv"


def test_to_csv_has_every_finding(report, tmp_path) -> None:
    back = pd.read_csv(report.to_csv(tmp_path / "f.csv"), dtype=str)
    assert list(back.columns) == FINDING_FIELDS and len(back) == len(report.findings)


def test_html_summary_first_examples_and_csv_link(report, tmp_path) -> None:
    html = report.to_html(tmp_path / "v.html", examples=3).read_text(encoding="utf-8")
    assert html.index("FAILED") < html.index("Findings by rule") < html.index("id='value.negative_count'")
    assert "First 3 of 8 findings" in html
    assert (tmp_path / "v.findings.csv").exists() and "href='v.findings.csv'" in html
    assert "<script>alert" not in html


def test_summary_text(report) -> None:
    text = report.summary()
    assert text.startswith("validation FAILED: CCJS:DF_ICCS_TEST(1.0) - 11 observations, 11 errors")
    assert "value.negative_count" in text and "2 deleted" in text


def test_write_all_outputs(report, tmp_path) -> None:
    paths = report.write(tmp_path / "out")
    assert sorted(p.name for p in paths.values()) == ["validation.findings.csv", "validation.html", "validation.json",
                                                      "validation.quarantine.csv"]
    q = pd.read_csv(paths["quarantine"], dtype=str)
    assert len(q) == 9 and q["reason"].notna().all()


def test_clean_report(iccs_flow, tmp_path) -> None:
    r = validate(iccs_frame([{}]), iccs_flow)
    assert r.ok and r.as_dict()["findings"] == [] and "validation OK" in r.summary()
    assert "No findings." in r.to_html(tmp_path / "ok.html").read_text(encoding="utf-8")


def test_findings_added_by_the_caller_are_counted_and_shown(report, tmp_path) -> None:
    import dataclasses
    extra = pd.DataFrame([{"rule": "map.unmapped", "severity": "error", "message": "no row of maps/sex.csv",
                           "source": "x.csv", "row": 7, "column": "Sex", "component": "", "value": "Unknown",
                           "expected": "a row", "key": "", "pos": -1}])
    r = dataclasses.replace(report, findings=pd.concat([report.findings, extra], ignore_index=True))
    by = r.by_rule().set_index("rule")
    assert by.loc["map.unmapped", "count"] == 1 and r.errors == report.errors + 1
    assert "map.unmapped" in r.summary()
    assert "id='map.unmapped'" in r.to_html(tmp_path / "x.html").read_text(encoding="utf-8")


def test_as_dict_matches_the_published_json_schema(report, iccs_flow) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    from sdmx_publish import config
    schema = json.loads((config.ROOT / "docs" / "validation-report.schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(json.loads(json.dumps(report.as_dict())), schema)
    jsonschema.validate(json.loads(json.dumps(validate(iccs_frame([{}]), iccs_flow).as_dict())), schema)
    bad = report.as_dict()
    bad["findings"][0]["severity"] = "fatal"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema)
