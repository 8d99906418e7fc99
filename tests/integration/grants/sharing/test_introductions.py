"""Introductions between councils on PostgreSQL: proposing, each council's consent, contact
details shared only when every council has accepted, a decline that names no one, the broker's
steps, stale pages and illegal moves refused, and the joint application for funding an agreement
leads to, taken through the normal workflow to approval. Through the domain's operations and
through the pages."""

from __future__ import annotations

import re
from datetime import date

import pytest

from grants.extensions import db
from grants.models import (
    Application,
    ApplicationStatus,
    AuditEvent,
    ConsentStatus,
    Council,
    Introduction,
    IntroductionStatus,
    Notification,
    OutboundEmail,
    PartnerStatus,
    Role,
    SchemeKind,
    Specialism,
)
from tests.builders.applications import scored
from tests.builders.rounds import shared_services_round
from tests.builders.sharing import BABERGH_CONTACT, submitted_request
from tests.support.client import csrf_token, sign_in
from workflows import applications, engagements, introductions
from workflows.applications import IllegalMoveError, WorkflowError
from workflows.introductions import Contact, IntroductionError, StaleIntroductionError

TODAY = date.today()
Status = IntroductionStatus

IPSWICH_CONTACT = Contact("Sam Ortiz", "sam.ortiz@ipswich.example.gov.uk", "01473 432 000")
CAMDEN_CONTACT = Contact("Rosa Klein", "rosa.klein@camden.example.gov.uk", "020 7974 4444")


# Set-up --------------------------------------------------------------------------------------------


@pytest.fixture
def officers(people, make_user):  # type: ignore[no-untyped-def]
    return {
        "babergh": people["officer"],
        "ipswich": make_user(Role.COUNCIL_OFFICER, email="sam@ipswich.example.gov.uk", council="ipswich", name="Sam"),
        "camden": make_user(Role.COUNCIL_OFFICER, email="rosa@camden.example.gov.uk", council="camden", name="Rosa"),
        "suffolk": make_user(Role.COUNCIL_OFFICER, email="ann@suffolk.example.gov.uk", council="suffolk", name="Ann"),
    }


@pytest.fixture
def funding_round(session):  # type: ignore[no-untyped-def]
    made = shared_services_round()
    db.session.commit()
    return made


@pytest.fixture
def babergh_request(funding_round, councils, officers):  # type: ignore[no-untyped-def]
    made = submitted_request(funding_round, councils["babergh"], officers["babergh"])
    db.session.commit()
    return made


def propose(people, councils, names=("babergh", "ipswich"), request=None) -> Introduction:  # type: ignore[no-untyped-def]
    made = introductions.propose(
        [councils[n] for n in names],
        service_areas=["waste", "planning"],
        note="Both councils want to share a waste service, and they are neighbours.",
        actor=people["programme"],
        request=request,
    )
    db.session.commit()
    return made


def agreed(people, councils, officers, request=None) -> Introduction:  # type: ignore[no-untyped-def]
    """Babergh and Ipswich introduced, both accepted, talked and agreed."""
    introduction = propose(people, councils, request=request)
    introductions.accept(introduction, actor=officers["babergh"], contact=BABERGH_CONTACT, expected_version=None)
    introductions.accept(introduction, actor=officers["ipswich"], contact=IPSWICH_CONTACT, expected_version=None)
    introductions.start_discussion(introduction, actor=people["programme"], expected_version=None)
    introductions.record_agreement(
        introduction,
        actor=people["programme"],
        summary="A shared waste service hosted by Ipswich from April.",
        expected_version=None,
    )
    db.session.commit()
    return introduction


def emails(template: str) -> list[OutboundEmail]:
    return list(db.session.scalars(db.select(OutboundEmail).where(OutboundEmail.template == template)))


def audit(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def page_version(body: str, prefix: str) -> str:
    found = re.search(rf'name="{prefix}-version" type="hidden" value="(\d+)"', body)
    assert found, f"no {prefix} form on the page"
    return found.group(1)


def sign_out(client) -> None:  # type: ignore[no-untyped-def]
    client.post("/sign-out", data={"csrf_token": csrf_token(client, "/account")})


# Proposing -----------------------------------------------------------------------------------------


def test_a_broker_proposes_an_introduction_and_each_councils_officers_are_told(
    people, councils, officers, babergh_request
):  # type: ignore[no-untyped-def]
    introduction = propose(people, councils, request=babergh_request)

    assert introduction.status is Status.PROPOSED and introduction.version == 1
    assert [p.council.name for p in introduction.parties] == ["Babergh", "Ipswich"]
    assert all(p.consent is ConsentStatus.WAITING for p in introduction.parties)
    assert introduction.parties[0].request_id == babergh_request.id
    told = {e.to_address for e in emails("introduction_proposed")}
    assert told == {officers["babergh"].email, officers["ipswich"].email}
    assert "waste" in emails("introduction_proposed")[0].text_body.lower()
    in_app = db.session.scalars(db.select(Notification).where(Notification.user_id == officers["ipswich"].id)).all()
    assert len(in_app) == 1 and in_app[0].link.endswith(f"/applications/introductions/{introduction.id}")
    [event] = audit("introduction.propose")
    assert event.actor_id == people["programme"].id
    assert event.detail["from_status"] is None and event.detail["to_status"] == "proposed"


@pytest.mark.parametrize(
    ("names", "areas", "note", "field", "message"),
    [
        (("babergh",), ["waste"], "Why", "councils", "at least two councils"),
        (("babergh", "ipswich"), [], "Why", "service_areas", "at least one service area"),
        (("babergh", "ipswich"), ["bins"], "Why", "service_areas", "from the list"),
        (("babergh", "ipswich"), ["waste"], "  ", "note", "Say why"),
    ],
)
def test_a_proposal_missing_what_it_needs_is_refused_beside_the_field(
    people, councils, names, areas, note, field, message
):  # type: ignore[no-untyped-def]
    with pytest.raises(IntroductionError, match=message) as refused:
        introductions.propose([councils[n] for n in names], service_areas=areas, note=note, actor=people["programme"])
    assert refused.value.field == field
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count()).select_from(Introduction)) == 0


