"""Silent loss: a cut or truncated source, mass deletions and mass revisions are held back as errors,
never published; deletions pass only when allowed (``--allow-deletions``), and the manifest says so.

The first two cases are the reliability review's: a CSV cut inside a number, and a file cut in half.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from sdmx_publish.cli import main
from sdmx_publish.store import latest, read_frame, releases

from .conftest import EXAMPLES
from .extract.helpers import TABLE, write_case

HOMICIDE = "data_cts_intentional_homicide.ASIA_OCEANIA_subset.csv"


@pytest.fixture
def published(tmp_path, capsys) -> tuple[Path, Path]:
    """The UNODC homicide example published once into a fresh store: (spec, store)."""
    shutil.copytree(EXAMPLES / "unodc", tmp_path / "copy" / "unodc")
    (tmp_path / "reference").symlink_to(EXAMPLES.parent / "reference")  # the spec's ../../reference/m49.csv
    spec, store = tmp_path / "copy" / "unodc" / "homicide.yaml", tmp_path / "store"
    assert main(["run", str(spec), "--store", str(store)]) == 0
    capsys.readouterr()
    return spec, store


def _snapshot(store: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in (store / "CCJS").rglob("*") if p.is_file()}


def _refused(spec: Path, store: Path, capsys, *args: str) -> tuple[int, str]:
    """Run again; nothing may be published, the store's releases stay byte for byte."""
    before = _snapshot(store)
    code = main(["run", str(spec), "--store", str(store), *args])
    err = capsys.readouterr().err
    assert _snapshot(store) == before and "Traceback" not in err
    return code, err


@pytest.mark.slow
def test_a_csv_cut_inside_a_number_is_not_published(published, capsys):
    spec, store = published
    source = spec.parent / HOMICIDE
    text = source.read_text(encoding="utf-8")
    at = text.index(",3274,") + len(",32")  # the review's case: "3274" became "32"
    source.write_text(text[:at], encoding="utf-8")
    code, err = _refused(spec, store, capsys)
    assert code == 2
    assert "does not end with a line break" in err and "cut short" in err and "fix:" in err
    assert HOMICIDE in err


@pytest.mark.slow
def test_a_cut_line_with_a_line_break_added_is_not_published(published, capsys):
    spec, store = published
    source = spec.parent / HOMICIDE
    text = source.read_text(encoding="utf-8")
    at = text.index(",3274,") + len(",32")
    source.write_text(text[:at] + "\n", encoding="utf-8")
    code, err = _refused(spec, store, capsys)
    assert code == 2 and "has 12 fields, the lines above it have 13" in err


