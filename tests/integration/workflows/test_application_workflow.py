"""An application's life through the domain's operations, on PostgreSQL: every step recorded,
the version checked, the service levels set in working days, money committed once."""

from __future__ import annotations

import re
from datetime import date

import pytest

from grants.extensions import db
from grants.models import (
    ApplicationEvent,
    ApplicationStatus,
    AuditEvent,
    OutboundEmail,
    Reminder,
    ReminderStatus,
    Role,
)
from tests.builders.applications import drafted, scored
from tests.builders.rounds import expert_grant_round
from workflows import applications
from workflows.applications import BudgetExceededError, IllegalMoveError, StaleApplicationError, WorkflowError
from workflows.working_days import add_working_days

S = ApplicationStatus


@pytest.fixture
def funding_round(session):  # type: ignore[no-untyped-def]
    return expert_grant_round()


def test_an_application_goes_from_draft_to_an_accepted_offer(people, councils, funding_round, mailbox):  # type: ignore[no-untyped-def]
    officer = people["officer"]
    application = drafted(funding_round, councils["babergh"], officer)
    assert application.reference == f"PE-{application.id:05d}"
    assert applications.missing_sections(application) == []
    db.session.commit()

    applications.submit(application, actor=officer, expected_version=application.version, today=date.today())
    db.session.commit()  # the eligibility check runs after the commit
    db.session.refresh(application)
    assert application.status is S.SUBMITTED and application.eligibility_passed is True
    assert {r["rule"] for r in application.eligibility_results} == {"round_open", "one_per_council", "amount"}
    assert application.stage_due_on == add_working_days(date.today(), 5)
    assert {m["Subject"] for m in mailbox.to("tom@lga.example.gov.uk")} and mailbox.to("priya@babergh.example.gov.uk")

    applications.confirm_eligibility(application, actor=people["programme"], reason=None, expected_version=None)
    scored(application, people["assessor"], score=4)
    assert application.status is S.IN_ASSESSMENT  # two assessors needed
    scored(application, people["assessor2"], score=5)
    assert application.status is S.AWAITING_DECISION
    assert applications.combined_score_tenths(application) == 900
    db.session.commit()

    award = applications.approve(
        application, actor=people["approver"], conditions="Report at 6 months", expected_version=None
    )
    db.session.commit()
    assert application.status is S.OFFERED and award.amount_pence == 600_000
    assert funding_round.committed_pence == 600_000

    applications.accept_offer(
        application,
        actor=officer,
        signatory_name="Arthur Charvonia",
        signatory_role="Chief Executive",
        expected_version=None,
    )
    db.session.commit()
    assert application.status is S.EXPERT_MATCHING  # the scheme uses experts
    assert award.signatory_name == "Arthur Charvonia" and award.accepted_by_id == officer.id

    timeline = [(e.action, e.from_status, e.to_status) for e in application.events]
    assert [t for t in timeline if t[1] or t[2]] == [
        ("create", None, "draft"),
        ("submit", "draft", "submitted"),
        ("confirm_eligibility", "submitted", "in_assessment"),
        ("complete_assessment", "in_assessment", "awaiting_decision"),
        ("approve", "awaiting_decision", "offered"),
        ("accept_offer", "offered", "expert_matching"),
    ]
    audited = db.session.scalars(
        db.select(AuditEvent.action).where(
            AuditEvent.subject_type == "application", AuditEvent.subject_id == application.id
        )
    ).all()
    assert {"application.submit", "application.approve", "application.accept_offer"} <= set(audited)
    templates = set(db.session.scalars(db.select(OutboundEmail.template)))
    assert {"application_submitted", "application_offered", "offer_accepted"} <= templates


def test_submission_is_refused_until_every_section_is_complete(people, councils, funding_round):  # type: ignore[no-untyped-def]
    application = applications.start_application(
        funding_round, council=councils["babergh"], actor=people["officer"], today=date.today()
    )
    with pytest.raises(WorkflowError, match="Complete every section before you submit: Your project"):
        applications.submit(application, actor=people["officer"], expected_version=None, today=date.today())
    assert application.status is S.DRAFT


def test_an_offer_cannot_be_accepted_before_it_is_made(people, councils, funding_round):  # type: ignore[no-untyped-def]
    application = drafted(funding_round, councils["babergh"], people["officer"])
    applications.submit(application, actor=people["officer"], expected_version=None, today=date.today())
    with pytest.raises(IllegalMoveError):
        applications.accept_offer(
            application, actor=people["officer"], signatory_name="A", signatory_role="B", expected_version=None
        )
    assert application.status is S.SUBMITTED
    assert application.award is None


