"""Experts in a real browser, from matching to verified savings: staff offer one piece of work
from its ranked suggestions and match a round, adjusting the proposal before it is confirmed;
the demo expert answers an offer in the portal; delivery runs from days logged to an outcome
report with evidence, confirmed by the council and verified by a programme officer; and another
council cannot see that report or its evidence. Axe checks every distinct page each journey
opens."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import date, timedelta
from io import BytesIO
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect
from sqlalchemy import select

from grants.extensions import db
from grants.models import (
    Application,
    ApplicationStatus,
    Council,
    Engagement,
    EngagementStatus,
    Expert,
    MatchRun,
    MatchRunStatus,
    OutcomeReport,
    ReportStatus,
    User,
    utcnow,
)
from grants.template_helpers import uk_date
from grants.uploads import check_upload
from grants.working_days import add_working_days
from tests.conftest import Mailbox
from tests.e2e.conftest import LiveServer
from tests.e2e.test_application_journeys import (
    BABERGH,
    IPSWICH,
    PROGRAMME_OFFICER,
    Axe,
    expect_status,
    open_applications,
    sign_in_as,
    sign_out,
)
from tests.e2e.test_sign_in_journeys import SCREENSHOTS_ENV, visit
from workflows import engagements, outcomes
from workflows.demo import DEMO_EXPERT_EMAIL, financial_year

# A journey signs in as three or four people and runs axe on a dozen pages or more.
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]

MANCHESTER = "officer@manchester.example.gov.uk"
SUCCESS = ".govuk-notification-banner--success"
EVIDENCE_NAME = "revenues-savings-evidence.pdf"


def _small_pdf(text: str) -> bytes:
    """A one-page PDF saying `text`, with a correct cross-reference table."""
    content = b"BT /F1 14 Tf 72 760 Td (" + text.encode("ascii") + b") Tj ET"
    bodies = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    pdf = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(bodies, start=1):
        offsets.append(len(pdf))
        pdf += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(pdf)
    pdf += b"xref\n0 %d\n0000000000 65535 f \n" % (len(bodies) + 1)
    pdf += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    pdf += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(bodies) + 1, xref)
    return bytes(pdf)


EVIDENCE_PDF = _small_pdf("Ipswich revenues and benefits: savings against the 2025/26 baseline")


# Helpers ---------------------------------------------------------------------------------------


def screenshot(page: Page, name: str) -> None:
    """A full-page picture of the page as it is, when the run asks for pictures."""
    folder = os.environ.get(SCREENSHOTS_ENV)
    if not folder:
        return
    target = Path(folder) / f"{name}.png"
    target.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=target, full_page=True)


def open_from_menu(page: Page, link: str, heading: str) -> None:
    page.get_by_role("navigation", name="Menu").get_by_role("link", name=link, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)


def success(page: Page) -> Locator:
    return page.locator(SUCCESS)


def row_of(table: Locator, text: str) -> Locator:
    return table.locator("tbody tr").filter(has_text=text)


def column(rows: Locator, number: int) -> Locator:
    return rows.locator(f"> :nth-child({number})")


def answer(scope: Page | Locator, key: str) -> Locator:
    """The value beside a key in a summary list inside `scope` (a page, or a card on it)."""
    page = scope if isinstance(scope, Page) else scope.page
    row = scope.locator(".govuk-summary-list__row").filter(has=page.locator("dt").get_by_text(key, exact=True))
    return row.locator(".govuk-summary-list__value")


def fill_date(page: Page, legend: str, day: date) -> None:
    """A GOV.UK date input: the day, month and year boxes inside the fieldset it names."""
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))


def wait_for_the_proposal(page: Page, attempts: int = 20) -> None:
    """A run is worked out by a task; while it is, the page offers a link to refresh it."""
    refresh = page.get_by_role("link", name="Refresh this page")
    for _ in range(attempts):
        if not refresh.count():
            return
        page.wait_for_timeout(250)
        refresh.click()
    expect(refresh, "the round's proposal was not ready in time").to_have_count(0)


@dataclass(frozen=True)
class Suggested:
    name: str
    email: str
    score: int


def suggested(live_server: LiveServer, reference: str) -> list[Suggested]:
    """The ranked experts the workflow suggests for the application, best first."""
    with live_server.app.app_context():
        application = db.session.scalar(select(Application).where(Application.reference == reference))
        assert application is not None, f"no application {reference}"
        ranked = engagements.suggestions_for(application, date.today()).ranked
        experts = {
            e.id: e for e in db.session.scalars(select(Expert).where(Expert.id.in_([f.expert_id for f in ranked])))
        }
        found = [Suggested(experts[f.expert_id].name, experts[f.expert_id].email, f.score) for f in ranked]
        db.session.remove()
    return found


def offer_working_days(live_server: LiveServer, reference: str) -> int:
    """How many working days the application's scheme gives an expert to answer an offer."""
    with live_server.app.app_context():
        application = db.session.scalar(select(Application).where(Application.reference == reference))
        assert application is not None, f"no application {reference}"
        days = application.scheme.offer_expiry_working_days
        db.session.remove()
    return days


