"""Approvers clicking at the same moment, on real PostgreSQL with real commits: the round never
commits more than its budget, and one application is never awarded twice."""

from __future__ import annotations

import threading
from collections.abc import Callable

import psycopg
import pytest
from flask import Flask
from sqlalchemy.exc import IntegrityError

from grants.extensions import db
from grants.models import Application, ApplicationStatus, Council, CouncilTier, Role, User, UserRole
from tests.builders.rounds import expert_grant_round
from tests.support.services import SMTP_PORT
from tests.support.workers import sending_app, sql
from workflows import applications

pytestmark = [
    pytest.mark.timeout(120),
    pytest.mark.commits(
        "payments",
        "awards",
        "assessments",
        "application_events",
        "application_partners",
        "applications",
        "scheme_criteria",
        "funding_rounds",
        "schemes",
        "reminders",
        "outbound_emails",
        "notifications",
        "audit_events",
        "user_roles",
        "users",
        "councils",
    ),
]

GRANT = 600_000
# A connection for every approver at once.
POOL = {"pool_size": 30, "max_overflow": 0}


def _world(
    app: Flask, *, applications_count: int, budget_pence: int, approvers_count: int = 3
) -> tuple[int, list[int], list[int]]:
    """A round, `applications_count` applications from different councils awaiting a decision,
    and `approvers_count` approvers; committed. Returns the round id, the application ids, the
    approver ids."""
    with app.app_context():
        funding_round = expert_grant_round(budget_pence=budget_pence)
        creator = User(email="officer@example.gov.uk", name="Officer", role_links=[UserRole(role=Role.COUNCIL_OFFICER)])
        approvers = [
            User(
                email=f"approver{n}@lga.example.gov.uk", name=f"Approver {n}", role_links=[UserRole(role=Role.APPROVER)]
            )
            for n in range(approvers_count)
        ]
        db.session.add_all([creator, *approvers])
        ids = []
        for n in range(applications_count):
            council = Council(gss_code=f"E07{n:06d}", name=f"District {n}", tier=CouncilTier.DISTRICT)
            application = Application(
                reference=f"PE-{n:05d}",
                round=funding_round,
                lead_council=council,
                created_by=creator,
                status=ApplicationStatus.AWAITING_DECISION,
                version=1,
                title=f"Project {n}",
                answers={},
                sections_done=[],
                amount_requested_pence=GRANT,
            )
            db.session.add(application)
            db.session.flush()
            ids.append(application.id)
        db.session.commit()
        result = funding_round.id, ids, [a.id for a in approvers]
        db.session.remove()
    return result


def _approve_all_at_once(
    app: Flask, pairs: list[tuple[int, int]], decide: Callable[[Application, User], object] | None = None
) -> tuple[list[int], list[str]]:
    """Each (application, approver) pair in its own thread, with its own database connection,
    released together; `decide` is the step (approval by default). Returns the ids decided and
    the refusals' messages (a refusal by the database is given as the name of its constraint)."""
    barrier = threading.Barrier(len(pairs))
    approved: list[int] = []
    refused: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def approve(application_id: int, approver_id: int) -> None:
        try:
            with app.app_context():
                application = db.session.get(Application, application_id)
                approver = db.session.get(User, approver_id)
                assert application is not None and approver is not None
                barrier.wait(timeout=30)
                try:
                    if decide is None:
                        applications.approve(application, actor=approver, expected_version=None)
                    else:
                        decide(application, approver)
                    db.session.commit()
                    with lock:
                        approved.append(application_id)
                except applications.WorkflowError as refusal:
                    db.session.rollback()
                    with lock:
                        refused.append(str(refusal))
                except IntegrityError as refusal:
                    db.session.rollback()
                    with lock:
                        refused.append(getattr(refusal.orig.diag, "constraint_name", None) or str(refusal.orig))
                finally:
                    db.session.remove()
        except BaseException as exc:  # reported in the test's own thread
            errors.append(exc)

    threads = [threading.Thread(target=approve, args=pair) for pair in pairs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)
    assert not errors, errors
    return approved, refused


