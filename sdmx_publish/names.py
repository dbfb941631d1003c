"""Names the pipeline and the orchestrator share, in a module without pandas (the DAG processor uses them
at parse time): the steps of one source in order, and the part of a dataflow a spec publishes."""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import Path

import yaml


class Step(StrEnum):
    """The steps of one source, in the order they run: the one declaration of the step order, which the
    CLI (:func:`sdmx_publish.pipeline.run`, ``validate``), the Airflow task bodies and the DAG factory all follow."""

    EXTRACT = "extract"
    TRANSFORM = "transform"
    VALIDATE = "validate"
    PUBLISH = "publish"


#: every step, in order
STEPS: tuple[Step, ...] = tuple(Step)


#: a part's name (it names files of the release): what a spec's ``part:`` key may say
PART_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,99}")


def part_id(spec_path: str | Path) -> str:
    """The name of a spec's part of its dataflow: the spec's ``part:`` key, else ``<folder>_<file stem>``,
    e.g. ``unodc_homicide``."""
    p = Path(spec_path).resolve()
    return _declared_part(p) or f"{p.parent.name}_{p.stem}"


def _declared_part(path: Path) -> str | None:
    """The spec's ``part:`` key, if it has a valid one (the spec model refuses an invalid one when loaded)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    part = data.get("part") if isinstance(data, dict) else None
    return part if isinstance(part, str) and PART_NAME.fullmatch(part) else None
