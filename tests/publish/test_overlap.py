"""The overlap check between parts: checked once per run while LATEST stays, again when it moved."""

from __future__ import annotations

import pandas as pd
import pytest

from sdmx_publish.errors import ValidationFailed
from sdmx_publish.publish import overlap, publish
from sdmx_publish.store import latest
from tests.serve.sample import sample_frame


@pytest.fixture
def parts(sdg_flow) -> dict[str, pd.DataFrame]:
    """Two parts with disjoint keys (different years)."""
    return {"zeta": sample_frame(sdg_flow, 200, years=range(2010, 2016), seed=1),
            "mid": sample_frame(sdg_flow, 100, years=range(2016, 2020), seed=2)}


@pytest.fixture
def looks(monkeypatch) -> list[str]:
    """The parts whose check looked into a release (the real check runs)."""
    seen: list[str] = []
    real = overlap.claimed

    def counted(previous, part, frame, flow):
        if previous is not None:
            seen.append(part)
        return real(previous, part, frame, flow)
    monkeypatch.setattr(overlap, "claimed", counted)
    return seen


def validated(work, part, frame, flow, store) -> overlap.Checked | None:
    """What the pipeline's validate step does: check against LATEST and record it in the work folder."""
    previous = latest(store, "CCJS", flow.id)
    overlap.record(work, part, previous, overlap.claimed(previous, part, frame, flow))
    return overlap.recorded(work)


def test_a_check_against_the_release_published_over_is_not_repeated(tmp_path, registry, sdg_flow, parts, looks):
    store, work = tmp_path / "store", tmp_path / "work"
    work.mkdir()
    first, _ = publish(parts["zeta"], sdg_flow, registry, store=store, part="zeta")
    checked = validated(work, "mid", parts["mid"], sdg_flow, store)
    assert checked == overlap.Checked(part="mid", release_id=first.id) and looks == ["mid"]
    rel, new = publish(parts["mid"], sdg_flow, registry, store=store, part="mid", checked=checked)
    assert new and rel.manifest.parts == ["mid", "zeta"] and looks == ["mid"]  # one look per run
    # the record is of one part over one release: any other part, or over another release, checks again
    again = parts["zeta"].assign(OBS_VALUE=parts["zeta"]["OBS_VALUE"] + 1)
    publish(again, sdg_flow, registry, store=store, part="zeta", checked=checked)
    assert looks == ["mid", "zeta"]


def test_an_overlap_published_between_validate_and_publish_is_refused(tmp_path, registry, sdg_flow, parts):
    """LATEST moved after the check: publish checks again, with the same error as ever."""
    store, work = tmp_path / "store", tmp_path / "work"
    work.mkdir()
    first, _ = publish(parts["zeta"], sdg_flow, registry, store=store, part="zeta")
    late = parts["mid"].head(7)  # validated while only zeta was published: nothing claimed
    checked = validated(work, "late", late, sdg_flow, store)
    assert checked is not None and checked.release_id == first.id
    meanwhile, _ = publish(parts["mid"], sdg_flow, registry, store=store, part="mid")
    with pytest.raises(ValidationFailed, match=r"^7 observations of late are already published by another source "
                       r"of DF_SDG_16_CRIME \(mid\), e\.g\. key .+@\d{4}"):
        publish(late, sdg_flow, registry, store=store, part="late", checked=checked)
    assert latest(store, "CCJS", sdg_flow.id).id == meanwhile.id


def test_a_check_that_found_claimed_keys_leaves_no_record_and_publish_refuses(tmp_path, registry, sdg_flow, parts):
    """Validate found the overlap (its rule turned down to a warning, say): publish still refuses."""
    store, work = tmp_path / "store", tmp_path / "work"
    work.mkdir()
    rel, _ = publish(parts["zeta"], sdg_flow, registry, store=store, part="zeta")
    assert validated(work, "copy", parts["mid"], sdg_flow, store) is not None  # an earlier, clear check
    copy = pd.concat([parts["mid"], parts["zeta"].head(3)], ignore_index=True)
    assert validated(work, "copy", copy, sdg_flow, store) is None  # its record is gone
    with pytest.raises(ValidationFailed, match=r"^3 observations of copy are already published .*\(zeta\)"):
        publish(copy, sdg_flow, registry, store=store, part="copy", checked=overlap.recorded(work))
    assert latest(store, "CCJS", sdg_flow.id).id == rel.id
