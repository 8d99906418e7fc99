"""A council officer's applications through the pages: starting, filling in each section, coming
back to a draft, checking and submitting, joint bids confirmed by partners, withdrawing, and
answering an offer. Nothing is kept when a page refuses what was typed."""

from __future__ import annotations

import html
from datetime import date
from typing import Any

import pytest
from flask.testing import FlaskClient

from grants.extensions import db
from grants.models import (
    Application,
    ApplicationStatus,
    FundingRound,
    PartnerStatus,
    Role,
)
from tests.builders.applications import drafted, scored
from tests.builders.rounds import behavioural_insights, expert_grant_round, matchmaking, open_round
from tests.support.client import sign_in
from tests.support.html import hidden_fields
from workflows import applications

S = ApplicationStatus

PROJECT = {
    "title": "Commercial waste review",
    "service_area": "waste",
    "problem": "The cost of collecting commercial waste has risen by a fifth in two years.",
    "approach": "An expert reviews our pricing and rounds, and trains our team to keep it up.",
}
EXPERTISE = {"skills": ["commercialisation", "waste_and_environment"], "detail": "Pricing trade waste services."}
SAVINGS = {"cashable": "120,000", "income": "80000.50", "avoided": "0", "months": "12"}
CONTACT = {
    "name": "Priya Shah",
    "job_title": "Head of Waste",
    "email": "priya@babergh.example.gov.uk",
    "phone": "01473 822 801",
}
DECLARATION = {"chief_officer": "Arthur Charvonia", "job_title": "Chief Executive", "confirmed": "y"}


# Helpers ------------------------------------------------------------------------------------------------


def fill(client: FlaskClient, path: str, data: dict[str, Any], *, post_to: str | None = None):  # type: ignore[no-untyped-def]
    """Open a page and send its form as a browser would: its hidden fields with the answers."""
    page = client.get(path)
    assert page.status_code == 200, f"{path} answered {page.status_code}"
    return client.post(post_to or path, data={**hidden_fields(page.get_data(as_text=True)), **data})


def text(response) -> str:  # type: ignore[no-untyped-def]
    return response.get_data(as_text=True)


def reload(application: Application) -> Application:
    db.session.expire_all()
    found = db.session.get(Application, application.id)
    assert found is not None
    return found


def start(client: FlaskClient, funding_round: FundingRound) -> Application:
    response = fill(client, "/applications", {}, post_to=f"/applications/start/{funding_round.id}")
    assert response.status_code == 302
    application_id = int(response.headers["Location"].rsplit("/", 1)[1])
    found = db.session.get(Application, application_id)
    assert found is not None
    return found


def match_funding_round() -> FundingRound:
    """Behavioural Insights match funding: up to £30,000, matched pound for pound, joint bids."""
    funding_round = open_round(
        behavioural_insights(
            name="Behavioural Insights match funding",
            summary="Up to £30,000, matched at least pound for pound by the council.",
            uses_experts=True,
            assessments_required=2,
            service_levels={"submitted": 5},
        ),
        opened_days_ago=10,
        closes_in_days=40,
        budget_pence=300_000_00,
    )
    db.session.commit()
    return funding_round


def matchmaking_round() -> FundingRound:
    funding_round = open_round(
        matchmaking(
            summary="Help to find partner councils to share services or a management team with.",
            one_per_council_per_round=False,
        ),
        opened_days_ago=10,
        closes_in_days=40,
        budget_pence=200_000_00,
    )
    db.session.commit()
    return funding_round


@pytest.fixture
def officer(make_user):  # type: ignore[no-untyped-def]
    return make_user(Role.COUNCIL_OFFICER, email="priya@babergh.example.gov.uk", name="Priya Shah")


@pytest.fixture
def expert_round(session):  # type: ignore[no-untyped-def]
    funding_round = expert_grant_round()
    db.session.commit()
    return funding_round