def test_a_stale_save_is_refused_and_nothing_is_lost(people, councils, funding_round):  # type: ignore[no-untyped-def]
    application = drafted(funding_round, councils["babergh"], people["officer"])
    read_at = application.version
    applications.save_section(
        application,
        "project",
        {"title": "First"},
        actor=people["officer"],
        expected_version=read_at,
        columns={"title": "First"},
    )
    with pytest.raises(StaleApplicationError, match="Someone else changed this application"):
        applications.save_section(
            application, "project", {"title": "Second"}, actor=people["officer"], expected_version=read_at
        )
    assert application.title == "First"


def test_a_second_live_application_from_the_same_council_fails_the_eligibility_check(people, councils, funding_round):  # type: ignore[no-untyped-def]
    officer = people["officer"]
    # Starting a second draft is refused while the first is live (below); two drafts begun at the
    # same moment both get past that, and the eligibility check is what catches the second.
    first = drafted(funding_round, councils["babergh"], officer)
    funding_round.scheme.one_per_council_per_round = False
    second = drafted(funding_round, councils["babergh"], officer)
    funding_round.scheme.one_per_council_per_round = True
    applications.submit(first, actor=officer, expected_version=None, today=date.today())
    applications.submit(second, actor=officer, expected_version=None, today=date.today())
    db.session.commit()
    db.session.refresh(second)
    assert second.eligibility_passed is False
    [rule] = [r for r in second.eligibility_results if r["rule"] == "one_per_council"]
    assert rule["passed"] is False

    with pytest.raises(WorkflowError, match="give the reason for overriding"):
        applications.confirm_eligibility(second, actor=people["programme"], reason="", expected_version=None)
    applications.confirm_eligibility(
        second, actor=people["programme"], reason="The first was withdrawn by phone", expected_version=None
    )
    assert second.status is S.IN_ASSESSMENT
    assert second.events[-1].reason == "The first was withdrawn by phone"


def test_a_council_cannot_start_a_second_application_in_a_one_per_council_round(people, councils, funding_round):  # type: ignore[no-untyped-def]
    officer = people["officer"]
    first = drafted(funding_round, councils["babergh"], officer)
    with pytest.raises(WorkflowError, match=f"already has an application in this round \\({first.reference}\\)"):
        applications.start_application(funding_round, council=councils["babergh"], actor=officer, today=date.today())

    applications.transition(first, "withdraw", officer, reason="Started by mistake")
    again = applications.start_application(
        funding_round, council=councils["babergh"], actor=officer, today=date.today()
    )
    assert again.status is S.DRAFT and again.id != first.id


def test_an_assessor_cannot_decide_what_they_scored(people, councils, funding_round, make_user):  # type: ignore[no-untyped-def]
    both = make_user(Role.APPROVER, email="both@lga.example.gov.uk", name="Both Roles")
    both.role_links.append(type(both.role_links[0])(role=Role.ASSESSOR))
    db.session.flush()
    application = drafted(funding_round, councils["babergh"], people["officer"])
    applications.submit(application, actor=people["officer"], expected_version=None, today=date.today())
    db.session.commit()
    applications.confirm_eligibility(application, actor=people["programme"], reason=None, expected_version=None)
    scored(application, both)
    scored(application, people["assessor"])
    with pytest.raises(IllegalMoveError):
        applications.approve(application, actor=both, expected_version=None)
    assert funding_round.committed_pence == 0 and application.award is None


def test_approval_beyond_the_budget_is_refused_and_commits_nothing(people, councils, session):  # type: ignore[no-untyped-def]
    funding_round = expert_grant_round(budget_pence=500_000)  # less than one £6,000 grant
    application = drafted(funding_round, councils["babergh"], people["officer"])
    applications.submit(application, actor=people["officer"], expected_version=None, today=date.today())
    db.session.commit()
    applications.confirm_eligibility(application, actor=people["programme"], reason=None, expected_version=None)
    scored(application, people["assessor"])
    scored(application, people["assessor2"])
    with pytest.raises(
        BudgetExceededError, match=re.escape("The round has £5,000.00 left, and this award needs £6,000.00")
    ):
        applications.approve(application, actor=people["approver"], expected_version=None)
    db.session.rollback()
    db.session.refresh(funding_round)
    assert funding_round.committed_pence == 0


