"""The records that came to the shared door last, on PostgreSQL: a joint bid's partner and a
"match the round" run. Each change of status bumps the record's version and is audited; the door
refuses what the table does not allow and changes nothing when it does."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from grants.extensions import db
from grants.models import (
    ApplicationPartner,
    AuditEvent,
    FundingRound,
    MatchRun,
    MatchRunStatus,
    PartnerStatus,
    Role,
    Scheme,
    SchemeCriterion,
    SchemeKind,
)
from tests.builders.rounds import expert_grant_round
from workflows import applications, engagements
from workflows.lifecycle import IllegalMoveError

TODAY = date.today()


def audit(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


@pytest.fixture
def joint_bid(people, councils, make_user):  # type: ignore[no-untyped-def]
    """Babergh's draft trial with Ipswich as its partner, Ipswich's officer, and Babergh's."""
    scheme = Scheme(
        code="behavioural-insights",
        name="Behavioural Insights",
        kind=SchemeKind.MATCH_FUNDING,
        max_amount_pence=3_000_000,
        match_ratio_percent=100,
        uses_experts=True,
        allows_partners=True,
        assessments_required=1,
        service_levels={},
        criteria=[SchemeCriterion(code="design", label="Trial design", weight=1, position=0)],
    )
    funding_round = FundingRound(
        scheme=scheme,
        name="Phase 2",
        opens_on=TODAY - timedelta(days=10),
        closes_on=TODAY + timedelta(days=10),
        budget_pence=30_000_000,
    )
    db.session.add(funding_round)
    db.session.flush()
    lead = people["officer"]
    partner_officer = make_user(Role.COUNCIL_OFFICER, email="sam@ipswich.example.gov.uk", council="ipswich")
    application = applications.start_application(funding_round, council=councils["babergh"], actor=lead, today=TODAY)
    applications.set_partners(application, {councils["ipswich"]: 500_000}, actor=lead, expected_version=1)
    db.session.commit()
    return application, lead, partner_officer


def test_a_partners_answer_and_a_change_of_its_share_go_through_the_door(joint_bid, councils):  # type: ignore[no-untyped-def]
    application, lead, partner_officer = joint_bid
    [partner] = application.partners
    assert (partner.status, partner.version) == (PartnerStatus.INVITED, 1)

    applications.respond_as_partner(application, actor=partner_officer, confirm=True)
    db.session.commit()
    assert (partner.status, partner.version) == (PartnerStatus.CONFIRMED, 2)
    assert partner.responded_by_id == partner_officer.id and partner.responded_at is not None
    [confirmed] = audit("application.partner_confirmed")
    assert confirmed.subject_id == application.id and confirmed.detail["reason"] == "Ipswich"
    assert confirmed.detail["version"] == application.version
    assert [e.action for e in application.events][-1] == "partner_confirmed"

    # The lead changes the share: the answer no longer stands, and Ipswich is asked again.
    applications.set_partners(
        application, {councils["ipswich"]: 700_000}, actor=lead, expected_version=application.version
    )
    db.session.commit()
    assert (partner.status, partner.version) == (PartnerStatus.INVITED, 3)
    assert partner.responded_by_id is None and partner.responded_at is None
    [asked] = audit("application.partner_asked_again")
    assert asked.subject_type == "application" and asked.subject_id == application.id
    assert asked.actor_id == lead.id and asked.detail["council_id"] == councils["ipswich"].id
    assert "partner_asked_again" not in [e.action for e in application.events]  # audited, not on the timeline

    # The lead's officer cannot answer for the partner, nor the partner change the share.
    with pytest.raises(IllegalMoveError, match="not a partner"):
        applications.respond_as_partner(application, actor=lead, confirm=True)
    db.session.rollback()
    with pytest.raises(IllegalMoveError, match="cannot change the partners"):
        applications.PARTNER.transition(partner, "ask_again", partner_officer)
    db.session.rollback()
    assert db.session.get(ApplicationPartner, partner.id).version == 3  # type: ignore[union-attr]


def test_a_run_is_finished_by_the_task_then_discarded_by_staff(people, session):  # type: ignore[no-untyped-def]
    funding_round = expert_grant_round()
    run = engagements.start_match_run(funding_round, actor=people["programme"])
    assert (run.status, run.version) == (MatchRunStatus.RUNNING, 1)
    db.session.commit()  # the task that works out the proposal runs once this commits (in-process here)
    db.session.refresh(run)
    assert (run.status, run.version) == (MatchRunStatus.READY, 2)
    [ready] = audit("match_run.ready")
    assert ready.actor_id is None and ready.detail["applications"] == 0

    with pytest.raises(IllegalMoveError, match="programme team"):
        engagements.discard_match_run(run, actor=people["officer"])
    db.session.rollback()
    engagements.discard_match_run(run, actor=people["programme"])
    db.session.commit()
    assert (run.status, run.version) == (MatchRunStatus.DISCARDED, 3)
    [discarded] = audit("match_run.discarded")
    assert discarded.actor_id == people["programme"].id
    with pytest.raises(engagements.EngagementError, match="Only a run ready for review can be discarded"):
        engagements.discard_match_run(run, actor=people["programme"])


def test_a_run_that_failed_keeps_the_error_and_says_so_in_the_audit_trail(people, session):  # type: ignore[no-untyped-def]
    funding_round = expert_grant_round()
    run = MatchRun(round_id=funding_round.id, status=MatchRunStatus.RUNNING, requested_by_id=people["programme"].id)
    db.session.add(run)
    db.session.commit()

    engagements.fail_match_run(run, RuntimeError("no feasible flow"))
    db.session.commit()

    assert (run.status, run.version) == (MatchRunStatus.FAILED, 2)
    assert run.error == "RuntimeError: no feasible flow" and run.finished_at is not None
    [failed] = audit("match_run.failed")
    assert failed.actor_id is None and failed.detail == {"error": "RuntimeError: no feasible flow"}
    with pytest.raises(engagements.EngagementError, match="no longer being worked out"):
        engagements.fail_match_run(run, RuntimeError("again"))