def test_a_second_open_introduction_between_the_same_councils_is_refused(people, councils):  # type: ignore[no-untyped-def]
    first = propose(people, councils)
    with pytest.raises(IntroductionError, match=f"number {first.id}"):
        propose(people, councils, names=("ipswich", "babergh"))
    db.session.rollback()
    # Other councils are not held up by it.
    assert propose(people, councils, names=("babergh", "ipswich", "camden")).id != first.id


def test_only_a_programme_officer_can_propose(people, councils, officers):  # type: ignore[no-untyped-def]
    with pytest.raises(IllegalMoveError, match="Only a programme officer"):
        introductions.propose(
            [councils["babergh"], councils["ipswich"]], service_areas=["waste"], note="Why", actor=officers["babergh"]
        )


# Consent -------------------------------------------------------------------------------------------


def test_contact_details_are_shown_only_when_every_council_has_accepted(client, people, councils, officers):  # type: ignore[no-untyped-def]
    introduction = propose(people, councils, names=("babergh", "ipswich", "camden"))
    introductions.accept(introduction, actor=officers["ipswich"], contact=IPSWICH_CONTACT, expected_version=None)
    db.session.commit()
    assert introduction.status is Status.PROPOSED

    sign_in(client, officers["babergh"].email)
    path = f"/applications/introductions/{introduction.id}"
    before = client.get(path).get_data(as_text=True)
    assert "An introduction to Ipswich and Camden" in before
    assert IPSWICH_CONTACT.email not in before and IPSWICH_CONTACT.phone not in before
    # The accept form starts with the officer's own details when the council has no request.
    assert 'value="priya@babergh.example.gov.uk"' in before

    accepted = client.post(
        f"{path}/accept",
        data={
            "accept-csrf_token": csrf_token(client, path),
            "accept-version": page_version(before, "accept"),
            "accept-contact_name": BABERGH_CONTACT.name,
            "accept-contact_email": BABERGH_CONTACT.email,
            "accept-contact_phone": BABERGH_CONTACT.phone,
        },
    )
    assert accepted.status_code == 302
    waiting = client.get(path).get_data(as_text=True)
    assert "Waiting for the other councils to answer" in waiting
    assert "You will see the other councils&#39; contact details once every council has accepted." in waiting
    assert IPSWICH_CONTACT.email not in waiting and IPSWICH_CONTACT.name not in waiting
    assert emails("introduction_accepted") == []

    introductions.accept(introduction, actor=officers["camden"], contact=CAMDEN_CONTACT, expected_version=None)
    db.session.commit()
    assert introduction.status is Status.ACCEPTED

    shared = client.get(path).get_data(as_text=True)
    assert "Accepted by all" in shared and "Who to contact" in shared
    for contact in (IPSWICH_CONTACT, CAMDEN_CONTACT):
        assert contact.name in shared and contact.email in shared and contact.phone in shared
    told = {e.to_address for e in emails("introduction_accepted")}
    assert told == {officers[n].email for n in ("babergh", "ipswich", "camden")} | {people["programme"].email}
    sign_out(client)
    sign_in(client, officers["camden"].email)
    assert BABERGH_CONTACT.phone in client.get(path).get_data(as_text=True)


def test_the_last_council_to_accept_is_told_the_contacts_are_shown(client, people, councils, officers):  # type: ignore[no-untyped-def]
    introduction = propose(people, councils, names=("babergh", "ipswich"))
    introductions.accept(introduction, actor=officers["ipswich"], contact=IPSWICH_CONTACT, expected_version=None)
    db.session.commit()
    sign_in(client, officers["babergh"].email)
    path = f"/applications/introductions/{introduction.id}"
    before = client.get(path).get_data(as_text=True)
    accepted = client.post(
        f"{path}/accept",
        data={
            "accept-csrf_token": csrf_token(client, path),
            "accept-version": page_version(before, "accept"),
            "accept-contact_name": BABERGH_CONTACT.name,
            "accept-contact_email": BABERGH_CONTACT.email,
            "accept-contact_phone": BABERGH_CONTACT.phone,
        },
    )
    assert accepted.status_code == 302
    shown = client.get(path).get_data(as_text=True)
    assert "Every council has now accepted: their contact details are below." in shown
    assert "once every council has accepted" not in shown
    assert IPSWICH_CONTACT.email in shown