@pytest.fixture
def signed_in(client, officer):  # type: ignore[no-untyped-def]
    sign_in(client, officer.email)
    return client


def complete_fixed_grant(client: FlaskClient, application: Application) -> None:
    base = f"/applications/{application.id}/sections"
    for key, answers in [
        ("project", PROJECT),
        ("expertise", EXPERTISE),
        ("savings", SAVINGS),
        ("contact", CONTACT),
        ("declaration", DECLARATION),
    ]:
        response = fill(client, f"{base}/{key}", answers)
        assert response.status_code == 302, f"{key}: {text(response)}"
        assert response.headers["Location"] == f"/applications/{application.id}"


# The whole journey -----------------------------------------------------------------------------------


def test_a_council_applies_for_a_fixed_grant_from_start_to_submission(signed_in, officer, expert_round, mailbox):  # type: ignore[no-untyped-def]
    listing = text(signed_in.get("/applications"))
    assert "Your council&#39;s applications" in listing
    assert "Productivity Experts" in listing and "A fixed grant of £6,000" in listing
    assert "Start an application" in listing
    assert "Any council in England or Wales; one application from each council in a round." in listing

    application = start(signed_in, expert_round)
    assert application.status is S.DRAFT and application.lead_council_id == officer.council_id

    tasks = text(signed_in.get(f"/applications/{application.id}"))
    assert "govuk-task-list" in tasks
    assert tasks.count("Not yet started") == 5
    assert "Cannot start yet" in tasks

    complete_fixed_grant(signed_in, application)
    tasks = text(signed_in.get(f"/applications/{application.id}"))
    assert tasks.count("Completed") == 5
    assert f'href="/applications/{application.id}/check"' in tasks

    check = text(signed_in.get(f"/applications/{application.id}/check"))
    for shown in [
        "Commercial waste review",
        "Waste and recycling",
        "Commercialisation and income generation",
        "£120,000",
        "£80,000.50",
        "12 months",
        "priya@babergh.example.gov.uk",
        "£6,000, the scheme&#39;s fixed grant",
    ]:
        assert shown in check, shown
    assert f"/applications/{application.id}/sections/savings?return=check#cashable" in check

    response = fill(
        signed_in, f"/applications/{application.id}/check", {}, post_to=f"/applications/{application.id}/submit"
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"/applications/{application.id}/submitted"
    confirmation = text(signed_in.get(response.headers["Location"]))
    assert "govuk-panel--confirmation" in confirmation and application.reference in confirmation

    application = reload(application)
    assert application.status is S.SUBMITTED and application.submitted_at is not None
    assert application.title == "Commercial waste review"
    assert application.amount_requested_pence == 600_000
    assert (application.savings_cashable_pence, application.savings_income_pence) == (12_000_000, 8_000_050)
    assert application.savings_avoided_pence == 0
    assert application.answers["savings"] == {"cashable": "120000", "income": "80000.50", "avoided": "0", "months": 12}
    assert application.answers["declaration"]["confirmed"] is True
    assert application.eligibility_passed is True  # the check ran once the submission was committed
    assert mailbox.to(officer.email), "the officer is told the application was submitted"

    summary = text(signed_in.get(f"/applications/{application.id}"))
    assert "govuk-task-list" not in summary
    assert "Submitted" in summary and "Priya Shah" in summary
    assert "Withdraw this application" in summary


def test_a_draft_is_kept_and_resumed_later(app, client, officer, expert_round):  # type: ignore[no-untyped-def]
    sign_in(client, officer.email)
    application = start(client, expert_round)
    fill(client, f"/applications/{application.id}/sections/project", PROJECT)

    later = app.test_client()
    sign_in(later, officer.email)
    listing = text(later.get("/applications"))
    assert application.reference in listing and "Draft" in listing
    tasks = text(later.get(f"/applications/{application.id}"))
    assert tasks.count("Completed") == 1 and tasks.count("Not yet started") == 4
    assert "You have completed 1 of 5 sections" in tasks
    form = text(later.get(f"/applications/{application.id}/sections/project"))
    assert 'value="Commercial waste review"' in form
    assert 'value="waste" checked' in form
    assert "has risen by a fifth" in form


# Refusals ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("-5", "The cashable savings must be £0 or more"),
        ("£-5", "The cashable savings must be £0 or more"),
        ("lots", "Enter the cashable savings as a number of pounds, like 6,000 or 6000.50"),
        ("6,00", "Enter the cashable savings as a number of pounds"),
        ("12.345", "The cashable savings must have no more than 2 decimal places"),
        ("", "Enter the cashable savings"),
    ],
)
def test_money_that_is_not_an_amount_is_refused_and_nothing_is_kept(signed_in, expert_round, typed, message):  # type: ignore[no-untyped-def]
    application = start(signed_in, expert_round)
    version = application.version
    response = fill(signed_in, f"/applications/{application.id}/sections/savings", {**SAVINGS, "cashable": typed})
    page = text(response)
    assert response.status_code == 200
    assert "<title>Error:" in page and "govuk-error-summary" in page
    assert page.count(html.escape(message, quote=True).split(",")[0]) >= 2  # in the summary and by the field
    assert 'href="#cashable"' in page
    assert f'value="{html.escape(typed)}"' in page or typed == ""
    application = reload(application)
    assert application.version == version and "savings" not in application.answers
    assert application.savings_cashable_pence is None


