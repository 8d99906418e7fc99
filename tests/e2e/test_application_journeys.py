"""Applications in a real browser, from a council's first answer to an accepted offer: the
Productivity Experts grant the whole way, a joint Behavioural Insights bid that waits for its
partner, a shared-services matchmaking request, the ways a page refuses, and a section filled in
with the keyboard alone. Axe checks every distinct page each journey opens."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from playwright.sync_api import Locator, Page, expect
from sqlalchemy import func, select

from grants.extensions import db
from grants.models import Application, ApplicationStatus, Award, PartnerStatus
from tests.conftest import Mailbox
from tests.e2e.conftest import DemoAccount, LiveServer
from tests.e2e.test_sign_in_journeys import assert_accessible, visit

# A whole grant takes a dozen sign-ins and a few dozen axe runs.
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]

BABERGH = "council.officer@babergh.example.gov.uk"
IPSWICH = "council.officer@ipswich.example.gov.uk"
PROGRAMME_OFFICER = "programme.officer@lga.example.gov.uk"
ASSESSORS = ["assessor@lga.example.gov.uk", "second.assessor@lga.example.gov.uk"]
APPROVER = "approver@lga.example.gov.uk"

HISTORY = "What has happened to this application, newest first"
NO_STATUS = "\u2013"  # the staff's timeline shows an en dash for "no status before"


# Helpers ---------------------------------------------------------------------------------------


class Axe:
    """Runs axe once on each distinct page of a journey: the first time the page is seen in the
    state the journey names (a section, or the staff's page at a stage), not on every visit."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.checked: set[str] = set()

    def check(self, name: str) -> None:
        if name not in self.checked:
            self.checked.add(name)
            assert_accessible(self.page)


def person(live_server: LiveServer, email: str) -> DemoAccount:
    return live_server.people[email]


def sign_in_as(page: Page, live_server: LiveServer, axe: Axe, email: str) -> DemoAccount:
    """Sign out whoever is signed in, then sign in from the start page as this person."""
    if page.get_by_role("banner").get_by_role("button", name="Sign out").count():
        sign_out(page, live_server)
    account = person(live_server, email)
    visit(page, "/")
    axe.check("start")
    page.get_by_role("main").get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{live_server.url}/sign-in")
    axe.check("sign-in")
    fill_sign_in(page, account)
    expect(page).to_have_url(f"{live_server.url}/home")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Hello, {account.name}")
    axe.check(f"home:{account.role.value}")
    return account


def fill_sign_in(page: Page, account: DemoAccount) -> None:
    page.locator("#email").fill(account.email)
    page.locator("#password").fill(account.password)
    page.get_by_role("button", name="Sign in", exact=True).click()


def sign_out(page: Page, live_server: LiveServer) -> None:
    page.get_by_role("banner").get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{live_server.url}/sign-in")
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("You have signed out")


def open_applications(page: Page) -> None:
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Applications").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("applications$", re.IGNORECASE))


def start_application(page: Page, axe: Axe, scheme: str) -> int:
    """From the service navigation, start an application in the scheme's open round; returns
    its id, from the address of its task list."""
    open_applications(page)
    axe.check("applications")
    page.get_by_role("button", name=re.compile(f"^Start an application for {scheme}")).click()
    expect(page).to_have_url(re.compile(r"/applications/\d+$"))
    expect(page.get_by_role("heading", level=2, name="Application incomplete")).to_be_visible()
    axe.check("task-list:new")
    found = re.search(r"/applications/(\d+)$", page.url)
    assert found
    return int(found.group(1))


def task(page: Page, name: str) -> Locator:
    return page.locator(".govuk-task-list__item").filter(has=page.get_by_role("link", name=name, exact=True))


def complete_section(page: Page, axe: Axe, name: str, answer: Callable[[Page], None]) -> None:
    """Open the section from the task list, answer it, save it, and see it completed."""
    page.get_by_role("link", name=name, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    axe.check(f"section:{name}")
    answer(page)
    page.get_by_role("button", name="Save and continue").click()
    expect(task(page, name)).to_contain_text("Completed")


def lead_contact(page: Page) -> None:
    page.get_by_label("Full name").fill("Priya Shah")
    page.get_by_label("Job title").fill("Head of Commercial Services")
    page.get_by_label("Email address").fill("priya.shah@babergh.example.gov.uk")
    page.get_by_label("Telephone number").fill("01473 822 801")


def declaration(page: Page) -> None:
    page.get_by_label("Chief officer's full name").fill("Arthur Charvonia")
    page.get_by_label("Chief officer's job title").fill("Chief Executive")
    page.get_by_label("The chief officer has read this application").check()


def check_and_submit(page: Page, axe: Axe, answers: Callable[[Locator], None] | None = None) -> str:
    """Check your answers (and what `answers` expects of them), submit, and return the reference
    the confirmation panel gives."""
    page.get_by_role("link", name="Check your answers and submit").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your answers before submitting your application")
    axe.check("check-answers")
    if answers is not None:
        answers(page.get_by_role("main"))
    page.get_by_role("button", name="Submit application").click()
    panel = page.locator(".govuk-panel")
    expect(panel.get_by_role("heading", level=1)).to_have_text("Application submitted")
    expect(panel).to_contain_text("Your reference")
    axe.check("submitted")
    reference = panel.locator("strong").inner_text()
    assert re.fullmatch(r"[A-Z]+-\d{5}", reference), f"{reference!r} is not a reference"
    return reference


def open_from_queue(page: Page, axe: Axe, queue: str, reference: str) -> None:
    """Staff: Applications → one of the queues → the application."""
    open_applications(page)
    axe.check("queue")
    page.get_by_role("navigation", name="Application queues").get_by_role(
        "link", name=re.compile(rf"^{queue} \(\d+\)$")
    ).click()
    expect(page.get_by_role("heading", level=2, name=queue)).to_be_visible()
    axe.check(f"queue:{queue}")
    page.get_by_role("link", name=reference, exact=True).click()
    expect(page.locator(".govuk-caption-l")).to_have_text(reference)


def answer(scope: Locator | Page, key: str) -> Locator:
    """The value beside a key in a summary list: the row whose key is exactly this."""
    row = scope.locator(".govuk-summary-list__row").filter(has=scope.locator("dt").get_by_text(key, exact=True))
    return row.locator(".govuk-summary-list__value")


def expect_status(page: Page, label: str) -> None:
    expect(page.get_by_role("main").locator(".govuk-tag").first).to_have_text(label)


@dataclass(frozen=True)
class Scores:
    """One assessor's scores, criterion by criterion, and their recommendation."""

    by_criterion: dict[str, int]
    recommendation: str = "Approve"


def score(page: Page, axe: Axe, scores: Scores) -> None:
    page.get_by_role("button", name="Score this application").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Score this application")
    axe.check("assess")
    for criterion, value in scores.by_criterion.items():
        page.get_by_role("group", name=f"Score for {criterion.lower()}").get_by_label(str(value), exact=True).check()
        page.get_by_label(f"Why did you give this score for {criterion.lower()}?").fill(
            f"Scored {value}: the application gives clear evidence for {criterion.lower()}."
        )
    page.get_by_role("group", name="What do you recommend?").get_by_label(scores.recommendation, exact=True).check()
    page.get_by_label("Comments for the approver (optional)").fill("A well-evidenced application.")
    page.get_by_role("button", name="Submit scores").click()


def take_to_an_offer(
    page: Page, live_server: LiveServer, axe: Axe, reference: str, scores: list[Scores], combined: str, amount: str
) -> None:
    """The staff's part: eligibility confirmed, scored by both assessors, approved."""
    sign_in_as(page, live_server, axe, PROGRAMME_OFFICER)
    open_from_queue(page, axe, "Eligibility check", reference)
    expect_status(page, "Submitted")
    passed = page.locator("#eligibility + .govuk-inset-text")
    expect(passed).to_contain_text(re.compile(r"^\s*The automated check passed on \d{1,2} \w+ \d{4}"))
    expect(passed.locator("strong")).to_have_text("The automated check passed")
    axe.check("review:submitted")
    page.get_by_role("button", name="Confirm eligible and send for assessment").click()
    success = page.locator(".govuk-notification-banner--success")
    expect(success).to_contain_text(f"{reference} is eligible and ready for assessment")
    expect_status(page, "In assessment")
    axe.check("review:in-assessment")

    for email, given in zip(ASSESSORS, scores, strict=True):
        sign_in_as(page, live_server, axe, email)
        open_from_queue(page, axe, "In assessment", reference)
        score(page, axe, given)
        expect(success).to_contain_text(f"Your scores for {reference} are saved.")
    expect(success).to_contain_text("Every assessor has now scored it: it is ready for a decision.")
    expect_status(page, "Awaiting decision")
    axe.check("review:scored")

    sign_in_as(page, live_server, axe, APPROVER)
    open_from_queue(page, axe, "Awaiting decision", reference)
    expect_status(page, "Awaiting decision")
    decision = page.locator("#actions ~ p", has_text="Combined score")
    expect(decision).to_have_text(f"Combined score: {combined}")
    approvers_table = page.get_by_role("table", name="What each assessor recommends")
    expect(approvers_table.locator("tbody tr")).to_have_count(2)
    axe.check("review:awaiting-decision")
    page.get_by_label("Conditions of the offer (optional)").fill(
        "Report the savings at 3, 6 and 12 months.\nName the expert within 20 working days."
    )
    page.get_by_role("button", name="Approve and make the offer").click()
    expect(success).to_contain_text(f"{reference} is approved: an offer of {amount} has been made")
    expect_status(page, "Offered")
    axe.check("review:offered")


def facts(live_server: LiveServer, reference: str) -> dict[str, object]:
    """What the database holds about the application, read outside the browser."""
    with live_server.app.app_context():
        application = db.session.scalar(select(Application).where(Application.reference == reference))
        assert application is not None, f"no application {reference}"
        award = application.award
        found: dict[str, object] = {
            "status": application.status,
            "events": [e.action for e in application.events],
            "assessments": len(application.assessments),
            "partners": [(p.council.name, p.match_share_pence, p.status) for p in application.partners],
            "amount": award.amount_pence if award else None,
            "match": award.match_pence if award else None,
            "signatory": (award.signatory_name, award.signatory_role) if award else None,
            "committed": application.round.committed_pence,
            # Every award made in the round, this one among them (the demo has others).
            "awarded": db.session.scalar(
                select(func.coalesce(func.sum(Award.amount_pence), 0)).where(Award.round_id == application.round_id)
            ),
            "answers": application.answers,
        }
        db.session.remove()
    return found


# Journeys --------------------------------------------------------------------------------------


def test_a_productivity_experts_grant_from_first_answer_to_an_accepted_offer(
    page: Page, live_server: LiveServer, mailbox: Mailbox
) -> None:
    """Babergh's officer starts a £6,000 grant, answers the first section, signs out, comes back
    to the draft with that section complete, finishes and submits it. The programme officer
    confirms it eligible, both assessors score it, the approver sees the combined score and
    approves. The officer follows the offer email, reads the offer and its printable letter, and
    accepts it naming the signatory: the application moves to expert matching, and its history
    shows every step."""
    axe = Axe(page)
    sign_in_as(page, live_server, axe, BABERGH)
    application_id = start_application(page, axe, "Productivity Experts")
    expect(page.get_by_role("main")).to_contain_text("You have completed 0 of 5 sections")

    def project(page: Page) -> None:
        page.get_by_label("Project title").fill("Commercial waste review")
        page.get_by_role("group", name="Which service area is the project in?").get_by_label(
            "Waste and recycling"
        ).check()
        page.get_by_label("What problem do you want to solve?").fill(
            "The cost of collecting commercial waste has risen by a fifth in two years."
        )
        page.get_by_label("How will an expert help you solve it?").fill(
            "An expert reviews our pricing and rounds, and trains our team to keep it up."
        )

    complete_section(page, axe, "Your project", project)
    expect(page.get_by_role("heading", level=1)).to_have_text("Commercial waste review")
    axe.check("task-list:started")
    sign_out(page, live_server)

    # Back another day: the draft is on the council's list, with its first section kept.
    sign_in_as(page, live_server, axe, BABERGH)
    open_applications(page)
    own = page.get_by_role("table", name=re.compile("^Applications Babergh leads"))
    row = own.get_by_role("row").filter(has_text="Commercial waste review")
    expect(row).to_contain_text("Draft")
    row.get_by_role("link").click()
    expect(page).to_have_url(f"{live_server.url}/applications/{application_id}")
    expect(task(page, "Your project")).to_contain_text("Completed")
    expect(task(page, "The expert you need")).to_contain_text("Not yet started")
    expect(page.get_by_role("main")).to_contain_text("You have completed 1 of 5 sections")

    def expertise(page: Page) -> None:
        page.get_by_label("Commercialisation and income generation").check()
        page.get_by_label("Waste and environment").check()
        page.get_by_label("Tell us more about the expertise you need").fill("Pricing trade waste services.")

    def savings(page: Page) -> None:
        page.get_by_label("Cashable efficiency savings").fill("120,000")
        page.get_by_label("Income generated").fill("80000.50")
        page.get_by_label("Costs avoided").fill("0")
        page.get_by_label("Over how many months?").fill("12")

    complete_section(page, axe, "The expert you need", expertise)
    complete_section(page, axe, "Expected savings and income", savings)
    complete_section(page, axe, "Lead contact", lead_contact)
    complete_section(page, axe, "Chief officer's confirmation", declaration)
    expect(page.get_by_role("heading", level=2, name="Application complete")).to_be_visible()
    axe.check("task-list:complete")

    def answers(main: Locator) -> None:
        card = main.locator(".govuk-summary-card")
        expect(card.filter(has_text="The grant")).to_contain_text("£6,000, the scheme's fixed grant")
        savings = card.filter(has_text="Expected savings and income")
        for figure in ("£120,000", "£80,000.50", "£0", "12 months"):
            expect(savings).to_contain_text(figure)
        expect(card.filter(has_text="The expert you need")).to_contain_text("Waste and environment")

    reference = check_and_submit(page, axe, answers)
    assert reference.startswith("PE-")
    assert [m["Subject"] for m in mailbox.to(BABERGH)] == [f"We have received your application {reference}"]

    first, second = (
        Scores(
            {
                "Scale and credibility of the savings or income": 4,
                "Quality of the approach and the use of an expert": 3,
                "Senior commitment and capacity to deliver": 5,
            }
        ),
        Scores(
            {
                "Scale and credibility of the savings or income": 5,
                "Quality of the approach and the use of an expert": 4,
                "Senior commitment and capacity to deliver": 3,
            }
        ),
    )
    # Weighted 3, 2 and 1: (12 + 6 + 5) / 30 = 76.7% and (15 + 8 + 3) / 30 = 86.7%; the mean is 81.7%.
    take_to_an_offer(page, live_server, axe, reference, [first, second], "81.7%", "£6,000")
    timeline = page.get_by_role("table", name="Everything that has happened to this application, oldest first")
    expect(timeline.locator("tbody tr > :nth-child(4)")).to_have_text(
        [
            f"{NO_STATUS} → Draft",
            "Draft → Submitted",
            "",
            "Submitted → In assessment",
            "",
            "",
            "In assessment → Awaiting decision",
            "Awaiting decision → Offered",
        ]
    )
    sign_out(page, live_server)

    # The council follows the link in the offer email, signing in on the way.
    [offer_email] = [m for m in mailbox.to(BABERGH) if m["Subject"] == f"Grant offer for your application {reference}"]
    assert "We are offering your council a grant of £6,000." in mailbox.text(offer_email)
    page.goto(mailbox.link_in(offer_email, f"/applications/{application_id}"))
    expect(page).to_have_url(re.compile(re.escape(f"{live_server.url}/sign-in")))
    fill_sign_in(page, person(live_server, BABERGH))
    expect(page).to_have_url(f"{live_server.url}/applications/{application_id}")
    expect_status(page, "Offered")
    axe.check("summary:offered")

    page.get_by_role("link", name="Read the offer and accept it").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your grant offer")
    expect(answer(page, "Grant offered")).to_have_text("£6,000")
    expect(answer(page, "Conditions")).to_contain_text("Report the savings at 3, 6 and 12 months.")
    expect(answer(page, "Approved by")).to_have_text("Margaret Doyle")
    axe.check("offer")

    page.get_by_role("link", name="Open the offer letter to print or save").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Grant offer: {reference}")
    letter = page.get_by_role("article")
    expect(letter).to_contain_text("We are pleased to offer Babergh a grant of £6,000")
    expect(letter).to_contain_text("Name the expert within 20 working days.")
    expect(letter).to_contain_text("Not yet accepted")
    expect(page.get_by_role("button", name="Print this letter")).to_be_visible()
    axe.check("offer-letter")
    page.get_by_role("link", name="Back to the offer").click()

    page.get_by_label("Full name of the person signing for the council").fill("Emily Yule")
    page.get_by_label("Their job title").fill("Section 151 Officer")
    page.get_by_label("The council accepts the grant on the conditions set out in the offer").check()
    page.get_by_role("button", name="Accept the offer").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "You have accepted the offer for your council"
    )
    expect(page).to_have_url(f"{live_server.url}/applications/{application_id}")
    expect_status(page, "Expert matching")
    history = page.get_by_role("table", name=HISTORY)
    expect(history.locator("tbody tr > :nth-child(2)")).to_have_text(
        [
            "Offer accepted",
            "Approved",
            "Assessment complete",
            "Scored by an assessor",
            "Scored by an assessor",
            "Eligibility confirmed",
            "Eligibility checked",
            "Submitted",
            "Started",
        ]
    )
    # Assessors are not named to the council; everyone else is.
    expect(history.locator("tbody tr > :nth-child(3)")).to_have_text(
        [
            "Priya Shah",
            "Margaret Doyle",
            "An assessor",
            "An assessor",
            "An assessor",
            "Tom Okafor",
            "The service",
            "Priya Shah",
            "Priya Shah",
        ]
    )
    axe.check("summary:accepted")
    page.get_by_role("link", name="open the offer letter to print").click()
    expect(page.get_by_role("article")).to_contain_text("Accepted for Babergh by Emily Yule, Section 151 Officer, on")

    assert mailbox.to(BABERGH)[-1]["Subject"] == f"You have accepted the offer for {reference}"
    assert mailbox.to(PROGRAMME_OFFICER)[-1]["Subject"] == f"Babergh has accepted the offer for {reference}"
    held = facts(live_server, reference)
    assert held["status"] is ApplicationStatus.EXPERT_MATCHING
    assert held["assessments"] == 2
    assert held["amount"] == 600_000 and held["match"] == 0
    assert held["committed"] == held["awarded"]  # this award, with the others, against the round's budget
    assert held["signatory"] == ("Emily Yule", "Section 151 Officer")
    assert held["events"] == [
        "create",
        "submit",
        "eligibility_checked",
        "confirm_eligibility",
        "assess",
        "assess",
        "complete_assessment",
        "approve",
        "accept_offer",
    ]


def test_a_joint_behavioural_insights_bid_waits_for_its_partner_then_is_awarded_with_the_match(
    page: Page, live_server: LiveServer, mailbox: Mailbox
) -> None:
    """Babergh bids for £30,000 with Ipswich as a partner putting in £10,000 of the match. It
    cannot submit until Ipswich confirms; Ipswich's officer confirms from the email; Babergh
    submits; staff approve; the award is £30,000 with £30,000 of match recorded."""
    axe = Axe(page)
    sign_in_as(page, live_server, axe, BABERGH)
    application_id = start_application(page, axe, "Behavioural Insights")

    def trial(page: Page) -> None:
        page.get_by_label("Trial title").fill("Earlier help for people at risk of homelessness")
        page.get_by_label("Homelessness and housing demand").check()
        page.get_by_label("What will the trial test?").fill("Whether a personal letter brings people in earlier.")

    def outcomes(page: Page) -> None:
        page.get_by_label("What outcomes do you intend?").fill("Fewer households reaching crisis.")
        page.get_by_label("How will you measure them?").fill("A randomised trial across the two districts.")

    def partners(page: Page) -> None:
        first = page.get_by_role("group", name="Partner 1")
        first.get_by_label("Council").select_option(label="Ipswich (E07000202)")
        first.get_by_label("Its share of the match").fill("10,000")

    def funding(page: Page) -> None:
        page.get_by_label("How much are you asking for?").fill("30,000")
        page.get_by_label("How much will your council put in?").fill("20,000")

    complete_section(page, axe, "Your trial", trial)
    complete_section(page, axe, "Outcomes and how you will measure them", outcomes)
    # Babergh's own £20,000 is short of pound for pound until Ipswich's share is in, so the
    # partner comes first.
    page.get_by_role("link", name="Partner councils", exact=True).click()
    axe.check("section:Partner councils")
    partners(page)
    page.get_by_role("button", name="Save and continue").click()
    expect(task(page, "Partner councils")).to_contain_text("In progress")
    expect(task(page, "Partner councils")).to_contain_text("Waiting for Ipswich to confirm")
    complete_section(page, axe, "Funding and match", funding)
    complete_section(page, axe, "Lead contact", lead_contact)
    complete_section(page, axe, "Chief officer's confirmation", declaration)
    partner_table = page.get_by_role("table", name="Partner councils and their answers")
    expect(partner_table.get_by_role("row").filter(has_text="Ipswich")).to_contain_text("Not yet confirmed")
    axe.check("task-list:waiting")

    # Every section is done, but the bid cannot go until Ipswich confirms.
    page.get_by_role("link", name="Check your answers and submit").click()
    main = page.get_by_role("main")
    expect(main.get_by_role("heading", name="You cannot submit yet")).to_be_visible()
    expect(main).to_contain_text("Ipswich must confirm its part")
    expect(main).to_contain_text("£30,000")  # the match including Ipswich's share
    expect(page.get_by_role("button", name="Submit application")).to_have_count(0)
    axe.check("check-answers:blocked")
    sign_out(page, live_server)

    [request] = mailbox.to(IPSWICH)
    assert request["Subject"] == "Please confirm Ipswich's part in a joint bid led by Babergh"
    page.goto(mailbox.link_in(request, f"/applications/{application_id}/partner"))
    fill_sign_in(page, person(live_server, IPSWICH))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your council's part in this bid")
    expect(page.get_by_role("main")).to_contain_text("£10,000")
    axe.check("partner")
    page.get_by_role("group", name="Will Ipswich take part, putting in £10,000?").get_by_label(
        "Yes, we confirm our part and our share"
    ).check()
    page.get_by_role("button", name="Send response").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("your council's answer has been sent")
    expect(answer(page, "Your council's answer")).to_have_text("Confirmed")
    axe.check("summary:partner")

    sign_in_as(page, live_server, axe, BABERGH)
    visit(page, f"/applications/{application_id}")
    expect(task(page, "Partner councils")).to_contain_text("Completed")
    reference = check_and_submit(page, axe)
    assert reference.startswith("BI-")

    take_to_an_offer(
        page,
        live_server,
        axe,
        reference,
        [
            Scores(
                {
                    "The demand problem and the evidence for it": 4,
                    "Trial design and how outcomes will be measured": 4,
                    "Strength of the partnership and the match": 5,
                }
            ),
            Scores(
                {
                    "The demand problem and the evidence for it": 3,
                    "Trial design and how outcomes will be measured": 5,
                    "Strength of the partnership and the match": 4,
                }
            ),
        ],
        # Weighted 2, 3 and 1: (8 + 12 + 5) / 30 = 83.3% and (6 + 15 + 4) / 30 = 83.3%.
        "83.3%",
        "£30,000",
    )
    expect(answer(page, "Amount awarded")).to_have_text("£30,000")
    expect(answer(page, "Match funding")).to_have_text("£30,000")
    page.get_by_role("link", name="View the offer letter").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Offer of a grant: Behavioural Insights match funding")
    expect(answer(page, "Grant")).to_have_text("£30,000")
    expect(answer(page, "Match funding")).to_have_text("£30,000")
    expect(answer(page, "Partner councils")).to_have_text("Ipswich")
    axe.check("review:offer-letter")

    held = facts(live_server, reference)
    assert held["status"] is ApplicationStatus.OFFERED
    assert held["amount"] == 3_000_000 and held["match"] == 3_000_000
    assert held["committed"] == held["awarded"]
    assert held["partners"] == [("Ipswich", 1_000_000, PartnerStatus.CONFIRMED)]


def test_a_council_asks_to_be_matched_with_partners_for_shared_services(
    page: Page, live_server: LiveServer, mailbox: Mailbox
) -> None:
    """Ipswich's officer asks for partners to share revenues and benefits and ICT with, among
    its neighbours, with £15,000 for a shared-service expert, and submits the request."""
    axe = Axe(page)
    sign_in_as(page, live_server, axe, IPSWICH)
    start_application(page, axe, "Shared services matchmaking")

    def sharing(page: Page) -> None:
        page.get_by_role("group", name="What do you want to share?").get_by_label("Services", exact=True).check()
        services = page.get_by_role("group", name="Which services?")
        services.get_by_label("Revenues and benefits").check()
        services.get_by_label("ICT and digital").check()
        page.get_by_label("Anything else partners should know (optional)").fill("Our contracts end in March 2027.")

    def geography(page: Page) -> None:
        page.get_by_label("Neighbouring councils").check()
        page.get_by_label("Councils you have already talked to (optional)").fill("Babergh and Mid Suffolk.")

    def funding(page: Page) -> None:
        page.get_by_label("A dedicated shared-service expert").check()
        page.get_by_label("How much are you asking for?").fill("15,000")

    complete_section(page, axe, "What you want to share", sharing)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Sharing services: Revenues and benefits, ICT and digital"
    )
    complete_section(page, axe, "Where your partners could be", geography)
    complete_section(page, axe, "Funding for an expert or mediation", funding)
    complete_section(page, axe, "Lead contact", lead_contact)
    complete_section(page, axe, "Chief officer's confirmation", declaration)

    def answers(main: Locator) -> None:
        card = main.locator(".govuk-summary-card")
        expect(card.filter(has_text="What you want to share")).to_contain_text("Revenues and benefits")
        expect(card.filter(has_text="What you want to share")).to_contain_text("ICT and digital")
        expect(card.filter(has_text="Where your partners could be")).to_contain_text("Neighbouring councils")
        funding = card.filter(has_text="Funding for an expert or mediation")
        expect(funding).to_contain_text("A dedicated shared-service expert")
        expect(funding).to_contain_text("£15,000")

    reference = check_and_submit(page, axe, answers)
    assert reference.startswith("SS-")
    assert any(reference in str(m["Subject"]) for m in mailbox.to(IPSWICH))

    page.get_by_role("link", name="see the application and its progress").click()
    expect_status(page, "Submitted")
    expect(answer(page, "Amount requested")).to_have_text("£15,000")
    axe.check("summary:submitted")

    held = facts(live_server, reference)
    assert held["status"] is ApplicationStatus.SUBMITTED
    saved = held["answers"]
    assert isinstance(saved, dict)
    assert saved["sharing"]["what"] == "services"
    assert saved["sharing"]["areas"] == ["revenues_and_benefits", "ict"]
    assert saved["geography"]["reach"] == "neighbours"
    assert saved["funding"] == {"wanted": "expert", "amount": "15000"}