def test_the_accept_form_starts_with_the_lead_contact_of_the_councils_request(
    client, people, councils, babergh_request
):  # type: ignore[no-untyped-def]
    introduction = propose(people, councils, request=babergh_request)
    sign_in(client, "priya@babergh.example.gov.uk")
    page = client.get(f"/applications/introductions/{introduction.id}").get_data(as_text=True)
    assert f'value="{BABERGH_CONTACT.email}"' in page and f'value="{BABERGH_CONTACT.phone}"' in page


def test_a_decline_shares_nothing_with_anyone_and_does_not_say_who_declined(client, people, councils, officers):  # type: ignore[no-untyped-def]
    introduction = propose(people, councils, names=("babergh", "ipswich", "camden"))
    introductions.accept(introduction, actor=officers["ipswich"], contact=IPSWICH_CONTACT, expected_version=None)
    introductions.accept(introduction, actor=officers["babergh"], contact=BABERGH_CONTACT, expected_version=None)
    db.session.commit()
    path = f"/applications/introductions/{introduction.id}"
    sign_in(client, officers["babergh"].email)
    camden_mentions_before = client.get(path).get_data(as_text=True).count("Camden")
    sign_out(client)

    sign_in(client, officers["camden"].email)
    page = client.get(path).get_data(as_text=True)
    reason = "We are merging our waste service with Islington this year."
    declined = client.post(
        f"{path}/decline",
        data={
            "decline-csrf_token": csrf_token(client, path),
            "decline-version": page_version(page, "decline"),
            "decline-reason": reason,
        },
    )
    assert declined.status_code == 302
    db.session.refresh(introduction)
    assert introduction.status is Status.DECLINED
    own = client.get(path).get_data(as_text=True)
    assert "Your council declined this introduction" in own
    assert IPSWICH_CONTACT.email not in own and BABERGH_CONTACT.email not in own
    sign_out(client)

    for name in ("babergh", "ipswich"):
        sign_in(client, officers[name].email)
        seen = client.get(path).get_data(as_text=True)
        assert "This introduction was declined" in seen and "does not say which council declined" in seen
        assert reason not in seen
        for contact in (IPSWICH_CONTACT, BABERGH_CONTACT):
            if name not in contact.email:
                assert contact.email not in seen and contact.phone not in seen
        if name == "babergh":
            assert seen.count("Camden") == camden_mentions_before
        sign_out(client)

    notices = emails("introduction_declined")
    assert {e.to_address for e in notices} == {
        officers["babergh"].email,
        officers["ipswich"].email,
        people["programme"].email,
    }
    for notice in notices:
        assert reason not in notice.text_body and "A council has declined" in notice.text_body
        assert "Camden declined" not in notice.text_body and "Camden has declined" not in notice.text_body
    [event] = audit("introduction.decline")
    assert event.actor_id == officers["camden"].id and event.detail["reason"] == reason
    assert event.detail["council_id"] == councils["camden"].id


def test_the_broker_sees_who_declined_and_why(client, people, councils, officers):  # type: ignore[no-untyped-def]
    introduction = propose(people, councils)
    introductions.decline(
        introduction, actor=officers["ipswich"], reason="No capacity this year", expected_version=None
    )
    db.session.commit()
    sign_in(client, people["programme"].email)
    page = client.get(f"/sharing/introductions/{introduction.id}").get_data(as_text=True)
    assert "No capacity this year" in page and "Declined" in page and "Sam" in page


def test_a_council_not_in_the_introduction_gets_404(client, people, councils, officers):  # type: ignore[no-untyped-def]
    introduction = propose(people, councils)
    sign_in(client, officers["camden"].email)
    path = f"/applications/introductions/{introduction.id}"
    assert client.get(path).status_code == 404
    token = csrf_token(client, "/applications")
    for step in ("accept", "decline", "apply"):
        assert client.post(f"{path}/{step}", data={f"{step}-csrf_token": token}).status_code == 404
    assert f"/applications/introductions/{introduction.id}" not in client.get("/applications").get_data(as_text=True)
    assert introductions.get_for_council(officers["camden"], introduction.id) is None
    db.session.refresh(introduction)
    assert all(p.consent is ConsentStatus.WAITING for p in introduction.parties)


def test_the_councils_applications_page_lists_its_introductions(client, people, councils, officers):  # type: ignore[no-untyped-def]
    introduction = propose(people, councils)
    sign_in(client, officers["ipswich"].email)
    page = client.get("/applications").get_data(as_text=True)
    assert "Introductions to other councils" in page
    assert f'href="/applications/introductions/{introduction.id}"' in page and "Babergh" in page


