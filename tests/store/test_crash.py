"""kill -9 at random points of 30 publications, then a sweep and a run: nothing partial, no orphan
served, every file as its manifest says."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time

import pytest

from sdmx_publish.publish import publish
from sdmx_publish.serve.store import Store
from sdmx_publish.store import latest, locked, releases, sweep
from sdmx_publish.store.commit import intact
from sdmx_publish.store.layout import POINTER_PREFIX, STAGING_PREFIX, flow_dir
from sdmx_publish.store.release import release_ids
from tests.serve.sample import sample_frame

#: the years of each part (parts own disjoint observation keys)
YEARS = {"base": range(1960, 1970), "p0": range(1970, 1980), "p1": range(1980, 1990), "p2": range(1990, 2000),
         "after": range(2000, 2010)}

PUBLISHER = """
import itertools, sys
from pathlib import Path
from sdmx_publish.publish import publish
from tests.serve.sample import sample_frame
from sdmx_publish.structure import load_registry
store, seed = Path(sys.argv[1]), int(sys.argv[2])
registry = load_registry()
flow = registry.flow("DF_SDG_16_CRIME")
parts = [f"p{(seed + i) % 3}" for i in range(3)]
frames = [sample_frame(flow, 2400, years=range(1970 + 10 * int(p[1]), 1980 + 10 * int(p[1])), seed=seed + i)
          for i, p in enumerate(parts)]
print("ready", flush=True)
for i in itertools.count():  # one publication after the other until killed
    frame = frames[i % 3]
    publish(frame.assign(OBS_VALUE=frame["OBS_VALUE"] + i), flow, registry, store=store, part=parts[i % 3])
"""


def _check(store, flow_id: str) -> None:
    """What a reader can see is whole: LATEST's release and every listed release match their manifests;
    a release folder LATEST never pointed at is neither listed nor served."""
    visible = releases(store, "CCJS", flow_id)
    assert visible and visible[-1].id == latest(store, "CCJS", flow_id).id
    for rel in visible:
        assert intact(rel), rel.id
    served = Store(store)
    assert [r.id for r in served.releases("CCJS", flow_id)] == [r.id for r in visible]
    for orphan in set(release_ids(store, "CCJS", flow_id, visible=False)) - {r.id for r in visible}:
        with pytest.raises(Exception, match="no release"):
            served.release("CCJS", flow_id, orphan)


@pytest.mark.slow
def test_kill_9_during_publications_leaves_nothing_partial(tmp_path, registry, sdg_flow):
    store, flow_id = tmp_path / "store", sdg_flow.id
    t = time.perf_counter()
    publish(sample_frame(sdg_flow, 2400, years=YEARS["base"], seed=99), sdg_flow, registry, store=store,
            part="base")
    window = max(0.5, 3 * (time.perf_counter() - t))  # a few publications' time
    rng = random.Random(17)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    for kill in range(30):
        child = subprocess.Popen([sys.executable, "-c", PUBLISHER, str(store), str(kill * 7)],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        try:
            assert child.stdout.readline().strip() == "ready", child.stderr.read()
            time.sleep(rng.uniform(0, window))
            assert child.poll() is None, child.stderr.read()  # killed while publishing, not after a failure
        finally:
            child.send_signal(signal.SIGKILL)
            child.wait(timeout=30)
            child.stdout.close()
            child.stderr.close()
        _check(store, flow_id)
    base = flow_dir(store, "CCJS", flow_id)
    with locked(store, "CCJS", flow_id):
        sweep(store, "CCJS", flow_id)
    assert not [p for p in base.iterdir() if p.name.startswith((STAGING_PREFIX, POINTER_PREFIX))]
    assert release_ids(store, "CCJS", flow_id, visible=False) == release_ids(store, "CCJS", flow_id)
    rel, _ = publish(sample_frame(sdg_flow, 240, years=YEARS["after"], seed=1234), sdg_flow, registry,
                     store=store, part="after")
    _check(store, flow_id)
    assert latest(store, "CCJS", flow_id).id == rel.id and "after" in rel.manifest.parts
