"""No SQL is built from strings: every `text(...)`, `literal_column(...)` and `.execute(...)` in the
service's source takes a fixed statement, with values passed as bound parameters. The source is
read with `ast`, so a statement built by an f-string, % formatting, .format(), a join or +
concatenation is found wherever it is written, directly or through a variable."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.support.paths import ROOT

PACKAGES = ("grants", "workflows", "notifications")

# Functions whose first argument is SQL, called by name or as an attribute (sa.text, conn.execute).
SQL_FUNCTIONS = frozenset({"text", "literal_column"})
SQL_METHODS = frozenset({"execute", "executemany", "exec_driver_sql", "executescript"})

# Findings allowed, as "path:line". None is: a statement that needs a value takes it as a bound
# parameter, and an identifier that needs quoting goes through SQLAlchemy's constructs.
ALLOWED: frozenset[str] = frozenset()


def _sql_argument(call: ast.Call) -> ast.expr | None:
    """The SQL argument of a call that takes one: the first positional, or `statement=`."""
    func = call.func
    if isinstance(func, ast.Name):
        name = func.id
        takes_sql = name in SQL_FUNCTIONS
    elif isinstance(func, ast.Attribute):
        name = func.attr
        takes_sql = name in SQL_FUNCTIONS or name in SQL_METHODS
    else:
        return None
    if not takes_sql:
        return None
    if call.args:
        return call.args[0]
    return next((k.value for k in call.keywords if k.arg in ("statement", "text", "sql")), None)


class _Scope:
    """The names in one function (or the module) that are bound to a string built at run time."""

    def __init__(self, node: ast.AST) -> None:
        self.built: set[str] = set()
        for child in _own_nodes(node):
            if isinstance(child, ast.AugAssign) and isinstance(child.target, ast.Name):
                if isinstance(child.op, ast.Add | ast.Mod):
                    self.built.add(child.target.id)
            elif isinstance(child, ast.Assign | ast.AnnAssign) and child.value is not None:
                targets = child.targets if isinstance(child, ast.Assign) else [child.target]
                if self.is_built(child.value):
                    self.built.update(t.id for t in targets if isinstance(t, ast.Name))

    def is_built(self, node: ast.expr) -> bool:
        """Whether the expression makes a string at run time from parts."""
        if isinstance(node, ast.JoinedStr):
            return any(isinstance(part, ast.FormattedValue) for part in node.values)
        if isinstance(node, ast.BinOp):
            return isinstance(node.op, ast.Add | ast.Mod)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            return node.func.attr in ("format", "format_map", "join")
        if isinstance(node, ast.IfExp):
            return self.is_built(node.body) or self.is_built(node.orelse)
        if isinstance(node, ast.Name):
            return node.id in self.built
        return False


def _own_nodes(node: ast.AST) -> list[ast.AST]:
    """The nodes of a function or module, without those of the functions defined inside it."""
    found: list[ast.AST] = []
    pending = list(ast.iter_child_nodes(node))
    while pending:
        child = pending.pop()
        found.append(child)
        if not isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
            pending.extend(ast.iter_child_nodes(child))
    return found


def built_sql(source: str, filename: str = "<source>") -> list[str]:
    """Each call in the source whose SQL is built from strings, as "file:line: code"."""
    tree = ast.parse(source, filename)
    scopes = [tree, *(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef))]
    findings = []
    for scope_node in scopes:
        scope = _Scope(scope_node)
        for node in _own_nodes(scope_node):
            if not isinstance(node, ast.Call):
                continue
            argument = _sql_argument(node)
            if argument is not None and scope.is_built(argument):
                findings.append(f"{filename}:{node.lineno}: {ast.unparse(node)[:120]}")
    return sorted(findings)


def _source_files() -> list[Path]:
    return sorted(path for package in PACKAGES for path in (ROOT / package).rglob("*.py"))


def test_the_scan_reads_the_service_source() -> None:
    files = _source_files()
    assert len(files) > 50
    # The scan sees the statements the service does write with text(), bound parameters and all.
    locks = (ROOT / "notifications" / "locks.py").read_text()
    assert "text(" in locks and built_sql(locks) == []


def test_no_sql_statement_is_built_from_strings() -> None:
    findings = []
    for path in _source_files():
        relative = path.relative_to(ROOT).as_posix()
        findings += [
            f for f in built_sql(path.read_text(encoding="utf-8"), relative) if f.split(": ")[0] not in ALLOWED
        ]
    assert findings == [], "SQL built from strings (pass values as bound parameters):\n" + "\n".join(findings)


BUILT = [
    "db.session.execute(text(f\"SELECT * FROM users WHERE email = '{email}'\"))",
    'db.session.execute(sqlalchemy.text("SELECT * FROM users WHERE id = %s" % user_id))',
    "db.session.execute(sa.text(\"SELECT * FROM users WHERE name = '{}'\".format(name)))",
    'db.session.execute(text("SELECT * FROM users WHERE name = \'" + name + "\'"))',
    'connection.execute(f"DELETE FROM users WHERE id = {user_id}")',
    "cursor.execute(\"UPDATE users SET name = '%s'\" % name)",
    'connection.exec_driver_sql("SELECT " + column + " FROM users")',
    "query.where(literal_column(f\"status = '{status}'\"))",
    'db.session.execute(statement=text(" AND ".join(clauses)))',
    "def find(name):\n    sql = f\"SELECT * FROM users WHERE name = '{name}'\"\n"
    "    return db.session.execute(text(sql))",
    'def find(name):\n    sql = "SELECT * FROM users WHERE 1 = 1"\n    sql += " AND name = \'" + name + "\'"\n'
    "    return connection.execute(text(sql))",
    'text(f"SELECT {column} FROM users" if column else "SELECT 1")',
]


@pytest.mark.parametrize("code", BUILT)
def test_a_statement_built_from_strings_is_found(code: str) -> None:
    assert len(built_sql(code)) == 1


BOUND = [
    'db.session.execute(text("SELECT * FROM users WHERE email = :email"), {"email": email})',
    "db.session.execute(select(User).where(User.name == name))",
    'session.execute(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": key})',
    'text(f"SELECT 1")',
    "literal_column(str(PROGRAMME_KEY))",
    'def find(name):\n    sql = text("SELECT * FROM users WHERE name = :name")\n'
    '    return db.session.execute(sql, {"name": name})',
    'label = f"Hello {name}"\nflash(label)',
    'message = "Dear " + name\nsend(message)',
]


@pytest.mark.parametrize("code", BOUND)
def test_a_fixed_statement_with_bound_values_passes(code: str) -> None:
    assert built_sql(code) == []