def test_savings_need_at_least_one_amount_and_months_between_1_and_36(signed_in, expert_round):  # type: ignore[no-untyped-def]
    application = start(signed_in, expert_round)
    path = f"/applications/{application.id}/sections/savings"
    page = text(fill(signed_in, path, {"cashable": "0", "income": "0", "avoided": "0", "months": "12"}))
    assert "Enter at least one amount more than £0" in page
    page = text(fill(signed_in, path, {**SAVINGS, "months": "37"}))
    assert "The number of months must be between 1 and 36" in page
    page = text(fill(signed_in, path, {**SAVINGS, "months": "twelve"}))
    assert "Enter the number of months as a whole number, like 12" in page
    assert "savings" not in reload(application).answers


def test_text_that_is_too_long_is_refused(signed_in, expert_round):  # type: ignore[no-untyped-def]
    application = start(signed_in, expert_round)
    path = f"/applications/{application.id}/sections/project"
    page = text(fill(signed_in, path, {**PROJECT, "title": "x" * 151, "problem": "y" * 5_001}))
    assert "Project title must be 150 characters or fewer" in page
    assert "The problem must be 5,000 characters or fewer" in page
    assert 'href="#title"' in page and 'href="#problem"' in page
    response = fill(signed_in, path, {**PROJECT, "title": "x" * 150, "problem": "y" * 5_000})
    assert response.status_code == 302


def test_required_answers_are_asked_for(signed_in, expert_round):  # type: ignore[no-untyped-def]
    application = start(signed_in, expert_round)
    base = f"/applications/{application.id}/sections"
    page = text(fill(signed_in, f"{base}/project", {"title": "   "}))
    for message in [
        "Enter a title for the project",
        "Choose the service area",
        "Describe the problem you want to solve",
        "Describe how an expert will help",
    ]:
        assert message in page
    page = text(fill(signed_in, f"{base}/contact", {**CONTACT, "email": "priya-at-babergh", "phone": "call me"}))
    assert "Enter an email address in the correct format" in page
    assert "Enter a telephone number, like 01632 960 001" in page
    page = text(fill(signed_in, f"{base}/declaration", {**DECLARATION, "confirmed": ""}))
    assert "Confirm that the chief officer supports this application" in page
    page = text(fill(signed_in, f"{base}/expertise", {"skills": ["not-a-skill"], "detail": "x"}))
    assert "not a valid choice" in page
    assert reload(application).answers == {}