def test_24_approvals_at_once_never_commit_more_than_the_budget(db_url: str) -> None:
    budget = 10 * GRANT + GRANT // 2  # room for ten grants and a half
    with sending_app(db_url, None, smtp_port=SMTP_PORT, SQLALCHEMY_ENGINE_OPTIONS=POOL) as app:
        round_id, ids, approvers = _world(app, applications_count=24, budget_pence=budget)
        approved, refused = _approve_all_at_once(app, [(i, approvers[n % 3]) for n, i in enumerate(ids)])

    assert len(approved) == 10 and len(refused) == 14
    assert all("Nothing has been committed" in message for message in refused)
    [(committed, budget_after)] = sql(
        db_url, "SELECT committed_pence, budget_pence FROM funding_rounds WHERE id = %s", round_id
    )
    assert committed == 10 * GRANT <= budget_after
    assert sql(db_url, "SELECT count(*), sum(amount_pence) FROM awards") == [(10, 10 * GRANT)]
    offered = sql(db_url, "SELECT id FROM applications WHERE status = 'offered' ORDER BY id")
    assert sorted(approved) == [row[0] for row in offered]
    assert sql(db_url, "SELECT count(*) FROM applications WHERE status = 'awaiting_decision'") == [(14,)]


def test_two_approvers_approving_the_same_application_at_once_award_it_once(db_url: str) -> None:
    with sending_app(db_url, None, smtp_port=SMTP_PORT, SQLALCHEMY_ENGINE_OPTIONS=POOL) as app:
        round_id, [only], approvers = _world(app, applications_count=1, budget_pence=100 * GRANT)
        approved, refused = _approve_all_at_once(
            app, [(only, approvers[0]), (only, approvers[1]), (only, approvers[2])]
        )

    assert approved == [only] and len(refused) == 2
    assert all("offered cannot be approved" in message for message in refused)
    assert sql(db_url, "SELECT committed_pence FROM funding_rounds WHERE id = %s", round_id) == [(GRANT,)]
    assert sql(db_url, "SELECT count(*) FROM awards") == [(1,)]


def _decisions(db_url: str, application_id: int) -> dict[str, object]:
    """What the database holds about the application's decision."""
    return {
        "status": sql(db_url, "SELECT status FROM applications WHERE id = %s", application_id)[0][0],
        "awards": sql(db_url, "SELECT count(*) FROM awards WHERE application_id = %s", application_id)[0][0],
        "moves": sql(
            db_url,
            "SELECT action, count(*) FROM application_events WHERE application_id = %s AND to_status IS NOT NULL "
            "AND action IN ('approve', 'reject') GROUP BY action",
            application_id,
        ),
        "audit": sql(
            db_url,
            "SELECT action, count(*) FROM audit_events WHERE subject_type = 'application' AND subject_id = %s "
            "AND action IN ('application.approve', 'application.reject') GROUP BY action",
            application_id,
        ),
    }


def test_30_approvers_approving_one_application_at_once_record_one_approval_and_one_audit_event(
    db_url: str,
) -> None:
    with sending_app(db_url, None, smtp_port=SMTP_PORT, SQLALCHEMY_ENGINE_OPTIONS=POOL) as app:
        round_id, [only], approvers = _world(app, applications_count=1, budget_pence=100 * GRANT, approvers_count=30)
        approved, refused = _approve_all_at_once(app, [(only, approver) for approver in approvers])

    assert approved == [only] and len(refused) == 29
    assert all("offered cannot be approved" in message for message in refused)
    assert _decisions(db_url, only) == {
        "status": "offered",
        "awards": 1,
        "moves": [("approve", 1)],
        "audit": [("application.approve", 1)],
    }
    assert sql(db_url, "SELECT committed_pence FROM funding_rounds WHERE id = %s", round_id) == [(GRANT,)]


