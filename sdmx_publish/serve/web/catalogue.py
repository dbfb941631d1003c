"""The catalogue: every published dataflow, and its data by category (SDG targets, ICCS sections).

Categories come from the structures, not from a list of our own: an SDG series belongs to the
target of the indicator its CL_SERIES name ends with (``... [16.1.1]`` -> target 16.1); an ICCS
code belongs to the section at the root of its CL_ICCS hierarchy.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field

from ...errors import PublishError
from ...structure.model import Flow
from ..snapshot import Holdings
from ..store import Release
from .explore import code_counts
from .labels import Label, ancestors, label

#: the indicators a CL_SERIES name ends with: ``... [10.3.1, 16.b.1]``
_INDICATORS = re.compile(r"\[([0-9]+\.[0-9a-z]+\.[0-9]+(?:,\s*[0-9]+\.[0-9a-z]+\.[0-9]+)*)\]\s*$")


@dataclass(frozen=True, kw_only=True)
class Item:
    """A code with data in a dataflow, and the explorer query that selects it."""

    agency: str
    flow: str
    flow_name: str
    label: Label
    count: int
    query: str


@dataclass(kw_only=True)
class Category:
    id: str
    title: str
    items: list[Item] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(i.count for i in self.items)


@dataclass(frozen=True, kw_only=True)
class Card:
    """One dataflow: names, latest release, size, sources, validation."""

    release: Release
    flow: Flow
    parts: list[str]
    errors: int
    warnings: int
    periods: tuple[str, str] | None
    areas: int


@dataclass(frozen=True, kw_only=True)
class Catalogue:
    cards: list[Card]
    targets: list[Category]
    sections: list[Category]
    problems: list[str]


def indicator_of(name: str) -> str | None:
    """The SDG indicator of a CL_SERIES name (the 16.x one when it serves several)."""
    m = _INDICATORS.search(name)
    if not m:
        return None
    found = [i.strip() for i in m.group(1).split(",")]
    return next((i for i in found if i.startswith("16.")), found[0])


def _target_order(cat: Category) -> list[int]:
    """``16.2`` before ``16.10``; letters (``16.a``) and "other" last."""
    return [int(p) if p.isdigit() else 99 for p in cat.id.split(".")]


_cache: dict[str, Catalogue] = {}
_lock = threading.Lock()


def build(holdings: Holdings) -> Catalogue:
    """The catalogue of the store as it is now (rebuilt when a release appears)."""
    tag = holdings.snapshot().tag
    hit = _cache.get(tag)
    if hit is not None:
        return hit
    with _lock:
        result = _build(holdings)
        _cache.clear()
        _cache[tag] = result
        return result


def _build(holdings: Holdings) -> Catalogue:
    cards: list[Card] = []
    targets: dict[str, Category] = {}
    sections: dict[str, Category] = {}
    problems: list[str] = []
    for agency, flow_id in holdings.store.flows():
        try:
            release = holdings.store.latest(agency, flow_id)
            flow = holdings.flow(release)
            frame = holdings.store.frame(release)
        except PublishError as exc:  # one unreadable dataflow must not hide the others
            problems.append(f"{agency}:{flow_id}: {exc.message()}")
            continue
        m = release.manifest
        time = flow.dsd.time_dimension
        periods = sorted(map(str, frame[time].cat.categories)) if len(frame) else []
        areas = len(code_counts(frame, "REF_AREA")) if "REF_AREA" in frame.columns and len(frame) else 0
        cards.append(Card(release=release, flow=flow, parts=list(m.parts or [m.part or ""]),
                          errors=m.validation.errors if m.validation else 0,
                          warnings=m.validation.warnings if m.validation else 0,
                          periods=(periods[0], periods[-1]) if periods else None, areas=areas))
        if "SERIES" in frame.columns:
            for code, n in code_counts(frame, "SERIES").items():
                lab = label(flow, "SERIES", code)
                ind = indicator_of(lab.name)
                target = ".".join(ind.split(".")[:2]) if ind else "other"
                cat = targets.setdefault(target, Category(id=target, title=f"Target {target}" if ind else "Other series"))
                cat.items.append(Item(agency=agency, flow=flow_id, flow_name=flow.dataflow.name, label=lab, count=n,
                                      query=f"SERIES={code}"))
        if "ICCS" in frame.columns:
            by_section: dict[str, list[tuple[str, int]]] = {}
            for code, n in code_counts(frame, "ICCS").items():
                root = ([code, *ancestors(flow, "ICCS", code)])[-1]
                by_section.setdefault(root, []).append((code, n))
            for root, codes in by_section.items():
                lab = label(flow, "ICCS", root)
                cat = sections.setdefault(root, Category(id=root, title=f"{root} {lab.name}"))
                cat.items.append(Item(agency=agency, flow=flow_id, flow_name=flow.dataflow.name, label=lab,
                                      count=sum(n for _, n in codes),
                                      query="&".join(f"ICCS={c}" for c, _ in sorted(codes))))
    for cat in targets.values():
        cat.items.sort(key=lambda i: (indicator_of(i.label.name) or "", i.label.id))
    return Catalogue(cards=cards, targets=sorted(targets.values(), key=_target_order),
                     sections=sorted(sections.values(), key=lambda c: c.id), problems=problems)