def test_markup_is_kept_as_typed_and_shown_escaped(signed_in, expert_round):  # type: ignore[no-untyped-def]
    application = start(signed_in, expert_round)
    typed = "<script>alert('x')</script> & <b>bold</b>"
    response = fill(signed_in, f"/applications/{application.id}/sections/project", {**PROJECT, "title": typed})
    assert response.status_code == 302
    application = reload(application)
    assert application.title == typed and application.answers["project"]["title"] == typed
    for path in [
        f"/applications/{application.id}",
        f"/applications/{application.id}/sections/project",
        "/applications",
    ]:
        page = text(signed_in.get(path))
        assert "<script>alert" not in page and "<b>bold" not in page, path
        assert "&lt;script&gt;alert(" in page, path


def test_a_save_over_someone_elses_change_is_refused_and_the_input_kept(signed_in, officer, expert_round):  # type: ignore[no-untyped-def]
    application = start(signed_in, expert_round)
    path = f"/applications/{application.id}/sections/project"
    opened = text(signed_in.get(path))
    # A colleague saves the section meanwhile.
    applications.save_section(
        application,
        "project",
        {**PROJECT, "title": "A colleague's title"},
        actor=officer,
        expected_version=application.version,
        columns={"title": "A colleague's title"},
    )
    db.session.commit()
    response = signed_in.post(path, data={**hidden_fields(opened), **PROJECT, "title": "My title"})
    page = text(response)
    assert response.status_code == 200
    assert "Someone else changed this application while you were working on it" in page
    assert 'value="My title"' in page
    assert reload(application).title == "A colleague's title"
    # Saving again, having seen the warning, is a deliberate choice.
    response = signed_in.post(path, data={**hidden_fields(page), **PROJECT, "title": "My title"})
    assert response.status_code == 302 and reload(application).title == "My title"


def test_another_councils_application_is_not_found(app, client, make_user, officer, expert_round):  # type: ignore[no-untyped-def]
    application = drafted(expert_round, officer.council, officer)
    db.session.commit()
    camden = make_user(Role.COUNCIL_OFFICER, email="officer@camden.example.gov.uk", council="camden")
    sign_in(client, camden.email)
    for suffix in ["", "/sections/project", "/check", "/withdraw", "/offer", "/offer-letter", "/partner", "/submitted"]:
        assert client.get(f"/applications/{application.id}{suffix}").status_code == 404, suffix
    token = hidden_fields(text(client.get("/applications")))["csrf_token"]
    assert client.post(f"/applications/{application.id}/submit", data={"csrf_token": token}).status_code == 404
    assert application.reference not in text(client.get("/applications"))
    assert reload(application).status is S.DRAFT


def test_a_section_that_does_not_exist_is_not_found(signed_in, expert_round):  # type: ignore[no-untyped-def]
    application = start(signed_in, expert_round)
    assert signed_in.get(f"/applications/{application.id}/sections/partners").status_code == 404
    assert signed_in.get("/applications/999999").status_code == 404


def test_submission_is_refused_while_sections_are_missing(signed_in, expert_round):  # type: ignore[no-untyped-def]
    application = start(signed_in, expert_round)
    fill(signed_in, f"/applications/{application.id}/sections/project", PROJECT)
    check = text(signed_in.get(f"/applications/{application.id}/check"))
    assert "You cannot submit yet" in check and "Complete the section \u2018Lead contact\u2019" in check
    token = hidden_fields(text(signed_in.get(f"/applications/{application.id}")))
    response = signed_in.post(
        f"/applications/{application.id}/submit", data={"csrf_token": token["csrf_token"], "version": "2"}
    )
    page = text(response)
    assert "Complete every section before you submit" in page and "The expert you need" in page
    assert reload(application).status is S.DRAFT


# Joint bids ------------------------------------------------------------------------------------------------