def test_a_section_with_errors_and_pages_that_are_not_yours(page: Page, live_server: LiveServer) -> None:
    """A section saved with mistakes comes back with GOV.UK's error summary, focused, each
    message linking to its field, and what was typed still there. Another council's officer
    cannot open the application (404, not 403: it does not confirm it exists), and a council
    officer cannot open the staff's queue (403)."""
    axe = Axe(page)
    sign_in_as(page, live_server, axe, BABERGH)
    application_id = start_application(page, axe, "Behavioural Insights")

    page.get_by_role("link", name="Your trial", exact=True).click()
    page.get_by_label("Trial title").fill("Nudging council tax payers to pay by direct debit")
    page.get_by_label("What will the trial test?").fill("Whether a reminder text brings payment forward.")
    page.get_by_role("button", name="Save and continue").click()

    summary = page.locator(".govuk-error-summary")
    expect(summary.get_by_role("heading", level=2)).to_have_text("There is a problem")
    expect(page.locator(".govuk-error-summary:focus-within"), "focus is not in the error summary").to_have_count(1)
    expect(page).to_have_title(re.compile(r"^Error: Your trial"))
    theme = summary.get_by_role("link", name="Choose the theme of the trial")
    expect(theme).to_have_attribute("href", "#theme")
    expect(page.locator("#theme-error")).to_contain_text("Choose the theme of the trial")
    expect(page.get_by_label("Trial title")).to_have_value("Nudging council tax payers to pay by direct debit")
    expect(page.get_by_label("What will the trial test?")).to_have_value(
        "Whether a reminder text brings payment forward."
    )
    axe.check("section:errors")
    theme.click()
    expect(page.locator("#theme")).to_be_focused()

    # Two mistakes in the money: both are listed, both link to their field, both are kept.
    page.get_by_role("link", name="Back", exact=True).click()
    page.get_by_role("link", name="Funding and match", exact=True).click()
    page.get_by_label("How much are you asking for?").fill("45,000")
    page.get_by_label("How much will your council put in?").fill("twenty thousand")
    page.get_by_role("button", name="Save and continue").click()
    expect(summary.get_by_role("link")).to_have_text(
        [
            "The amount you are asking for must be £30,000 or less",
            "Enter your council's match as a number of pounds, like 6,000 or 6000.50",
        ]
    )
    expect(summary.get_by_role("link").first).to_have_attribute("href", "#amount")
    expect(summary.get_by_role("link").nth(1)).to_have_attribute("href", "#match")
    expect(page.get_by_label("How much are you asking for?")).to_have_value("45,000")
    expect(page.get_by_label("How much will your council put in?")).to_have_value("twenty thousand")
    axe.check("section:money-errors")
    summary.get_by_role("link").nth(1).click()
    expect(page.locator("#match")).to_be_focused()
    visit(page, f"/applications/{application_id}")
    expect(task(page, "Your trial")).to_contain_text("Not yet started")
    expect(task(page, "Funding and match")).to_contain_text("Not yet started")

    sign_in_as(page, live_server, axe, IPSWICH)
    for path in (f"/applications/{application_id}", f"/applications/{application_id}/sections/project"):
        visit(page, path, 404)
        expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
        axe.check("not-found")
    visit(page, "/review", 403)
    expect(page.get_by_role("heading", level=1)).to_have_text("You do not have access to this page")
    axe.check("forbidden")


