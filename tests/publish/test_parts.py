"""Incremental releases: one part rendered, the others shared, whole files assembled byte for byte
from the parts' files when read (never written)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sdmx_publish.errors import ValidationFailed
from sdmx_publish.formats import Format
from sdmx_publish.publish import publish
from sdmx_publish.publish.parts import key_hashes
from sdmx_publish.serve.store import Store
from sdmx_publish.store import RELEASE_FILES, latest, releases
from sdmx_publish.store.commit import intact
from sdmx_publish.write import WriteOptions, prepare, write
from tests.serve.sample import sample_frame


@pytest.fixture
def frames(sdg_flow) -> dict[str, pd.DataFrame]:
    """Three parts with disjoint keys and different attribute columns (SDMX-CSV headers differ)."""
    a = sample_frame(sdg_flow, 300, years=range(2010, 2016), seed=1)
    b = sample_frame(sdg_flow, 200, years=range(2016, 2020), seed=2).drop(columns=["OBS_STATUS"], errors="ignore")
    c = sample_frame(sdg_flow, 150, years=range(2020, 2023), seed=3)
    c["COMMENT_OBS"] = ["note, with a comma" if i % 3 else None for i in range(len(c))]
    return {"zeta": a, "alpha": b, "mid": c}


def full_render(frames: dict[str, pd.DataFrame], flow, fmt: Format, release, tmp_path) -> bytes:
    whole = pd.concat([f.assign(_part=p) for p, f in frames.items()], ignore_index=True)
    options = WriteOptions(message_id=f"{flow.id}-{release.id}", prepared=release.created, sender="CCJS",
                           partition="_part")
    out = tmp_path / f"full{fmt.suffix}"
    write(whole, flow, fmt, out, options=options)
    return out.read_bytes()


def test_assembled_files_are_byte_identical_to_a_full_render(tmp_path, registry, sdg_flow, frames):
    store = tmp_path / "store"
    for part, frame in frames.items():
        rel, new = publish(frame, sdg_flow, registry, store=store, part=part)
        assert new
    assert rel.manifest.parts == ["alpha", "mid", "zeta"] and rel.manifest.observations == 650
    for fmt, name in RELEASE_FILES.items():
        with rel.open(name) as f:
            assert f.read() == full_render(frames, sdg_flow, fmt, rel, tmp_path), name
        assert not (rel.path / name).exists() and rel.manifest.file(name).sha256 is None
    # alpha lacks OBS_STATUS: its rows under the union's columns are a file of their own
    assert {f.path for f in rel.files} >= {"parts/alpha.union.csv"} and "parts/mid.union.csv" not in \
        {f.path for f in rel.files}
    # a part published again: its files are new, the others' are the previous release's (same inode)
    changed = frames["mid"].assign(OBS_VALUE=frames["mid"]["OBS_VALUE"] + 1)
    again, _ = publish(changed, sdg_flow, registry, store=store, part="mid")
    inode = lambda r, p: (r.path / p).stat().st_ino  # noqa: E731
    assert inode(again, "parts/zeta.ss.xml") == inode(rel, "parts/zeta.ss.xml")
    assert inode(again, "parts/alpha.csv") == inode(rel, "parts/alpha.csv")
    assert inode(again, "parts/mid.csv") != inode(rel, "parts/mid.csv")
    assert inode(again, "parts/alpha.union.csv") == inode(rel, "parts/alpha.union.csv")
    assert inode(again, "attachments/zeta/last_changed.csv") == inode(rel, "attachments/zeta/last_changed.csv")
    for fmt, name in RELEASE_FILES.items():
        with again.open(name) as f:
            assert f.read() == full_render({**frames, "mid": changed}, sdg_flow, fmt, again, tmp_path), name
    assert intact(again) and intact(rel)  # every file, shared or not, matches its manifest
    assert {f.path for f in again.files} >= {"parts/zeta.generic.xml", "parts/alpha.keys.npy", "data.csv"}
    # the server reads the assembled release as the observations of every part
    served = Store(store).frame(again).astype({c: str for c in ("REF_AREA", "TIME_PERIOD", "SERIES")})
    want = pd.concat([frames["alpha"], changed, frames["zeta"]], ignore_index=True)
    key = ["SERIES", "REF_AREA", "SEX", "AGE", "TIME_PERIOD"]
    got = served.astype({k: str for k in key}).sort_values(key)["OBS_VALUE"].to_numpy()
    assert (got == want.astype({k: str for k in key}).sort_values(key)["OBS_VALUE"].to_numpy()).all()


def test_same_part_again_is_no_new_release_and_overlap_is_refused(tmp_path, registry, sdg_flow, frames):
    first, _ = publish(frames["zeta"], sdg_flow, registry, store=tmp_path, part="zeta")
    publish(frames["alpha"], sdg_flow, registry, store=tmp_path, part="alpha")
    same, new = publish(frames["zeta"].sample(frac=1, random_state=0), sdg_flow, registry, store=tmp_path,
                        part="zeta")
    assert not new and same.id == latest(tmp_path, "CCJS", sdg_flow.id).id
    assert same.manifest.part_sha256["zeta"] == first.manifest.part_sha256["zeta"]
    with pytest.raises(ValidationFailed, match=r"3 observations of other are already published .*\(zeta\)"):
        publish(frames["zeta"].head(3), sdg_flow, registry, store=tmp_path, part="other")
    assert [r.id for r in releases(tmp_path, "CCJS", sdg_flow.id)] == [first.id, same.id]


def test_an_assembled_file_reads_like_a_file_on_disk(tmp_path, registry, sdg_flow, frames):
    """Seeks and partial reads across segment boundaries give the bytes of the whole file."""
    for part, frame in frames.items():
        rel, _ = publish(frame, sdg_flow, registry, store=tmp_path, part=part)
    with rel.open("data.generic.xml") as f:
        whole = f.read()
        assert len(whole) == rel.manifest.file("data.generic.xml").bytes
        cuts = [0, *sorted({s.end for s in rel.manifest.file("data.generic.xml").segments}), 7, 12345]
        for at in cuts:
            f.seek(at)
            assert f.read(4099) == whole[at:at + 4099], at
        f.seek(-10, 2)
        assert f.read() == whole[-10:] and f.read() == b""


def test_key_hashes_are_the_hashes_of_the_keys_as_text(sdg_flow):
    """Computed per distinct value, they equal hashing every cell's text (as earlier releases' files did)."""
    frame = sample_frame(sdg_flow, 2000, years=range(2000, 2020), seed=4).astype({"AGE": object})
    frame.loc[::7, "AGE"], frame.loc[1::7, "AGE"] = 3, "3"  # one code, however it is typed
    key = [*sdg_flow.dsd.dimension_ids, sdg_flow.dsd.time_dimension]
    want = np.sort(pd.util.hash_pandas_object(frame[key].astype(str), index=False).to_numpy(dtype=np.uint64))
    assert np.array_equal(key_hashes(frame, sdg_flow), want)
    # from the codes prepared for writing: the same (text columns), or computed as above (numbers)
    assert np.array_equal(key_hashes(frame, sdg_flow, prepare(frame, sdg_flow)), want)
    years = frame.assign(TIME_PERIOD=frame["TIME_PERIOD"].astype(float))  # "2000.0", as before; written "2000"
    as_text = np.sort(pd.util.hash_pandas_object(years[key].astype(str), index=False).to_numpy(dtype=np.uint64))
    assert np.array_equal(key_hashes(years, sdg_flow, prepare(years, sdg_flow)), as_text)