def test_a_joint_bid_waits_for_its_partner_to_confirm(app, signed_in, make_user, officer, mailbox):  # type: ignore[no-untyped-def]
    funding_round = match_funding_round()
    gwen = make_user(Role.COUNCIL_OFFICER, email="gwen@ipswich.example.gov.uk", council="ipswich", name="Gwen Morris")
    application = start(signed_in, funding_round)
    base = f"/applications/{application.id}/sections"

    trial = {"title": "Earlier contact with adult social care", "theme": "adult_social_care", "description": "Letters"}
    assert fill(signed_in, f"{base}/project", trial).status_code == 302
    outcomes = {"outcomes": "Fewer people reaching crisis", "measures": "A randomised trial across two districts"}
    assert fill(signed_in, f"{base}/outcomes", outcomes).status_code == 302

    page = text(fill(signed_in, f"{base}/funding", {"amount": "30,000.01", "match": "30,000"}))
    assert "The amount you are asking for must be £30,000 or less" in page
    # Short of pound for pound on its own: the partners, named next, bring the rest.
    assert fill(signed_in, f"{base}/funding", {"amount": "30,000", "match": "20,000"}).status_code == 302
    assert reload(application).match_pence == 2_000_000

    partners = text(signed_in.get(f"{base}/partners"))
    assert "Ipswich (E07000202)" in partners and "Babergh (E07000200)" not in partners
    page = text(fill(signed_in, f"{base}/partners", {"council_1": "E07000202", "share_1": ""}))
    assert "Enter partner 1&#39;s share of the match" in page
    page = text(
        fill(
            signed_in,
            f"{base}/partners",
            {"council_1": "E07000202", "share_1": "5", "council_2": "E07000202", "share_2": "5"},
        )
    )
    assert "Partner 2 is already in the list" in page
    page = text(fill(signed_in, f"{base}/partners", {"council_1": "E07000202", "share_1": "9,999.99"}))
    assert "must add up to at least £30,000" in page
    assert reload(application).partners == []
    assert fill(signed_in, f"{base}/partners", {"council_1": "E07000202", "share_1": "10,000"}).status_code == 302
    assert fill(signed_in, f"{base}/funding", {"amount": "30,000", "match": "20,000"}).status_code == 302
    # Taking the partner away now would leave the match short.
    page = text(fill(signed_in, f"{base}/partners", {"council_1": "", "share_1": ""}))
    assert "must add up to at least £30,000" in page

    assert fill(signed_in, f"{base}/contact", CONTACT).status_code == 302
    assert fill(signed_in, f"{base}/declaration", DECLARATION).status_code == 302

    application = reload(application)
    assert (application.amount_requested_pence, application.match_pence) == (3_000_000, 2_000_000)
    [partner] = application.partners
    assert partner.council.name == "Ipswich" and partner.match_share_pence == 1_000_000
    assert partner.status is PartnerStatus.INVITED
    tasks = text(signed_in.get(f"/applications/{application.id}"))
    assert "Waiting for Ipswich to confirm" in tasks and "In progress" in tasks

    check = text(signed_in.get(f"/applications/{application.id}/check"))
    assert "Ipswich must confirm its part" in check and "Submit application" not in check
    assert "Match including partners&#39; shares" in check
    token = hidden_fields(check)["csrf_token"]
    refused = signed_in.post(
        f"/applications/{application.id}/submit", data={"csrf_token": token, "version": str(application.version)}
    )
    assert "Each partner council must confirm before you submit. Still to confirm: Ipswich" in text(refused)
    assert reload(application).status is S.DRAFT

    partner_client = app.test_client()
    sign_in(partner_client, gwen.email)
    listing = text(partner_client.get("/applications"))
    assert "Joint bids your council is a partner in" in listing and application.reference in listing
    overview = text(partner_client.get(f"/applications/{application.id}"))
    assert "Confirm or decline your council's part" in overview
    assert partner_client.get(f"/applications/{application.id}/sections/project").status_code == 404
    page = text(fill(partner_client, f"/applications/{application.id}/partner", {}))
    assert "Choose whether your council will take part" in page
    response = fill(partner_client, f"/applications/{application.id}/partner", {"answer": "confirm"})
    assert response.status_code == 302
    application = reload(application)
    assert application.partners[0].status is PartnerStatus.CONFIRMED
    assert application.partners[0].responded_by_id == gwen.id

    response = fill(
        signed_in, f"/applications/{application.id}/check", {}, post_to=f"/applications/{application.id}/submit"
    )
    assert response.status_code == 302
    assert reload(application).status is S.SUBMITTED


