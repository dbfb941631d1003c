"""What to orchestrate: source owners (countries) and their specs, found in the specs folders.

A specs folder holds one folder per source owner or country (``countries/kor/``), each with
``*.yaml`` source specs and, for a country, ``country.yaml`` (name, M49 code, notifications).
Everything is checked here, when the DAG files are parsed, from small YAML files only (no data is
read): a broken spec or country file becomes a :class:`Problem`, reported in the UI, and never
stops the other sources from getting their DAGs.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from .. import config, reference
from ..errors import PublishError
from ..spec import load_yaml_model

COUNTRY_FILE = "country.yaml"
#: environment variable naming the specs folders (separated by ``os.pathsep``)
SPECS_ENV = "SDMX_PUBLISH_SPECS_DIR"


class Notify(BaseModel):
    """Where and when a country's notifications go."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    on_failure: bool = True
    on_warnings: bool = True
    log: str | None = Field(None, description="JSON-lines file, relative to the release store")
    webhook: str | None = Field(None, description="URL each notification is POSTed to as JSON")


class Country(BaseModel):
    """``country.yaml``: who owns a folder of specs."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    m49: str | None = Field(None, description="M49 code of the country (reference/m49.csv)")
    notify: Notify = Field(default_factory=Notify)

    @field_validator("m49")
    @classmethod
    def _known_m49(cls, v: str | None) -> str | None:
        if v is not None and v.isdigit():
            v = v.lstrip("0") or "0"  # "036" as M49 publishes it is "36" in CL_AREA
        if v is not None and v not in reference.m49_countries():
            raise ValueError(f"{v!r} is not an M49 country code in reference/m49.csv")
        return v


@dataclass(frozen=True)
class Source:
    """One spec to publish: the part of a dataflow one DAG produces."""

    part: str
    spec: Path
    owner: str
    dataflow: str
    agency: str
    schedule: str | None
    name: str
    country: Country


@dataclass(frozen=True)
class Problem:
    """A spec or country file that cannot be used, with the error a data manager must fix."""

    name: str
    path: Path
    message: str


@dataclass
class Catalog:
    sources: list[Source] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def owners(self) -> list[str]:
        return sorted({s.owner for s in self.sources})

    def dataflows(self) -> list[tuple[str, str]]:
        """(agency, dataflow id) of every dataflow the sources publish."""
        return sorted({(s.agency, s.dataflow) for s in self.sources})


def specs_dirs() -> list[Path]:
    """``SDMX_PUBLISH_SPECS_DIR`` (folders separated by ``os.pathsep``), else the repository's ``countries/``."""
    value = os.environ.get(SPECS_ENV)
    return [Path(p) for p in value.split(os.pathsep) if p] if value else [config.ROOT / "countries"]


def owner_folders(folder: Path) -> list[Path]:
    """A specs folder is one owner's folder (it has YAML files) or a folder of owner folders."""
    if not folder.is_dir():
        return []
    if any(folder.glob("*.yaml")):
        return [folder]
    return sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))


def load_country(folder: Path) -> Country:
    """The folder's ``country.yaml``, or a default one named after the folder."""
    path = folder / COUNTRY_FILE
    if not path.is_file():
        return Country(name=folder.name)
    return load_yaml_model(path, Country, example="countries/kor/country.yaml")


def load_source(spec_path: Path, owner: str, country: Country) -> Source:
    """Read and check one spec against its dataflow (no data read); raise a PublishError if broken."""
    from ..pipeline import part_id
    from ..spec import load_spec
    from ..structure import load_registry
    from ..transform import check_spec

    spec = load_spec(spec_path, source_file=False)  # the source may be on a share only workers see
    flow = load_registry().flow(spec.dataflow, spec.agency)
    check_spec(spec, flow)
    return Source(part=part_id(spec_path), spec=spec_path.resolve(), owner=owner, dataflow=flow.id,
                  agency=flow.dataflow.ref.agency, schedule=spec.schedule, name=spec.name or spec_path.stem,
                  country=country)


def discover(dirs: list[Path] | None = None) -> Catalog:
    """Every usable source of the specs folders, and every problem found on the way."""
    catalog = Catalog()
    seen: dict[str, Path] = {}
    for folder in dirs if dirs is not None else specs_dirs():
        if not folder.is_dir():
            catalog.problems.append(Problem(folder.name or "specs", folder, f"{folder}: specs folder not found\n"
                                            f"  fix: correct {SPECS_ENV}"))
            continue
        for owner in owner_folders(folder):
            try:
                country = load_country(owner)
            except PublishError as e:
                catalog.problems.append(Problem(owner.name, owner / COUNTRY_FILE, e.message()))
                continue
            for path in sorted(owner.glob("*.yaml")):
                if path.name == COUNTRY_FILE:
                    continue
                name = f"{owner.name}_{path.stem}"
                try:
                    source = load_source(path, owner.name, country)
                except PublishError as e:
                    catalog.problems.append(Problem(name, path, e.message()))
                    continue
                except Exception as e:  # noqa: BLE001 - a broken file must never break the other DAGs
                    catalog.problems.append(Problem(name, path, f"{path}: {type(e).__name__}: {e}"))
                    continue
                if source.part in seen:
                    catalog.problems.append(Problem(name, path, f"{path}: part {source.part!r} is also published by "
                                                    f"{seen[source.part]}\n  fix: rename one of the two folders"))
                    continue
                seen[source.part] = path
                catalog.sources.append(source)
    return catalog
