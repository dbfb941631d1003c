"""A spec's `part:` names its part; `sdmx-publish retire DATAFLOW PART` makes a release without that part which
says so (manifest, Atom feed), and `updatedAfter` answers its observations as deleted."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest
import yaml
from starlette.testclient import TestClient

from sdmx_publish.cli import main
from sdmx_publish.errors import SpecError
from sdmx_publish.spec import load_spec
from sdmx_publish.store import latest, read_frame

from ..transform.test_correspondence import write


def _spec(folder: Path, area: str, part: str) -> Path:
    folder.mkdir()
    path = write(folder)
    spec = yaml.safe_load(path.read_text())
    spec["constants"]["REF_AREA"], spec["part"] = area, part
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path


@pytest.mark.slow
def test_a_part_is_named_then_retired(tmp_path, capsys):
    from sdmx_publish.serve.app import create_app

    store = tmp_path / "store"
    de, at = _spec(tmp_path / "de", "276", "de_offences"), _spec(tmp_path / "at", "40", "at_offences")
    assert main(["run", str(de), str(at), "--store", str(store)]) == 0
    before = latest(store, "CCJS", "DF_ICCS")
    assert before.manifest.parts == ["at_offences", "de_offences"]  # the `part:` keys, not <folder>_<stem>
    kept = read_frame(before, "de_offences")
    capsys.readouterr()
    assert main(["retire", "DF_ICCS", "at_offences", "--reason", "Austria now publishes its own dataflow",
                 "--store", str(store)]) == 0
    assert "retires part at_offences (8 observations deleted" in capsys.readouterr().out
    after = latest(store, "CCJS", "DF_ICCS")
    m = after.manifest
    assert m.parts == ["de_offences"] and m.previous_release == before.id and m.observations == len(kept)
    assert m.extra["retired"] == {"part": "at_offences", "observations": 8,
                                  "reason": "Austria now publishes its own dataflow"}
    pd.testing.assert_frame_equal(read_frame(after, "de_offences"), kept)
    # the remaining part's files come with it; the retired part's do not
    assert (after.path / "attachments" / "de_offences" / "last_changed.csv").is_file()
    assert not (after.path / "attachments" / "at_offences").exists()
    assert (after.path / "mapping.html").is_file() is False  # a retirement publishes no part of its own
    with TestClient(create_app(store)) as client:
        feed = client.get("/feed/CCJS/DF_ICCS.atom").text
        assert "retires part at_offences (8 observations deleted): Austria now publishes its own dataflow" in feed
        answer = client.get("/sdmx/v2/data/dataflow/CCJS/DF_ICCS/1.0/*",
                            params={"updatedAfter": before.created.isoformat()},
                            headers={"Accept": "application/vnd.sdmx.data+csv;version=2.0.0"})
        assert answer.status_code == 200, answer.text
        table = pd.read_csv(io.StringIO(answer.text), dtype=str)
        assert set(table["ACTION"]) == {"D"} and set(table["REF_AREA"]) == {"40"} and len(table) == 8
    # an unknown part, and the last part, are refused; nothing is published
    assert main(["retire", "DF_ICCS", "nope", "--reason", "x", "--store", str(store)]) == 2
    assert "has no part 'nope' (its parts: de_offences)" in capsys.readouterr().err
    assert main(["retire", "DF_ICCS", "de_offences", "--reason", "x", "--store", str(store)]) == 2
    assert "the only part" in capsys.readouterr().err
    assert latest(store, "CCJS", "DF_ICCS").id == after.id


@pytest.mark.parametrize("part", ["", "../etc", "a b"])
def test_a_part_name_that_is_not_one_is_refused(tmp_path, part):
    path = _spec(tmp_path / "x", "276", "ok")
    path.write_text(path.read_text().replace("part: ok", f"part: '{part}'"))
    with pytest.raises(SpecError, match="is not a part name"):
        load_spec(path)
