"""What to orchestrate: source owners (countries) and their specs, found in the specs folders.

A specs folder holds one folder per source owner or country (``countries/kor/``), each with
``*.yaml`` source specs and, for a country, ``country.yaml`` (name, M49 code, notifications).
This runs whenever the DAG processor parses the DAG file, so it reads only the specs' YAML headers
(dataflow, agency, name, schedule) and the dataflow ids of the structure messages, and imports
neither pandas nor the pipeline; the whole spec is checked by the run's first task, which fails at
once with the key and the fix. A broken header or country file becomes a :class:`Problem`, reported
in the UI, and never stops the other sources from getting their DAGs.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, field_validator

from .. import config, reference
from ..derive.ids import SDG_FLOW
from ..errors import InputError, NotFound, PublishError
from ..names import part_id
from ..yamlmodel import load_yaml_model

COUNTRY_FILE = config.FOLDER_FILE
#: environment variable naming the specs folders (separated by ``os.pathsep``)
SPECS_ENV = "SDMX_PUBLISH_SPECS_DIR"


class SpecHeader(BaseModel):
    """The keys of a source spec the DAG processor needs; the rest is checked when the run starts."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    dataflow: str
    agency: str | None = None
    name: str | None = None
    schedule: str | None = "@yearly"
    run_period: Literal["year", "quarter", "month"] | None = None


class Country(config.FolderSettings):
    """``country.yaml``: who owns a folder of specs, its notifications (:class:`sdmx_publish.config.Notify`)
    and the settings its runs read (e.g. ``source_roots``); here ``name`` is required and ``m49`` checked."""

    name: str

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
    run_period: str | None = None

    @property
    def pool(self) -> str:
        return pool_name(self.agency, self.dataflow)


def pool_name(agency: str, flow: str) -> str:
    """The Airflow pool (one slot) serialising the publications of a dataflow."""
    return f"sdmx_publish_{agency}_{flow}"


@dataclass(frozen=True)
class Problem:
    """A spec or country file that cannot be used, with the error a data manager must fix."""

    name: str
    path: Path
    message: str


@dataclass
class Discovered:
    """What :func:`discover` found in the specs folders: the usable sources, and the problems."""

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


@lru_cache(maxsize=4)
def _dataflows(folder: str, stamp: tuple) -> dict[str, frozenset[str]]:
    """Dataflow id -> agencies, from the ``Dataflow`` elements of the structure messages (nothing else parsed)."""
    from lxml import etree

    flows: dict[str, set[str]] = {}
    for path in sorted(Path(folder).glob("*.xml")):
        for _, element in etree.iterparse(str(path), tag="{*}Dataflow"):
            if element.get("id") and element.get("agencyID"):
                flows.setdefault(element.get("id"), set()).add(element.get("agencyID"))
            element.clear()
    return {k: frozenset(v) for k, v in flows.items()}


def known_dataflows() -> dict[str, frozenset[str]]:
    """The dataflows of the structures folder (``config.dsd_dir()``), re-read when a file there changes."""
    folder = config.dsd_dir()
    stamp = tuple((p.name, p.stat().st_mtime_ns) for p in sorted(folder.glob("*.xml")))
    return _dataflows(str(folder), stamp)


def pools() -> dict[str, str]:
    """A pool for every dataflow a DAG can publish (every dataflow of the structures folder, and the regional
    one), with its description: not only those of today's specs, so a spec for another dataflow added
    later finds its pool (a task whose pool does not exist is never scheduled)."""
    flows = {(a, f) for f, agencies in known_dataflows().items() for a in agencies} | {(config.agency(), SDG_FLOW)}
    return {pool_name(a, f): f"sdmx-publish: publications of {a}:{f}, one at a time" for a, f in sorted(flows)}


def missing_pools(listing: str, where: str = "the pools listing") -> list[str]:
    """The pools of :func:`pools` absent from Airflow's, given as ``airflow pools list -o json`` prints them
    (a list of ``{"pool": name, ...}``) or as ``airflow pools export`` writes them (``{name: {...}}``)."""
    try:
        existing = json.loads(listing)
        names = set(existing) if isinstance(existing, dict) else {row["pool"] for row in existing}
    except (ValueError, TypeError, KeyError) as e:
        raise InputError(f"not a list of Airflow pools ({type(e).__name__}: {e})", where=where,
                         fix="give the output of `airflow pools list -o json` (or a file of `airflow pools export`)"
                         ) from None
    return sorted(set(pools()) - names)


def load_source(spec_path: Path, owner: str, country: Country) -> Source:
    """A spec's header, its dataflow known; raise a PublishError if not. The rest of the spec (maps, the
    DSD's codes) is checked by the run's first task: the DAG processor reads no more than this."""
    header = load_yaml_model(spec_path, SpecHeader, example="examples/*/*.yaml")
    agencies = known_dataflows().get(header.dataflow, frozenset())
    if header.agency is not None:
        agencies = agencies & {header.agency}
    if len(agencies) != 1:
        known = ", ".join(sorted(known_dataflows())) or "none"
        what = f"unknown dataflow {header.dataflow!r}" + (f" of agency {header.agency!r}" if header.agency else "")
        if len(agencies) > 1:
            what, known = f"dataflow {header.dataflow!r} is defined by {', '.join(sorted(agencies))}", "agency: <one>"
        raise NotFound(what, where=f"{spec_path}: dataflow", fix=f"use one of: {known}")
    return Source(part=part_id(spec_path), spec=spec_path.resolve(), owner=owner, dataflow=header.dataflow,
                  agency=next(iter(agencies)), schedule=header.schedule, name=header.name or spec_path.stem,
                  country=country, run_period=header.run_period)


def discover(dirs: list[Path] | None = None) -> Discovered:
    """Every usable source of the specs folders, and every problem found on the way."""
    discovered = Discovered()
    seen: dict[str, Path] = {}
    for folder in dirs if dirs is not None else specs_dirs():
        if not folder.is_dir():
            discovered.problems.append(Problem(folder.name or "specs", folder, f"{folder}: specs folder not found\n"
                                            f"  fix: correct {SPECS_ENV}"))
            continue
        for owner in owner_folders(folder):
            try:
                country = load_country(owner)
            except PublishError as e:
                discovered.problems.append(Problem(owner.name, owner / COUNTRY_FILE, e.message()))
                continue
            for path in sorted(owner.glob("*.yaml")):
                if path.name == COUNTRY_FILE:
                    continue
                name = f"{owner.name}_{path.stem}"
                try:
                    source = load_source(path, owner.name, country)
                except PublishError as e:
                    discovered.problems.append(Problem(name, path, e.message()))
                    continue
                except Exception as e:  # noqa: BLE001 - a broken file must never break the other DAGs
                    discovered.problems.append(Problem(name, path, f"{path}: {type(e).__name__}: {e}"))
                    continue
                if source.part in seen:
                    discovered.problems.append(Problem(name, path, f"{path}: part {source.part!r} is also published by "
                                                    f"{seen[source.part]}\n  fix: rename one of the two folders"))
                    continue
                seen[source.part] = path
                discovered.sources.append(source)
    return discovered
