"""Reading reviewed YAML files into checked models: source specs (and, for the orchestrator, country files).

A spec is checked completely before any data is read: unknown keys, wrong types, unknown rules in
the ``validation`` block, missing files, malformed correspondence tables and a misspelt key in the
folder's ``country.yaml`` fail here with the file, the key and the fix.
"""

from __future__ import annotations

from pathlib import Path

from .. import config
from ..errors import SpecError
from ..yamlmodel import load_yaml_model
from .maps import breakdown_map, read_map
from .model import Spec

__all__ = ["check_files", "load_spec", "load_yaml_model"]


def load_spec(path: str | Path, *, source_file: bool = True) -> Spec:
    """Read and check a spec; raise :class:`SpecError` naming the file, the key and the fix.

    ``source_file=False`` leaves the source table unchecked (the DAG processor may not see it)."""
    path = Path(path)
    if not path.is_file():
        raise SpecError("spec file not found", where=str(path), fix="check the path")
    spec = load_yaml_model(path, Spec, extra={"path": path.resolve()}, example="examples/*/*.yaml")
    config.folder_settings(path.parent)  # the folder's country.yaml, checked as strictly as the spec
    check_files(spec, source_file=source_file)
    return spec


def check_files(spec: Spec, *, source_file: bool = True) -> None:
    """Every file a spec refers to exists and every correspondence table has the columns it needs."""
    where = str(spec.path)
    if source_file and spec.source.path and not spec.resolve(spec.source.path).is_file():
        raise SpecError(f"source file {spec.source.path!r} not found", where=f"{where}: source.path",
                        fix="correct the path (relative to the spec file)")
    if spec.survey and spec.survey.join and source_file and not spec.resolve(spec.survey.join.path).is_file():
        raise SpecError(f"joined file {spec.survey.join.path!r} not found", where=f"{where}: survey.join.path",
                        fix="correct the path (relative to the spec file)")
    survey_maps = [(f"survey.breakdowns.{k}.map", breakdown_map(b))
                   for k, b in (spec.survey.breakdowns.items() if spec.survey else [])]
    for key, m in [(f"maps[{i}].file", m) for i, m in enumerate(spec.maps)] + survey_maps:
        if not spec.resolve(m.file).is_file():
            raise SpecError(f"correspondence table {m.file!r} not found", where=f"{where}: {key}",
                            fix="correct the path (relative to the spec file)")
        read_map(spec, m, where=f"{where}: {key.removesuffix('.file')}")
    rates = spec.derive_rates
    if rates and rates.population != "bundled" and not spec.resolve(rates.population).is_file():
        raise SpecError(f"population table {spec.derive_rates.population!r} not found",
                        where=f"{where}: derive_rates.population", fix="correct the path")
