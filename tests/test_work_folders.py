"""Work folders: every run has its own, tied to the inputs its extract read.

Two runs of one spec at once, and two versions of one spec (same part) at once, each publish a
release whose manifest describes its data; a spec edited during a run is refused, not mixed in.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sdmx_publish import pipeline
from sdmx_publish.errors import InputError
from sdmx_publish.store import latest, read_frame, releases

from .conftest import EXAMPLES

PART = "kostat_unsentenced"
TABLE = "kor_indicator_16-3-2.csv"


def _copy(tmp_path: Path, name: str) -> Path:
    shutil.copytree(EXAMPLES / "kostat", tmp_path / name / "kostat")
    return tmp_path / name / "kostat" / "unsentenced.yaml"


def test_every_run_gets_its_own_work_folder(tmp_path):
    a, b = pipeline.new_run_id(), pipeline.new_run_id()
    assert a != b and a.startswith("cli-")
    assert pipeline.work_dir(tmp_path, "x/kostat/s.yaml", a) != pipeline.work_dir(tmp_path, "x/kostat/s.yaml", b)


def test_a_spec_edited_during_a_run_is_refused(tmp_path):
    spec, store = _copy(tmp_path, "a"), tmp_path / "store"
    work = pipeline.work_dir(store, spec, pipeline.new_run_id())
    pipeline.step_extract(spec, work, store)
    pipeline.step_transform(spec, work, store)
    pipeline.step_validate(spec, work, store)
    spec.write_text(spec.read_text() + "\n# edited\n")  # another version of the spec lands mid-run
    with pytest.raises(InputError, match="changed while this run was in progress"):
        pipeline.step_publish(spec, work, store)
    assert latest(store, "CCJS", "DF_SDG_16_CRIME") is None


def test_the_manifest_sources_are_the_bytes_read(tmp_path):
    spec, store = _copy(tmp_path, "a"), tmp_path / "store"
    pipeline.run(spec, store)
    [source] = latest(store, "CCJS", "DF_SDG_16_CRIME").manifest.sources
    raw = (spec.parent / TABLE).read_bytes()
    assert source["sha256"] == hashlib.sha256(raw).hexdigest() and source["bytes"] == len(raw)
    assert source["rows"] == raw.decode().count("\n") - 1
    assert not list((store / ".work").rglob("*.parquet"))  # the run's work folder is gone after publishing


def _run_at_once(specs: list[Path], store: Path) -> list[subprocess.CompletedProcess]:
    env = {**os.environ, "PYTHONPATH": str(EXAMPLES.parent)}
    procs = [subprocess.Popen([sys.executable, "-m", "sdmx_publish.cli", "run", str(s), "--store", str(store)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env) for s in specs]
    return [subprocess.CompletedProcess(p.args, p.wait(timeout=300), *p.communicate()) for p in procs]


def _describes_its_data(store: Path) -> None:
    """Every release's part has the values of the source version whose sha256 its manifest names."""
    for release in releases(store, "CCJS", "DF_SDG_16_CRIME"):
        [source] = release.manifest.sources
        path = Path(source["path"])
        table = path if path.is_absolute() else Path.cwd() / path
        assert hashlib.sha256(table.read_bytes()).hexdigest() == source["sha256"]
        value = read_frame(release, PART).set_index("TIME_PERIOD").loc["2011", "OBS_VALUE"]
        assert f"2011,{value:g}" in table.read_text()


@pytest.mark.slow
def test_the_same_spec_twice_at_once(tmp_path):
    spec, store = _copy(tmp_path, "a"), tmp_path / "store"
    done = _run_at_once([spec, spec], store)
    assert [d.returncode for d in done] == [0, 0], [d.stderr for d in done]
    assert len(releases(store, "CCJS", "DF_SDG_16_CRIME")) == 1  # the second found the same content
    _describes_its_data(store)


@pytest.mark.slow
def test_two_versions_of_one_spec_at_once(tmp_path):
    """Two copies of the same part (same folder and file name) with different data, run at once."""
    one, two, store = _copy(tmp_path, "one"), _copy(tmp_path, "two"), tmp_path / "store"
    table = two.parent / TABLE
    table.write_text(table.read_text().replace("2011,31.2", "2011,31.9"))
    done = _run_at_once([one, two], store)
    assert [d.returncode for d in done] == [0, 0], [d.stderr for d in done]
    assert "Traceback" not in "".join(d.stderr for d in done)
    assert len(releases(store, "CCJS", "DF_SDG_16_CRIME")) == 2
    _describes_its_data(store)
    assert not list((store / ".work").rglob("*.parquet"))