def test_a_decline_without_a_reason_is_shown_beside_the_field_and_nothing_is_stored(client, people, councils, officers):  # type: ignore[no-untyped-def]
    introduction = propose(people, councils)
    path = f"/applications/introductions/{introduction.id}"
    sign_in(client, officers["ipswich"].email)
    page = client.get(path).get_data(as_text=True)
    refused = client.post(
        f"{path}/decline",
        data={
            "decline-csrf_token": csrf_token(client, path),
            "decline-version": page_version(page, "decline"),
            "decline-reason": "  ",
        },
    )
    assert refused.status_code == 400
    body = refused.get_data(as_text=True)
    assert "govuk-error-summary" in body and 'href="#decline-reason"' in body
    assert "Give the reason your council is declining" in body
    db.session.refresh(introduction)
    assert introduction.status is Status.PROPOSED and introduction.version == 1


def test_an_accept_with_a_bad_phone_number_is_refused_beside_the_field(client, people, councils, officers):  # type: ignore[no-untyped-def]
    introduction = propose(people, councils)
    path = f"/applications/introductions/{introduction.id}"
    sign_in(client, officers["ipswich"].email)
    page = client.get(path).get_data(as_text=True)
    refused = client.post(
        f"{path}/accept",
        data={
            "accept-csrf_token": csrf_token(client, path),
            "accept-version": page_version(page, "accept"),
            "accept-contact_name": "Sam Ortiz",
            "accept-contact_email": "sam.ortiz@ipswich.example.gov.uk",
            "accept-contact_phone": "call me",
        },
    )
    assert refused.status_code == 400
    assert 'href="#accept-contact_phone"' in refused.get_data(as_text=True)
    db.session.refresh(introduction)
    assert introduction.parties[1].consent is ConsentStatus.WAITING and introduction.parties[1].contact_email == ""


# Stale pages and illegal moves -----------------------------------------------------------------------


def test_an_answer_from_a_stale_page_is_refused_and_changes_nothing(people, councils, officers):  # type: ignore[no-untyped-def]
    introduction = propose(people, councils)
    drawn_at = introduction.version
    introductions.accept(introduction, actor=officers["ipswich"], contact=IPSWICH_CONTACT, expected_version=drawn_at)
    db.session.commit()
    with pytest.raises(StaleIntroductionError, match="changed this introduction"):
        introductions.accept(
            introduction, actor=officers["babergh"], contact=BABERGH_CONTACT, expected_version=drawn_at
        )
    db.session.rollback()
    db.session.refresh(introduction)
    assert introduction.parties[0].consent is ConsentStatus.WAITING
    assert introduction.status is Status.PROPOSED


def test_a_broker_step_from_a_stale_page_is_refused_on_the_page(client, people, councils, officers):  # type: ignore[no-untyped-def]
    introduction = propose(people, councils)
    introductions.accept(introduction, actor=officers["babergh"], contact=BABERGH_CONTACT, expected_version=None)
    introductions.accept(introduction, actor=officers["ipswich"], contact=IPSWICH_CONTACT, expected_version=None)
    db.session.commit()
    sign_in(client, people["programme"].email)
    path = f"/sharing/introductions/{introduction.id}"
    page = client.get(path).get_data(as_text=True)
    drawn_at = page_version(page, "close")
    introductions.start_discussion(introduction, actor=people["programme"], expected_version=None)
    db.session.commit()

    refused = client.post(
        f"{path}/close",
        data={"close-csrf_token": csrf_token(client, path), "close-version": drawn_at, "close-reason": "Gone quiet"},
    )
    assert refused.status_code == 409
    body = refused.get_data(as_text=True)
    assert "changed this introduction while you had the page open" in body and "Gone quiet" in body
    db.session.refresh(introduction)
    assert introduction.status is Status.IN_DISCUSSION


@pytest.mark.parametrize(
    ("reach", "action", "who", "message"),
    [
        ("proposed", "start_discussion", "programme", "that is proposed cannot be recorded as in discussion"),
        ("proposed", "record_agreement", "programme", "that is proposed cannot be recorded as agreed"),
        ("accepted", "record_agreement", "programme", "that is accepted by all cannot be recorded as agreed"),
        ("accepted", "accept", "babergh", "that is accepted by all cannot be accepted"),
        ("declined", "close", "programme", "that is declined cannot be closed"),
        ("declined", "start_discussion", "programme", "that is declined cannot be recorded as in discussion"),
        ("closed", "start_discussion", "programme", "that is closed cannot be recorded as in discussion"),
        ("proposed", "accept", "programme", "Only an officer of one of the councils"),
        ("proposed", "accept", "camden", "Only an officer of one of the councils"),
        ("accepted", "start_discussion", "babergh", "Only the LGA's programme team"),
        ("accepted", "start_discussion", "assessor", "Only the LGA's programme team"),
        ("half", "accept", "babergh", "Babergh has already accepted this introduction"),
    ],
)
def test_illegal_moves_are_refused_with_a_clear_message_and_change_nothing(  # type: ignore[no-untyped-def]
    people, councils, officers, reach, action, who, message
):
    introduction = propose(people, councils)
    if reach in ("half", "accepted"):
        introductions.accept(introduction, actor=officers["babergh"], contact=BABERGH_CONTACT, expected_version=None)
    if reach == "accepted":
        introductions.accept(introduction, actor=officers["ipswich"], contact=IPSWICH_CONTACT, expected_version=None)
    if reach == "declined":
        introductions.decline(introduction, actor=officers["ipswich"], reason="Not now", expected_version=None)
    if reach == "closed":
        introductions.close(introduction, actor=people["programme"], reason="Withdrawn", expected_version=None)
    db.session.commit()
    before = (introduction.status, introduction.version)
    actor = {**people, **officers}[who]

    with pytest.raises(IllegalMoveError, match=message):
        introductions.transition(
            introduction, action, actor, reason="A reason", contact=BABERGH_CONTACT, expected_version=None
        )
    db.session.rollback()
    db.session.refresh(introduction)
    assert (introduction.status, introduction.version) == before


