"""The map of the house, enforced: which part of ``sdmx_publish`` may import which, no cycle between
them, and the step order declared once. The table is the one in docs/contributing.md.

A *unit* is a subpackage (``transform``) or a top-level module (``pipeline``). Every import of
``sdmx_publish`` is counted, at the top of a module or inside a function.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "sdmx_publish"

#: modules every unit may import: errors, settings and facts that depend on nothing of ours but each other
FOUNDATIONS = {"errors", "config", "formats", "periods", "xmlsafe", "reference", "redact", "frames", "names", "yamlmodel"}

#: unit -> the other units (besides FOUNDATIONS) it may import; lower layers first
ALLOWED: dict[str, set[str]] = {
    **{unit: set() for unit in FOUNDATIONS},
    "structure": set(),
    "metadata": set(),  # reference metadata: the bundled SDG metadata, national notes, their messages
    "write": {"structure"},
    "store": {"structure"},
    "validate": {"structure"},
    "spec": {"validate", "structure"},  # the `validation` block names rules; its codes are checked against codelists
    "survey": {"spec", "validate", "structure"},  # survey microdata: reads, checks, estimates (report: validate's HTML)
    "extract": {"spec", "survey"},
    "transform": {"spec", "extract", "structure", "survey", "validate"},  # the mapping review uses its HTML helpers
    "publish": {"structure", "write", "store"},
    "derive": {"structure", "transform", "validate", "publish", "store"},
    "serve": {"structure", "write", "store", "derive", "metadata"},  # serve/web names the flows derive links (ICCS_FLOW, SDG_FLOW)
    "pipeline": {"spec", "extract", "transform", "validate", "publish", "store", "structure", "survey", "metadata"},
    "orchestrate": {"pipeline", "spec", "transform", "validate", "derive", "structure", "store"},  # a retry reads the manifest
    "cli": {"pipeline", "derive", "serve", "store", "structure", "validate", "orchestrate", "write"},  # `pools`: the DAGs' pools; `preview`: numbers as written
    "__init__": set(),
}


def _unit(path: Path) -> str:
    rel = path.relative_to(PACKAGE)
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


#: every module of the package, parsed once for all the tests here
TREES = {path: ast.parse(path.read_text(encoding="utf-8")) for path in sorted(PACKAGE.rglob("*.py"))}


def _imports(path: Path) -> set[str]:
    """The units of ``sdmx_publish`` that a module imports (absolute or relative)."""
    package = list(path.relative_to(PACKAGE.parent).parts[:-1])
    found: set[str] = set()
    for node in ast.walk(TREES[path]):
        if isinstance(node, ast.ImportFrom):
            parts = (package[: len(package) - node.level + 1] if node.level else []) + (node.module or "").split(".")
            parts = [p for p in parts if p]
            if parts[0] == "sdmx_publish":
                found |= {parts[1]} if len(parts) > 1 else {a.name for a in node.names}
        elif isinstance(node, ast.Import):
            found |= {a.name.split(".")[1] for a in node.names if a.name.startswith("sdmx_publish.")}
    return found


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for path in TREES:
        unit = _unit(path)
        graph.setdefault(unit, set()).update(_imports(path) - {unit})
    return graph


GRAPH = _graph()


def test_every_unit_is_on_the_map():
    missing = sorted(set(GRAPH) - set(ALLOWED))
    assert not missing, (f"{missing} not in the import map: add a row to ALLOWED in tests/test_architecture.py "
                         "and to the table in docs/contributing.md")


@pytest.mark.parametrize("unit", sorted(GRAPH))
def test_imports_follow_the_map(unit):
    forbidden = sorted(GRAPH[unit] - ALLOWED.get(unit, set()) - FOUNDATIONS)
    assert not forbidden, (f"sdmx_publish.{unit} imports {forbidden}, which the map does not allow "
                           "(docs/contributing.md): move the code down a layer, or change the map with a reason")


def test_the_map_in_the_docs_is_this_map():
    """docs/contributing.md's table names, per unit, exactly the imports ALLOWED here."""
    import re

    doc = (PACKAGE.parent / "docs" / "contributing.md").read_text(encoding="utf-8")
    rows = [r.split(" | ") for r in doc.splitlines() if r.startswith("| ") and r.count(" | ") == 2]
    table = {}
    for first, _holds, may in rows:
        units = [u for u in re.findall(r"`(\w+)/?`", first) if u in ALLOWED]
        for u in units:
            table[u] = {m for m in re.findall(r"`(\w+)`", may) if m in ALLOWED}
    assert {u for u, m in table.items() if m == set() and u in FOUNDATIONS} == FOUNDATIONS
    assert {u: m for u, m in table.items() if u not in FOUNDATIONS} == \
        {u: m for u, m in ALLOWED.items() if u not in FOUNDATIONS and u != "__init__"}


def test_foundations_import_only_foundations():
    for unit in FOUNDATIONS:
        assert GRAPH.get(unit, set()) <= FOUNDATIONS, unit


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle between units, or None (depth-first search)."""
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    path: list[str] = []

    def visit(u: str) -> list[str] | None:
        state[u] = 1
        path.append(u)
        for v in sorted(graph.get(u, ())):
            if state.get(v) == 1:
                return [*path[path.index(v):], v]
            if v not in state and (found := visit(v)):
                return found
        path.pop()
        state[u] = 2
        return None

    for u in sorted(graph):
        if u not in state and (found := visit(u)):
            return found
    return None


def test_no_cycle_between_units():
    assert _cycle(GRAPH) is None, " -> ".join(_cycle(GRAPH) or [])


def test_the_cycle_finder_finds_a_cycle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


STEP_NAMES = {"extract", "transform", "validate", "publish"}


def _step_sequences(tree: ast.Module) -> list[tuple[int, list[str]]]:
    """Literal tuples, lists, sets and dict keys naming two or more steps (``__all__`` excepted)."""
    exports = {id(a.value) for a in ast.walk(tree) if isinstance(a, ast.Assign)
               and any(isinstance(t, ast.Name) and t.id == "__all__" for t in a.targets)}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.Tuple, ast.List, ast.Set, ast.Dict)) and id(node) not in exports:
            items = node.keys if isinstance(node, ast.Dict) else node.elts
            names = [e.value for e in items if isinstance(e, ast.Constant) and e.value in STEP_NAMES]
            if len(names) > 1:
                found.append((node.lineno, names))
    return found


def test_the_step_order_is_declared_once():
    """No literal sequence of step names outside the declaration (``names.Step``): not in the package, nor in
    the DAG file or the benchmarks."""
    others = [p for folder in ("dags", "benchmarks") for p in sorted((PACKAGE.parent / folder).rglob("*.py"))]
    trees = {**TREES, **{p: ast.parse(p.read_text(encoding="utf-8")) for p in others}}
    sequences = [f"{path.relative_to(PACKAGE.parent)}:{line} {names}" for path, tree in trees.items()
                 for line, names in _step_sequences(tree)]
    assert not sequences, "step names listed outside names.Step: " + "; ".join(sequences)
    from sdmx_publish.pipeline import STEPS
    assert [str(s) for s in STEPS] == ["extract", "transform", "validate", "publish"]


def test_the_step_check_sees_a_second_declaration():
    assert _step_sequences(ast.parse('STEPS = ("extract", "transform")\n__all__ = ["extract", "validate"]')) == \
        [(1, ["extract", "transform"])]
