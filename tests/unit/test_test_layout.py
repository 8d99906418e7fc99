"""How the tests are laid out: data comes from tests/builders and other helpers from tests/support,
so no module imports a test module or a conftest (pytest loads conftests itself), and a conftest
defines fixtures and hooks, with private helpers of its own at most. The files are read with
`ast`, not imported."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.support.paths import TESTS

FILES = sorted(TESTS.rglob("*.py"))


def _is_forbidden(module: str) -> bool:
    last = module.rsplit(".", 1)[-1]
    return last == "conftest" or last.startswith("test_")


def forbidden_imports(source: str) -> list[str]:
    """The test modules and conftests that the source imports, however it names them."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names if _is_forbidden(alias.name)]
        elif isinstance(node, ast.ImportFrom):
            module = ("." * node.level) + (node.module or "")
            if node.module and _is_forbidden(node.module):
                found.append(module)
            # `from tests.integration import test_x` imports a module too.
            found += [f"{module}.{alias.name}" for alias in node.names if _is_forbidden(alias.name)]
    return found


def _is_fixture(decorator: ast.expr) -> bool:
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    return (isinstance(target, ast.Attribute) and target.attr == "fixture") or (
        isinstance(target, ast.Name) and target.id == "fixture"
    )


def not_fixtures(source: str) -> list[str]:
    """What a conftest defines at its top level besides fixtures, pytest's hooks and private
    helpers: a class or a public function is a helper that belongs in tests/support or
    tests/builders."""
    found = []
    for node in ast.parse(source).body:
        if isinstance(node, ast.ClassDef):
            found.append(node.name)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            if node.name.startswith(("pytest_", "_")) or any(_is_fixture(d) for d in node.decorator_list):
                continue
            found.append(node.name)
    return found


def test_the_tests_are_found() -> None:
    names = {path.name for path in FILES}
    assert {"conftest.py", "test_test_layout.py"} <= names
    assert (TESTS / "builders").is_dir() and (TESTS / "support").is_dir()


@pytest.mark.parametrize("path", FILES, ids=lambda path: str(path.relative_to(TESTS)))
def test_no_module_imports_a_test_module_or_a_conftest(path: Path) -> None:
    assert forbidden_imports(path.read_text()) == []


@pytest.mark.parametrize(
    "path",
    [path for path in FILES if path.name == "conftest.py"],
    ids=lambda path: str(path.relative_to(TESTS)),
)
def test_a_conftest_defines_only_fixtures(path: Path) -> None:
    assert not_fixtures(path.read_text()) == []


@pytest.mark.parametrize(
    "folder",
    sorted({path.parent for path in FILES if path.name.startswith("test_")}),
    ids=lambda folder: str(folder.relative_to(TESTS)),
)
def test_every_folder_of_tests_is_a_package(folder: Path) -> None:
    """Test modules are imported by their package's name, so two folders may both have, say, a
    test_views.py; a folder without __init__.py would be imported by its file name alone."""
    for parent in [folder, *folder.parents]:
        if parent == TESTS.parent:
            break
        assert (parent / "__init__.py").is_file(), f"{parent.relative_to(TESTS.parent)} has no __init__.py"


@pytest.mark.parametrize(
    ("source", "found"),
    [
        ("from tests.integration.test_board_report import current", ["tests.integration.test_board_report"]),
        ("from tests.integration import test_board_report as board", ["tests.integration.test_board_report"]),
        ("import tests.unit.test_rag", ["tests.unit.test_rag"]),
        ("from tests.integration.conftest import PASSWORD", ["tests.integration.conftest"]),
        ("from .conftest import PASSWORD", [".conftest"]),
        ("from tests import conftest", ["tests.conftest"]),
        ("from tests.builders.people import PASSWORD", []),
        ("from tests.support.client import sign_in, signed_in", []),
        ("from grants.models import testing_mode", []),
    ],
)
def test_the_rule_sees_every_way_of_importing(source: str, found: list[str]) -> None:
    assert forbidden_imports(source) == found


def test_the_rule_sees_helpers_in_a_conftest() -> None:
    source = (
        "import pytest\n"
        "@pytest.fixture\ndef client(): ...\n"
        "@pytest.fixture(scope='session')\ndef app(): ...\n"
        "def pytest_configure(config): ...\n"
        "def _seed(app): ...\n"
        "def sign_in(client): ...\n"
        "class Mailbox: ...\n"
    )
    assert not_fixtures(source) == ["sign_in", "Mailbox"]