@pytest.fixture
def without_the_row_lock(monkeypatch: pytest.MonkeyPatch) -> None:
    """The application's row lock taken away, so only the database's own guards stand between
    decisions taken at once."""
    monkeypatch.setattr(applications.APPLICATION, "lock", lambda application: None)


@pytest.mark.usefixtures("without_the_row_lock")
def test_without_the_row_lock_the_database_still_records_one_approval(db_url: str) -> None:
    with sending_app(db_url, None, smtp_port=SMTP_PORT, SQLALCHEMY_ENGINE_OPTIONS=POOL) as app:
        round_id, [only], approvers = _world(app, applications_count=1, budget_pence=100 * GRANT, approvers_count=30)
        approved, refused = _approve_all_at_once(app, [(only, approver) for approver in approvers])

    assert approved == [only] and len(refused) == 29
    assert _decisions(db_url, only) == {
        "status": "offered",
        "awards": 1,
        "moves": [("approve", 1)],
        "audit": [("application.approve", 1)],
    }
    # The refused approvals' money went back with their transactions.
    assert sql(db_url, "SELECT committed_pence FROM funding_rounds WHERE id = %s", round_id) == [(GRANT,)]


@pytest.mark.usefixtures("without_the_row_lock")
def test_without_the_row_lock_the_database_still_records_one_rejection(db_url: str) -> None:
    """A rejection makes no award, so only the one-move-per-version index can refuse the others."""

    def reject(application: Application, approver: User) -> None:
        applications.reject(application, actor=approver, reason="Not value for money", expected_version=None)

    with sending_app(db_url, None, smtp_port=SMTP_PORT, SQLALCHEMY_ENGINE_OPTIONS=POOL) as app:
        _, [only], approvers = _world(app, applications_count=1, budget_pence=100 * GRANT, approvers_count=30)
        decided, refused = _approve_all_at_once(app, [(only, approver) for approver in approvers], decide=reject)

    assert decided == [only] and len(refused) == 29
    assert set(refused) <= {"uq_application_events_one_move_per_version", "offered cannot be approved"}
    assert "uq_application_events_one_move_per_version" in refused
    assert _decisions(db_url, only) == {
        "status": "rejected",
        "awards": 0,
        "moves": [("reject", 1)],
        "audit": [("application.reject", 1)],
    }


def test_the_database_refuses_money_beyond_the_budget_or_the_award_whatever_the_code(db_url: str) -> None:
    with sending_app(db_url, None, smtp_port=SMTP_PORT) as app:
        round_id, [only], approvers = _world(app, applications_count=1, budget_pence=2 * GRANT)
        assert _approve_all_at_once(app, [(only, approvers[0])]) == ([only], [])
    with pytest.raises(psycopg.errors.CheckViolation, match="committed_within_budget"):
        sql(db_url, "UPDATE funding_rounds SET committed_pence = budget_pence + 1 WHERE id = %s", round_id)
    with pytest.raises(psycopg.errors.CheckViolation, match="paid_within_amount"):
        sql(db_url, "UPDATE awards SET paid_pence = amount_pence + 1 WHERE application_id = %s", only)
    with pytest.raises(psycopg.errors.UniqueViolation, match="uq_awards_application_id"):
        sql(
            db_url,
            "INSERT INTO awards (application_id, round_id, amount_pence, match_pence, paid_pence, approved_by_id, "
            "conditions, approved_at) SELECT application_id, round_id, amount_pence, match_pence, 0, approved_by_id, "
            "conditions, approved_at FROM awards WHERE application_id = %s",
            only,
        )
    assert sql(db_url, "SELECT committed_pence FROM funding_rounds WHERE id = %s", round_id) == [(GRANT,)]
    assert sql(db_url, "SELECT count(*), sum(paid_pence) FROM awards") == [(1, 0)]