def test_a_partner_is_told_when_its_share_changed_while_the_page_was_open(app, signed_in, make_user, officer):  # type: ignore[no-untyped-def]
    funding_round = match_funding_round()
    gwen = make_user(Role.COUNCIL_OFFICER, email="gwen@ipswich.example.gov.uk", council="ipswich", name="Gwen Morris")
    application = start(signed_in, funding_round)
    fill(signed_in, f"/applications/{application.id}/sections/partners", {"council_1": "E07000202", "share_1": "5,000"})
    partner_client = app.test_client()
    sign_in(partner_client, gwen.email)
    opened = text(partner_client.get(f"/applications/{application.id}/partner"))
    fill(signed_in, f"/applications/{application.id}/sections/partners", {"council_1": "E07000202", "share_1": "9,000"})
    response = partner_client.post(
        f"/applications/{application.id}/partner", data={**hidden_fields(opened), "answer": "confirm"}
    )
    assert "changed your council&#39;s share to £9,000" in text(response)
    assert reload(application).partners[0].status is PartnerStatus.INVITED


# Matchmaking ------------------------------------------------------------------------------------------------


def test_a_matchmaking_request_asks_what_to_share_and_which_funding(signed_in):  # type: ignore[no-untyped-def]
    funding_round = matchmaking_round()
    application = start(signed_in, funding_round)
    base = f"/applications/{application.id}/sections"
    page = text(fill(signed_in, f"{base}/sharing", {"what": "services"}))
    assert "Choose at least one service you want to share" in page
    sharing = {"what": "both", "areas": ["revenues_and_benefits", "waste"]}
    assert fill(signed_in, f"{base}/sharing", sharing).status_code == 302
    assert fill(signed_in, f"{base}/geography", {"reach": "county"}).status_code == 302
    page = text(fill(signed_in, f"{base}/funding", {"wanted": "expert", "amount": ""}))
    assert "Enter the amount you are asking for" in page
    page = text(fill(signed_in, f"{base}/funding", {"wanted": "expert", "amount": "25,000"}))
    assert "must be £20,000 or less" in page
    assert fill(signed_in, f"{base}/funding", {"wanted": "mediation", "amount": "8,000"}).status_code == 302
    application = reload(application)
    assert application.title == "Sharing a management team and services: Revenues and benefits, Waste and recycling"
    assert application.amount_requested_pence == 800_000
    assert fill(signed_in, f"{base}/funding", {"wanted": "neither", "amount": "8,000"}).status_code == 302
    assert reload(application).amount_requested_pence is None


# Withdrawing and the offer ---------------------------------------------------------------------------------


def test_an_application_is_withdrawn_with_a_reason(signed_in, officer, expert_round):  # type: ignore[no-untyped-def]
    application = drafted(expert_round, officer.council, officer)
    applications.submit(application, actor=officer, expected_version=None, today=date.today())
    db.session.commit()
    path = f"/applications/{application.id}/withdraw"
    page = text(fill(signed_in, path, {"reason": ""}))
    assert "Enter the reason" in page and "<title>Error:" in page
    assert reload(application).status is S.SUBMITTED
    response = fill(signed_in, path, {"reason": "The project has been merged with the county's review."})
    assert response.status_code == 302
    application = reload(application)
    assert application.status is S.WITHDRAWN
    assert application.events[-1].reason == "The project has been merged with the county's review."
    summary = text(signed_in.get(f"/applications/{application.id}"))
    assert "Withdrawn" in summary and "merged with the county&#39;s review" in summary
    assert "Withdraw this application" not in summary
    assert signed_in.get(path).status_code == 302  # nothing more to withdraw


