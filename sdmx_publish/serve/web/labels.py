"""Names of codes (English, plus Korean where a structure has one) and code trees for filters.

A hierarchical codelist (ICCS, M49 areas) is shown as a tree of the codes that have data, with
the ancestors they need as unselectable group headings; flat codelists keep their own order.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...structure.model import Code, Flow


@dataclass(frozen=True, kw_only=True)
class Label:
    """A code with its names."""

    id: str
    name: str
    #: the Korean name, where the structure gives one
    ko: str | None = None


@dataclass(frozen=True, kw_only=True)
class Option:
    """One line of a filter: a code, its depth in the tree, whether it has data (is selectable)."""

    label: Label
    depth: int
    selectable: bool
    count: int = 0


def korean(code: Code | None) -> str | None:
    """The Korean name of a code, if its structure has one."""
    return code.names.get("ko") if code is not None else None


def label(flow: Flow, component: str, code: str) -> Label:
    """The names of ``code`` of ``component`` (the id itself for free text or an unknown code)."""
    cl = flow.codelists.get(component)
    c = cl.codes.get(code) if cl is not None else None
    if c is None:
        return Label(id=code, name=code)
    return Label(id=code, name=c.name or code, ko=korean(c))


def component_name(flow: Flow, component: str) -> str:
    """The concept name of a component (``Reference area``), else its id."""
    return flow.names.get(component) or component.replace("_", " ").capitalize()


def is_hierarchical(flow: Flow, component: str) -> bool:
    """Whether the component's codelist has parent links (ICCS, areas)."""
    cl = flow.codelists.get(component)
    return cl is not None and any(c.parent for c in cl.codes.values())


def options(flow: Flow, component: str, counts: dict[str, int]) -> list[Option]:
    """The filter lines of a component: the codes with data (``counts``), as a tree if hierarchical."""
    cl = flow.codelists.get(component)
    if cl is None:
        return [Option(label=Label(id=c, name=c), depth=0, selectable=True, count=n) for c, n in sorted(counts.items())]
    order = {c: i for i, c in enumerate(cl.codes)}
    if not is_hierarchical(flow, component):
        known = sorted(counts, key=lambda c: (order.get(c, len(order)), c))
        return [Option(label=label(flow, component, c), depth=0, selectable=True, count=counts[c]) for c in known]
    nodes: set[str] = set()
    for c in counts:
        while c is not None and c not in nodes:
            nodes.add(c)
            parent = cl.codes[c].parent if c in cl.codes else None
            c = parent if parent in cl.codes else None
    children: dict[str | None, list[str]] = {}
    for c in nodes:
        parent = cl.codes[c].parent if c in cl.codes else None
        children.setdefault(parent if parent in nodes else None, []).append(c)
    by_name = component == "REF_AREA"  # areas read best alphabetically; ICCS in its own order
    for kids in children.values():
        kids.sort(key=(lambda c: label(flow, component, c).name) if by_name else (lambda c: order.get(c, len(order))))
    out: list[Option] = []
    stack = [(c, 0) for c in reversed(children.get(None, []))]
    while stack:
        c, depth = stack.pop()
        out.append(Option(label=label(flow, component, c), depth=depth, selectable=c in counts,
                          count=counts.get(c, 0)))
        stack.extend((k, depth + 1) for k in reversed(children.get(c, [])))
    return out


def ancestors(flow: Flow, component: str, code: str) -> list[str]:
    """The parents of ``code``, nearest first (``410`` -> ``30``, ``142``, ``1``)."""
    cl = flow.codelists.get(component)
    out: list[str] = []
    while cl is not None and code in cl.codes and cl.codes[code].parent and len(out) < 20:
        code = cl.codes[code].parent  # type: ignore[assignment]
        out.append(code)
    return out
