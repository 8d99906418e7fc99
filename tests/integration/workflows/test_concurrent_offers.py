"""Staff offering work at the same moment, on real PostgreSQL with real commits: an expert's last
place goes to exactly one piece of work, and one piece of work is offered to one expert."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from flask import Flask

from grants.extensions import db
from grants.models import (
    Application,
    ApplicationStatus,
    Council,
    CouncilTier,
    Expert,
    ExpertSpecialism,
    Role,
    Specialism,
    User,
    UserRole,
    VettingStatus,
)
from tests.builders.rounds import expert_grant_round
from tests.support.services import SMTP_PORT
from tests.support.workers import sending_app, sql
from workflows import engagements
from workflows.applications import WorkflowError

pytestmark = [
    pytest.mark.timeout(120),
    pytest.mark.commits(
        "engagements",
        "experts",
        "awards",
        "application_events",
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

POOL = {"pool_size": 30, "max_overflow": 0}


def _world(app: Flask, *, applications_count: int, capacity: int) -> tuple[list[int], int, list[int]]:
    """Applications from different councils waiting for an expert, one expert with `capacity`
    places, and three programme officers; committed. Returns their ids."""
    with app.app_context():
        funding_round = expert_grant_round()
        creator = User(email="officer@example.gov.uk", name="Officer", role_links=[UserRole(role=Role.COUNCIL_OFFICER)])
        officers = [
            User(
                email=f"programme{n}@lga.example.gov.uk",
                name=f"Programme officer {n}",
                role_links=[UserRole(role=Role.PROGRAMME_OFFICER)],
            )
            for n in range(3)
        ]
        expert = Expert(
            name="Amira Last-Place",
            email="amira@experts.example.org",
            day_rate_pence=70_000,
            capacity=capacity,
            vetting_status=VettingStatus.VETTED,
            specialism_links=[ExpertSpecialism(specialism=Specialism.COMMERCIALISATION)],
        )
        db.session.add_all([creator, *officers, expert])
        ids = []
        for n in range(applications_count):
            application = Application(
                reference=f"PE-{n:05d}",
                round=funding_round,
                lead_council=Council(gss_code=f"E07{n:06d}", name=f"District {n}", tier=CouncilTier.DISTRICT),
                created_by=creator,
                status=ApplicationStatus.EXPERT_MATCHING,
                version=1,
                title=f"Project {n}",
                answers={"expertise": {"skills": ["commercialisation"]}},
                sections_done=[],
                amount_requested_pence=600_000,
            )
            db.session.add(application)
            db.session.flush()
            ids.append(application.id)
        db.session.commit()
        result = ids, expert.id, [o.id for o in officers]
        db.session.remove()
    return result


def _offer_all_at_once(app: Flask, tries: list[tuple[int, int, int]]) -> tuple[list[int], list[str]]:
    """Each (application, expert, officer) in its own thread and connection, released together.
    Returns the applications offered and the refusals' messages."""
    barrier = threading.Barrier(len(tries))
    offered: list[int] = []
    refused: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def offer(application_id: int, expert_id: int, officer_id: int) -> None:
        try:
            with app.app_context():
                application = db.session.get(Application, application_id)
                officer = db.session.get(User, officer_id)
                assert application is not None and officer is not None
                barrier.wait(timeout=30)
                try:
                    engagements.offer(application, expert_id, actor=officer, today=date.today())
                    db.session.commit()
                    with lock:
                        offered.append(application_id)
                except WorkflowError as refusal:
                    db.session.rollback()
                    with lock:
                        refused.append(str(refusal))
                finally:
                    db.session.remove()
        except BaseException as exc:  # reported in the test's own thread
            errors.append(exc)

    threads = [threading.Thread(target=offer, args=one) for one in tries]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)
    assert not errors, errors
    return offered, refused


def test_two_staff_offering_an_experts_last_place_at_once_exactly_one_succeeds(db_url: str) -> None:
    with sending_app(db_url, None, smtp_port=SMTP_PORT, SQLALCHEMY_ENGINE_OPTIONS=POOL) as app:
        ids, expert_id, officers = _world(app, applications_count=2, capacity=1)
        offered, refused = _offer_all_at_once(app, [(ids[0], expert_id, officers[0]), (ids[1], expert_id, officers[1])])

    assert len(offered) == 1 and len(refused) == 1
    assert "at capacity: 1 of 1 place in use" in refused[0]
    assert sql(db_url, "SELECT application_id FROM engagements WHERE status = 'offered'") == [(offered[0],)]


def test_twenty_offers_at_once_never_exceed_the_experts_places(db_url: str) -> None:
    with sending_app(db_url, None, smtp_port=SMTP_PORT, SQLALCHEMY_ENGINE_OPTIONS=POOL) as app:
        ids, expert_id, officers = _world(app, applications_count=20, capacity=3)
        offered, refused = _offer_all_at_once(app, [(i, expert_id, officers[n % 3]) for n, i in enumerate(ids)])

    assert len(offered) == 3 and len(refused) == 17
    assert sql(db_url, "SELECT count(*) FROM engagements WHERE expert_id = %s AND status = 'offered'", expert_id) == [
        (3,)
    ]
    # Every offer made is recorded once in the audit trail.
    assert sql(db_url, "SELECT count(*) FROM audit_events WHERE action = 'engagement.offered'") == [(3,)]


def test_the_same_work_offered_to_two_experts_at_once_goes_to_one(db_url: str) -> None:
    with sending_app(db_url, None, smtp_port=SMTP_PORT, SQLALCHEMY_ENGINE_OPTIONS=POOL) as app:
        [only], first_expert, officers = _world(app, applications_count=1, capacity=2)
        with app.app_context():
            second = Expert(
                name="Ben Second",
                email="ben@experts.example.org",
                day_rate_pence=70_000,
                capacity=2,
                vetting_status=VettingStatus.VETTED,
            )
            db.session.add(second)
            db.session.commit()
            second_id = second.id
            db.session.remove()
        offered, refused = _offer_all_at_once(
            app, [(only, first_expert, officers[0]), (only, second_id, officers[1]), (only, first_expert, officers[2])]
        )

    assert len(offered) == 1 and len(refused) == 2
    assert all("already been offered" in message for message in refused)
    assert sql(db_url, "SELECT count(*) FROM engagements WHERE application_id = %s", only) == [(1,)]
