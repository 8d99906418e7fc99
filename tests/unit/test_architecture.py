"""The shape of the code: no import cycles, and a domain free of the request.

The layers themselves are import-linter's contracts in pyproject.toml (`make lint`); these checks
cover what a contract cannot say."""

from __future__ import annotations

import ast
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("grants", "workflows", "notifications", "devdata")

# What ties code to a web request: the domain and notifications may use the app's settings and
# templates (for emails), never the request, the session or a response.
REQUEST_BOUND = {
    "Blueprint",
    "Response",
    "abort",
    "flash",
    "g",
    "make_response",
    "redirect",
    "request",
    "send_file",
    "session",
    "stream_with_context",
    "url_for",
}


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Every set of modules that import each other in a ring (Tarjan's strongly connected
    components), however long the ring."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0

    for start in sorted(graph.modules):
        if start in index:
            continue
        # An explicit stack of (module, its imports still to visit), so depth never hits the
        # recursion limit.
        work = [(start, iter(sorted(graph.find_modules_directly_imported_by(start))))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            module, imports = work[-1]
            pushed = False
            for imported in imports:
                if imported not in index:
                    index[imported] = low[imported] = counter
                    counter += 1
                    stack.append(imported)
                    on_stack.add(imported)
                    work.append((imported, iter(sorted(graph.find_modules_directly_imported_by(imported)))))
                    pushed = True
                    break
                if imported in on_stack:
                    low[module] = min(low[module], index[imported])
            if pushed:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[module])
            if low[module] == index[module]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == module:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_the_cycle_finder_finds_a_ring_of_three() -> None:
    graph = grimp.ImportGraph()
    for module in ("a", "a.one", "a.two", "a.three", "a.four"):
        graph.add_module(module)
    graph.add_import(importer="a.one", imported="a.two")
    graph.add_import(importer="a.two", imported="a.three")
    graph.add_import(importer="a.three", imported="a.one")
    graph.add_import(importer="a.four", imported="a.one")
    assert _cycles(graph) == [["a.one", "a.three", "a.two"]]


def test_no_module_is_part_of_an_import_cycle() -> None:
    graph = grimp.build_graph(*PACKAGES)
    assert _cycles(graph) == []


def _python_files(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("package", ["workflows", "notifications", "grants/models"])
def test_the_domain_never_reaches_for_the_request(package: str) -> None:
    offending = []
    for path in _python_files(package):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ImportFrom) and node.module == "flask":
                names = {alias.name for alias in node.names} & REQUEST_BOUND
                offending += [f"{path.relative_to(ROOT)}:{node.lineno} imports {name}" for name in sorted(names)]
            if isinstance(node, ast.Import | ast.ImportFrom):
                modules = [alias.name for alias in node.names] if isinstance(node, ast.Import) else [node.module or ""]
                offending += [
                    f"{path.relative_to(ROOT)}:{node.lineno} imports {module}"
                    for module in modules
                    if module.split(".")[0] in {"flask_login", "flask_wtf", "wtforms"}
                ]
    assert offending == []
