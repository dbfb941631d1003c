"""A light, immutable model of the SDMX structures the pipeline needs.

Only what extract, validate, write and serve use: codelists (ids, names, parents), the DSD's
dimensions and attributes with their attachment, dataflows and content constraints. Built by
:mod:`sdmx_publish.structure.read` from SDMX-ML 2.1 structure messages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Attachment = Literal["dataset", "series", "observation"]


@dataclass(frozen=True, kw_only=True)
class Ref:
    """Reference to a maintainable artefact: ``AGENCY:ID(VERSION)``."""

    agency: str
    id: str
    version: str

    def __str__(self) -> str:
        return f"{self.agency}:{self.id}({self.version})"


@dataclass(frozen=True, kw_only=True)
class Code:
    id: str
    name: str
    parent: str | None = None
    #: names in other languages than English, by language (``{"ko": "대한민국"}``), where the structure has them
    names: dict[str, str] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True, kw_only=True)
class Codelist:
    ref: Ref
    name: str
    codes: dict[str, Code] = field(default_factory=dict)

    def names(self) -> dict[str, str]:
        return {c.id: c.name for c in self.codes.values()}


@dataclass(frozen=True, kw_only=True)
class Dimension:
    id: str
    position: int
    codelist: Ref | None
    concept: str


@dataclass(frozen=True, kw_only=True)
class Attribute:
    id: str
    mandatory: bool
    attachment: Attachment
    codelist: Ref | None
    concept: str
    #: dimensions the attribute is related to (series-level attributes)
    dimensions: tuple[str, ...] = ()
    text_type: str | None = None


@dataclass(frozen=True, kw_only=True)
class DataStructure:
    ref: Ref
    name: str
    dimensions: tuple[Dimension, ...]
    time_dimension: str
    attributes: tuple[Attribute, ...]
    primary_measure: str = "OBS_VALUE"
    #: concept of each component (dimensions, time, attributes, measure): id -> (scheme, concept id)
    concepts: dict[str, tuple[Ref, str]] = field(default_factory=dict)

    @property
    def dimension_ids(self) -> list[str]:
        """Dimension ids in key order, without the time dimension."""
        return [d.id for d in self.dimensions]

    @property
    def attribute_ids(self) -> list[str]:
        return [a.id for a in self.attributes]

    def attributes_at(self, level: Attachment) -> list[Attribute]:
        return [a for a in self.attributes if a.attachment == level]

    def component(self, cid: str) -> Dimension | Attribute:
        for c in (*self.dimensions, *self.attributes):
            if c.id == cid:
                return c
        raise KeyError(cid)


@dataclass(frozen=True, kw_only=True)
class Dataflow:
    ref: Ref
    name: str
    structure: Ref


@dataclass(frozen=True, kw_only=True)
class ContentConstraint:
    """An allowed content constraint: per component, the codes a dataflow may use."""

    ref: Ref
    name: str
    attached_to: Ref
    include: dict[str, frozenset[str]] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class Flow:
    """Everything needed to handle data of one dataflow: its DSD, codelists and constraints."""

    dataflow: Dataflow
    dsd: DataStructure
    codelists: dict[str, Codelist]  # component id -> codelist
    constraints: tuple[ContentConstraint, ...] = ()
    #: component id -> name of its concept (for labels=both headers); components without one are absent
    names: dict[str, str] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return self.dataflow.ref.id

    def allowed(self, component_id: str) -> frozenset[str] | None:
        """Codes allowed for a component by the codelist and every constraint; None if free text."""
        cl = self.codelists.get(component_id)
        if cl is None:
            return None
        codes = frozenset(cl.codes)
        for c in self.constraints:
            if component_id in c.include:
                codes &= c.include[component_id]
        return codes
