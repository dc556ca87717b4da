"""The package's shape, checked from its source with ``ast`` (no database, nothing imported).

- No import cycle between modules, nor between packages.
- Every import runs down the floors written in docs/ARCHITECTURE.md (the ``floors`` block
  there is the only copy), or stays inside its own top-level package.
- No module over 400 lines, no function over 60 lines, outside the named exceptions below.
Function-level imports count like any other.
"""
from __future__ import annotations

import ast
import re
from collections import defaultdict
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "gis_service"
DOC = ROOT / "docs" / "ARCHITECTURE.md"
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60
# (path, function) -> why it may be longer. Each entry is checked to still be needed.
LONG_FUNCTIONS = {
    ("gis_service/layerbuild/sources_doc.py", "write"):
        "the layer build's template: the text of layers/SOURCES.md, written out as it reads",
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _is_package(name: str) -> bool:
    return _modules()[name].name == "__init__.py"


def _resolve(module: str, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".") if _is_package(module) else module.split(".")[:-1]
    base = base[: len(base) - node.level + 1]
    return ".".join(base + ([node.module] if node.module else []))


def _targets(module: str, tree: ast.AST) -> set[str]:
    """The package's own modules that ``module`` imports (``from a import b`` names module a.b if it exists)."""
    modules, found = _modules(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            source = _resolve(module, node)
            names = [f"{source}.{a.name}" if f"{source}.{a.name}" in modules else source for a in node.names]
        else:
            continue
        for name in names:
            while name and name not in modules:  # `import a.b.c` of a non-module: its package
                name = name.rpartition(".")[0]
            if name.startswith("gis_service") and name != module:
                found.add(name)
    return found


@cache
def _graph() -> dict[str, set[str]]:
    return {name: _targets(name, ast.parse(path.read_text("utf-8"))) for name, path in _modules().items()}


def _unit(module: str) -> str:
    """The top-level piece a module belongs to: ``gis_service.services.ogc.items`` -> ``services``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "gis_service"


def _package(module: str) -> str:
    """The package a module sits in; top-level modules stand for themselves."""
    if _is_package(module) or module.count(".") == 1:
        return module
    return module.rpartition(".")[0]


@cache
def _floors() -> dict[str, int]:
    """``unit -> floor`` from the fenced ``floors`` block of docs/ARCHITECTURE.md."""
    block = re.search(r"^```floors\n(.*?)^```", DOC.read_text("utf-8"), re.S | re.M)
    assert block, f"{DOC.name} has no ```floors block"
    floors = {}
    for line in block.group(1).splitlines():
        if not line.strip():
            continue
        number, *units = line.split("#")[0].split()
        for unit in units:
            assert unit not in floors, f"{unit} is on two floors"
            floors[unit] = int(number)
    return floors


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one node (Tarjan, iterative)."""
    index, low, on_stack, stack, found, counter = {}, {}, set(), [], [], [0]
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter[0]
        counter[0] += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
            elif child not in index:
                index[child] = low[child] = counter[0]
                counter[0] += 1
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(sorted(graph.get(child, ())))))
            elif child in on_stack:
                low[node] = min(low[node], index[child])
    return found


def test_the_floors_block_places_every_top_level_piece():
    units = {_unit(m) for m in _modules()}
    floors = _floors()
    assert sorted(units - set(floors)) == [], "place these on a floor in docs/ARCHITECTURE.md"


def test_no_import_runs_against_the_floors():
    floors = _floors()
    wrong = sorted(f"{a} -> {b} (floor {floors[_unit(a)]} -> {floors[_unit(b)]})"
                   for a, targets in _graph().items() for b in targets
                   if _unit(a) != _unit(b) and floors[_unit(a)] <= floors[_unit(b)])
    assert wrong == []


def test_no_cycle_between_modules():
    assert _cycles(_graph()) == []


def _nested(a: str, b: str) -> bool:
    return a == b or a.startswith(b + ".") or b.startswith(a + ".")


def test_no_cycle_between_packages():
    # A package and its own sub-packages may use each other (api.app includes api.routers,
    # which use api.deps); between any other two packages an arrow goes one way only.
    packages = defaultdict(set)
    for a, targets in _graph().items():
        packages[_package(a)] |= {_package(b) for b in targets if not _nested(_package(a), _package(b))}
    assert _cycles(dict(packages)) == []


def test_the_checks_see_real_imports():
    # Guards against a vacuous pass: known arrows, a function-level one included.
    graph = _graph()
    assert "gis_service.auth.audit" in graph["gis_service.auth.middleware"]
    assert "gis_service.db.embedded" in graph["gis_service.db.engine"]
    assert "gis_service.loader.load" in graph["gis_service.cli"]  # imported inside a command
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def _lines(path: Path) -> int:
    return len(path.read_text("utf-8").splitlines())


def test_no_module_over_the_limit():
    assert {str(p.relative_to(ROOT)): n for p in PACKAGE.rglob("*.py")
            if (n := _lines(p)) > MAX_MODULE_LINES} == {}


def _long_functions() -> dict[tuple[str, str], int]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = node.end_lineno - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    found[(str(path.relative_to(ROOT)), node.name)] = length
    return found


def test_no_function_over_the_limit():
    long = _long_functions()
    assert {k: v for k, v in long.items() if k not in LONG_FUNCTIONS} == {}


@pytest.mark.parametrize("entry", sorted(LONG_FUNCTIONS), ids="::".join)
def test_every_exception_is_still_needed(entry):
    assert entry in _long_functions(), f"{entry} is within the limit now: remove it from LONG_FUNCTIONS"
