"""Every record with a lifecycle changes status only through the one door (workflows/lifecycle.py).

The source is read with `ast`: no module assigns a `.status` (directly, in a tuple, with
`setattr`) or writes `status=` in an `update(...)` of such a record, except the door itself. The
few status columns that are not lifecycles of the programme's records (an email's delivery, a
reminder's sending, the scale dataset's records before they are written) are listed by hand. And
each lifecycle's table speaks of its own record's statuses, on a record that has a version."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from sqlalchemy import inspect

from grants.models import Application, ApplicationPartner, Engagement, Introduction, MatchRun, OutcomeReport
from workflows.applications import APPLICATION, PARTNER
from workflows.engagements import ENGAGEMENT, MATCH_RUN
from workflows.introductions import INTRODUCTION
from workflows.lifecycle import Lifecycle
from workflows.outcomes import REPORT

ROOT = Path(__file__).resolve().parents[3]
SOURCES = ("grants", "workflows", "notifications", "devdata", "bench", "wsgi.py", "celery_worker.py")
THE_DOOR = "workflows/lifecycle.py"

LIFECYCLES: dict[type, Lifecycle] = {  # type: ignore[type-arg]
    Application: APPLICATION,
    ApplicationPartner: PARTNER,
    Introduction: INTRODUCTION,
    Engagement: ENGAGEMENT,
    OutcomeReport: REPORT,
    MatchRun: MATCH_RUN,
}
RECORDS = frozenset(model.__name__ for model in LIFECYCLES)

# Status writes that are not a lifecycle's, as "path: the expression written to".
NOT_A_LIFECYCLE = frozenset(
    {
        # The outbox claims, settles and sends again its emails with guarded UPDATEs of its own.
        "notifications/outbox.py: email.status",
        # A reminder's sending and escalation, under the sweep's row lock.
        "notifications/reminders.py: reminder.status",
        # The scale dataset's generator plays each life through MOVES in memory, on plain Python
        # records (an application, an engagement, a report), before writing the rows with COPY.
        "devdata/national/life.py: a.status",
        "devdata/national/delivery.py: e.status",
        "devdata/national/delivery.py: r.status",
    }
)


def _python_files() -> list[Path]:
    found: list[Path] = []
    for source in SOURCES:
        path = ROOT / source
        found += [path] if path.is_file() else sorted(path.rglob("*.py"))
    return found


def _status_writes(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, the expression) of every `x.status = …`, `x.status += …`, `a, x.status = …` and
    `setattr(x, "status", …)` in the tree."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = list(node.targets)
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "setattr"
            and len(node.args) >= 2
            and isinstance(node.args[1], ast.Constant)
            and node.args[1].value == "status"
        ):
            found.append((node.lineno, f"setattr({ast.unparse(node.args[0])}, 'status')"))
        while targets:
            target = targets.pop()
            if isinstance(target, ast.Tuple | ast.List):
                targets += target.elts
            elif isinstance(target, ast.Attribute) and target.attr == "status":
                found.append((node.lineno, ast.unparse(target)))
    return found


def _bulk_status_updates(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, the record) of every `update(Record)…values(status=…)` of a record with a lifecycle."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "values"):
            continue
        if not any(k.arg == "status" or k.arg is None for k in node.keywords) and not node.args:
            continue
        chain: ast.expr = node.func.value
        while isinstance(chain, ast.Call | ast.Attribute):
            if (
                isinstance(chain, ast.Call)
                and isinstance(chain.func, ast.Name)
                and chain.func.id == "update"
                and chain.args
                and isinstance(chain.args[0], ast.Name)
                and chain.args[0].id in RECORDS
            ):
                found.append((node.lineno, chain.args[0].id))
                break
            chain = chain.func if isinstance(chain, ast.Call) else chain.value
    return found


def test_the_finders_find_every_way_of_writing_a_status() -> None:
    tree = ast.parse(
        "engagement.status = 'accepted'\n"
        "run.status, run.error = 'failed', 'x'\n"
        "report.status: str = 'verified'\n"
        "setattr(partner, 'status', 'confirmed')\n"
        "db.session.execute(update(Engagement).where(Engagement.id == 1).values(status='expired'))\n"
        "db.session.execute(update(Award).values(paid_pence=1))\n"
        "engagement.statuses = []\n"
    )
    assert sorted(_status_writes(tree)) == [
        (1, "engagement.status"),
        (2, "run.status"),
        (3, "report.status"),
        (4, "setattr(partner, 'status')"),
    ]
    assert _bulk_status_updates(tree) == [(5, "Engagement")]


def test_nothing_but_the_door_writes_a_status() -> None:
    offending = []
    for path in _python_files():
        name = path.relative_to(ROOT).as_posix()
        if name == THE_DOOR:
            continue
        tree = ast.parse(path.read_text(), name)
        offending += [
            f"{name}:{line} writes {written}"
            for line, written in _status_writes(tree)
            if f"{name}: {written}" not in NOT_A_LIFECYCLE
        ]
        offending += [f"{name}:{line} updates the status of {record}" for line, record in _bulk_status_updates(tree)]
    assert offending == []


def test_the_door_is_where_the_status_is_written() -> None:
    tree = ast.parse((ROOT / THE_DOOR).read_text())
    assert [written for _, written in _status_writes(tree)] == ["record.status"]


@pytest.mark.parametrize("model", list(LIFECYCLES), ids=lambda model: model.__name__)
def test_each_lifecycle_speaks_of_its_records_statuses_and_the_record_has_a_version(model: type) -> None:
    columns = inspect(model).columns
    assert "version" in columns and not columns["version"].nullable
    status_type = columns["status"].type.python_type
    for move in LIFECYCLES[model].moves:
        assert all(isinstance(status, status_type) for status in move.sources), move
        assert move.target is None or isinstance(move.target, status_type), move