def test_keyboard_alone_completes_a_section(page: Page, live_server: LiveServer) -> None:
    """From the task list, with the keyboard alone: Tab to the section's link and Enter, type the
    title, Space to choose the first theme and an arrow key to move to the second, type the
    description, then Enter on "Save and continue": the section is saved and completed."""
    axe = Axe(page)
    sign_in_as(page, live_server, axe, BABERGH)
    application_id = start_application(page, axe, "Behavioural Insights")
    keyboard = page.keyboard

    def tab_to(target: Locator, presses: int = 40) -> None:
        for _ in range(presses):
            keyboard.press("Tab")
            if target.evaluate("element => element === document.activeElement"):
                return
        expect(target).to_be_focused()

    tab_to(page.get_by_role("link", name="Your trial", exact=True))
    keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your trial")
    axe.check("section:Your trial")

    title = page.get_by_label("Trial title")
    tab_to(title)
    keyboard.type("Moving first contact with adult social care online")
    keyboard.press("Tab")
    first_theme = page.get_by_label("Demand for adult social care")
    expect(first_theme).to_be_focused()
    keyboard.press("Space")
    expect(first_theme).to_be_checked()
    keyboard.press("ArrowDown")
    expect(page.get_by_label("Homelessness and housing demand")).to_be_focused()
    expect(page.get_by_label("Homelessness and housing demand")).to_be_checked()
    keyboard.press("Tab")
    description = page.get_by_label("What will the trial test?")
    expect(description).to_be_focused()
    keyboard.type("Whether a clearer first letter sends people to the online form.")
    keyboard.press("Tab")
    expect(page.get_by_role("button", name="Save and continue")).to_be_focused()
    keyboard.press("Enter")

    expect(page).to_have_url(f"{live_server.url}/applications/{application_id}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Moving first contact with adult social care online")
    expect(task(page, "Your trial")).to_contain_text("Completed")
    axe.check("task-list:started")
    held = facts(live_server, f"BI-{application_id:05d}")
    assert held["answers"] == {
        "project": {
            "title": "Moving first contact with adult social care online",
            "theme": "homelessness",
            "description": "Whether a clearer first letter sends people to the online form.",
        }
    }