def test_declining_an_offer_gives_the_money_back_and_payments_stay_within_the_award(people, councils, funding_round):  # type: ignore[no-untyped-def]
    officer = people["officer"]
    application = drafted(funding_round, councils["babergh"], officer)
    applications.submit(application, actor=officer, expected_version=None, today=date.today())
    db.session.commit()
    applications.confirm_eligibility(application, actor=people["programme"], reason=None, expected_version=None)
    scored(application, people["assessor"])
    scored(application, people["assessor2"])
    award = applications.approve(application, actor=people["approver"], expected_version=None)
    with pytest.raises(WorkflowError, match="not been accepted"):
        applications.record_payment(
            award, amount_pence=100, paid_on=date.today(), reference="X", actor=people["programme"]
        )
    applications.accept_offer(application, actor=officer, signatory_name="A", signatory_role="B", expected_version=None)

    applications.record_payment(
        award, amount_pence=400_000, paid_on=date.today(), reference="BACS 1", actor=people["programme"]
    )
    with pytest.raises(WorkflowError, match=re.escape("Only £2,000.00 of this award is unpaid")):
        applications.record_payment(
            award, amount_pence=300_000, paid_on=date.today(), reference="BACS 2", actor=people["programme"]
        )
    applications.record_payment(
        award, amount_pence=200_000, paid_on=date.today(), reference="BACS 2", actor=people["programme"]
    )
    assert award.paid_pence == 600_000 and len(award.payments) == 2
    with pytest.raises(IllegalMoveError):
        applications.record_payment(award, amount_pence=1, paid_on=date.today(), reference="X", actor=officer)


def test_a_declined_offer_returns_its_money_to_the_round(people, councils, funding_round):  # type: ignore[no-untyped-def]
    officer = people["officer"]
    application = drafted(funding_round, councils["babergh"], officer)
    applications.submit(application, actor=officer, expected_version=None, today=date.today())
    db.session.commit()
    applications.confirm_eligibility(application, actor=people["programme"], reason=None, expected_version=None)
    scored(application, people["assessor"])
    scored(application, people["assessor2"])
    applications.approve(application, actor=people["approver"], expected_version=None)
    db.session.refresh(funding_round)
    assert funding_round.committed_pence == 600_000
    with pytest.raises(WorkflowError, match="Give a reason"):
        applications.decline_offer(application, actor=officer, reason=" ", expected_version=None)
    applications.decline_offer(
        application, actor=officer, reason="The project is no longer needed", expected_version=None
    )
    db.session.refresh(funding_round)
    assert funding_round.committed_pence == 0 and application.status is S.WITHDRAWN


def test_each_stage_gets_a_service_level_and_an_overdue_reminder_to_the_approver(people, councils, funding_round):  # type: ignore[no-untyped-def]
    application = drafted(funding_round, councils["babergh"], people["officer"])
    applications.submit(application, actor=people["officer"], expected_version=None, today=date.today())
    db.session.commit()
    due = add_working_days(date.today(), 5)
    assert application.stage_due_on == due
    [overdue] = db.session.scalars(db.select(Reminder).where(Reminder.subject_id == application.id))
    assert overdue.kind == "overdue:submitted" and overdue.user_id == people["approver"].id
    assert overdue.due_on == add_working_days(due, 1)

    applications.confirm_eligibility(application, actor=people["programme"], reason=None, expected_version=None)
    db.session.flush()
    kinds = dict(
        db.session.execute(db.select(Reminder.kind, Reminder.status).where(Reminder.subject_id == application.id)).all()
    )
    assert kinds == {"overdue:submitted": ReminderStatus.CANCELLED, "overdue:in_assessment": ReminderStatus.WAITING}
    assert application.stage_due_on == add_working_days(date.today(), 10)
    assert application.is_overdue(add_working_days(date.today(), 11))


def test_every_change_writes_the_timeline_and_bumps_the_version(people, councils, funding_round):  # type: ignore[no-untyped-def]
    application = drafted(funding_round, councils["babergh"], people["officer"])
    before = application.version
    applications.transition(application, "withdraw", people["officer"], reason="No longer needed")
    assert application.version == before + 1 and application.status is S.WITHDRAWN
    last = db.session.scalars(
        db.select(ApplicationEvent)
        .where(ApplicationEvent.application_id == application.id)
        .order_by(ApplicationEvent.id.desc())
    ).first()
    assert (last.action, last.from_status, last.to_status, last.reason, last.actor_id) == (
        "withdraw",
        "draft",
        "withdrawn",
        "No longer needed",
        people["officer"].id,
    )
    with pytest.raises(IllegalMoveError, match="withdrawn cannot be submitted"):
        applications.submit(application, actor=people["officer"], expected_version=None, today=date.today())