@pytest.mark.slow
def test_a_file_cut_in_half_is_not_published(published, capsys):
    spec, store = published
    source = spec.parent / HOMICIDE
    lines = source.read_text(encoding="utf-8").splitlines(keepends=True)
    source.write_text("".join(lines[: len(lines) // 2]), encoding="utf-8")  # cut on a line break
    code, err = _refused(spec, store, capsys)
    assert code == 2
    assert f"the source has {len(lines) // 2 - 1} rows, 50% fewer than the {len(lines) - 1} rows" in err
    assert "--allow-deletions" in err and "source.max_row_drop" in err  # the key that allows it, too


@pytest.mark.slow
def test_deletions_pass_only_when_allowed_and_the_manifest_says_so(published, capsys):
    spec, store = published
    first = latest(store, "CCJS", "DF_ICCS")
    data = yaml.safe_load(spec.read_text())
    data["filter"]["drop"]["Iso3_code"] += ["JPN", "AUS", "NZL", "PHL", "KOR"]  # fewer observations
    spec.write_text(yaml.safe_dump(data, allow_unicode=True))
    code, err = _refused(spec, store, capsys)
    assert code == 1 and "revision.deleted_share" in err and "observations" in err and "deleted" in err
    assert main(["run", str(spec), "--store", str(store), "--allow-deletions"]) == 0
    second = latest(store, "CCJS", "DF_ICCS")
    assert second.id != first.id
    assert second.manifest.run["allow_deletions"] is True and first.manifest.run["allow_deletions"] is False
    assert second.manifest.run["deletions_allowed_by"] == "run: --allow-deletions"
    assert first.manifest.run["deletions_allowed_by"] is None
    assert second.manifest.revisions["deleted"] > 0.05 * first.manifest.observations
    report = json.loads((second.path / "validation.json").read_text())
    assert [f["severity"] for f in report["findings"] if f["rule"] == "revision.deleted_share"] == ["warning"]


@pytest.mark.slow
def test_the_spec_may_allow_deletions(published, capsys):
    spec, store = published
    data = yaml.safe_load(spec.read_text())
    data["filter"]["drop"]["Iso3_code"] += ["JPN", "AUS", "NZL", "PHL", "KOR"]
    data["allow_deletions"] = True
    spec.write_text(yaml.safe_dump(data, allow_unicode=True))
    assert main(["run", str(spec), "--store", str(store)]) == 0
    run = latest(store, "CCJS", "DF_ICCS").manifest.run
    assert run["allow_deletions"] is True and run["deletions_allowed_by"] == "spec: allow_deletions: true"


@pytest.mark.slow
def test_any_deleted_observation_is_held_back_until_the_spec_declares_what_the_part_may_lose(tmp_path, capsys):
    """One observation of thirteen gone (a filter, not a cut file: the row count is unchanged) is an error
    naming how many, which keys and how to allow it; the spec's own max_share is consent, recorded."""
    shutil.copytree(EXAMPLES / "kostat", tmp_path / "kostat")
    spec, store = tmp_path / "kostat" / "unsentenced.yaml", tmp_path / "store"
    assert main(["run", str(spec), "--store", str(store)]) == 0
    first = latest(store, "CCJS", "DF_SDG_16_CRIME")
    data = yaml.safe_load(spec.read_text())
    data["filter"] = {"drop": {"Year": ["2010"]}}
    spec.write_text(yaml.safe_dump(data, allow_unicode=True))
    code, err = _refused(spec, store, capsys)
    assert code == 1 and "revision.deleted_share" in err
    assert f"1 of {first.manifest.observations} observations" in err and "deleted, e.g. " in err and "@2010" in err
    assert "--allow-deletions" in err and "max_share" in err
    data["validation"] = {"rules": {"revision.deleted_share": {"max_share": 0.1}}}
    spec.write_text(yaml.safe_dump(data, allow_unicode=True))
    assert main(["run", str(spec), "--store", str(store)]) == 0
    second = latest(store, "CCJS", "DF_SDG_16_CRIME")
    assert second.id != first.id and second.manifest.revisions["deleted"] == 1
    assert second.manifest.run["deletions_allowed_by"] == "spec: validation.rules.revision.deleted_share: {max_share: 0.1}"
    assert first.manifest.run["deletions_allowed_by"] is None


def test_many_large_revisions_are_held_back_with_the_right_sign(tmp_path, capsys):
    shutil.copytree(EXAMPLES / "kostat", tmp_path / "kostat")
    spec, store = tmp_path / "kostat" / "unsentenced.yaml", tmp_path / "store"
    assert main(["run", str(spec), "--store", str(store)]) == 0
    source = spec.parent / "kor_indicator_16-3-2.csv"
    source.write_text(source.read_text().replace("2011,31.2", "2011,0.3").replace("2012,31.2", "2012,0.3"))
    code, err = _refused(spec, store, capsys)
    assert code == 1 and "revision.revised_share" in err and "revised by more than 50%" in err
    report = json.loads(next((store / ".work").rglob("validation.json")).read_text())
    large = [f["expected"] for f in report["findings"] if f["rule"] == "revision.large"]
    assert large and all("revised by -99.0%" in e for e in large), large  # a fall is negative


def test_a_declared_footer_must_end_the_table(tmp_path, capsys):
    shutil.copytree(EXAMPLES / "kostat", tmp_path / "kostat")
    spec = tmp_path / "kostat" / "unsentenced.yaml"
    source = spec.parent / "kor_indicator_16-3-2.csv"
    data = yaml.safe_load(spec.read_text())
    data["source"]["footer"] = "^Source: "
    data.setdefault("filter", {}).setdefault("drop_matching", {})["Year"] = "^Source"
    spec.write_text(yaml.safe_dump(data, allow_unicode=True))
    lines = source.read_text().splitlines()
    source.write_text("\n".join(lines) + "\nSource: Statistics Korea\n")
    assert main(["run", str(spec), "--store", str(tmp_path / "store")]) == 0
    source.write_text("\n".join(lines[:-1]))  # cut: no footer (and no final line break)
    assert main(["run", str(spec), "--store", str(tmp_path / "store2")]) == 2
    err = capsys.readouterr().err
    assert "does not end with the declared footer (source.footer `^Source: `)" in err and "line" in err
    assert latest(tmp_path / "store2", "CCJS", "DF_SDG_16_CRIME") is None


def test_a_wrong_header_is_named_before_the_row_count(tmp_path, capsys):
    """A skip_rows or header_rows too large loses rows too, but the error is the header (exit 2, the
    missing and the present column names), not a file cut short."""
    spec = write_case(tmp_path, TABLE, thousands=",")
    store = tmp_path / "store"
    assert main(["run", str(spec), "--store", str(store)]) == 0
    data = yaml.safe_load(spec.read_text())
    for header in ({"skip_rows": 1}, {"skip_rows": 1, "header_rows": 2}):
        data["source"].update(header)
        spec.write_text(yaml.safe_dump(data))
        code, err = _refused(spec, store, capsys)
        assert code == 2 and "missing column(s) [" in err and "'Sex']; the table has ['KOR" in err
        assert "cut short" not in err and "--allow-deletions" not in err and "skip_rows/header_rows" in err


@pytest.mark.slow
def test_validate_writes_only_reports_into_its_folder(published, tmp_path, capsys):
    spec, store = published
    before = sorted(p.relative_to(store) for p in store.rglob("*"))
    out = tmp_path / "report"
    assert main(["validate", str(spec), "--store", str(store), "--report-dir", str(out)]) == 0
    assert sorted(p.relative_to(store) for p in store.rglob("*")) == before
    assert sorted(p.name for p in out.iterdir()) == [
        "validation.findings.csv", "validation.html", "validation.json", "validation.quarantine.csv"]
    assert len(releases(store, "CCJS", "DF_ICCS")) == 1
    assert len(read_frame(latest(store, "CCJS", "DF_ICCS"), "unodc_homicide"))
