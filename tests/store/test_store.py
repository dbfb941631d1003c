"""The release store: typed manifest (compatible with published JSON), ids, permissions, sweep, visibility."""

from __future__ import annotations

import json
import os
import shutil
import stat
from datetime import datetime, timezone

import pytest

from sdmx_publish.publish import publish
from sdmx_publish.serve.store import Store
from sdmx_publish.store import Manifest, latest, locked, releases, sweep
from sdmx_publish.store.commit import intact, staging
from sdmx_publish.store.layout import flow_dir
from tests.serve.sample import sample_frame

FROZEN = datetime(2026, 11, 27, 5, 30, tzinfo=timezone.utc)

#: a manifest as published before the typed model (second-precision time, extra keys)
OLD = {
    "release_id": "20261127T053000Z-1a2b3c4d",
    "dataflow": {"agency": "CCJS", "id": "DF_ICCS", "version": "1.0"},
    "structure": {"agency": "CCJS", "id": "ICCS_CJ", "version": "1.0"},
    "created": "2026-11-27T05:30:00Z", "content_sha256": "ab" * 32, "observations": 3,
    "previous_release": None, "part": "p", "parts": ["p"], "run": {"by": "cli"},
    "files": [{"path": "data.csv", "format": "sdmx-csv-1.0", "media_type": "text/csv", "sha256": "0" * 64,
               "bytes": 10, "observations": 3}],
    "sources": [{"path": "x.csv", "sha256": "1" * 64}], "validation": {"errors": 0, "warnings": 1, "report": None},
    "part_validation": {"p": {"release_id": "20261127T053000Z-1a2b3c4d", "errors": 0, "warnings": 1}},
    "revisions": None, "transform": {"excluded": []}, "coverage": {"total": 3},
}


def test_manifest_reads_and_writes_the_published_json_unchanged(tmp_path):
    (tmp_path / "manifest.json").write_text(json.dumps(OLD))
    m = Manifest.read(tmp_path / "manifest.json")
    assert m.created == FROZEN and m.files[0].sha256 == "0" * 64 and m.coverage == {"total": 3}
    assert json.loads(m.to_json()) == {**OLD, "part_sha256": {}}  # every key kept; new keys only added
    assert list(json.loads(m.to_json()))[-2:] == ["transform", "coverage"]  # extras after the named keys


def _publish(store, flow, registry, seed, clock=None):
    kwargs = {"clock": clock} if clock else {}
    return publish(sample_frame(flow, 24, years=range(2015, 2020), seed=seed), flow, registry, store=store,
                   part="p", **kwargs)[0]


def _orphan_after_a_kill(store, flow, registry):
    """Two releases, then LATEST put back on the first: a kill after the second's rename, before LATEST moved."""
    first = _publish(store, flow, registry, 1)
    second = _publish(store, flow, registry, 2)
    base = flow_dir(store, "CCJS", flow.id)
    (base / "LATEST").write_text(first.id + "\n")
    return first, second, base


@pytest.mark.slow
def test_release_ids_increase_without_waiting_even_on_a_frozen_clock(tmp_path, registry, sdg_flow):
    rels = [_publish(tmp_path, sdg_flow, registry, seed, clock=lambda: FROZEN) for seed in range(3)]
    assert [r.id[:22] for r in rels] == ["20261127T053000000000Z", "20261127T053000000001Z",
                                         "20261127T053000000002Z"]
    assert [r.created.microsecond for r in rels] == [0, 1, 2]
    assert [r.id for r in releases(tmp_path, "CCJS", sdg_flow.id)] == [r.id for r in rels]


@pytest.mark.slow
def test_release_files_are_world_readable(tmp_path, registry, sdg_flow):
    old = os.umask(0o077)
    try:
        rel = _publish(tmp_path, sdg_flow, registry, 1)
    finally:
        os.umask(old)
    modes = {p.relative_to(rel.path).as_posix(): stat.S_IMODE(p.stat().st_mode) for p in rel.path.rglob("*")}
    folders = {p for p in modes if (rel.path / p).is_dir()}
    assert {"parts", "attachments"} <= folders and stat.S_IMODE(rel.path.stat().st_mode) == 0o755
    assert {modes[p] for p in folders} == {0o755}, modes
    assert {m for p, m in modes.items() if p not in folders} == {0o644}, modes
    assert stat.S_IMODE((rel.path.parent.parent / "LATEST").stat().st_mode) == 0o644


@pytest.mark.slow
def test_sweep_removes_leftovers_and_orphans_are_never_served(tmp_path, registry, sdg_flow):
    first, second, base = _orphan_after_a_kill(tmp_path, sdg_flow, registry)  # LATEST still names `first`
    (base / ".LATEST-dead").write_text(second.id + "\n")
    with locked(tmp_path, "CCJS", sdg_flow.id):
        stale = staging(tmp_path, "CCJS", sdg_flow.id)
    (stale / "data.csv").write_text("partial")
    assert [r.id for r in releases(tmp_path, "CCJS", sdg_flow.id)] == [first.id]
    served = Store(tmp_path)
    assert [r.id for r in served.releases("CCJS", sdg_flow.id)] == [first.id]
    with pytest.raises(Exception, match="no release"):
        served.release("CCJS", sdg_flow.id, second.id)
    with locked(tmp_path, "CCJS", sdg_flow.id):
        done = sweep(tmp_path, "CCJS", sdg_flow.id)
    # `second` follows LATEST and is intact: adopted; the staging folder and pointer are gone
    assert done["adopted"] == [second.id] and sorted(done["removed"]) == sorted([stale.name, ".LATEST-dead"])
    assert latest(tmp_path, "CCJS", sdg_flow.id).id == second.id
    assert sorted(p.name for p in base.iterdir()) == [".lock", "LATEST", "releases"]


@pytest.mark.slow
def test_sweep_removes_an_orphan_it_cannot_adopt(tmp_path, registry, sdg_flow):
    first, second, base = _orphan_after_a_kill(tmp_path, sdg_flow, registry)
    (second.path / "parts" / "p.csv").write_bytes(b"damaged")
    assert not intact(second)
    third = _publish(tmp_path, sdg_flow, registry, 3)  # publishing sweeps first
    assert third.manifest.previous_release == first.id
    assert [r.id for r in releases(tmp_path, "CCJS", sdg_flow.id)] == [first.id, third.id]
    assert not second.path.exists()


@pytest.mark.slow
def test_every_file_matches_its_manifest(tmp_path, registry, sdg_flow):
    rel = _publish(tmp_path, sdg_flow, registry, 1)
    assert intact(rel)
    part = rel.path / "parts" / "p.csv"  # data.csv is assembled from it
    shutil.copyfile(part, tmp_path / "copy.csv")
    part.write_bytes((tmp_path / "copy.csv").read_bytes().replace(b"2015", b"2016", 1))
    assert not intact(rel)
