"""A Productivity Experts grant in a real browser, the whole way for one application: from the
invitation that gives a council officer their sign-in to the savings a programme officer
verifies. Every email the journey follows is one the worker delivered to the SMTP server; axe
checks every distinct page the journey opens."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from grants.models import ApplicationStatus, EngagementStatus, ReportStatus, Role
from tests.support.browser.live_server import LiveServer
from tests.support.browser.pages import (
    ADMINISTRATOR,
    APPROVER,
    EVIDENCE_NAME,
    EVIDENCE_PDF,
    PROGRAMME_OFFICER,
    Axe,
    Scores,
    accept_invitation,
    answer,
    check_and_submit,
    column,
    complete_section,
    declaration,
    expect_status,
    fill_date,
    fill_sign_in,
    invite,
    open_applications,
    open_from_menu,
    person,
    row_of,
    screenshot,
    sign_in_as,
    sign_out,
    start_application,
    success,
    take_to_an_offer,
    task,
)
from tests.support.browser.records import (
    facts,
    offer_working_days,
    report_facts,
    report_schedule,
    suggested,
    wait_for_mail,
    work,
)
from tests.support.mail import Mailbox
from workflows.formatting import uk_date
from workflows.working_days import add_working_days

# A dozen sign-ins, three dozen pages checked by axe, and the worker's emails waited for.
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

OFFICER_NAME = "Nia Roberts"
OFFICER_EMAIL = "nia.roberts@colchester.example.gov.uk"
OFFICER_PASSWORD = "harbour-lantern-copper-47"
EXPERT_PASSWORD = "meadow-quarry-violet-62"
INVITATION = "You have been invited to Productivity Broker"
HISTORY = "What has happened to this application, newest first"
NO_STATUS = "\u2013"  # the staff's timeline shows an en dash for "no status before"


# The council's answers -------------------------------------------------------------------------


def project(page: Page) -> None:
    page.get_by_label("Project title").fill("Commercial waste review")
    page.get_by_role("group", name="Which service area is the project in?").get_by_label("Waste and recycling").check()
    page.get_by_label("What problem do you want to solve?").fill(
        "The cost of collecting commercial waste has risen by a fifth in two years."
    )
    page.get_by_label("How will an expert help you solve it?").fill(
        "An expert reviews our pricing and rounds, and trains our team to keep it up."
    )


def expertise(page: Page) -> None:
    page.get_by_label("Commercialisation and income generation").check()
    page.get_by_label("Waste and environment").check()
    page.get_by_label("Tell us more about the expertise you need").fill("Pricing trade waste services.")


def savings(page: Page) -> None:
    page.get_by_label("Cashable efficiency savings").fill("120,000")
    page.get_by_label("Income generated").fill("80000.50")
    page.get_by_label("Costs avoided").fill("0")
    page.get_by_label("Over how many months?").fill("12")


def contact(page: Page) -> None:
    page.get_by_label("Full name").fill(OFFICER_NAME)
    page.get_by_label("Job title").fill("Commercial Services Manager")
    page.get_by_label("Email address").fill(OFFICER_EMAIL)
    page.get_by_label("Telephone number").fill("01206 282 222")


def checked_answers(main: Locator) -> None:
    card = main.locator(".govuk-summary-card")
    expect(card.filter(has_text="The grant")).to_contain_text("£6,000, the scheme's fixed grant")
    estimates = card.filter(has_text="Expected savings and income")
    for figure in ("£120,000", "£80,000.50", "£0", "12 months"):
        expect(estimates).to_contain_text(figure)
    expect(card.filter(has_text="The expert you need")).to_contain_text("Waste and environment")


SCORES = [
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
]
# Weighted 3, 2 and 1: (12 + 6 + 5) / 30 = 76.7% and (15 + 8 + 3) / 30 = 86.7%; the mean is 81.7%.
COMBINED = "81.7%"


# The journey -----------------------------------------------------------------------------------


def _pence(text: str) -> int:
    """ "£2,265,000.50" → 226500050."""
    pounds, _, pence = text.replace("£", "").replace(",", "").partition(".")
    return int(pounds) * 100 + int(pence or 0)


def verified_on_the_dashboard(page: Page, axe: Axe, line: str) -> int:
    """The verified savings the dashboard shows for a programme line this year, in pence."""
    page.goto("/reports")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    axe.check("dashboard")
    row = row_of(page.get_by_role("table", name="Programme lines against their targets"), line)
    cell = row.locator("td").nth(3).inner_text()
    found = re.match(r"£[\d,.]+", cell.strip())
    assert found, cell
    return _pence(found.group(0))


def verified_in_the_board_preview(page: Page, axe: Axe, line: str) -> int:
    """The verified savings in a line's row of this quarter's board report preview, in pence, from
    the preview's CSV download (the page gives them rounded, in words)."""
    page.goto("/reports/board")
    axe.check("board-reports")
    page.get_by_role("button", name="Preview the report").click()
    row = row_of(page.get_by_role("table", name="Outputs against targets, by programme line"), line)
    expect(row).to_contain_text("verified so far")
    axe.check("board-preview")
    with page.expect_download() as downloading:
        page.get_by_role("link", name="Download this preview as a CSV file").click()
    text = Path(downloading.value.path()).read_text(encoding="utf-8-sig")
    [found] = [r for r in csv.DictReader(io.StringIO(text)) if r["Programme line"] == line]
    return _pence(found["Savings verified (£)"])