def test_the_agreement_needs_a_summary_and_closing_before_agreement_needs_a_reason(people, councils, officers):  # type: ignore[no-untyped-def]
    introduction = propose(people, councils)
    with pytest.raises(IntroductionError, match="reason for closing") as refused:
        introductions.close(introduction, actor=people["programme"], reason="", expected_version=None)
    assert refused.value.field == "reason"
    db.session.rollback()
    introductions.accept(introduction, actor=officers["babergh"], contact=BABERGH_CONTACT, expected_version=None)
    introductions.accept(introduction, actor=officers["ipswich"], contact=IPSWICH_CONTACT, expected_version=None)
    introductions.start_discussion(introduction, actor=people["programme"], expected_version=None)
    db.session.commit()
    with pytest.raises(IntroductionError, match="summary of what the councils agreed") as refused:
        introductions.record_agreement(introduction, actor=people["programme"], summary=" ", expected_version=None)
    assert refused.value.field == "summary"
    db.session.rollback()
    introductions.record_agreement(introduction, actor=people["programme"], summary="Agreed", expected_version=None)
    introductions.close(introduction, actor=people["programme"], reason=None, expected_version=None)
    db.session.commit()
    assert introduction.status is Status.CLOSED and introduction.closed_at is not None


def test_every_change_is_audited_with_who_from_to_and_why(people, councils, officers):  # type: ignore[no-untyped-def]
    introduction = agreed(people, councils, officers)
    introductions.close(introduction, actor=people["programme"], reason=None, expected_version=None)
    db.session.commit()

    events = introductions.timeline(introduction)
    steps = [(e.action, e.actor_id, e.detail["from_status"], e.detail["to_status"]) for e in reversed(events)]
    assert steps == [
        ("introduction.propose", people["programme"].id, None, "proposed"),
        ("introduction.accept", officers["babergh"].id, "proposed", "proposed"),
        ("introduction.accept", officers["ipswich"].id, "proposed", "accepted"),
        ("introduction.start_discussion", people["programme"].id, "accepted", "in_discussion"),
        ("introduction.record_agreement", people["programme"].id, "in_discussion", "agreed"),
        ("introduction.close", people["programme"].id, "agreed", "closed"),
    ]
    assert [e.detail["version"] for e in reversed(events)] == [1, 2, 3, 4, 5, 6]
    assert events[1].detail["reason"] == "A shared waste service hosted by Ipswich from April."
    told = {e.to_address for e in emails("introduction_agreed")}
    assert told == {officers["babergh"].email, officers["ipswich"].email, people["programme"].email}


# Funding ---------------------------------------------------------------------------------------------


