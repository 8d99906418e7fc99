"""The staff's pages: the queues, an application's page, and each step staff take on it, driven
through the browser's requests on applications made by the workflow's own operations."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from flask.testing import FlaskClient

from grants.extensions import db
from grants.models import (
    Application,
    ApplicationPartner,
    ApplicationStatus,
    Council,
    FundingRound,
    Role,
    User,
    UserRole,
)
from tests.builders.applications import drafted, scored, submitted
from tests.builders.rounds import SERVICE_LEVELS, behavioural_insights, expert_grant_round, open_round
from tests.support.client import csrf_token, post_form, sign_out, signed_in_as
from tests.support.database import counting_statements
from workflows import applications

S = ApplicationStatus


# Setting up ----------------------------------------------------------------------------------------


@pytest.fixture
def people(make_user, session):  # type: ignore[no-untyped-def]
    both = make_user(Role.APPROVER, email="both@lga.example.gov.uk", name="Sam Both")
    both.role_links.append(UserRole(role=Role.ASSESSOR))
    db.session.commit()
    return {
        "officer": make_user(Role.COUNCIL_OFFICER, email="priya@babergh.example.gov.uk", name="Priya Shah"),
        "ipswich": make_user(
            Role.COUNCIL_OFFICER, email="jo@ipswich.example.gov.uk", name="Jo Ipswich", council="ipswich"
        ),
        "camden": make_user(Role.COUNCIL_OFFICER, email="al@camden.example.gov.uk", name="Al Camden", council="camden"),
        "programme": make_user(Role.PROGRAMME_OFFICER, email="tom@lga.example.gov.uk", name="Tom Okafor"),
        "assessor": make_user(Role.ASSESSOR, email="hannah@lga.example.gov.uk", name="Hannah Lewis"),
        "assessor2": make_user(Role.ASSESSOR, email="dev@lga.example.gov.uk", name="Dev Patel"),
        "approver": make_user(Role.APPROVER, email="margaret@lga.example.gov.uk", name="Margaret Doyle"),
        "expert": make_user(Role.EXPERT, email="kim@experts.example.com", name="Kim Expert"),
        "both": both,
    }


@pytest.fixture
def funding_round(session):  # type: ignore[no-untyped-def]
    return expert_grant_round()


def in_assessment(funding_round: FundingRound, council: Council, people: dict[str, User]) -> Application:
    application = submitted(
        funding_round, council, people["officer"] if council.name == "Babergh" else people["ipswich"]
    )
    applications.confirm_eligibility(application, actor=people["programme"], reason=None, expected_version=None)
    db.session.commit()
    return application


def awaiting_decision(funding_round: FundingRound, council: Council, people: dict[str, User]) -> Application:
    application = in_assessment(funding_round, council, people)
    scored(application, people["assessor"], score=4)
    scored(application, people["assessor2"], score=5)
    db.session.commit()
    return application


def fresh(application: Application) -> Application:
    """The application as the requests left it (they run in sessions of their own)."""
    db.session.expire_all()
    found = db.session.get(Application, application.id)
    assert found is not None
    return found


def page_of(application: Application) -> str:
    return f"/review/applications/{application.id}"


def act(client: FlaskClient, application: Application, step: str, prefix: str, data: dict[str, object]):  # type: ignore[no-untyped-def]
    """Post one of the application page's forms as a browser does: the CSRF token and the version
    come from the page (the version from the form itself when the page shows it)."""
    page = client.get(page_of(application)).get_data(as_text=True)
    shown = re.search(rf'name="{prefix}-version" type="hidden" value="(\d+)"', page)
    version = shown.group(1) if shown else str(fresh(application).version)
    token = csrf_token(client, page_of(application))
    fields = {f"{prefix}-{name}": value for name, value in data.items()}
    return client.post(
        f"{page_of(application)}/{step}",
        data={f"{prefix}-csrf_token": token, f"{prefix}-version": version, **fields},
    )


def text(response) -> str:  # type: ignore[no-untyped-def]
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


# The queues ----------------------------------------------------------------------------------------


def test_the_queues_list_applications_by_stage_and_filter_them(client, people, councils, funding_round):  # type: ignore[no-untyped-def]
    waiting = submitted(funding_round, councils["babergh"], people["officer"])
    assessing = in_assessment(funding_round, councils["ipswich"], people)
    assessing.stage_due_on = date.today() - timedelta(days=1)
    db.session.commit()
    other_round = expert_grant_round(code="commercial-skills")
    other_scheme = other_round.scheme
    other_scheme.name = "Commercial Skills"
    db.session.commit()

    signed_in_as(client, people["programme"])
    everything = text(client.get("/review"))
    assert waiting.reference in everything and assessing.reference in everything
    assert "Babergh" in everything and "Ipswich" in everything and "Commercial waste review" in everything
    assert "Productivity Experts: 2026/27" in everything and "£6,000" in everything
    assert "Eligibility check (1)" in everything and "In assessment (1)" in everything and "All (2)" in everything
    assert len(re.findall(r">\s*Overdue\s*<", everything)) == 1

    eligibility = text(client.get("/review?status=submitted"))
    assert waiting.reference in eligibility and assessing.reference not in eligibility
    assert 'aria-current="page">Eligibility check (1)' in eligibility

    overdue = text(client.get("/review?overdue=yes"))
    assert assessing.reference in overdue and waiting.reference not in overdue
    assert "Overdue" in overdue

    by_council = text(client.get("/review?q=ipsw"))
    assert assessing.reference in by_council and waiting.reference not in by_council
    by_reference = text(client.get(f"/review?q={waiting.reference.lower()}"))
    assert waiting.reference in by_reference and assessing.reference not in by_reference

    assert waiting.reference in text(client.get(f"/review?scheme={funding_round.scheme_id}"))
    assert "No application matches" in text(client.get(f"/review?scheme={other_scheme.id}"))
    assert "No application matches" in text(client.get(f"/review?round={other_round.id}"))
    assert "No application matches" in text(client.get("/review?status=offered"))
    # Nonsense in the query string is ignored rather than an error.
    assert client.get("/review?status=nonsense&scheme=x&round=-1&page=abc").status_code == 200


def test_the_queue_pages_twenty_five_at_a_time_in_a_fixed_number_of_statements(  # type: ignore[no-untyped-def]
    client, people, councils, funding_round
):
    def statements_for(path: str) -> int:
        client.get(path)  # anything done once per process is done before counting
        with counting_statements() as seen:
            response = client.get(path)
        assert response.status_code == 200
        return len(seen)

    # Thirty applications from one council: a scheme that takes more than one from each.
    funding_round.scheme.one_per_council_per_round = False

    def submit_more(n: int) -> None:
        for _ in range(n):
            application = drafted(funding_round, councils["babergh"], people["officer"])
            applications.submit(application, actor=people["officer"], expected_version=None, today=date.today())
        db.session.commit()

    submit_more(3)
    signed_in_as(client, people["programme"])
    with_three = statements_for("/review")
    assert with_three > 0
    submit_more(27)
    with_thirty = statements_for("/review")
    assert with_thirty == with_three

    first = text(client.get("/review"))
    assert first.count("/review/applications/") == 25 and "30 applications" in first
    second = text(client.get("/review?page=2"))
    assert second.count("/review/applications/") == 5


def test_only_staff_reach_the_queues(client, people):  # type: ignore[no-untyped-def]
    for role in ("officer", "camden", "expert"):
        signed_in_as(client, people[role])
        assert client.get("/review").status_code == 403
    sign_out(client)
    anonymous = client.get("/review")
    assert anonymous.status_code == 302 and anonymous.headers["Location"].startswith("/sign-in")


# One application -----------------------------------------------------------------------------------


def match_funding_round() -> FundingRound:
    """Behavioural Insights phase 2: up to £30,000, matched at least pound for pound, joint bids."""
    return open_round(
        behavioural_insights(service_levels=SERVICE_LEVELS, criterion=("evidence", "Strength of the evidence")),
        name="Phase 2",
        opened_days_ago=10,
        closes_in_days=10,
        budget_pence=30_000_000,
    )


MATCH_FUNDING_ANSWERS = {
    "project": ({"title": "Homelessness prevention trial", "problem": "Rising demand"}, {"title": "Nudge letters"}),
    "outcomes": ({"outcomes": "Fewer people becoming homeless\nFaster first contact"}, {}),
    "funding": ({"amount": "30000", "match": "20000"}, {"amount_requested_pence": 3_000_000, "match_pence": 2_000_000}),
    "partners": ({"partners": ["Camden"]}, {}),
    "contact": ({"name": "Priya Shah", "email": "p@example.gov.uk"}, {}),
    "declaration": ({"chief_officer": "Arthur Charvonia", "confirmed": True}, {}),
}


def test_an_applications_page_shows_everything_known_about_it(client, people, councils, session):  # type: ignore[no-untyped-def]
    officer = people["officer"]
    funding_round = match_funding_round()
    application = applications.start_application(
        funding_round, council=councils["babergh"], actor=officer, today=date.today()
    )
    for section, (answers, columns) in MATCH_FUNDING_ANSWERS.items():
        applications.save_section(
            application, section, answers, actor=officer, expected_version=application.version, columns=columns
        )
    applications.set_partners(
        application, {councils["camden"]: 1_000_000}, actor=officer, expected_version=application.version
    )
    applications.respond_as_partner(application, actor=people["camden"], confirm=True)
    applications.submit(application, actor=officer, expected_version=None, today=date.today())
    db.session.commit()
    db.session.refresh(application)
    assert application.eligibility_passed is True
    applications.confirm_eligibility(
        application, actor=people["programme"], reason="Checked the match", expected_version=None
    )
    applications.assess(
        application,
        actor=people["assessor"],
        scores={"evidence": (3, "Sound trial design\nGood baseline data")},
        recommendation="approve",
        comments="A strong joint bid",
    )
    db.session.commit()

    signed_in_as(client, people["approver"])
    page = text(client.get(page_of(application)))
    assert "Nudge letters" in page and "Babergh" in page
    assert "Camden: Confirmed, match share £10,000" in page
    assert "Behavioural Insights" in page and "Phase 2" in page
    assert "£30,000" in page and "£20,000" in page
    assert "Cashable savings: Not given" in page
    # The answers, section by section of the scheme's form.
    assert "Outcomes and how you will measure them" in page
    assert "Fewer people becoming homeless<br>Faster first contact" in page
    assert "Chief officer" in page and "Arthur Charvonia" in page
    # Eligibility: each rule and the verdict.
    assert "The automated check passed" in page
    assert "Match funding" in page and "Partner councils confirmed" in page and "Passed" in page
    # The assessment and the combined score.
    assert "Hannah Lewis" in page and "Strength of the evidence" in page and "3 out of 5" in page
    assert "Sound trial design<br>Good baseline data" in page and "A strong joint bid" in page
    assert "Combined score: <strong>60.0%</strong>" in page
    # The timeline: who, what, from and to, and why.
    assert "Eligibility confirmed" in page and "Tom Okafor" in page and "Checked the match" in page
    assert "Submitted → In assessment" in page and "In assessment → Awaiting decision" in page
    assert "Partner confirmed" in page and "The service" in page
    # The approver sees the decision with each assessor's recommendation.
    assert "What each assessor recommends" in page and "Approve" in page
    assert 'name="approve-version"' in page


def test_a_draft_and_a_missing_application_are_not_found(client, people, councils, funding_round):  # type: ignore[no-untyped-def]
    draft = drafted(funding_round, councils["babergh"], people["officer"])
    db.session.commit()
    signed_in_as(client, people["programme"])
    assert client.get(page_of(draft)).status_code == 404
    assert client.get("/review/applications/999999").status_code == 404
    assert client.get("/review/applications/999999/offer-letter").status_code == 404


# Eligibility ---------------------------------------------------------------------------------------


def test_a_programme_officer_confirms_eligibility(client, people, councils, funding_round):  # type: ignore[no-untyped-def]
    application = submitted(funding_round, councils["babergh"], people["officer"])
    signed_in_as(client, people["programme"])
    page = text(client.get(page_of(application)))
    assert "Confirm eligibility" in page and "Mark as not eligible" in page and "Ask the council for changes" in page
    assert "Approve and make the offer" not in page

    confirmed = act(client, application, "confirm-eligibility", "confirm", {"reason": ""})
    assert confirmed.status_code == 302
    assert fresh(application).status is S.IN_ASSESSMENT
    assert "is eligible and ready for assessment" in text(client.get(confirmed.headers["Location"]))


def test_overriding_a_failed_check_needs_a_reason(client, people, councils, funding_round):  # type: ignore[no-untyped-def]
    # Two drafts begun at the same moment both get past the start page's one-per-council check;
    # the eligibility check catches the second.
    first = drafted(funding_round, councils["babergh"], people["officer"])
    funding_round.scheme.one_per_council_per_round = False
    second = drafted(funding_round, councils["babergh"], people["officer"])
    funding_round.scheme.one_per_council_per_round = True
    for application in (first, second):
        applications.submit(application, actor=people["officer"], expected_version=None, today=date.today())
        db.session.commit()
    db.session.refresh(second)
    assert second.eligibility_passed is False
    signed_in_as(client, people["programme"])
    page = text(client.get(page_of(second)))
    assert "The automated check failed" in page and "One live application per council in the round" in page
    assert "Why are you overriding the failed check?" in page

    refused = act(client, second, "confirm-eligibility", "confirm", {"reason": "  "})
    assert refused.status_code == 400
    body = text(refused)
    assert "There is a problem" in body and "give the reason for overriding it" in body
    assert 'href="#confirm-reason"' in body and 'id="confirm-reason-error"' in body
    assert fresh(second).status is S.SUBMITTED

    overridden = act(client, second, "confirm-eligibility", "confirm", {"reason": "The first was withdrawn by phone"})
    assert overridden.status_code == 302
    assert fresh(second).status is S.IN_ASSESSMENT
    assert fresh(second).events[-1].reason == "The first was withdrawn by phone"


def test_marking_an_application_not_eligible_needs_a_reason(client, people, councils, funding_round, mailbox):  # type: ignore[no-untyped-def]
    application = submitted(funding_round, councils["babergh"], people["officer"])
    signed_in_as(client, people["programme"])
    refused = act(client, application, "mark-ineligible", "ineligible", {"reason": ""})
    assert refused.status_code == 400 and "Give a reason" in text(refused)
    assert fresh(application).status is S.SUBMITTED

    done = act(client, application, "mark-ineligible", "ineligible", {"reason": "Not a council in England"})
    assert done.status_code == 302
    assert fresh(application).status is S.INELIGIBLE
    page = text(client.get(page_of(application)))
    assert "is marked as not eligible" in page and "Not a council in England" in page
    assert "There is nothing for you to do on this application now" in page


def test_a_stale_form_is_refused_and_the_page_shows_the_application_as_it_is_now(
    client, people, councils, funding_round
):  # type: ignore[no-untyped-def]
    application = submitted(funding_round, councils["babergh"], people["officer"])
    signed_in_as(client, people["programme"])
    token = csrf_token(client, page_of(application))
    stale_version = fresh(application).version - 1
    refused = client.post(
        f"{page_of(application)}/request-changes",
        data={"changes-csrf_token": token, "changes-version": str(stale_version), "changes-reason": "Add a budget"},
    )
    assert refused.status_code == 409
    body = text(refused)
    assert "Someone else changed this application" in body
    assert f'name="changes-version" type="hidden" value="{fresh(application).version}"' in body
    assert "Add a budget" in body  # what they typed is kept
    assert fresh(application).status is S.SUBMITTED


def test_a_programme_officer_asks_for_changes(client, people, councils, funding_round):  # type: ignore[no-untyped-def]
    application = submitted(funding_round, councils["babergh"], people["officer"])
    signed_in_as(client, people["programme"])
    assert act(client, application, "request-changes", "changes", {"reason": ""}).status_code == 400
    done = act(client, application, "request-changes", "changes", {"reason": "Say which services"})
    assert done.status_code == 302
    assert fresh(application).status is S.CHANGES_REQUESTED
    assert "Changes requested on" in text(client.get(page_of(application)))
    assert application.reference in text(client.get("/review?status=changes_requested"))


# Scoring -------------------------------------------------------------------------------------------


def _scores(score: str = "4", **extra: str) -> dict[str, str]:
    return {
        "score_0": score,
        "justification_0": "Savings are well evidenced",
        "score_1": score,
        "justification_1": "A clear plan",
        "recommendation": "approve",
        "comments": "",
        **extra,
    }


def test_two_assessors_score_and_the_second_sends_it_for_a_decision(client, people, councils, funding_round):  # type: ignore[no-untyped-def]
    application = in_assessment(funding_round, councils["babergh"], people)
    path = f"{page_of(application)}/assess"

    signed_in_as(client, people["assessor"])
    assert "Score this application" in text(client.get(page_of(application)))
    form = text(client.get(path))
    assert "Scale of the savings" in form and "Quality of the approach" in form
    assert "Weight 3" in form and 'name="score_0" type="radio" value="5"' in form
    assert "What do you recommend?" in form

    incomplete = post_form(client, path, {"score_0": "3", "justification_0": "", "recommendation": ""})
    assert incomplete.status_code == 400
    body = text(incomplete)
    assert "Justify the score for Scale of the savings" in body
    assert "Select a score for Quality of the approach" in body and "Choose a recommendation" in body
    assert fresh(application).assessments == []

    out_of_range = post_form(client, path, _scores("9"))
    assert out_of_range.status_code == 400 and "from 0 to 5" in text(out_of_range)

    first = post_form(client, path, _scores("4"))
    assert first.status_code == 302
    assert fresh(application).status is S.IN_ASSESSMENT
    page = text(client.get(page_of(application)))
    assert "Your scores for" in page and "You scored this application on" in page
    assert client.get(path).status_code == 302  # nothing more to score
    assert post_form(client, path, _scores("4"), token_from=page_of(application)).status_code == 400

    signed_in_as(client, people["assessor2"])
    second = post_form(client, path, _scores("5", recommendation="changes", comments="Tighten the plan"))
    assert second.status_code == 302
    assert fresh(application).status is S.AWAITING_DECISION
    page = text(client.get(page_of(application)))
    assert "ready for a decision" in page
    assert "Combined score: <strong>90.0%</strong>" in page
    assert "80.0%" in page and "100.0%" in page and "Ask the council for changes" in page


def test_only_an_assessor_reaches_the_scoring_page(client, people, councils, funding_round):  # type: ignore[no-untyped-def]
    application = in_assessment(funding_round, councils["babergh"], people)
    for role in ("programme", "approver", "officer", "expert"):
        signed_in_as(client, people[role])
        assert client.get(f"{page_of(application)}/assess").status_code == 403


# The decision --------------------------------------------------------------------------------------


def test_an_approver_approves_and_the_money_is_committed(client, people, councils, funding_round, mailbox):  # type: ignore[no-untyped-def]
    application = awaiting_decision(funding_round, councils["babergh"], people)
    signed_in_as(client, people["approver"])
    page = text(client.get(page_of(application)))
    assert "Decision" in page and "Combined score: <strong>90.0%</strong>" in page
    assert "Hannah Lewis" in page and "Dev Patel" in page and "What each assessor recommends" in page
    assert "Approving commits £6,000 of the round's £180,000 left" in page

    approved = act(client, application, "approve", "approve", {"conditions": "Report outcomes at 6 months"})
    assert approved.status_code == 302
    application = fresh(application)
    assert application.status is S.OFFERED
    assert application.award is not None and application.award.amount_pence == 600_000
    assert application.award.conditions == "Report outcomes at 6 months"
    assert db.session.get(FundingRound, funding_round.id).committed_pence == 600_000
    page = text(client.get(page_of(application)))
    assert "is approved: an offer of £6,000 has been made" in page
    assert "Margaret Doyle" in page and "Not yet accepted" in page and "View the offer letter" in page
    assert application.reference in text(client.get("/review?status=offered"))

    letter = text(client.get(f"{page_of(application)}/offer-letter"))
    assert "Offer of a grant: Productivity Experts" in letter
    assert "Babergh" in letter and application.reference in letter and "£6,000" in letter
    assert "Report outcomes at 6 months" in letter and "Margaret Doyle" in letter
    assert "Not yet accepted" in letter and "print command" in letter
    assert "window.print" not in letter and "onclick" not in letter  # the print button works from a script file


def test_approval_beyond_the_budget_shows_why_and_commits_nothing(client, people, councils, session):  # type: ignore[no-untyped-def]
    funding_round = expert_grant_round(budget_pence=500_000)
    application = awaiting_decision(funding_round, councils["babergh"], people)
    signed_in_as(client, people["approver"])
    refused = act(client, application, "approve", "approve", {"conditions": ""})
    assert refused.status_code == 400
    assert "The round has £5,000.00 left, and this award needs £6,000.00" in text(refused)
    assert fresh(application).status is S.AWAITING_DECISION and fresh(application).award is None
    assert db.session.get(FundingRound, funding_round.id).committed_pence == 0


def test_an_approver_who_scored_an_application_cannot_decide_it(client, people, councils, funding_round):  # type: ignore[no-untyped-def]
    application = in_assessment(funding_round, councils["babergh"], people)
    scored(application, people["both"])
    scored(application, people["assessor"])
    db.session.commit()
    signed_in_as(client, people["both"])
    page = text(client.get(page_of(application)))
    assert "Approve and make the offer" not in page and "Reject application" not in page
    assert "You scored this application, so someone else must decide it" in page

    refused = act(client, application, "approve", "approve", {"conditions": ""})
    assert refused.status_code == 409 and "You cannot do that to this application" in text(refused)
    assert fresh(application).award is None
    assert db.session.get(FundingRound, funding_round.id).committed_pence == 0
    assert act(client, application, "reject", "reject", {"reason": "No"}).status_code == 409


@pytest.mark.parametrize("tie", ["works_for_the_lead_council", "works_for_a_partner_council", "made_it"])
def test_no_one_decides_an_application_they_applied_for(client, people, councils, funding_round, tie):  # type: ignore[no-untyped-def]
    application = awaiting_decision(funding_round, councils["babergh"], people)
    approver = people["both"]
    if tie == "works_for_the_lead_council":
        approver.council = councils["babergh"]
    elif tie == "works_for_a_partner_council":
        application.partners.append(ApplicationPartner(council=councils["ipswich"]))
        approver.council = councils["ipswich"]
    else:
        application.created_by = approver
    db.session.commit()
    signed_in_as(client, approver)
    page = text(client.get(page_of(application)))
    assert "Approve and make the offer" not in page and "Reject application" not in page
    assert "You or your council applied for this, so someone else must score and decide it" in page

    refused = act(client, application, "approve", "approve", {"conditions": ""})
    assert refused.status_code == 409 and "You cannot do that to this application" in text(refused)
    assert act(client, application, "reject", "reject", {"reason": "No"}).status_code == 409
    assert fresh(application).status is ApplicationStatus.AWAITING_DECISION and fresh(application).award is None
    assert db.session.get(FundingRound, funding_round.id).committed_pence == 0
    # Someone with no part in it decides it.
    signed_in_as(client, people["approver"])
    assert act(client, application, "approve", "approve", {"conditions": ""}).status_code == 302
    assert fresh(application).award is not None


def test_no_one_scores_an_application_their_council_applied_for(client, people, councils, funding_round):  # type: ignore[no-untyped-def]
    application = in_assessment(funding_round, councils["babergh"], people)
    assessor = people["assessor"]
    assessor.council = councils["babergh"]
    db.session.commit()
    signed_in_as(client, assessor)
    assert "Score this application" not in text(client.get(page_of(application)))
    assert client.get(f"{page_of(application)}/assess").status_code == 302  # back to the page, told why
    with pytest.raises(applications.IllegalMoveError, match="you or your council applied for"):
        scored(application, assessor)
    db.session.rollback()
    assert fresh(application).assessments == []


def test_rejecting_needs_a_reason(client, people, councils, funding_round, mailbox):  # type: ignore[no-untyped-def]
    application = awaiting_decision(funding_round, councils["babergh"], people)
    signed_in_as(client, people["approver"])
    refused = act(client, application, "reject", "reject", {"reason": ""})
    assert refused.status_code == 400 and "Give a reason" in text(refused)
    assert 'id="reject-reason-error"' in text(refused)
    assert fresh(application).status is S.AWAITING_DECISION

    done = act(client, application, "reject", "reject", {"reason": "The savings are not evidenced"})
    assert done.status_code == 302
    assert fresh(application).status is S.REJECTED
    assert "is rejected" in text(client.get(page_of(application)))


def test_an_approver_can_ask_for_changes_instead(client, people, councils, funding_round):  # type: ignore[no-untyped-def]
    application = awaiting_decision(funding_round, councils["babergh"], people)
    signed_in_as(client, people["approver"])
    done = act(client, application, "request-changes", "changes", {"reason": "Show the baseline"})
    assert done.status_code == 302
    assert fresh(application).status is S.CHANGES_REQUESTED


# Payments ------------------------------------------------------------------------------------------


def test_payments_are_recorded_against_an_accepted_award_and_never_exceed_it(client, people, councils, funding_round):  # type: ignore[no-untyped-def]
    application = awaiting_decision(funding_round, councils["babergh"], people)
    applications.approve(application, actor=people["approver"], expected_version=None)
    db.session.commit()
    signed_in_as(client, people["programme"])
    assert "Record a payment" not in text(client.get(page_of(application)))  # not yet accepted

    application = fresh(application)
    applications.accept_offer(
        application,
        actor=people["officer"],
        signatory_name="Arthur Charvonia",
        signatory_role="Chief Executive",
        expected_version=None,
    )
    db.session.commit()
    page = text(client.get(page_of(application)))
    assert "Record a payment" in page and "£6,000.00 of the award is still to pay" in page

    today = date.today()
    when = {"paid_on": [str(today.day), str(today.month), str(today.year)]}
    bad = act(
        client, application, "payments", "payment", {"amount": "lots", "paid_on": ["31", "2", "2026"], "reference": ""}
    )
    assert bad.status_code == 400
    body = text(bad)
    assert "Enter the amount in pounds and pence" in body and "Date paid must be a real date" in body
    assert "Enter the payment reference" in body
    # A date posted as one value (not from the page's three boxes) is refused, not a server error.
    one_value = act(
        client, application, "payments", "payment", {"amount": "1", "paid_on": "2026-03-01", "reference": "X"}
    )
    assert one_value.status_code == 400 and "Date paid must be a real date" in text(one_value)

    too_much = act(client, application, "payments", "payment", {"amount": "6,000.01", **when, "reference": "BACS 1"})
    assert too_much.status_code == 400 and "Only £6,000.00 of this award is unpaid" in text(too_much)

    paid = act(client, application, "payments", "payment", {"amount": "£4,000.50", **when, "reference": "BACS 1"})
    assert paid.status_code == 302
    award = fresh(application).award
    assert award is not None and award.paid_pence == 400_050 and award.payments[0].reference == "BACS 1"
    page = text(client.get(page_of(application)))
    assert "Payment of £4,000.50 recorded" in page and "£1,999.50 of the award is still to pay" in page
    assert "Payment recorded" in page  # in the timeline

    letter = text(client.get(f"{page_of(application)}/offer-letter"))
    assert "Accepted for Babergh on" in letter and "Arthur Charvonia, Chief Executive" in letter


# Who may do what -----------------------------------------------------------------------------------

STEPS = {
    "confirm-eligibility": "confirm",
    "mark-ineligible": "ineligible",
    "request-changes": "changes",
    "approve": "approve",
    "reject": "reject",
    "payments": "payment",
}

# The steps each person's roles do not allow at all: refused before anything is looked at.
REFUSED = {
    "officer": set(STEPS),
    "camden": set(STEPS),
    "expert": set(STEPS),
    "assessor": set(STEPS),
    "approver": {"confirm-eligibility", "mark-ineligible", "payments"},
    "programme": {"approve", "reject"},
}


@pytest.mark.parametrize("who", sorted(REFUSED))
def test_each_role_is_refused_the_steps_it_may_not_take(client, people, councils, funding_round, who):  # type: ignore[no-untyped-def]
    application = awaiting_decision(funding_round, councils["babergh"], people)
    signed_in_as(client, people[who])
    token = csrf_token(client, "/home")
    for step in REFUSED[who]:
        prefix = STEPS[step]
        response = client.post(
            f"{page_of(application)}/{step}",
            data={
                f"{prefix}-csrf_token": token,
                f"{prefix}-version": str(fresh(application).version),
                f"{prefix}-reason": "x",
            },
        )
        assert response.status_code == 403, step
    assert fresh(application).status is S.AWAITING_DECISION


def test_a_council_officer_cannot_see_the_staff_pages_of_their_own_application(client, people, councils, funding_round):  # type: ignore[no-untyped-def]
    application = submitted(funding_round, councils["babergh"], people["officer"])
    signed_in_as(client, people["officer"])
    assert client.get(page_of(application)).status_code == 403
    assert client.get(f"{page_of(application)}/offer-letter").status_code == 403


def test_staff_read_the_answers_as_the_council_gave_them_not_as_stored(client, people, councils, funding_round):  # type: ignore[no-untyped-def]
    application = submitted(funding_round, councils["babergh"], people["officer"])
    signed_in_as(client, people["programme"])
    page = text(client.get(page_of(application)))
    assert "Waste and recycling" in page
    assert "Commercialisation and income generation" in page
    assert ">waste<" not in page and ">commercialisation<" not in page