@dataclass(frozen=True)
class Work:
    """One application and its engagements, as the database holds them."""

    reference: str
    application_id: int
    status: ApplicationStatus
    engagements: list[tuple[str, EngagementStatus, int | None]]  # expert, status, matching run


def work(live_server: LiveServer, *, reference: str | None = None, council: str | None = None, title: str = "") -> Work:
    with live_server.app.app_context():
        query = select(Application)
        if reference is not None:
            query = query.where(Application.reference == reference)
        else:
            query = query.join(Council, Application.lead_council_id == Council.id).where(
                Council.name == council, Application.title == title
            )
        application = db.session.scalar(query)
        assert application is not None, f"no application {reference or (council, title)}"
        found = Work(
            application.reference,
            application.id,
            application.status,
            [
                (e.expert.name, e.status, e.match_run_id)
                for e in db.session.scalars(
                    select(Engagement).where(Engagement.application_id == application.id).order_by(Engagement.id)
                )
            ],
        )
        db.session.remove()
    return found


def waiting_in_the_round(live_server: LiveServer, run_id: int) -> list[str]:
    """The references of the applications in the run's round still waiting for an expert."""
    with live_server.app.app_context():
        run = db.session.get(MatchRun, run_id)
        assert run is not None
        found = [a.reference for a in db.session.scalars(engagements.waiting_for_an_expert(run.round_id))]
        db.session.remove()
    return found


def match_run_status(live_server: LiveServer, run_id: int) -> MatchRunStatus:
    with live_server.app.app_context():
        run = db.session.get(MatchRun, run_id)
        assert run is not None
        status = run.status
        db.session.remove()
    return status


def report_schedule(live_server: LiveServer, reference: str) -> list[tuple[int, date]]:
    """The evaluation points of the application's engagement and their due dates."""
    with live_server.app.app_context():
        engagement = db.session.scalar(
            select(Engagement)
            .join(Application)
            .where(Application.reference == reference, Engagement.status == EngagementStatus.COMPLETED)
        )
        assert engagement is not None, f"no completed engagement for {reference}"
        schedule = outcomes.report_schedule(engagement)
        db.session.remove()
    return schedule


@dataclass(frozen=True)
class ReportFacts:
    report_id: int
    status: ReportStatus
    claimed: tuple[int, int, int]
    verified: tuple[int | None, int | None, int | None]
    reason: str | None
    evidence: list[tuple[int, str, str]]  # id, name, sha256
    application_status: ApplicationStatus


def report_facts(live_server: LiveServer, reference: str, due_month: int | None) -> ReportFacts | None:
    with live_server.app.app_context():
        point = OutcomeReport.due_month.is_(None) if due_month is None else OutcomeReport.due_month == due_month
        report = db.session.scalar(
            select(OutcomeReport).join(Engagement).join(Application).where(Application.reference == reference, point)
        )
        found = (
            None
            if report is None
            else ReportFacts(
                report.id,
                report.status,
                (report.cashable_pence, report.income_pence, report.avoided_pence),
                (report.verified_cashable_pence, report.verified_income_pence, report.verified_avoided_pence),
                report.verification_reason,
                [(f.id, f.original_name, f.sha256) for f in report.evidence],
                report.engagement.application.status,
            )
        )
        db.session.remove()
    return found