def test_an_invited_officer_applies_and_the_grant_runs_to_verified_savings(
    page: Page, live_server: LiveServer, mailbox: Mailbox
) -> None:
    """The administrator invites Colchester's officer, who follows the emailed link, chooses a
    password, starts a £6,000 grant, answers the first section and signs out; signs in again,
    finds the draft with that section kept, finishes and submits it. Once the worker's automated
    check has passed, the programme officer confirms it eligible, both assessors score it and
    the approver approves it. The officer follows the offer email and accepts, naming the
    signatory. The programme officer offers the work to the best-ranked expert who has no
    sign-in yet; the administrator invites that expert, who follows the invitation, then the
    offer email, and accepts. The expert logs days, completes the work and files the 3-month
    outcome report with a PDF; the officer confirms the figures; the programme officer verifies
    them at a lower cashable figure, giving the reason. At each step the right people are
    emailed, and at the end the database holds every step, in order, for this one application."""
    axe = Axe(page)

    # The administrator invites the council's officer; the officer sets a password from the email.
    sign_in_as(page, live_server, axe, ADMINISTRATOR)
    invite(page, axe, OFFICER_NAME, OFFICER_EMAIL, "Council officer", council="Colchester")
    sign_out(page, live_server)
    invitation = wait_for_mail(mailbox, OFFICER_EMAIL, INVITATION)
    officer = accept_invitation(
        page,
        axe,
        mailbox.link_in(invitation, "/invitation/"),
        Role.COUNCIL_OFFICER,
        OFFICER_NAME,
        OFFICER_EMAIL,
        OFFICER_PASSWORD,
    )
    axe.check("home:council_officer")

    # A draft, saved after its first section; the officer signs out.
    application_id = start_application(page, axe, "Productivity Experts")
    expect(page.get_by_role("main")).to_contain_text("You have completed 0 of 5 sections")
    complete_section(page, axe, "Your project", project)
    expect(page.get_by_role("heading", level=1)).to_have_text("Commercial waste review")
    axe.check("task-list:started")
    screenshot(page, "application-task-list")
    sign_out(page, live_server)

    # Back another day: the draft is on the council's list, with its first section kept.
    sign_in_as(page, live_server, axe, officer)
    open_applications(page)
    own = page.get_by_role("table", name=re.compile("^Applications Colchester leads"))
    row = own.get_by_role("row").filter(has_text="Commercial waste review")
    expect(row).to_contain_text("Draft")
    row.get_by_role("link").click()
    expect(page).to_have_url(f"{live_server.url}/applications/{application_id}")
    expect(task(page, "Your project")).to_contain_text("Completed")
    expect(task(page, "The expert you need")).to_contain_text("Not yet started")
    expect(page.get_by_role("main")).to_contain_text("You have completed 1 of 5 sections")

    complete_section(page, axe, "The expert you need", expertise, shot="application-section")
    complete_section(page, axe, "Expected savings and income", savings)
    complete_section(page, axe, "Lead contact", contact)
    complete_section(page, axe, "Chief officer's confirmation", declaration)
    expect(page.get_by_role("heading", level=2, name="Application complete")).to_be_visible()
    axe.check("task-list:complete")
    reference = check_and_submit(page, axe, checked_answers)
    assert reference.startswith("PE-")
    wait_for_mail(mailbox, OFFICER_EMAIL, f"We have received your application {reference}")

    # The staff's part, once the worker has run the automated eligibility check.
    take_to_an_offer(page, live_server, axe, reference, SCORES, COMBINED, "£6,000", shots="review")
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

    # The council follows the link in the offer email, signing in on the way, and accepts.
    offer_email = wait_for_mail(mailbox, OFFICER_EMAIL, f"Grant offer for your application {reference}")
    assert "We are offering your council a grant of £6,000." in mailbox.text(offer_email)
    page.goto(mailbox.link_in(offer_email, f"/applications/{application_id}"))
    expect(page).to_have_url(re.compile(re.escape(f"{live_server.url}/sign-in")))
    fill_sign_in(page, officer)
    expect(page).to_have_url(f"{live_server.url}/applications/{application_id}")
    expect_status(page, "Offered")
    axe.check("summary:offered")
    page.get_by_role("link", name="Read the offer and accept it").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your grant offer")
    expect(answer(page, "Grant offered")).to_have_text("£6,000")
    expect(answer(page, "Conditions")).to_contain_text("Report the savings at 3, 6 and 12 months.")
    expect(answer(page, "Approved by")).to_have_text(person(live_server, APPROVER).name)
    axe.check("offer")
    screenshot(page, "offer")
    page.get_by_role("link", name="Open the offer letter to print or save").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Grant offer: {reference}")
    letter = page.get_by_role("article")
    expect(letter).to_contain_text("We are pleased to offer Colchester a grant of £6,000")
    expect(letter).to_contain_text("Name the expert within 20 working days.")
    expect(letter).to_contain_text("Not yet accepted")
    axe.check("offer-letter")
    page.get_by_role("link", name="Back to the offer").click()
    page.get_by_label("Full name of the person signing for the council").fill("Pam Donnelly")
    page.get_by_label("Their job title").fill("Chief Executive")
    page.get_by_label("The council accepts the grant on the conditions set out in the offer").check()
    page.get_by_role("button", name="Accept the offer").click()
    expect(success(page)).to_contain_text("You have accepted the offer for your council")
    expect_status(page, "Expert matching")
    axe.check("summary:accepted")
    wait_for_mail(mailbox, OFFICER_EMAIL, f"You have accepted the offer for {reference}")
    wait_for_mail(mailbox, PROGRAMME_OFFICER, f"Colchester has accepted the offer for {reference}")

    # The programme officer offers the work to the best-ranked expert with no sign-in yet.
    ranked = suggested(live_server, reference)
    assert [s.score for s in ranked] == sorted((s.score for s in ranked), reverse=True)
    chosen = next((s for s in ranked if not s.can_sign_in), None)
    assert chosen is not None, f"every expert suggested for {reference} has a sign-in already"
    sign_in_as(page, live_server, axe, PROGRAMME_OFFICER)
    open_from_menu(page, "Matching", "Matching experts")
    axe.check("matching")
    waiting = row_of(page.get_by_role("table", name="Applications waiting for an expert"), reference)
    expect(waiting).to_contain_text("Colchester")
    waiting.get_by_role("link", name=reference).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Match an expert: {reference}")
    suggestions = page.get_by_role("table", name="Suggested experts, best first").locator("tbody tr")
    expect(column(suggestions, 2)).to_have_text([s.name for s in ranked])
    expect(column(suggestions, 3)).to_have_text([str(s.score) for s in ranked])
    axe.check("matching:suggestions")
    screenshot(page, "matching-application")
    page.get_by_role("button", name=f"Offer the work to {chosen.name}", exact=True).click()
    expires_on = add_working_days(date.today(), offer_working_days(live_server, reference))
    expect(success(page)).to_contain_text(
        f"The work has been offered to {chosen.name}. The offer lasts until the end of {uk_date(expires_on)}."
    )
    axe.check("matching:offered")
    offer_to_expert = wait_for_mail(mailbox, chosen.email, f"New work offered to you: {reference} for Colchester")

    # The administrator gives the expert a sign-in; the expert follows both emails and accepts.
    sign_in_as(page, live_server, axe, ADMINISTRATOR)
    invite(page, axe, chosen.name, chosen.email, "Expert", expert=f"{chosen.name} ({chosen.email})")
    sign_out(page, live_server)
    expert = accept_invitation(
        page,
        axe,
        mailbox.link_in(wait_for_mail(mailbox, chosen.email, INVITATION), "/invitation/"),
        Role.EXPERT,
        chosen.name,
        chosen.email,
        EXPERT_PASSWORD,
    )
    axe.check("home:expert")
    page.goto(mailbox.link_in(offer_to_expert, "/portal/offers/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Commercial waste review")
    expect(page.locator(".govuk-caption-l")).to_have_text("Colchester")
    expect(answer(page, "Skills asked for")).to_have_text(
        "Commercialisation and income generation, Waste and environment"
    )
    expect(answer(page, "Answer by")).to_contain_text(f"The end of {uk_date(expires_on)}")
    axe.check("portal:offer")
    screenshot(page, "portal-offer")
    page.get_by_role("button", name="Accept the work").click()
    expect(page).to_have_url(f"{live_server.url}/portal")
    expect(success(page)).to_contain_text(
        f"You have accepted the work on {reference}. The council and the programme team have been told."
    )
    axe.check("portal:accepted")
    matched = wait_for_mail(mailbox, OFFICER_EMAIL, f"An expert has been matched to {reference}")
    assert f"{expert.name}, from the LGA's pool of experts, has accepted the work" in mailbox.text(matched)
    wait_for_mail(mailbox, PROGRAMME_OFFICER, f"{expert.name} has accepted the work on {reference}")

    # Delivery: days logged, the work completed, the 3-month report filed with its evidence.
    row_of(page.get_by_role("table", name="Work under way"), reference).get_by_role("link", name=reference).click()
    overview = page.get_by_role("main").locator(".govuk-summary-list").first
    expect(answer(overview, "Status")).to_have_text("In delivery")
    axe.check("engagement:under-way")
    today = date.today()
    fill_date(page, "Date worked", today)
    page.get_by_label("Days worked", exact=True).fill("2.5")
    page.get_by_label("Milestone reached or work done", exact=True).fill("Priced every trade waste round.")
    page.get_by_role("button", name="Log days").click()
    expect(success(page)).to_contain_text("Days logged")
    expect(answer(overview, "Days logged")).to_have_text("2.5")
    axe.check("engagement:days-logged")
    screenshot(page, "portal-engagement")

    page.get_by_role("button", name="Mark the work complete").click()
    schedule = report_schedule(live_server, reference)
    assert [months for months, _ in schedule] == [3, 6, 12]
    due = ", ".join(f"{uk_date(on)} ({months} months)" for months, on in schedule)
    expect(success(page)).to_contain_text(f"The work is complete. Outcome reports are due on {due}.")
    expect(answer(overview, "Status")).to_have_text("Completed")
    points = page.get_by_role("table", name="When outcome reports are due").locator("tbody tr")
    expect(column(points, 2)).to_have_text([uk_date(on) for _, on in schedule])
    expect(column(points, 3)).to_have_text(["Not filed yet"] * 3)
    axe.check("engagement:completed")

    page.get_by_role("button", name="File an outcome report").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("File an outcome report")
    expect(page.get_by_label("The report 3 months after the work was completed")).to_be_checked()
    axe.check("report-form")
    fill_date(page, "Start of the period", today - timedelta(days=90))
    fill_date(page, "End of the period", today)
    page.get_by_label("Cashable savings", exact=True).fill("40,000")
    page.get_by_role("group", name="Are the cashable savings one-off or recurring?").get_by_label(
        "Recurring each year"
    ).check()
    page.get_by_label("Income generated", exact=True).fill("15000")
    page.get_by_label("Costs avoided", exact=True).fill("0")
    page.get_by_label("Baseline", exact=True).fill("Commercial waste collection costs and income in 2025/26.")
    page.get_by_label("How the figures were measured").fill("Round costs and invoices before and after repricing.")
    page.get_by_label("Evidence", exact=True).set_input_files(
        files=[{"name": EVIDENCE_NAME, "mimeType": "application/pdf", "buffer": EVIDENCE_PDF}]
    )
    page.get_by_role("button", name="File the report").click()
    expect(success(page)).to_contain_text("Outcome report filed. Colchester will be asked to confirm the figures.")
    filed = report_facts(live_server, reference, 3)
    assert filed is not None and filed.status is ReportStatus.SUBMITTED
    assert filed.claimed == (4_000_000, 1_500_000, 0)
    [(evidence_id, evidence_name, _)] = filed.evidence
    assert evidence_name == EVIDENCE_NAME
    card = page.locator(f"#report-{filed.report_id}")
    expect(answer(card, "Status")).to_have_text("Waiting for the council")
    expect(answer(card, "Evidence")).to_have_text(EVIDENCE_NAME)
    axe.check("engagement:reported")
    to_confirm = wait_for_mail(
        mailbox, OFFICER_EMAIL, f"Please confirm the figures in the outcome report for {reference}"
    )
    assert "claiming £55,000 in savings, income and costs avoided" in mailbox.text(to_confirm)

    # The council confirms the figures, from the application's page.
    sign_in_as(page, live_server, axe, officer)
    open_applications(page)
    own.get_by_role("row").filter(has_text="Commercial waste review").get_by_role("link").click()
    expect_status(page, "Outcomes reported")
    expect(page.get_by_role("main")).to_contain_text("Check the figures, then confirm or dispute them.")
    axe.check("summary:outcomes-reported")
    page.get_by_role("link", name=re.compile(r"^Outcome report at 3 months: ")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Outcome report at 3 months")
    expect(answer(page, "Total claimed")).to_have_text("£55,000")
    figures = page.get_by_role("table", name=re.compile("^How each figure has changed")).locator("tbody tr")
    expect(figures.first).to_have_text(
        re.compile(r"Cashable savings\s*£120,000\s*£40,000 each year\s*Not yet\s*Not yet")
    )
    expect(page.get_by_role("link", name=EVIDENCE_NAME)).to_have_attribute("href", f"/outcomes/evidence/{evidence_id}")
    axe.check("council-report:to-answer")
    page.get_by_role("button", name="Confirm the figures").click()
    expect(success(page)).to_contain_text(
        "You have confirmed the figures. A programme officer at the LGA will now verify them."
    )
    expect(answer(page, "Answer")).to_have_text("Confirmed the figures")
    axe.check("council-report:confirmed")
    wait_for_mail(mailbox, PROGRAMME_OFFICER, f"Colchester has confirmed the outcome report for {reference}")

    # The programme officer verifies the report at a lower cashable figure, with the reason; the
    # dashboard and the board report's preview are read before and after.
    sign_in_as(page, live_server, axe, PROGRAMME_OFFICER)
    dashboard_before = verified_on_the_dashboard(page, axe, "Productivity Experts")
    board_before = verified_in_the_board_preview(page, axe, "Productivity Experts")
    open_from_menu(page, "Outcomes", "Outcome reports")
    to_verify = row_of(page.get_by_role("table", name="Reports waiting for verification"), reference)
    expect(to_verify).to_contain_text("Colchester")
    expect(to_verify).to_contain_text(expert.name)
    expect(to_verify).to_contain_text("£55,000")
    axe.check("outcomes")
    to_verify.get_by_role("link", name=reference).click()
    expect(page.locator(".govuk-caption-l")).to_have_text(f"{reference} \u2013 Colchester")
    expect(page.get_by_label("Cashable savings", exact=True)).to_have_value("40,000")
    axe.check("staff-report:to-verify")
    screenshot(page, "outcomes-verify")
    page.get_by_label("Cashable savings", exact=True).fill("30,000")
    page.get_by_role("button", name="Verify the figures").click()
    reason_needed = "Give the reason for verifying figures other than those claimed"
    summary = page.locator(".govuk-error-summary")
    expect(summary.get_by_role("link", name=reason_needed)).to_have_attribute("href", "#reason")
    expect(page).to_have_title(re.compile(r"^Error: Outcome report at 3 months: "))
    expect(page.get_by_label("Cashable savings", exact=True)).to_have_value("30,000")
    axe.check("staff-report:reason-needed")
    why = "Two rounds were repriced in the last month of the period; their saving starts next year."
    page.get_by_label("Reason", exact=True).fill(why)
    page.get_by_role("button", name="Verify the figures").click()
    expect(success(page)).to_contain_text(
        f"The outcome report on {reference} is verified at £45,000. The council and the expert have been told."
    )
    expect(answer(page, "Total verified")).to_have_text("£45,000")
    staff_figures = page.get_by_role("table", name=re.compile("^How each figure has changed")).locator("tbody tr")
    expect(staff_figures).to_have_text(
        [
            re.compile(r"Cashable savings\s*£120,000\s*£40,000 each year\s*£40,000\s*£30,000"),
            re.compile(r"Income generated\s*£80,000.50\s*£15,000 one-off\s*£15,000\s*£15,000"),
            re.compile(r"Costs avoided\s*£0\s*£0 one-off\s*£0\s*£0"),
        ]
    )
    axe.check("staff-report:verified")
    with page.expect_download() as downloading:
        page.get_by_role("link", name=EVIDENCE_NAME).click()
    assert downloading.value.suggested_filename == EVIDENCE_NAME
    assert Path(downloading.value.path()).read_bytes() == EVIDENCE_PDF
    assert verified_on_the_dashboard(page, axe, "Productivity Experts") == dashboard_before + 4_500_000
    assert verified_in_the_board_preview(page, axe, "Productivity Experts") == board_before + 4_500_000
    screenshot(page, "board-preview")
    told = f"The outcome report for {reference} has been verified"
    assert "£45,000 verified, of £55,000 claimed" in mailbox.text(wait_for_mail(mailbox, OFFICER_EMAIL, told))
    wait_for_mail(mailbox, chosen.email, told)

    # The council's own page tells the story, and the database holds every step, in order.
    sign_in_as(page, live_server, axe, officer)
    page.goto(f"/applications/{application_id}")
    expect_status(page, "Outcomes reported")
    history = page.get_by_role("table", name=HISTORY).locator("tbody tr")
    expect(column(history, 2)).to_have_text(
        [
            "First outcome report filed",
            "Expert completed the work",
            "Expert accepted: delivery started",
            "Expert offered the work",
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
    programme_officer, approver = person(live_server, PROGRAMME_OFFICER).name, person(live_server, APPROVER).name
    expect(column(history, 3)).to_have_text(
        [
            expert.name,
            expert.name,
            expert.name,
            programme_officer,
            OFFICER_NAME,
            approver,
            "An assessor",
            "An assessor",
            "An assessor",
            programme_officer,
            "The service",
            OFFICER_NAME,
            OFFICER_NAME,
        ]
    )
    axe.check("summary:verified")
    held = facts(live_server, reference)
    assert held["created_by"] == OFFICER_EMAIL
    assert held["status"] is ApplicationStatus.OUTCOMES_REPORTED
    assert held["assessments"] == 2
    assert held["amount"] == 600_000
    assert held["signatory"] == ("Pam Donnelly", "Chief Executive")
    assert held["committed"] == held["awarded"]  # this award, with the others, against the round's budget
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
        "expert_offered",
        "start_delivery",
        "delivery_completed",
        "report_outcomes",
    ]
    assert work(live_server, reference=reference).engagements == [(chosen.name, EngagementStatus.COMPLETED, None)]
    verified = report_facts(live_server, reference, 3)
    assert verified is not None
    assert verified.status is ReportStatus.VERIFIED
    assert verified.claimed == (4_000_000, 1_500_000, 0)
    assert verified.verified == (3_000_000, 1_500_000, 0)
    assert verified.reason == why