def test_introduction_reaches_agreement_only_after_both_accept_and_its_funding_application_can_be_approved(  # type: ignore[no-untyped-def]
    client, people, councils, officers, babergh_request
):
    introduction = propose(people, councils, request=babergh_request)
    introductions.accept(introduction, actor=officers["babergh"], contact=BABERGH_CONTACT, expected_version=None)
    db.session.commit()
    for step in ("start_discussion", "record_agreement"):
        with pytest.raises(IllegalMoveError, match="that is proposed cannot"):
            introductions.transition(introduction, step, people["programme"], reason="Agreed")
        db.session.rollback()
    introductions.accept(introduction, actor=officers["ipswich"], contact=IPSWICH_CONTACT, expected_version=None)
    introductions.start_discussion(introduction, actor=people["programme"], expected_version=None)
    introductions.record_agreement(
        introduction, actor=people["programme"], summary="Share waste, hosted by Ipswich.", expected_version=None
    )
    assert introduction.status is Status.AGREED
    path = f"/applications/introductions/{introduction.id}"
    ipswich_email = officers["ipswich"].email
    # Committed, and left alone until the pages have answered: a transaction the test held open
    # meanwhile would be rolled back over what the pages committed.
    db.session.commit()

    # Ipswich leads: Babergh's own request is still live in this one-per-council round.
    sign_in(client, ipswich_email)
    page = client.get(path).get_data(as_text=True)
    assert "Apply for funding" in page
    started = client.post(
        f"{path}/apply",
        data={"apply-csrf_token": csrf_token(client, path), "apply-version": page_version(page, "apply")},
    )
    assert started.status_code == 302
    db.session.refresh(introduction)
    application = introduction.funding_application
    assert application is not None and started.headers["Location"].endswith(f"/applications/{application.id}")
    assert application.lead_council_id == councils["ipswich"].id
    assert application.round.scheme.kind is SchemeKind.MATCHMAKING and application.status is ApplicationStatus.DRAFT
    assert [(p.council.name, p.status) for p in application.partners] == [("Babergh", PartnerStatus.INVITED)]
    assert application.answers["sharing"]["areas"] == ["waste", "planning"]
    assert "sharing" in application.sections_done and "Waste and recycling" in application.title
    assert {e.to_address for e in emails("partner_confirmation_requested")} == {officers["babergh"].email}
    [event] = audit("introduction.apply_for_funding")
    assert event.actor_id == officers["ipswich"].id and event.detail["application_id"] == application.id

    # A second application from the same introduction is refused, from either council.
    with pytest.raises(IntroductionError, match=f"already started an application.*{application.reference}"):
        introductions.apply_for_funding(introduction, actor=officers["babergh"], today=TODAY, expected_version=None)
    db.session.rollback()

    lead = officers["ipswich"]
    for section, answers, columns in (
        ("geography", {"reach": "neighbours", "detail": ""}, {}),
        ("funding", {"wanted": "expert", "amount": "15000"}, {"amount_requested_pence": 1_500_000}),
        (
            "contact",
            {"name": "Sam Ortiz", "job_title": "Director", "email": IPSWICH_CONTACT.email, "phone": "01473 432000"},
            {},
        ),
        ("declaration", {"chief_officer": "Rachel Vincent", "job_title": "Chief Executive", "confirmed": True}, {}),
    ):
        applications.save_section(
            application, section, answers, actor=lead, expected_version=application.version, columns=columns
        )
    db.session.commit()
    with pytest.raises(WorkflowError, match="Still to confirm: Babergh"):
        applications.submit(application, actor=lead, expected_version=None, today=TODAY)
    db.session.rollback()

    applications.respond_as_partner(application, actor=officers["babergh"], confirm=True)
    applications.submit(application, actor=lead, expected_version=None, today=TODAY)
    applications.check_eligibility(application, TODAY)
    assert application.eligibility_passed, application.eligibility_results
    applications.confirm_eligibility(application, actor=people["programme"], reason=None, expected_version=None)
    scored(application, people["assessor"])
    award = applications.approve(application, actor=people["approver"], expected_version=None)
    db.session.commit()
    assert application.status is ApplicationStatus.OFFERED and award.amount_pence == 1_500_000

    applications.accept_offer(
        application,
        actor=lead,
        signatory_name="Rachel Vincent",
        signatory_role="Chief Executive",
        expected_version=None,
    )
    db.session.commit()
    assert application.status is ApplicationStatus.EXPERT_MATCHING
    assert engagements.skills_wanted(application) == frozenset({Specialism.SHARED_SERVICES})

    # Both councils' pages point to the application.
    assert application.reference in client.get(path).get_data(as_text=True)


def test_funding_is_refused_when_no_round_is_open(client, people, councils, officers, session):  # type: ignore[no-untyped-def]
    shared_services_round(open_today=False)
    db.session.commit()
    introduction = agreed(people, councils, officers)
    with pytest.raises(IntroductionError, match="No round of the shared services scheme is open"):
        introductions.apply_for_funding(introduction, actor=officers["ipswich"], today=TODAY, expected_version=None)
    db.session.rollback()
    db.session.refresh(introduction)
    assert introduction.funding_application_id is None
    assert db.session.scalar(db.select(db.func.count()).select_from(Application)) == 0
    sign_in(client, officers["ipswich"].email)
    page = client.get(f"/applications/introductions/{introduction.id}").get_data(as_text=True)
    assert "No round of the shared services scheme is open" in page and 'name="apply-version"' not in page


def test_funding_needs_an_agreement_and_one_of_the_councils(people, councils, officers, funding_round):  # type: ignore[no-untyped-def]
    introduction = propose(people, councils, names=("babergh", "camden"))
    with pytest.raises(IllegalMoveError, match="must reach an agreement first"):
        introductions.apply_for_funding(introduction, actor=officers["babergh"], today=TODAY, expected_version=None)
    db.session.rollback()
    done = agreed(people, councils, officers)
    with pytest.raises(IllegalMoveError, match="Only an officer of one of the councils"):
        introductions.apply_for_funding(done, actor=officers["camden"], today=TODAY, expected_version=None)
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count()).select_from(Application)) == 0


def test_a_lead_with_its_own_request_in_the_round_can_still_apply_for_the_funding(  # type: ignore[no-untyped-def]
    client, people, councils, officers, babergh_request
):
    """The request found the partner; the funding application made from the agreement follows on
    from it, so it is not held to one application per council."""
    introduction = agreed(people, councils, officers, request=babergh_request)
    sign_in(client, officers["babergh"].email)
    path = f"/applications/introductions/{introduction.id}"
    page = client.get(path).get_data(as_text=True)
    made = client.post(
        f"{path}/apply",
        data={"apply-csrf_token": csrf_token(client, path), "apply-version": page_version(page, "apply")},
    )
    assert made.status_code == 302
    db.session.refresh(introduction)
    application = introduction.funding_application
    assert application is not None and application.lead_council_id == councils["babergh"].id
    assert application.id != babergh_request.id  # the request stays as it was
    results = {r.rule: r for r in applications.check_eligibility(application, TODAY)}
    assert results["one_per_council"].passed
    assert "agreed introduction" in results["one_per_council"].detail


