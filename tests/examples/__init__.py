"""Tests of the bundled national examples, each against cells picked by hand from its source."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from sdmx_publish import pipeline
from sdmx_publish.spec import load_spec
from sdmx_publish.store import Release, latest, read_frame


def publish(spec: Path, store: Path) -> tuple[dict[str, Any], Release, pd.DataFrame]:
    """Run ``spec`` into ``store``: the run's result, its dataflow's latest release and the spec's part in it."""
    result = pipeline.run(spec, store)
    release = latest(store, "CCJS", load_spec(spec).dataflow)
    return result, release, read_frame(release, pipeline.part_id(spec))
