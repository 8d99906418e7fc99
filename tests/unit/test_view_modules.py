"""Reads live in one place per feature: in the web layer only a `queries.py` (a feature's, or
grants/queries.py for the reads several features share) builds or runs a query. A view, a form, an
API module or a command asks a query function, which scopes what it returns to the person where
records belong to a council, so that another council's record stays a 404.

The source is read with `ast`: a module that calls `select(...)`, `db.select`, `db.paginate`,
`db.get_or_404`, `db.session.execute/scalar/scalars/get/query`, refines a query (`.where`,
`.options`, `.order_by`, ...), reads `Model.query`, or imports SQLAlchemy's query-building names is
reported with the line."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "grants"

# Modules that may build or run a query although they are not a queries.py, each with the reason.
ALLOWED: dict[str, str] = {
    # The records themselves (the models package) define what queries are made of.
    "grants/models": "the records",
}

# Calls that build a statement, by their own name or as an attribute (sqlalchemy.select, db.select).
BUILDERS = frozenset({"select", "insert", "update", "delete", "text", "union", "union_all", "exists"})
# What the Flask-SQLAlchemy object runs itself.
DB_RUNNERS = frozenset({"select", "paginate", "get_or_404", "first_or_404", "one_or_404"})
# What a session runs.
SESSION_RUNNERS = frozenset({"execute", "scalar", "scalars", "get", "query", "merge", "get_one"})
# Methods that refine a statement (none of them is a method of anything else the web layer uses,
# but for the rate limiter's `limit`).
REFINERS = frozenset(
    {
        "where",
        "filter",
        "filter_by",
        "options",
        "order_by",
        "group_by",
        "having",
        "outerjoin",
        "with_only_columns",
        "execution_options",
        "returning",
        "limit",
        "offset",
        "select_from",
    }
)
# Importing these from SQLAlchemy is a sign of a query built by hand.
QUERY_NAMES = frozenset(
    {
        *BUILDERS,
        "func",
        "and_",
        "or_",
        "not_",
        "case",
        "literal_column",
        "joinedload",
        "selectinload",
        "subqueryload",
        "contains_eager",
        "defer",
        "undefer",
        "load_only",
        "aliased",
    }
)


def _dotted(node: ast.expr) -> str:
    """`db.session.scalars` for the expression db.session.scalars; "" for anything else."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return ""


def query_building(source: str, filename: str = "<source>") -> list[str]:
    """Each place in the source that builds or runs a query, as "file:line: what"."""
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "sqlalchemy":
            names = sorted({alias.name for alias in node.names} & QUERY_NAMES)
            found += [f"{filename}:{node.lineno}: imports {name} from {node.module}" for name in names]
        elif (
            isinstance(node, ast.Attribute)
            and node.attr == "query"
            and isinstance(node.value, ast.Name)
            and node.value.id[:1].isupper()
        ):
            found.append(f"{filename}:{node.lineno}: {_dotted(node)}")  # Model.query
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id in BUILDERS:
            found.append(f"{filename}:{node.lineno}: {func.id}(...)")
        elif isinstance(func, ast.Attribute):
            name = _dotted(func)
            receiver = name.rsplit(".", 1)[0] if name else ""
            if (
                (receiver == "db" and func.attr in DB_RUNNERS)
                or ((receiver == "db.session" or receiver.endswith(".session")) and func.attr in SESSION_RUNNERS)
                or (receiver in {"sa", "sqlalchemy"} and func.attr in BUILDERS)
                or (func.attr in REFINERS and receiver != "limiter")
            ):
                found.append(f"{filename}:{node.lineno}: {ast.unparse(func)}(...)")
    return sorted(found)


def _checked(path: Path) -> bool:
    relative = path.relative_to(ROOT).as_posix()
    if path.name == "queries.py":
        return False
    return not any(relative == allowed or relative.startswith(allowed + "/") for allowed in ALLOWED)


def test_the_scan_reads_the_web_layer() -> None:
    checked = [path for path in WEB.rglob("*.py") if _checked(path)]
    assert len(checked) > 60
    assert query_building((WEB / "review" / "queries.py").read_text()) != []


def test_no_web_module_but_a_queries_module_builds_a_query() -> None:
    found = []
    for path in sorted(WEB.rglob("*.py")):
        if _checked(path):
            found += query_building(path.read_text(encoding="utf-8"), path.relative_to(ROOT).as_posix())
    assert found == [], "Queries built outside a queries.py (move them to the feature's queries.py):\n" + "\n".join(
        found
    )


BUILT = [
    "db.session.scalars(select(User).where(User.id == 1))",
    "app.session.scalar(statement)",
    "db.session.execute(text('SELECT 1'))",
    "db.paginate(query, per_page=25)",
    "db.get_or_404(Expert, 1)",
    "db.session.get(User, 1)",
    "found = db.select(Council)",
    "query.where(Engagement.status == status)",
    "rows.options(selectinload(Application.partners))",
    "from sqlalchemy import func",
    "from sqlalchemy.orm import joinedload",
    "User.query.all()",
    "sa.update(User)",
]


@pytest.mark.parametrize("code", BUILT)
def test_a_query_built_by_hand_is_found(code: str) -> None:
    assert len(query_building(code)) >= 1


NOT_QUERIES = [
    "queries.list_rounds()",
    'flash("Saved", "success")',
    "db.session.commit()",
    "db.session.rollback()",
    'values.update({"a": 1})',
    "from sqlalchemy.exc import DBAPIError",
    '", ".join(names)',
    'form._fields.get("name")',
    "counts.get(status, 0)",
    "session.get(LAST_ACTIVE)",
    '@limiter.limit("10 per hour")\ndef view():\n    pass',
    "operation.query",
]


@pytest.mark.parametrize("code", NOT_QUERIES)
def test_what_is_not_a_query_passes(code: str) -> None:
    assert query_building(code) == []
