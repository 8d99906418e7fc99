"""Experts matched to approved work, on PostgreSQL: suggestions with their reasons, offers that
respect conflicts and capacity, the expert's answer, expiry to the next-best expert, and a whole
round matched at once, through the domain's operations and through the pages."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from grants.extensions import db
from grants.models import (
    ApplicationEvent,
    ApplicationStatus,
    AuditEvent,
    ConflictOfInterest,
    Engagement,
    EngagementStatus,
    ExpertKind,
    MatchRun,
    MatchRunStatus,
    OutboundEmail,
    Region,
    Reminder,
    Role,
    Specialism,
)
from tests.builders.applications import awaiting_expert
from tests.builders.people import account_of, expert
from tests.builders.rounds import expert_grant_round
from tests.support.client import csrf_token, sign_in
from workflows import engagements
from workflows.applications import IllegalMoveError
from workflows.working_days import add_working_days

S = ApplicationStatus
E = EngagementStatus
TODAY = date.today()


def emails(template: str) -> list[OutboundEmail]:
    return list(db.session.scalars(db.select(OutboundEmail).where(OutboundEmail.template == template)))


def audit(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == action)))


# Suggestions ---------------------------------------------------------------------------------------


def test_suggestions_rank_the_pool_and_say_why(waiting):  # type: ignore[no-untyped-def]
    local = expert("Amira Local", regions=(Region.EAST_OF_ENGLAND,))
    distant = expert("Ben Distant", regions=(Region.LONDON,))
    expert("Cara Procurement", specialisms=(Specialism.PROCUREMENT,))
    expert("Dan Unvetted", vetted=False)

    found = engagements.suggestions_for(waiting, TODAY)

    assert [f.expert_id for f in found.ranked] == [local.id, distant.id]
    best = found.ranked[0]
    assert best.score > found.ranked[1].score
    assert any("Commercialisation" in r for r in best.reasons)
    assert any("East of England" in r for r in best.reasons)


# Offers -------------------------------------------------------------------------------------------


def test_an_offer_holds_a_place_expires_in_working_days_and_tells_the_expert(waiting, people):  # type: ignore[no-untyped-def]
    chosen = expert("Amira Local")

    engagement = engagements.offer(waiting, chosen.id, actor=people["programme"], today=TODAY)
    db.session.commit()

    assert engagement.status is E.OFFERED
    assert engagement.expires_on == add_working_days(TODAY, waiting.scheme.offer_expiry_working_days)
    assert engagement.score > 0 and engagement.reasons
    assert engagements.places_in_use(chosen.id) == 1
    [made] = emails("expert_offer_made")
    assert made.to_address == chosen.email and waiting.reference in made.subject
    [event] = audit("engagement.offered")
    assert event.actor_id == people["programme"].id and event.detail["expert_id"] == chosen.id
    assert "expert_offered" in [e.action for e in waiting.events]
    reminder = db.session.scalar(db.select(Reminder).where(Reminder.subject_id == engagement.id))
    assert reminder is not None and reminder.kind == "offer_expiring" and reminder.due_on == engagement.expires_on


def test_an_expert_without_an_account_is_offered_work_by_email(waiting, people):  # type: ignore[no-untyped-def]
    chosen = expert("Nell Noaccount", with_account=False)
    engagements.offer(waiting, chosen.id, actor=people["programme"], today=TODAY)
    db.session.commit()
    [made] = emails("expert_offer_made")
    assert made.to_address == chosen.email and made.user_id is None


def test_a_second_offer_for_the_same_work_is_refused(waiting, people):  # type: ignore[no-untyped-def]
    first, second = expert("Amira Local"), expert("Ben Other")
    engagements.offer(waiting, first.id, actor=people["programme"], today=TODAY)
    db.session.commit()
    with pytest.raises(engagements.EngagementError, match="already been offered to Amira Local"):
        engagements.offer(waiting, second.id, actor=people["programme"], today=TODAY)
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count()).select_from(Engagement)) == 1


def test_a_conflict_of_interest_blocks_the_offer_unless_a_reason_overrides_it(waiting, people, councils):  # type: ignore[no-untyped-def]
    conflicted = expert("Amira Local")
    db.session.add(ConflictOfInterest(expert=conflicted, council=councils["babergh"], reason="Worked there until 2025"))
    db.session.commit()

    found = engagements.suggestions_for(waiting, TODAY)
    assert conflicted.id not in [f.expert_id for f in found.ranked]
    [blocked] = found.blocked
    assert blocked.expert_id == conflicted.id and "Conflict of interest" in (blocked.blocked or "")

    with pytest.raises(engagements.ConflictOfInterestError, match="Worked there until 2025"):
        engagements.offer(waiting, conflicted.id, actor=people["programme"], today=TODAY)
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count()).select_from(Engagement)) == 0

    engagement = engagements.offer(
        waiting, conflicted.id, actor=people["programme"], today=TODAY, override_reason="Left two years ago"
    )
    db.session.commit()
    assert engagement.conflict_override_reason == "Left two years ago"
    [event] = audit("engagement.conflict_overridden")
    assert event.detail["reason"] == "Left two years ago" and event.actor_id == people["programme"].id


def test_an_expert_at_capacity_cannot_be_offered_more_work(people, councils, session):  # type: ignore[no-untyped-def]
    funding_round = expert_grant_round()
    first = awaiting_expert(people, councils, funding_round, "babergh")
    second = awaiting_expert(people, councils, funding_round, "ipswich")
    busy = expert("Amira Busy", capacity=1)
    engagements.offer(first, busy.id, actor=people["programme"], today=TODAY)
    db.session.commit()

    assert busy.id not in [f.expert_id for f in engagements.suggestions_for(second, TODAY).ranked]
    with pytest.raises(engagements.AtCapacityError, match="1 of 1 place in use"):
        engagements.offer(second, busy.id, actor=people["programme"], today=TODAY)
    db.session.rollback()
    assert engagements.places_in_use(busy.id) == 1


def test_an_expert_not_vetted_cannot_be_offered_work(waiting, people):  # type: ignore[no-untyped-def]
    applicant = expert("Dan Applied", vetted=False)
    with pytest.raises(engagements.EngagementError, match="not vetted"):
        engagements.offer(waiting, applicant.id, actor=people["programme"], today=TODAY)


# Answers ------------------------------------------------------------------------------------------


def test_the_expert_accepts_and_delivery_starts(waiting, people):  # type: ignore[no-untyped-def]
    chosen = expert("Amira Local")
    engagement = engagements.offer(waiting, chosen.id, actor=people["programme"], today=TODAY)
    db.session.commit()

    engagements.accept(engagement, actor=account_of(chosen), today=TODAY)
    db.session.commit()

    assert engagement.status is E.ACCEPTED and engagement.responded_at is not None
    assert waiting.status is S.IN_DELIVERY
    assert engagements.places_in_use(chosen.id) == 1  # the work holds the place
    [to_council] = emails("expert_matched")
    assert to_council.to_address == "priya@babergh.example.gov.uk" and "Amira Local" in to_council.text_body
    [to_staff] = emails("expert_offer_answered")
    assert to_staff.to_address == "tom@lga.example.gov.uk" and "accepted" in to_staff.subject
    reminder = db.session.scalar(db.select(Reminder).where(Reminder.subject_id == engagement.id))
    assert reminder is not None and reminder.status.value == "cancelled"
    assert [e.to_status for e in waiting.events if e.action == "start_delivery"] == ["in_delivery"]


def test_only_the_expert_offered_the_work_can_answer(waiting, people):  # type: ignore[no-untyped-def]
    chosen, other = expert("Amira Local"), expert("Ben Other")
    engagement = engagements.offer(waiting, chosen.id, actor=people["programme"], today=TODAY)
    db.session.commit()
    with pytest.raises(IllegalMoveError):
        engagements.accept(engagement, actor=account_of(other), today=TODAY)
    db.session.rollback()
    assert engagement.status is E.OFFERED and waiting.status is S.EXPERT_MATCHING


def test_declining_needs_a_reason_frees_the_place_and_sends_the_work_back(waiting, people):  # type: ignore[no-untyped-def]
    chosen, other = expert("Amira Local"), expert("Ben Other", regions=(Region.LONDON,))
    engagement = engagements.offer(waiting, chosen.id, actor=people["programme"], today=TODAY)
    db.session.commit()

    with pytest.raises(engagements.EngagementError, match="Give a reason"):
        engagements.decline(engagement, actor=account_of(chosen), reason="  ", today=TODAY)
    db.session.rollback()
    engagements.decline(engagement, actor=account_of(chosen), reason="Fully booked until March", today=TODAY)
    db.session.commit()

    assert engagement.status is E.DECLINED and engagement.decline_reason == "Fully booked until March"
    assert engagements.places_in_use(chosen.id) == 0
    assert waiting.status is S.EXPERT_MATCHING
    assert waiting in db.session.scalars(engagements.waiting_for_an_expert()).all()
    found = engagements.suggestions_for(waiting, TODAY)
    assert [f.expert_id for f in found.ranked] == [other.id]  # the one who declined is not suggested again
    [to_staff] = emails("expert_offer_answered")
    assert "declined" in to_staff.subject and "Fully booked until March" in to_staff.text_body
    with pytest.raises(engagements.EngagementError, match="already declined"):
        engagements.offer(waiting, chosen.id, actor=people["programme"], today=TODAY)


def test_an_offer_cannot_be_answered_after_its_last_day(waiting, people):  # type: ignore[no-untyped-def]
    chosen = expert("Amira Local")
    engagement = engagements.offer(waiting, chosen.id, actor=people["programme"], today=TODAY)
    db.session.commit()
    with pytest.raises(engagements.EngagementError, match="expired"):
        engagements.accept(engagement, actor=account_of(chosen), today=engagement.expires_on + timedelta(days=1))


def test_staff_withdraw_an_offer_with_a_reason(waiting, people):  # type: ignore[no-untyped-def]
    chosen = expert("Amira Local")
    engagement = engagements.offer(waiting, chosen.id, actor=people["programme"], today=TODAY)
    db.session.commit()
    engagements.withdraw(engagement, actor=people["programme"], reason="The council changed its plans")
    db.session.commit()
    assert engagement.status is E.WITHDRAWN and engagements.places_in_use(chosen.id) == 0
    [told] = emails("expert_offer_withdrawn")
    assert told.to_address == chosen.email and "changed its plans" in told.text_body


# Expiry ----------------------------------------------------------------------------------------------


def test_an_unanswered_offer_expires_and_the_next_best_expert_is_offered_the_work(waiting, people):  # type: ignore[no-untyped-def]
    best = expert("Amira Local")
    next_best = expert("Ben Distant", regions=(Region.LONDON,))
    expert("Cara Procurement", specialisms=(Specialism.PROCUREMENT,))
    first = engagements.offer(waiting, best.id, actor=people["programme"], today=TODAY)
    db.session.commit()

    assert engagements.expire_offers(first.expires_on) == []  # the last day is still a day to answer
    later = first.expires_on + timedelta(days=1)
    assert engagements.expire_offers(later) == [first.id]
    db.session.commit()

    assert first.status is E.EXPIRED
    following = engagements.live_engagement(waiting)
    assert following is not None and following.expert_id == next_best.id and following.status is E.OFFERED
    assert following.offered_by_id is None  # offered by the service
    assert following.expires_on == add_working_days(later, waiting.scheme.offer_expiry_working_days)
    [lapsed] = emails("expert_offer_expired")
    assert lapsed.to_address == best.email
    assert {e.action for e in waiting.events} >= {"expert_offer_expired", "expert_offered"}
    # A second sweep finds nothing more to do.
    assert engagements.expire_offers(later) == []


def test_with_no_one_left_staff_are_told_the_work_is_waiting(waiting, people):  # type: ignore[no-untyped-def]
    only = expert("Amira Only")
    first = engagements.offer(waiting, only.id, actor=people["programme"], today=TODAY)
    db.session.commit()
    engagements.expire_offers(first.expires_on + timedelta(days=1))
    db.session.commit()
    assert engagements.live_engagement(waiting) is None
    [told] = emails("expert_needed")
    assert told.to_address == "tom@lga.example.gov.uk" and waiting.reference in told.subject


# A whole round -------------------------------------------------------------------------------------


def test_matching_a_round_proposes_the_best_assignment_which_staff_adjust_and_confirm(people, councils, session):  # type: ignore[no-untyped-def]
    for name in ("babergh", "ipswich"):
        councils[name].region = Region.EAST_OF_ENGLAND
    councils["camden"].region = Region.LONDON
    funding_round = expert_grant_round()
    babergh = awaiting_expert(people, councils, funding_round, "babergh")
    camden = awaiting_expert(people, councils, funding_round, "camden")
    east = expert("Amira East", regions=(Region.EAST_OF_ENGLAND,), capacity=1)
    london = expert("Ben London", regions=(Region.LONDON,), capacity=1)

    run = engagements.start_match_run(funding_round, actor=people["programme"])
    db.session.commit()  # the task that works out the proposal runs once this commits (in-process here)
    db.session.refresh(run)

    assert run.status is MatchRunStatus.READY
    proposed = {row["application_id"]: row["expert_id"] for row in run.proposal}
    assert proposed == {babergh.id: east.id, camden.id: london.id}
    assert run.total_score is not None and run.greedy_total_score is not None
    assert run.total_score >= run.greedy_total_score

    # Staff keep the first and hold back the second.
    outcome = engagements.confirm_match_run(
        run, {babergh.id: east.id, camden.id: None}, actor=people["programme"], today=TODAY
    )
    db.session.commit()
    assert [e.expert_id for e in outcome.offered] == [east.id] and outcome.refused == []
    assert run.status is MatchRunStatus.CONFIRMED and run.confirmed_by_id == people["programme"].id
    assert engagements.live_engagement(babergh).match_run_id == run.id
    assert engagements.live_engagement(camden) is None
    assert audit("match_run.confirmed")[0].detail == {"offered": 1, "refused": 0}
    with pytest.raises(engagements.EngagementError, match="only a run ready for review"):
        engagements.confirm_match_run(run, {}, actor=people["programme"], today=TODAY)


def test_a_confirmed_choice_whose_expert_filled_up_meanwhile_is_reported_and_the_rest_stand(people, councils, session):  # type: ignore[no-untyped-def]
    funding_round = expert_grant_round()
    first = awaiting_expert(people, councils, funding_round, "babergh")
    second = awaiting_expert(people, councils, funding_round, "ipswich")
    one_place = expert("Amira One", capacity=1)
    run = MatchRun(round_id=funding_round.id, status=MatchRunStatus.READY, requested_by_id=people["programme"].id)
    run.proposal = [
        {"application_id": first.id, "expert_id": one_place.id, "score": 50, "reasons": []},
        {"application_id": second.id, "expert_id": None, "score": None, "reasons": []},
    ]
    db.session.add(run)
    db.session.commit()

    outcome = engagements.confirm_match_run(
        run, {first.id: one_place.id, second.id: one_place.id}, actor=people["programme"], today=TODAY
    )
    db.session.commit()
    assert len(outcome.offered) == 1 and outcome.offered[0].application_id == first.id
    [(refused, why)] = outcome.refused
    assert refused.id == second.id and "at capacity" in why


# The pages --------------------------------------------------------------------------------------------


def test_staff_offer_from_the_page_and_the_expert_accepts_in_the_portal(client, waiting, people):  # type: ignore[no-untyped-def]
    chosen = expert("Amira Local")
    sign_in(client, "tom@lga.example.gov.uk")
    page = client.get(f"/matching/applications/{waiting.id}")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "Amira Local" in body and "Commercialisation" in body
    # The button names the expert to screen readers (the label is markup, not escaped text).
    assert '<span class="govuk-visually-hidden"> to Amira Local</span>' in body

    token = csrf_token(client, f"/matching/applications/{waiting.id}")
    done = client.post(f"/matching/applications/{waiting.id}/offer", data={"csrf_token": token, "expert_id": chosen.id})
    assert done.status_code == 302
    engagement = engagements.live_engagement(waiting)
    assert engagement is not None and engagement.expert_id == chosen.id
    queue = client.get("/matching").get_data(as_text=True)
    assert "Offers waiting for an answer" in queue and waiting.reference in queue

    client.post("/sign-out", data={"csrf_token": csrf_token(client, "/account")})
    sign_in(client, chosen.email)
    portal = client.get("/portal").get_data(as_text=True)
    assert waiting.reference in portal
    offer_page = client.get(f"/portal/offers/{engagement.id}").get_data(as_text=True)
    version = re.search(r'name="accept-version" type="hidden" value="(\d+)"', offer_page)
    assert version, "the offer page has no accept form"
    accepted = client.post(
        f"/portal/offers/{engagement.id}/accept",
        data={
            "accept-csrf_token": csrf_token(client, f"/portal/offers/{engagement.id}"),
            "accept-version": version.group(1),
        },
    )
    assert accepted.status_code == 302
    db.session.refresh(waiting)
    assert waiting.status is S.IN_DELIVERY


def test_a_decline_without_a_reason_shows_the_message_beside_the_field(client, waiting, people):  # type: ignore[no-untyped-def]
    chosen = expert("Amira Local")
    engagement = engagements.offer(waiting, chosen.id, actor=people["programme"], today=TODAY)
    db.session.commit()
    sign_in(client, chosen.email)
    page = client.get(f"/portal/offers/{engagement.id}").get_data(as_text=True)
    version = re.search(r'name="decline-version" type="hidden" value="(\d+)"', page)
    assert version
    refused = client.post(
        f"/portal/offers/{engagement.id}/decline",
        data={
            "decline-csrf_token": csrf_token(client, f"/portal/offers/{engagement.id}"),
            "decline-version": version.group(1),
            "decline-reason": "",
        },
    )
    assert refused.status_code == 400
    body = refused.get_data(as_text=True)
    assert "govuk-error-summary" in body and "Give a reason for declining" in body
    db.session.refresh(engagement)
    assert engagement.status is E.OFFERED


def test_an_expert_cannot_open_another_experts_offer(client, waiting, people):  # type: ignore[no-untyped-def]
    chosen, other = expert("Amira Local"), expert("Ben Other")
    engagement = engagements.offer(waiting, chosen.id, actor=people["programme"], today=TODAY)
    db.session.commit()
    sign_in(client, other.email)
    assert client.get(f"/portal/offers/{engagement.id}").status_code == 404
    token = csrf_token(client, "/portal")
    assert client.post(f"/portal/offers/{engagement.id}/accept", data={"accept-csrf_token": token}).status_code == 404
    db.session.refresh(engagement)
    assert engagement.status is E.OFFERED


@pytest.mark.parametrize(
    ("role", "status"),
    [(Role.COUNCIL_OFFICER, 403), (Role.ASSESSOR, 403), (Role.EXPERT, 403), (Role.APPROVER, 403)],
)
def test_only_programme_officers_reach_the_matching_pages(client, make_user, waiting, role, status):  # type: ignore[no-untyped-def]
    person = make_user(role, email=f"someone.{role.value}@example.gov.uk")
    sign_in(client, person.email)
    assert client.get("/matching").status_code == status
    assert client.get(f"/matching/applications/{waiting.id}").status_code == status


def test_the_matching_page_of_a_scheme_without_experts_is_not_found(client, people, session):  # type: ignore[no-untyped-def]
    sign_in(client, "tom@lga.example.gov.uk")
    assert client.get("/matching/applications/999999").status_code == 404


def test_the_offer_events_are_on_the_applications_timeline(waiting, people):  # type: ignore[no-untyped-def]
    chosen = expert("Amira Local")
    engagements.offer(waiting, chosen.id, actor=people["programme"], today=TODAY)
    db.session.commit()
    event = db.session.scalar(
        db.select(ApplicationEvent).where(
            ApplicationEvent.application_id == waiting.id, ApplicationEvent.action == "expert_offered"
        )
    )
    assert event is not None and event.reason == "Offered to Amira Local"


def test_the_expire_command_does_what_the_hourly_sweep_does(app, waiting, people):  # type: ignore[no-untyped-def]
    from click.testing import CliRunner

    from grants.commands import expire_offers_command

    first = expert("Amira Local")
    following = expert("Ben Distant", regions=(Region.LONDON,))
    offered = engagements.offer(waiting, first.id, actor=people["programme"], today=TODAY)
    db.session.commit()
    runner = CliRunner()
    with app.app_context():
        on_the_day = runner.invoke(expire_offers_command, ["--on", offered.expires_on.isoformat()]).output
        after = (offered.expires_on + timedelta(days=1)).isoformat()
        next_day = runner.invoke(expire_offers_command, ["--on", after], catch_exceptions=False).output
    assert on_the_day.startswith("0 offers expired")
    assert next_day == f"1 offer expired as at {after}.\n"
    db.session.refresh(offered)
    assert offered.status is E.EXPIRED
    assert engagements.live_engagement(waiting).expert_id == following.id


def test_a_behavioural_insights_trial_is_delivered_by_a_delivery_partner(people, councils, session):  # type: ignore[no-untyped-def]
    from tests.builders.applications import awaiting_trial

    trial = awaiting_trial(people, councils)
    individual = expert("Amira Individual", specialisms=(Specialism.BEHAVIOURAL_INSIGHTS,))
    partner = expert(
        "Brightside Trials", specialisms=(Specialism.BEHAVIOURAL_INSIGHTS,), kind=ExpertKind.DELIVERY_PARTNER
    )

    found = engagements.suggestions_for(trial, TODAY)
    assert [f.expert_id for f in found.ranked] == [partner.id]
    with pytest.raises(engagements.EngagementError, match="an individual expert: this work needs a delivery partner"):
        engagements.offer(trial, individual.id, actor=people["programme"], today=TODAY)
    db.session.rollback()
    engagement = engagements.offer(trial, partner.id, actor=people["programme"], today=TODAY)
    assert engagement.expert_id == partner.id