# The staff's pages -----------------------------------------------------------------------------------


def test_a_broker_proposes_from_a_request_and_a_suggested_partner(client, people, councils, babergh_request):  # type: ignore[no-untyped-def]
    sign_in(client, people["programme"].email)
    path = f"/sharing/introductions/new?request_id={babergh_request.id}&council_id={councils['ipswich'].id}"
    page = client.get(path).get_data(as_text=True)
    assert "Babergh (E07000200)\nIpswich (E07000202)" in page
    assert re.search(r'value="waste"\s+checked', page) and re.search(r'value="planning"\s+checked', page)
    assert not re.search(r'value="legal"\s+checked', page)

    done = client.post(
        "/sharing/introductions/new",
        data={
            "csrf_token": csrf_token(client, path),
            "request_id": str(babergh_request.id),
            "councils": "Babergh (E07000200)\nIpswich (E07000202)",
            "service_areas": ["waste", "planning"],
            "note": "Neighbours with the same waste contractor.",
        },
    )
    assert done.status_code == 302
    introduction = db.session.scalars(db.select(Introduction)).one()
    assert done.headers["Location"].endswith(f"/sharing/introductions/{introduction.id}")
    assert introduction.parties[0].request_id == babergh_request.id
    assert introduction.proposed_by_id == people["programme"].id


def test_a_broker_chooses_councils_by_name_or_gss_code(client, people, councils):  # type: ignore[no-untyped-def]
    sign_in(client, people["programme"].email)
    done = client.post(
        "/sharing/introductions/new",
        data={
            "csrf_token": csrf_token(client, "/sharing/introductions/new"),
            "councils": "babergh\nE09000007\n",
            "service_areas": ["legal"],
            "note": "Both want a shared legal service.",
        },
    )
    assert done.status_code == 302
    introduction = db.session.scalars(db.select(Introduction)).one()
    assert [p.council.name for p in introduction.parties] == ["Babergh", "Camden"]
    assert introduction.service_areas == ["legal"]


def test_an_unknown_council_is_refused_beside_the_field_and_nothing_is_stored(client, people, councils):  # type: ignore[no-untyped-def]
    sign_in(client, people["programme"].email)
    refused = client.post(
        "/sharing/introductions/new",
        data={
            "csrf_token": csrf_token(client, "/sharing/introductions/new"),
            "councils": "Babergh\nAtlantis",
            "service_areas": ["legal"],
            "note": "",
        },
    )
    assert refused.status_code == 400
    body = refused.get_data(as_text=True)
    assert "govuk-error-summary" in body and "Atlantis" in body and 'href="#councils"' in body
    assert 'href="#note"' in body
    assert db.session.scalar(db.select(db.func.count()).select_from(Introduction)) == 0


def test_a_request_that_is_not_a_matchmaking_request_is_not_found(client, people, councils, waiting):  # type: ignore[no-untyped-def]
    sign_in(client, people["programme"].email)
    assert client.get(f"/sharing/introductions/new?request_id={waiting.id}").status_code == 404


def test_the_broker_walks_an_introduction_through_its_page(client, people, councils, officers):  # type: ignore[no-untyped-def]
    introduction = propose(people, councils)
    introductions.accept(introduction, actor=officers["babergh"], contact=BABERGH_CONTACT, expected_version=None)
    introductions.accept(introduction, actor=officers["ipswich"], contact=IPSWICH_CONTACT, expected_version=None)
    db.session.commit()
    sign_in(client, people["programme"].email)
    path = f"/sharing/introductions/{introduction.id}"
    elsewhere = client.get("/matching").get_data(as_text=True)
    assert re.search(r'href="/sharing/requests"[^>]*>\s*Shared services', elsewhere)
    # The shared-services pages lead to each other: requests, introductions and the map.
    requests_page = client.get("/sharing/requests").get_data(as_text=True)
    assert 'href="/sharing/introductions"' in requests_page and 'href="/sharing/register"' in requests_page

    page = client.get(path).get_data(as_text=True)
    assert (
        client.post(
            f"{path}/discussion",
            data={
                "discussion-csrf_token": csrf_token(client, path),
                "discussion-version": page_version(page, "discussion"),
            },
        ).status_code
        == 302
    )
    page = client.get(path).get_data(as_text=True)
    empty = client.post(
        f"{path}/agreement",
        data={
            "agreement-csrf_token": csrf_token(client, path),
            "agreement-version": page_version(page, "agreement"),
            "agreement-summary": "",
        },
    )
    assert empty.status_code == 400 and 'href="#agreement-summary"' in empty.get_data(as_text=True)
    db.session.refresh(introduction)
    assert introduction.status is Status.IN_DISCUSSION
    assert (
        client.post(
            f"{path}/agreement",
            data={
                "agreement-csrf_token": csrf_token(client, path),
                "agreement-version": page_version(page, "agreement"),
                "agreement-summary": "A shared planning team from April.",
            },
        ).status_code
        == 302
    )
    db.session.refresh(introduction)
    assert introduction.status is Status.AGREED
    assert introduction.agreement_summary == "A shared planning team from April."
    timeline = client.get(path).get_data(as_text=True)
    assert "Agreement recorded" in timeline and "Recorded as in discussion" in timeline

    listed = client.get("/sharing/introductions?status=agreed").get_data(as_text=True)
    assert f'href="/sharing/introductions/{introduction.id}"' in listed
    assert f'href="/sharing/introductions/{introduction.id}"' not in client.get(
        "/sharing/introductions?status=proposed"
    ).get_data(as_text=True)


