"""Names the pipeline and the orchestrator share, in a module without pandas (the DAG processor uses them
at parse time): the steps of one source in order, and the part of a dataflow a spec publishes."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path


class Step(StrEnum):
    """The steps of one source, in the order they run: the one declaration of the step order, which the
    CLI (:func:`sdmx_publish.pipeline.run`, ``validate``), the Airflow task bodies and the DAG factory all follow."""

    EXTRACT = "extract"
    TRANSFORM = "transform"
    VALIDATE = "validate"
    PUBLISH = "publish"


#: every step, in order
STEPS: tuple[Step, ...] = tuple(Step)


def part_id(spec_path: str | Path) -> str:
    """The name of a spec's part of its dataflow: ``<folder>_<file stem>``, e.g. ``unodc_homicide``."""
    p = Path(spec_path).resolve()
    return f"{p.parent.name}_{p.stem}"
