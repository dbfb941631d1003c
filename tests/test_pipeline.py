"""The pipeline end to end through the CLI: the demo's releases, idempotence, and bad inputs that
must publish nothing and leave the previous release intact."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
import sdmx
import yaml

from sdmx_publish.cli import demo_specs, main
from sdmx_publish.publish.content import content_hash
from sdmx_publish.store import latest, read_frame, releases
from tests.schemas import validate_xml

from .conftest import EXAMPLES


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory) -> Path:
    store = tmp_path_factory.mktemp("store")
    assert main(["demo", "--store", str(store)]) == 0
    return store


@pytest.mark.slow
def test_demo_publishes_every_bundled_example(demo_store, capsys):
    iccs = latest(demo_store, "CCJS", "DF_ICCS")
    sdg = latest(demo_store, "CCJS", "DF_SDG_16_CRIME")
    assert iccs.manifest.parts == ["opensdg_kz_ua_ca_ca_violence_iccs", "unodc_corruption_economic", "unodc_homicide",
                                   "unodc_violent_sexual"]
    assert len(sdg.manifest.parts) == len([p for p in demo_specs()
                                           if yaml.safe_load(p.read_text(encoding="utf-8"))["dataflow"] == sdg.flow])
    for release in (iccs, sdg):
        m = json.loads((release.path / "manifest.json").read_text())  # the JSON as published
        assert m == json.loads(release.manifest.to_json())
        for f in m["files"]:  # on disk, or assembled from the parts' files when read
            with release.open(f["path"]) as data:
                assert len(data.read()) == f["bytes"]
        assert m["validation"]["errors"] == 0 and m["sources"][0]["sha256"]
        assert {"flagged", "held", "by_rule", "held_back"} <= set(m["outcomes"])  # the declared outcomes
        parts = [f for f in m["files"] if f["format"] == "sdmx-csv-1.0-part"]
        assert sum(f["observations"] for f in parts) == m["observations"]
        # every part says which release's validation report covers it; that report exists
        assert list(m["part_validation"]) == m["parts"]
        assert m["part_validation"][m["part"]] == {"release_id": release.id, "errors": 0,
                                                   "warnings": m["validation"]["warnings"]}
        for entry in m["part_validation"].values():
            report = release.path.parent / entry["release_id"] / "validation.json"
            assert report.is_file() and entry["errors"] == 0
    assert len({e["release_id"] for e in iccs.manifest.part_validation.values()}) == 4  # one release each


@pytest.mark.slow
@pytest.mark.parametrize("flow", ["DF_ICCS", "DF_SDG_16_CRIME"])
def test_release_files_read_back_by_sdmx1_with_the_manifest_counts(demo_store, flow):
    release = latest(demo_store, "CCJS", flow)
    structure = sdmx.read_sdmx(release.path / "structure.xml")
    dsd = next(iter(structure.structure.values()))
    for name in ("data.generic.xml", "data.ss.xml"):
        msg = sdmx.read_sdmx(release.open(name), structure=dsd)
        n = sum(len(ds.obs) for ds in msg.data)
        assert n == release.manifest.observations, name
    csv = pd.read_csv(release.open("data.csv"), dtype=str)
    assert len(csv) == release.manifest.observations


@pytest.mark.slow
@pytest.mark.parametrize("flow", ["DF_ICCS", "DF_SDG_16_CRIME"])
def test_release_xml_validates_against_the_official_xsds(demo_store, registry, flow):
    release = latest(demo_store, "CCJS", flow)
    validate_xml(release.open("data.generic.xml").read())  # generic: the official schemas alone
    validate_xml(release.open("data.ss.xml").read(), flow=registry.flow(flow))  # structure-specific: schema from the DSD
    validate_xml(release.path / "structure.xml")


@pytest.mark.slow
def test_sdg_release_uses_only_codes_of_the_global_dsd(demo_store, registry):
    release = latest(demo_store, "CCJS", "DF_SDG_16_CRIME")
    assert release.manifest.structure.model_dump() == {"agency": "IAEG-SDGs", "id": "SDG", "version": "1.14"}
    frame = pd.read_csv(release.open("data.csv"), dtype=str, keep_default_na=False)
    flow = registry.flow("DF_SDG_16_CRIME")
    for dim, cl in flow.codelists.items():
        if dim in frame:
            used = set(frame[dim]) - {""}
            assert used <= set(cl.codes), (dim, used - set(cl.codes))
    assert set(frame["SERIES"]) <= flow.allowed("SERIES")


@pytest.mark.slow
def test_rerun_with_same_inputs_makes_no_new_release(demo_store, capsys):
    before = releases(demo_store, "CCJS", "DF_SDG_16_CRIME")
    assert main(["run", str(EXAMPLES / "kostat" / "unsentenced.yaml"), "--store", str(demo_store)]) == 0
    assert "unchanged" in capsys.readouterr().out
    assert releases(demo_store, "CCJS", "DF_SDG_16_CRIME") == before


@pytest.mark.slow
def test_a_period_range_rerun_from_the_cli_takes_only_those_periods(tmp_path, capsys):
    """The source revises two years; ``run --start-period/--end-period`` publishes one revision only."""
    store = tmp_path / "store"
    spec = _copy_example(tmp_path, "unsentenced.yaml")
    assert main(["run", str(spec), "--store", str(store)]) == 0
    _edit_csv(spec, "2011,31.2", "2011,35.5")
    _edit_csv(spec, "2012,31.2", "2012,36.6")
    capsys.readouterr()
    assert main(["run", str(spec), "--store", str(store), "--start-period", "2012", "--end-period", "2012"]) == 0
    out = capsys.readouterr().out
    frame = read_frame(latest(store, "CCJS", "DF_SDG_16_CRIME"), "kostat_unsentenced").set_index("TIME_PERIOD")
    assert frame.loc["2012", "OBS_VALUE"] == 36.6  # in range: revised
    assert frame.loc["2011", "OBS_VALUE"] == 31.2  # outside: carried forward
    assert f"{len(frame) - 1} observations carried forward" in out


def test_a_bad_period_bound_is_a_clear_error(tmp_path, capsys):
    spec = EXAMPLES / "kostat" / "unsentenced.yaml"
    assert main(["run", str(spec), "--store", str(tmp_path), "--start-period", "2012Q1"]) == 2
    err = capsys.readouterr().err
    assert "start period '2012Q1' is not an SDMX time period" in err and "2015-Q3" in err
    assert latest(tmp_path, "CCJS", "DF_SDG_16_CRIME") is None


def _copy_example(tmp_path: Path, name: str) -> Path:
    """A copy of the kostat example folder, to break one of its files."""
    folder = tmp_path / "kostat"
    shutil.copytree(EXAMPLES / "kostat", folder)
    return folder / name


def _publish_then_break(tmp_path, break_it) -> tuple[Path, Path, str, int]:
    store = tmp_path / "store"
    spec = _copy_example(tmp_path, "unsentenced.yaml")
    assert main(["run", str(spec), "--store", str(store)]) == 0
    good = latest(store, "CCJS", "DF_SDG_16_CRIME")
    snapshot = {p: p.read_bytes() for p in good.path.rglob("*") if p.is_file()}
    break_it(spec)
    code = main(["run", str(spec), "--store", str(store)])
    assert latest(store, "CCJS", "DF_SDG_16_CRIME").id == good.id
    assert {p: p.read_bytes() for p in good.path.rglob("*") if p.is_file()} == snapshot
    assert len(releases(store, "CCJS", "DF_SDG_16_CRIME")) == 1
    return store, spec, good.id, code


def _edit_csv(spec: Path, old: str, new: str) -> None:
    path = spec.parent / "kor_indicator_16-3-2.csv"
    path.write_text(path.read_text().replace(old, new, 1))


def _to_cp949(spec: Path, old: str, new: str) -> None:
    """Add a Korean footnote and save the table as CP949 while the spec still says UTF-8."""
    path = spec.parent / "kor_indicator_16-3-2.csv"
    path.write_bytes(path.read_text().replace(old, new, 1).encode("cp949"))


def _edit_spec(spec: Path, change) -> None:
    data = yaml.safe_load(spec.read_text())
    change(data)
    spec.write_text(yaml.safe_dump(data, allow_unicode=True))


BREAKS = {
    "unknown code": (lambda s: _edit_spec(s, lambda d: d["constants"].update(REF_AREA="999999")), 2,
                     "constants.REF_AREA: REF_AREA code '999999' is not in the codelist"),
    "conflicting duplicate": (lambda s: _edit_csv(s, "2011,31.2", "2011,31.2\n2011,40.0"), 1, "dup.conflict"),
    "non-numeric value": (lambda s: _edit_csv(s, "2012,31.2", "2012,14O"), 1, "value.non_numeric"),
    "wrong encoding": (lambda s: _to_cp949(s, "2010,31.0", "2010,31.0 잠정"), 2, "not valid utf-8"),
    "missing column": (lambda s: _edit_spec(s, lambda d: d["columns"].update(OBS_VALUE="Wert")), 2,
                       "missing column(s) ['Wert']"),
    "broken spec": (lambda s: _edit_spec(s, lambda d: d.update(shedule="@daily")), 2, "`shedule`"),
    "misspelt country.yaml key": (lambda s: (s.parent / "country.yaml").write_text("name: Korea\nsource_root: [data]\n"),
                                  2, "did you mean `source_roots`?"),
    "unknown dataflow": (lambda s: _edit_spec(s, lambda d: d.update(dataflow="DF_SDG_16_CRIM")), 2,
                         "unsentenced.yaml: dataflow: unknown dataflow 'DF_SDG_16_CRIM'"),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", BREAKS)
def test_bad_input_publishes_nothing_and_keeps_the_last_release(tmp_path, capsys, name):
    break_it, exit_code, expected = BREAKS[name]
    _, spec, _, code = _publish_then_break(tmp_path, break_it)
    err = capsys.readouterr().err
    assert code == exit_code
    assert "Traceback" not in err
    if exit_code == 2:
        assert expected in err and "fix:" in err
    else:
        report = json.loads(next((tmp_path / "store" / ".work").rglob("validation.json")).read_text())
        rules = {f["rule"] for f in report["findings"] if f["severity"] == "error"}
        assert any(r.startswith(expected) for r in rules), rules
        found = [f for f in report["findings"] if f["severity"] == "error"][0]
        assert found["source"].endswith("kor_indicator_16-3-2.csv") and found["row"]
        # the terminal says what failed and where, not only how many errors there were
        assert f"e.g. kor_indicator_16-3-2.csv row {found['row']}" in err and found["message"] in err
        if name == "non-numeric value":  # the cell as written, and not also reported as a missing value
            assert found["value"] == "14O" and "value.missing_no_status" not in rules


def test_validate_command_prints_summary_and_writes_reports(tmp_path, capsys):
    out = tmp_path / "report"
    code = main(["validate", str(EXAMPLES / "unodc" / "homicide.yaml"), "--report-dir", str(out),
                 "--store", str(tmp_path / "empty")])
    text = capsys.readouterr().out
    assert code == 0 and "validation OK" in text
    assert (out / "validation.html").read_text().count("<") > 10
    assert json.loads((out / "validation.json").read_text())["schema_version"] == 1


def test_help_is_for_data_managers(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    text = capsys.readouterr().out
    for command in ("run", "validate", "demo", "serve", "structures"):
        assert command in text


@pytest.mark.slow
def test_a_source_claiming_another_sources_observations_fails_validate_and_run_alike(tmp_path, capsys):
    """Korea's own spec repeats Korea's rows of the UNODC part: `validate` says so, as `run` does."""
    store = tmp_path / "store"
    assert main(["run", str(EXAMPLES / "unodc" / "homicide.yaml"), "--store", str(store)]) == 0
    before = latest(store, "CCJS", "DF_ICCS")
    kor = EXAMPLES.parent / "countries" / "kor" / "homicide.yaml"
    capsys.readouterr()
    assert main(["validate", str(kor), "--store", str(store), "--report-dir", str(tmp_path / "r")]) == 1
    out = capsys.readouterr().out
    assert "dup.other_source" in out and "already published by source 'unodc_homicide'" in out
    report = json.loads((tmp_path / "r" / "validation.json").read_text())
    claimed = [f for f in report["findings"] if f["rule"] == "dup.other_source"]
    kor_rows = len(read_frame(before, "unodc_homicide").query("REF_AREA == '410'"))
    assert len(claimed) == kor_rows and claimed[0]["row"]
    assert main(["run", str(kor), "--store", str(store)]) == 1
    assert "dup.other_source" in capsys.readouterr().err
    assert latest(store, "CCJS", "DF_ICCS").id == before.id


@pytest.mark.slow
def test_the_store_refuses_a_release_where_two_sources_claim_an_observation(tmp_path):
    """The last guard, for a part validated before another part took the same keys."""
    from sdmx_publish.errors import ValidationFailed
    from sdmx_publish.publish import publish
    from sdmx_publish.structure import load_registry

    store = tmp_path / "store"
    assert main(["run", str(EXAMPLES / "unodc" / "homicide.yaml"), "--store", str(store)]) == 0
    release = latest(store, "CCJS", "DF_ICCS")
    registry = load_registry()
    theirs = read_frame(release, "unodc_homicide")
    mine = theirs[theirs["REF_AREA"].eq("410")]
    with pytest.raises(ValidationFailed, match=rf"{len(mine)} observations of kor_homicide are already published "
                       r"by another source of DF_ICCS \(unodc_homicide\), e\.g\. key A\.410\..*@\d{4}"):
        publish(mine, registry.flow("DF_ICCS"), registry, store=store, part="kor_homicide")
    assert latest(store, "CCJS", "DF_ICCS").id == release.id


@pytest.mark.slow
def test_an_overlap_is_refused_by_publish_after_validate_passed_it(tmp_path, capsys):
    """Validate read the other parts' keys once: with its rule turned down it passes an overlap with a
    warning, and the publish step, with no clear check recorded, still refuses it; a part published
    between the validate and the publish steps is checked again (LATEST moved). Same error both ways."""
    from sdmx_publish.errors import ValidationFailed
    from sdmx_publish.pipeline import run_step
    from sdmx_publish.publish.overlap import OVERLAP

    kor = EXAMPLES.parent / "countries" / "kor" / "homicide.yaml"
    lenient = tmp_path / "kor" / "homicide.yaml"  # the same part, the rule turned down to a warning
    lenient.parent.mkdir()
    lenient.write_text(kor.read_text().replace("../../", f"{EXAMPLES.parent}/")
                       + "validation: {rules: {dup.other_source: {severity: warning}}}\n")
    store = tmp_path / "store"
    early, late = tmp_path / "early", tmp_path / "late"  # two runs' work folders
    early.mkdir(), late.mkdir()
    for step in ("extract", "transform", "validate"):  # into an empty dataflow: nothing claimed
        run_step(step, kor, early, store)
    assert json.loads((early / OVERLAP).read_text()) == {"part": "kor_homicide", "release_id": None}
    assert main(["run", str(EXAMPLES / "unodc" / "homicide.yaml"), "--store", str(store)]) == 0
    before = latest(store, "CCJS", "DF_ICCS")
    for step in ("extract", "transform", "validate"):
        run_step(step, lenient, late, store)
    assert json.loads((late / "validation-summary.json").read_text())["warnings"] and not (late / OVERLAP).exists()
    error = r"^\d+ observations of kor_homicide are already published by another source of DF_ICCS \(unodc_homicide\)"
    for work, spec in ((late, lenient), (early, kor)):
        with pytest.raises(ValidationFailed, match=error):
            run_step("publish", spec, work, store)
    assert latest(store, "CCJS", "DF_ICCS").id == before.id


@pytest.mark.slow
def test_two_parts_published_alternately_twice_make_no_new_release(tmp_path, capsys, registry):
    """Issue 11's bug: two parts of DF_SDG_16_CRIME re-run alternately with unchanged inputs flipped
    between two release ids; the second round must find every release unchanged."""
    store = tmp_path / "store"
    specs = [EXAMPLES / "kostat" / "unsentenced.yaml", EXAMPLES / "kostat" / "homicide_rate.yaml"]
    for spec in specs:
        assert main(["run", str(spec), "--store", str(store)]) == 0
    before = releases(store, "CCJS", "DF_SDG_16_CRIME")
    capsys.readouterr()
    for spec in specs:
        assert main(["run", str(spec), "--store", str(store)]) == 0
        assert "unchanged" in capsys.readouterr().out
    assert releases(store, "CCJS", "DF_SDG_16_CRIME") == before
    # one canonical form: a part read back from the store hashes as it did freshly transformed
    release = latest(store, "CCJS", "DF_SDG_16_CRIME")
    flow = registry.flow("DF_SDG_16_CRIME")
    for part, digest in release.manifest.part_sha256.items():
        assert content_hash(read_frame(release, part), flow) == digest, part


@pytest.mark.slow  # the demo store: every bundled example published
def test_unodc_age_band_30_44_is_published_and_incomplete_breakdowns_are_marked(demo_store):
    """UNODC's 30-44 band has its code in the ICCS DSD's own age codelist (CL_AGE_ICCS, beside every
    SDG CL_AGE code); a total whose bands leave ages out says so in COMMENT_OBS."""
    from sdmx_publish.structure import load_registry

    assert "Y30T44" in load_registry().flow("DF_ICCS").codelists["AGE"].codes
    frame = read_frame(latest(demo_store, "CCJS", "DF_ICCS"), "unodc_homicide")
    band = frame[frame["AGE"].eq("Y30T44")]
    assert len(band) > 400 and band["OBS_VALUE"].notna().all()
    notes = frame["COMMENT_OBS"].fillna("")
    incomplete = frame[notes.str.contains("total.parts_incomplete")]
    assert {"_T", "Y30T44"} <= set(incomplete["AGE"])
    # where the bands tile every age (0-9 ... 60 and older, 30-44 included) no such note
    whole = frame[notes.str.contains("in the parts given \\(Y0T9\\+Y10T14\\+Y15T17\\+Y18T19\\+Y20T24\\+Y25T29\\+Y30T44",
                                     regex=True)]
    assert whole.empty


@pytest.mark.slow  # the demo store: every bundled example published
def test_unodc_iccs_parents_smaller_than_a_child_are_published_flagged(demo_store):
    """Cyprus 2005 Theft (0502) 1,201 against Theft of a motorised vehicle (05021) 1,610: the parent's
    count and rate carry OBS_STATUS U and the finding in COMMENT_OBS; the child is published as it is.
    Every iccs.parent_smaller finding of the two UNODC parts is on a flagged observation."""
    release = latest(demo_store, "CCJS", "DF_ICCS")
    frame = read_frame(release, "unodc_corruption_economic")
    cyprus = frame[frame["REF_AREA"].eq("196") & frame["TIME_PERIOD"].eq("2005") & frame["SEX"].eq("_T")]
    theft = cyprus[cyprus["ICCS"].eq("0502")].set_index("UNIT_MEASURE")
    assert theft.loc["NUMBER", "OBS_VALUE"] == 1201 and (theft["OBS_STATUS"] == "U").all()
    assert "(expected >= 1610 (part 05021))" in theft.loc["NUMBER", "COMMENT_OBS"]
    vehicle = cyprus[cyprus["ICCS"].eq("05021")]
    assert (vehicle["OBS_STATUS"] == "A").all() and not vehicle["COMMENT_OBS"].fillna("").any()
    for part in ("unodc_corruption_economic", "unodc_violent_sexual"):
        frame = read_frame(release, part)
        report = json.loads((release.path.parent / release.manifest.part_validation[part]["release_id"]
                             / "validation.json").read_text())
        keys = {f["key"] for f in report["findings"] if f["rule"] == "iccs.parent_smaller"}
        flagged = frame[frame["COMMENT_OBS"].fillna("").str.contains("iccs.parent_smaller")]
        assert len(keys) == len(flagged) > 20 and (flagged["OBS_STATUS"] == "U").all()