def test_the_list_is_paginated(client, people, councils, session):  # type: ignore[no-untyped-def]
    extra = [Council(gss_code=f"E0700{n:04d}", name=f"District {n}", tier=councils["babergh"].tier) for n in range(27)]
    db.session.add_all(extra)
    db.session.flush()
    for council in extra:
        introductions.propose(
            [councils["babergh"], council], service_areas=["audit"], note="Why", actor=people["programme"]
        )
    db.session.commit()
    sign_in(client, people["programme"].email)
    first = client.get("/sharing/introductions").get_data(as_text=True)
    rows = re.compile(r'href="/sharing/introductions/\d+"')
    assert "27 introductions" in first and len(rows.findall(first)) == 25
    second = client.get("/sharing/introductions?page=2").get_data(as_text=True)
    assert len(rows.findall(second)) == 2


def test_staff_who_only_view_the_programme_see_introductions_but_cannot_act(client, people, councils, officers):  # type: ignore[no-untyped-def]
    introduction = propose(people, councils)
    sign_in(client, people["assessor"].email)
    path = f"/sharing/introductions/{introduction.id}"
    page = client.get(path)
    assert page.status_code == 200 and "What you can do" not in page.get_data(as_text=True)
    assert client.get("/sharing/introductions").status_code == 200
    assert client.get("/sharing/introductions/new").status_code == 403
    token = csrf_token(client, path)
    assert client.post(f"{path}/close", data={"close-csrf_token": token, "close-reason": "x"}).status_code == 403
    sign_out(client)
    sign_in(client, officers["babergh"].email)
    assert client.get(path).status_code == 403
    assert client.get("/sharing/introductions").status_code == 403


def test_what_an_agreed_introduction_shares_goes_on_the_map_from_its_page(client, people, councils, officers):  # type: ignore[no-untyped-def]
    from grants.models import SharedArrangement

    introduction = agreed(people, councils, officers)
    sign_in(client, people["programme"].email)
    page = client.get(f"/sharing/introductions/{introduction.id}").get_data(as_text=True)
    path = f"/sharing/introductions/{introduction.id}/arrangement"
    assert f'href="{path}"' in page and "Add what they agreed to the map" in page

    form = client.get(path).get_data(as_text=True)
    assert 'value="Babergh and Ipswich shared waste and recycling"' in form
    refused = client.post(path, data={"csrf_token": csrf_token(client, path), "name": "Suffolk revenues"})
    assert refused.status_code == 200 and "Enter the estimated annual savings" in refused.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(SharedArrangement)) == 0

    started = TODAY.replace(day=1)
    done = client.post(
        path,
        data={
            "csrf_token": csrf_token(client, path),
            "name": "Suffolk revenues partnership",
            "service_area": "revenues_and_benefits",
            "sharing_type": "services",
            "started_on": [str(started.day), str(started.month), str(started.year)],
            "estimated_annual_savings": "250,000",
        },
    )
    assert done.status_code == 302
    arrangement = db.session.scalar(db.select(SharedArrangement))
    assert arrangement is not None and arrangement.introduction_id == introduction.id
    assert sorted(c.council.name for c in arrangement.councils) == ["Babergh", "Ipswich"]
    assert arrangement.estimated_annual_savings_pence == 25_000_000
    again = client.get(f"/sharing/introductions/{introduction.id}").get_data(as_text=True)
    assert "Suffolk revenues partnership" in again and "Add what they agreed to the map" not in again
    twice = client.post(
        path,
        data={
            "csrf_token": csrf_token(client, path),
            "name": "A second entry",
            "service_area": "waste",
            "sharing_type": "services",
            "started_on": [str(started.day), str(started.month), str(started.year)],
            "estimated_annual_savings": "1",
        },
    )
    assert "This introduction is on the map already" in twice.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(SharedArrangement)) == 1
    client.delete_cookie("session")
    sign_in(client, officers["babergh"].email)
    assert client.get(path).status_code == 403


def test_a_partner_in_the_funding_application_is_asked_only_whether_it_takes_part(  # type: ignore[no-untyped-def]
    client, people, councils, officers, funding_round
):
    introduction = agreed(people, councils, officers)
    application = introductions.apply_for_funding(
        introduction, actor=officers["babergh"], today=TODAY, expected_version=None
    )
    db.session.commit()
    sign_in(client, officers["ipswich"].email)
    page = client.get(f"/applications/{application.id}/partner").get_data(as_text=True)
    assert "Will Ipswich take part?" in page
    assert "putting in" not in page and "share of the match" not in page
    # The lead's task list asks nothing of the partners' money either.
    client.delete_cookie("session")
    sign_in(client, officers["babergh"].email)
    tasks = client.get(f"/applications/{application.id}").get_data(as_text=True)
    assert "Partner councils and their answers" in tasks and "Share of the match" not in tasks