@pytest.fixture
def offered(make_user, officer, expert_round):  # type: ignore[no-untyped-def]
    """An application approved through the domain's own steps, waiting for the council's answer."""
    programme = make_user(Role.PROGRAMME_OFFICER, email="tom@lga.example.gov.uk", name="Tom Okafor")
    first = make_user(Role.ASSESSOR, email="hannah@lga.example.gov.uk", name="Hannah Lewis")
    second = make_user(Role.ASSESSOR, email="dev@lga.example.gov.uk", name="Dev Patel")
    approver = make_user(Role.APPROVER, email="margaret@lga.example.gov.uk", name="Margaret Doyle")
    application = drafted(expert_round, officer.council, officer)
    applications.submit(application, actor=officer, expected_version=None, today=date.today())
    db.session.commit()
    db.session.refresh(application)
    applications.confirm_eligibility(application, actor=programme, reason=None, expected_version=None)
    scored(application, first)
    scored(application, second)
    applications.approve(application, actor=approver, conditions="Report at 6 months", expected_version=None)
    db.session.commit()
    assert application.status is S.OFFERED
    return application


def test_the_council_accepts_an_offer(signed_in, offered):  # type: ignore[no-untyped-def]
    path = f"/applications/{offered.id}/offer"
    overview = text(signed_in.get(f"/applications/{offered.id}"))
    assert "Read the offer and accept it" in overview and "Decline the offer" in overview
    page = text(signed_in.get(path))
    assert "£6,000" in page and "Report at 6 months" in page and "Margaret Doyle" in page
    page = text(fill(signed_in, path, {"signatory_name": "", "signatory_role": "Section 151 officer"}))
    assert "Enter the name of the person signing for the council" in page
    assert "Confirm that the council accepts the conditions of the offer" in page
    assert reload(offered).status is S.OFFERED
    response = fill(
        signed_in, path, {"signatory_name": "Emily Yule", "signatory_role": "Section 151 officer", "confirmed": "y"}
    )
    assert response.status_code == 302
    application = reload(offered)
    assert application.status is S.EXPERT_MATCHING
    assert application.award is not None and application.award.signatory_name == "Emily Yule"
    letter = text(signed_in.get(f"/applications/{offered.id}/offer-letter"))
    assert "Grant offer: " + offered.reference in letter
    assert "Accepted for Babergh by Emily Yule, Section 151 officer" in letter
    assert "Approved by Margaret Doyle" in letter


def test_the_council_declines_an_offer(signed_in, offered, expert_round):  # type: ignore[no-untyped-def]
    path = f"/applications/{offered.id}/offer/decline"
    page = text(fill(signed_in, path, {"reason": ""}))
    assert "Enter the reason" in page
    response = fill(signed_in, path, {"reason": "The council has found the money elsewhere."})
    assert response.status_code == 302
    application = reload(offered)
    assert application.status is S.WITHDRAWN
    assert application.events[-1].action == "decline_offer"
    assert db.session.get(FundingRound, expert_round.id).committed_pence == 0
    assert signed_in.get(path).status_code == 302


def test_there_is_no_offer_before_a_decision(signed_in, officer, expert_round):  # type: ignore[no-untyped-def]
    application = drafted(expert_round, officer.council, officer)
    db.session.commit()
    assert signed_in.get(f"/applications/{application.id}/offer").status_code == 404
    assert signed_in.get(f"/applications/{application.id}/offer-letter").status_code == 404