# Journeys --------------------------------------------------------------------------------------


def test_staff_offer_work_match_a_round_and_the_expert_answers_an_offer(
    page: Page, live_server: LiveServer, mailbox: Mailbox
) -> None:
    """The programme officer opens Bristol's waiting work, sees the experts ranked best first each
    with a score and the reasons for it, and offers the work to the first: the offer waits for an
    answer and the expert is emailed. Matching the Productivity Experts round proposes an expert
    for each application still waiting; the officer holds one back ("No offer for now") and
    confirms: the others are offered, the held one is not. The demo expert finds Manchester's
    offer in the portal, tries to decline it without a reason (GOV.UK's error summary and the
    message beside the field), then accepts it: Manchester's officer and the programme team are
    emailed, and the work is under way."""
    axe = Axe(page)
    sign_in_as(page, live_server, axe, PROGRAMME_OFFICER)
    open_from_menu(page, "Matching", "Matching experts")
    axe.check("matching")
    screenshot(page, "matching")
    queue = page.get_by_role("table", name="Applications waiting for an expert")
    bristol = row_of(queue, "Home care commissioning")
    expect(bristol).to_contain_text("Bristol")
    expect(bristol).to_contain_text("Adult social care, Procurement")
    reference = bristol.get_by_role("link").inner_text()
    bristol.get_by_role("link", name=reference).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Match an expert: {reference}")
    expect(answer(page, "Project")).to_have_text("Home care commissioning")
    expect(answer(page, "Status")).to_have_text("Expert matching")

    ranked = suggested(live_server, reference)
    assert ranked, f"no expert can be offered {reference}"
    assert [s.score for s in ranked] == sorted((s.score for s in ranked), reverse=True)
    suggestions = page.get_by_role("table", name="Suggested experts, best first").locator("tbody tr")
    expect(suggestions).to_have_count(len(ranked))
    expect(column(suggestions, 1)).to_have_text([str(n) for n in range(1, len(ranked) + 1)])
    expect(column(suggestions, 2)).to_have_text([s.name for s in ranked])
    expect(column(suggestions, 3)).to_have_text([str(s.score) for s in ranked])
    for number in range(len(ranked)):
        reasons = column(suggestions.nth(number), 4).get_by_role("listitem")
        expect(reasons).to_have_count(5)
        expect(reasons.first).to_have_text(re.compile(r"^Specialisms: .+ \(\d of 2 asked for\)$"))
    expect(page.get_by_role("main")).to_contain_text("No offer has been made for this work yet.")
    axe.check("matching:suggestions")
    screenshot(page, "matching-application")

    top = ranked[0]
    suggestions.first.get_by_role("button", name=f"Offer the work to {top.name}").click()
    expires_on = add_working_days(date.today(), offer_working_days(live_server, reference))
    expect(success(page)).to_contain_text(
        f"The work has been offered to {top.name}. The offer lasts until the end of {uk_date(expires_on)}."
    )
    expect(page.get_by_role("heading", level=2, name="Offer waiting for an answer")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text(f"Offered to {top.name} on {uk_date(date.today())}.")
    expect(page.get_by_role("table", name="Suggested experts, best first")).to_have_count(0)
    made = page.get_by_role("table", name="Offers made for this work").locator("tbody tr")
    expect(made).to_have_count(1)
    expect(column(made, 1)).to_have_text(top.name)
    expect(column(made, 2)).to_have_text("Offered")
    expect(column(made, 4)).to_have_text("Not yet")
    axe.check("matching:offered")
    [offer_email] = [m for m in mailbox.to(top.email) if reference in str(m["Subject"])]
    assert offer_email["Subject"] == f"New work offered to you: {reference} for Bristol, City of"
    assert f"the end of {uk_date(expires_on)}" in mailbox.text(offer_email)

    page.get_by_role("link", name="Back to matching").click()
    expect(row_of(queue, reference)).to_have_count(0)
    waiting_offer = row_of(page.get_by_role("table", name="Offers waiting for an answer"), reference)
    expect(waiting_offer).to_contain_text(top.name)
    expect(waiting_offer).to_contain_text(uk_date(expires_on))

    # The whole round: every Productivity Experts application still waiting gets a proposal.
    opens, closes = financial_year(date.today())
    page.get_by_role("button", name=f"Match the round: Productivity Experts {opens.year}/{closes:%y}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Matching run \d+$"))
    run_id = int(page.url.rsplit("/", 1)[-1])
    wait_for_the_proposal(page)
    main = page.get_by_role("main")
    expect(main).to_contain_text("This run is ready for review.")
    proposals = main.locator("fieldset")
    legends = proposals.locator("legend")
    expect(legends.first).to_be_visible()
    listed = [text.split(":", 1)[0] for text in legends.all_inner_texts()]
    assert listed == waiting_in_the_round(live_server, run_id)
    assert reference not in listed
    expect(legends.filter(has_text="Temporary accommodation costs")).to_have_text(
        re.compile(r"^PE-\d{5}: Birmingham, ")
    )
    proposed: list[str] = []
    for number in range(proposals.count()):
        fieldset = proposals.nth(number)
        chosen = fieldset.locator("input:checked")
        if chosen.get_attribute("value") != "none":
            expect(fieldset.get_by_label(re.compile(r": proposed, score \d+$"))).to_be_checked()
            proposed.append(listed[number])
    assert len(proposed) >= 2, f"the round's proposal gives too few applications an expert: {proposed}"
    axe.check("run:ready")
    screenshot(page, "matching-run")

    held_back, offered = proposed[-1], proposed[:-1]
    held = proposals.filter(has=page.locator("legend", has_text=f"{held_back}:"))
    held.get_by_label(re.compile(r"^No offer for now")).check()
    expect(held.get_by_label(re.compile(r": proposed, score \d+$"))).not_to_be_checked()
    page.get_by_role("button", name="Confirm and send the offers").click()
    noun = "offer" if len(offered) == 1 else "offers"
    expect(success(page)).to_contain_text(f"{len(offered)} {noun} made. Each expert has been told.")
    expect(main).to_contain_text("This run is confirmed.")
    expect(page.get_by_role("button", name="Confirm and send the offers")).to_have_count(0)
    from_run = page.get_by_role("table", name="Offers made from this run").locator("tbody tr")
    expect(column(from_run, 1)).to_have_text(offered)
    expect(column(from_run, 4)).to_have_text(["Offered"] * len(offered))
    axe.check("run:confirmed")
    assert match_run_status(live_server, run_id) is MatchRunStatus.CONFIRMED
    assert work(live_server, reference=held_back).engagements == []
    for each in offered:
        [(_, status, by_run)] = work(live_server, reference=each).engagements
        assert (status, by_run) == (EngagementStatus.OFFERED, run_id)
    # The application held back is still waiting for an expert; those offered are not.
    page.get_by_role("link", name="Back to matching").click()
    expect(row_of(queue, held_back)).to_have_count(1)
    for each in offered:
        expect(row_of(queue, each)).to_have_count(0)
    sign_out(page, live_server)

    # The demo expert answers the offer from Manchester.
    expert = sign_in_as(page, live_server, axe, DEMO_EXPERT_EMAIL)
    open_from_menu(page, "Your work", "Your work")
    axe.check("portal")
    screenshot(page, "portal")
    manchester = row_of(page.get_by_role("table", name="Offers waiting for your answer"), "Manchester")
    expect(manchester).to_contain_text("Commercial waste growth")
    manchester_reference = manchester.get_by_role("link").inner_text()
    manchester.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Commercial waste growth")
    expect(page.locator(".govuk-caption-l")).to_have_text("Manchester")
    expect(answer(page, "Skills asked for")).to_have_text(
        "Commercialisation and income generation, Waste and environment"
    )
    expect(answer(page, "Answer by")).to_contain_text("The end of ")
    axe.check("portal:offer")
    screenshot(page, "portal-offer")

    page.get_by_role("button", name="Decline the work").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary.get_by_role("heading", level=2)).to_have_text("There is a problem")
    expect(page.locator(".govuk-error-summary:focus-within"), "focus is not in the error summary").to_have_count(1)
    expect(page).to_have_title(re.compile(r"^Error: Offer of work: "))
    problem = summary.get_by_role("link", name="Give a reason for declining")
    expect(problem).to_have_attribute("href", "#decline-reason")
    expect(page.locator("#decline-reason-error")).to_contain_text("Give a reason for declining")
    expect(page.get_by_label("Why are you declining?")).to_have_attribute(
        "aria-describedby", re.compile(r"decline-reason-error")
    )
    axe.check("portal:offer-error")
    problem.click()
    expect(page.get_by_label("Why are you declining?")).to_be_focused()

    page.get_by_role("button", name="Accept the work").click()
    expect(page).to_have_url(f"{live_server.url}/portal")
    expect(success(page)).to_contain_text(
        f"You have accepted the work on {manchester_reference}. The council and the programme team have been told."
    )
    expect(row_of(page.get_by_role("table", name="Work under way"), manchester_reference)).to_contain_text("Manchester")
    expect(
        row_of(page.get_by_role("table", name="Offers waiting for your answer"), manchester_reference)
    ).to_have_count(0)
    axe.check("portal:accepted")

    [matched] = mailbox.to(MANCHESTER)
    assert matched["Subject"] == f"An expert has been matched to {manchester_reference}"
    assert f"{expert.name}, from the LGA's pool of experts, has accepted the work" in mailbox.text(matched)
    assert mailbox.to(PROGRAMME_OFFICER)[-1]["Subject"] == (
        f"{expert.name} has accepted the work on {manchester_reference}"
    )
    manchester_work = work(live_server, reference=manchester_reference)
    assert manchester_work.status is ApplicationStatus.IN_DELIVERY
    assert manchester_work.engagements == [(expert.name, EngagementStatus.ACCEPTED, None)]


def test_delivery_to_a_verified_outcome_report_with_evidence(
    page: Page, live_server: LiveServer, mailbox: Mailbox
) -> None:
    """The demo expert logs a day and a half on Ipswich's work, marks it complete (the banner
    gives the three reports' due dates), and files the 3-month report with a PDF as evidence: it
    waits for the council. Ipswich's officer opens it from the application, checks the figures and
    confirms them. The programme officer verifies it at a lower cashable figure, after being told
    a reason is needed: the report is verified, its history shows the figure claimed and the one
    verified, and its evidence downloads byte for byte."""
    axe = Axe(page)
    ipswich = work(live_server, council="Ipswich", title="Shared revenues and benefits service")
    reference = ipswich.reference
    expert = sign_in_as(page, live_server, axe, DEMO_EXPERT_EMAIL)
    open_from_menu(page, "Your work", "Your work")
    under_way = row_of(page.get_by_role("table", name="Work under way"), reference)
    expect(under_way).to_contain_text("Ipswich")
    under_way.get_by_role("link", name=reference).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Shared revenues and benefits service")
    overview = page.get_by_role("main").locator(".govuk-summary-list").first
    expect(answer(overview, "Reference")).to_have_text(reference)
    expect(answer(overview, "Status")).to_have_text("In delivery")
    expect(answer(overview, "Days logged")).to_have_text("1.0")
    axe.check("engagement:under-way")
    screenshot(page, "portal-engagement")

    today = date.today()
    fill_date(page, "Date worked", today)
    page.get_by_label("Days worked", exact=True).fill("1.5")
    page.get_by_label("Milestone reached or work done", exact=True).fill(
        "Ran the joint caseload review with both teams."
    )
    page.get_by_role("button", name="Log days").click()
    expect(success(page)).to_contain_text("Days logged")
    expect(answer(overview, "Days logged")).to_have_text("2.5")
    days = page.get_by_role("table", name="Days worked and milestones").locator("tbody tr")
    logged = days.filter(has_text="Ran the joint caseload review with both teams.")
    expect(column(logged, 1)).to_have_text(uk_date(today))
    expect(column(logged, 2)).to_have_text("1.5")
    axe.check("engagement:days-logged")

    page.get_by_role("button", name="Mark the work complete").click()
    schedule = report_schedule(live_server, reference)
    assert [months for months, _ in schedule] == [3, 6, 12]
    due = ", ".join(f"{uk_date(on)} ({months} months)" for months, on in schedule)
    expect(success(page)).to_contain_text(f"The work is complete. Outcome reports are due on {due}.")
    expect(answer(overview, "Status")).to_have_text("Completed")
    expect(page.get_by_role("button", name="Log days")).to_have_count(0)
    points = page.get_by_role("table", name="When outcome reports are due").locator("tbody tr")
    expect(column(points, 1)).to_have_text([f"{months} months after completion" for months, _ in schedule])
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
    page.get_by_label("Income generated", exact=True).fill("0")
    page.get_by_label("Costs avoided", exact=True).fill("5000")
    page.get_by_label("Baseline", exact=True).fill("The two councils' combined spending on the service in 2025/26.")
    page.get_by_label("How the figures were measured").fill("Payroll and contract costs before and after the merger.")
    page.get_by_label("Evidence", exact=True).set_input_files(
        files=[{"name": EVIDENCE_NAME, "mimeType": "application/pdf", "buffer": EVIDENCE_PDF}]
    )
    screenshot(page, "portal-report-form")
    page.get_by_role("button", name="File the report").click()
    expect(success(page)).to_contain_text("Outcome report filed. Ipswich will be asked to confirm the figures.")
    filed = report_facts(live_server, reference, 3)
    assert filed is not None
    card = page.locator(f"#report-{filed.report_id}")
    expect(card.get_by_role("heading")).to_have_text(
        f"Report at 3 months: {uk_date(today - timedelta(days=90))} to {uk_date(today)}"
    )
    expect(answer(card, "Status")).to_have_text("Waiting for the council")
    expect(answer(card, "Cashable savings")).to_have_text("£40,000 each year")
    expect(answer(card, "Evidence")).to_have_text(EVIDENCE_NAME)
    expect(column(points, 3)).to_have_text(["Waiting for the council", "Not filed yet", "Not filed yet"])
    axe.check("engagement:reported")
    assert filed.status is ReportStatus.SUBMITTED
    assert filed.claimed == (4_000_000, 0, 500_000)
    [(evidence_id, evidence_name, _)] = filed.evidence
    assert evidence_name == EVIDENCE_NAME
    [to_confirm] = mailbox.to(IPSWICH)
    assert to_confirm["Subject"] == f"Please confirm the figures in the outcome report for {reference}"
    assert "claiming £45,000 in savings, income and costs avoided" in mailbox.text(to_confirm)
    sign_out(page, live_server)

    # Ipswich's officer confirms the figures, from the application's page.
    sign_in_as(page, live_server, axe, IPSWICH)
    open_applications(page)
    own = page.get_by_role("table", name=re.compile("^Applications Ipswich leads"))
    own.get_by_role("row").filter(has_text="Shared revenues and benefits service").get_by_role("link").click()
    expect(page).to_have_url(f"{live_server.url}/applications/{ipswich.application_id}")
    expect_status(page, "Outcomes reported")
    expect(page.get_by_role("main")).to_contain_text("Check the figures, then confirm or dispute them.")
    axe.check("summary:outcomes-reported")
    page.get_by_role("link", name=re.compile(r"^Outcome report at 3 months: ")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Outcome report at 3 months")
    expect(page.get_by_role("main").locator(".govuk-tag").first).to_have_text("Waiting for the council")
    expect(answer(page, "Total claimed")).to_have_text("£45,000")
    figures = page.get_by_role("table", name=re.compile("^How each figure has changed")).locator("tbody tr")
    expect(figures.first).to_have_text(
        re.compile(r"Cashable savings\s*£180,000\s*£40,000 each year\s*Not yet\s*Not yet")
    )
    expect(page.get_by_role("link", name=EVIDENCE_NAME)).to_have_attribute("href", f"/outcomes/evidence/{evidence_id}")
    axe.check("council-report:to-answer")
    page.get_by_role("button", name="Confirm the figures").click()
    expect(success(page)).to_contain_text(
        "You have confirmed the figures. A programme officer at the LGA will now verify them."
    )
    expect(page.get_by_role("main").locator(".govuk-tag").first).to_have_text("Confirmed by the council")
    expect(answer(page, "Answer")).to_have_text("Confirmed the figures")
    expect(figures.first).to_have_text(
        re.compile(r"Cashable savings\s*£180,000\s*£40,000 each year\s*£40,000\s*Not yet")
    )
    expect(page.get_by_role("button", name="Confirm the figures")).to_have_count(0)
    axe.check("council-report:confirmed")
    assert mailbox.to(PROGRAMME_OFFICER)[-1]["Subject"] == f"Ipswich has confirmed the outcome report for {reference}"
    sign_out(page, live_server)

    # The programme officer verifies it at a lower cashable figure.
    sign_in_as(page, live_server, axe, PROGRAMME_OFFICER)
    open_from_menu(page, "Outcomes", "Outcome reports")
    to_verify = row_of(page.get_by_role("table", name="Reports waiting for verification"), reference)
    expect(to_verify).to_contain_text("Ipswich")
    expect(to_verify).to_contain_text(expert.name)
    expect(to_verify).to_contain_text("£45,000")
    expect(to_verify).to_contain_text("Confirmed by the council")
    axe.check("outcomes")
    to_verify.get_by_role("link", name=reference).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Outcome report at 3 months")
    expect(page.locator(".govuk-caption-l")).to_have_text(f"{reference} \u2013 Ipswich")
    verify = page.get_by_role("heading", level=2, name="Verify the figures")
    expect(verify).to_be_visible()
    expect(page.get_by_label("Cashable savings", exact=True)).to_have_value("40,000")
    expect(page.get_by_label("Income generated", exact=True)).to_have_value("0")
    expect(page.get_by_label("Costs avoided", exact=True)).to_have_value("5,000")
    axe.check("staff-report:to-verify")
    screenshot(page, "outcomes-verify")

    page.get_by_label("Cashable savings", exact=True).fill("30,000")
    page.get_by_role("button", name="Verify the figures").click()
    summary = page.locator(".govuk-error-summary")
    reason_needed = "Give the reason for verifying figures other than those claimed"
    expect(summary.get_by_role("link", name=reason_needed)).to_have_attribute("href", "#reason")
    expect(page).to_have_title(re.compile(r"^Error: Outcome report at 3 months: "))
    expect(page.locator("#reason-error")).to_contain_text(reason_needed)
    expect(page.get_by_label("Cashable savings", exact=True)).to_have_value("30,000")
    axe.check("staff-report:reason-needed")
    why = "The payroll saving in the evidence is £30,000 a year; the rest is a vacancy held open."
    page.get_by_label("Reason", exact=True).fill(why)
    page.get_by_role("button", name="Verify the figures").click()
    expect(success(page)).to_contain_text(
        f"The outcome report on {reference} is verified at £35,000. The council and the expert have been told."
    )
    expect(page.locator(".govuk-tag").first).to_have_text("Verified")
    expect(answer(page, "Total verified")).to_have_text("£35,000")
    expect(answer(page, "Reason")).to_have_text(why)
    staff_figures = page.get_by_role("table", name=re.compile("^How each figure has changed")).locator("tbody tr")
    expect(staff_figures).to_have_text(
        [
            re.compile(r"Cashable savings\s*£180,000\s*£40,000 each year\s*£40,000\s*£30,000"),
            re.compile(r"Income generated\s*£0\s*£0 one-off\s*£0\s*£0"),
            re.compile(r"Costs avoided\s*£30,000\s*£5,000 one-off\s*£5,000\s*£5,000"),
        ]
    )
    expect(page.get_by_role("button", name="Verify the figures")).to_have_count(0)
    axe.check("staff-report:verified")

    with page.expect_download() as downloading:
        page.get_by_role("link", name=EVIDENCE_NAME).click()
    download = downloading.value
    assert download.suggested_filename == EVIDENCE_NAME
    assert Path(download.path()).read_bytes() == EVIDENCE_PDF

    verified = report_facts(live_server, reference, 3)
    assert verified is not None
    assert verified.status is ReportStatus.VERIFIED
    assert verified.claimed == (4_000_000, 0, 500_000)
    assert verified.verified == (3_000_000, 0, 500_000)
    assert verified.reason == why
    assert verified.application_status is ApplicationStatus.OUTCOMES_REPORTED
    told = f"The outcome report for {reference} has been verified"
    assert mailbox.to(IPSWICH)[-1]["Subject"] == told
    assert mailbox.to(DEMO_EXPERT_EMAIL)[-1]["Subject"] == told
    assert "£35,000 verified, of £45,000 claimed" in mailbox.text(mailbox.to(IPSWICH)[-1])


def ipswich_report_with_evidence(live_server: LiveServer) -> tuple[int, int, int]:
    """Ipswich's application, an outcome report on it and the report's evidence file, as ids. The
    delivery journey leaves one; run without it, an interim report is filed here through the
    workflow (an interim report leaves the evaluation points to that journey)."""
    ipswich = work(live_server, council="Ipswich", title="Shared revenues and benefits service")
    with live_server.app.app_context():
        engagement = db.session.scalar(
            select(Engagement).where(
                Engagement.application_id == ipswich.application_id,
                Engagement.status.in_((EngagementStatus.ACCEPTED, EngagementStatus.COMPLETED)),
            )
        )
        assert engagement is not None, "Ipswich's work has no expert"
        reports = [r for r in engagement.reports if r.evidence]
        if reports:
            report = reports[0]
        else:
            expert_user = db.session.scalar(select(User).where(User.expert_id == engagement.expert_id))
            assert expert_user is not None
            today = utcnow().date()
            report = outcomes.file_report(
                engagement,
                actor=expert_user,
                due_month=None,
                claim=outcomes.Claim(
                    period_start=today,
                    period_end=today,
                    cashable_pence=100_000,
                    cashable_recurring=False,
                    income_pence=0,
                    income_recurring=False,
                    avoided_pence=0,
                    avoided_recurring=False,
                    baseline="Last year's spending on the service.",
                    method="Payroll costs before and after.",
                ),
                evidence=[check_upload(BytesIO(EVIDENCE_PDF), EVIDENCE_NAME, max_bytes=len(EVIDENCE_PDF))],
                evidence_dir=live_server.app.config["EVIDENCE_DIR"],
                today=today,
            )
            db.session.commit()
        found = (ipswich.application_id, report.id, report.evidence[0].id)
        db.session.remove()
    return found


def test_another_council_cannot_open_the_report_or_its_evidence(page: Page, live_server: LiveServer) -> None:
    """Babergh's officer asks for Ipswich's outcome report, and for its evidence, by their
    addresses: both are "Page not found" (404), as for something that does not exist. Ipswich's
    own officer can open both."""
    application_id, report_id, evidence_id = ipswich_report_with_evidence(live_server)
    report_path = f"/applications/{application_id}/reports/{report_id}"
    evidence_path = f"/outcomes/evidence/{evidence_id}"
    axe = Axe(page)

    sign_in_as(page, live_server, axe, BABERGH)
    for path in (report_path, evidence_path, f"/applications/{application_id}"):
        visit(page, path, 404)
        expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
        expect(page.get_by_role("main")).not_to_contain_text("Shared revenues and benefits service")
        axe.check("not-found")
    response = page.request.get(evidence_path)
    assert response.status == 404
    assert response.body() != EVIDENCE_PDF
    assert "attachment" not in response.headers.get("content-disposition", "")

    sign_in_as(page, live_server, axe, IPSWICH)
    visit(page, report_path)
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"outcome report", re.IGNORECASE))
    axe.check("council-report")
    response = page.request.get(evidence_path)
    assert response.status == 200
    assert response.body() == EVIDENCE_PDF
