"""Experts in a real browser: staff offer one piece of work from its ranked suggestions and match
a round, adjusting the proposal the worker worked out before it is confirmed; the demo expert
answers an offer in the portal; an offer not answered in time lapses when the worker's hourly
sweep runs, and the work goes to the next-best expert; and another council cannot see an outcome
report or its evidence. Axe checks every distinct page each journey opens. Delivery, from days
logged to verified savings, is part of the grant's journey (test_grant_journey.py)."""

from __future__ import annotations

import re
from datetime import date, timedelta
from io import BytesIO

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from devdata.demo import DEMO_EXPERT_EMAIL, financial_year
from grants.extensions import db
from grants.models import (
    ApplicationStatus,
    Engagement,
    EngagementStatus,
    MatchRunStatus,
    User,
    utcnow,
)
from tests.support.browser.live_server import LiveServer
from tests.support.browser.pages import (
    BABERGH,
    EVIDENCE_NAME,
    EVIDENCE_PDF,
    IPSWICH,
    PROGRAMME_OFFICER,
    Axe,
    answer,
    column,
    open_from_menu,
    row_of,
    screenshot,
    sign_in_as,
    sign_out,
    success,
    visit,
    wait_for_the_page,
)
from tests.support.browser.records import (
    let_the_offer_lapse,
    match_run_status,
    offer_working_days,
    suggested,
    wait_for_mail,
    wait_until,
    waiting_in_the_round,
    work,
)
from tests.support.mail import Mailbox
from workflows import outcomes
from workflows.formatting import uk_date
from workflows.uploads import check_upload
from workflows.working_days import add_working_days

# A journey signs in as two or three people and runs axe on a dozen pages or more.
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(150)]

MANCHESTER = "officer@manchester.example.gov.uk"


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
    offer_email = wait_for_mail(mailbox, top.email, f"New work offered to you: {reference} for Bristol, City of")
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
    # The proposal is worked out by the worker; the page offers a link to refresh it meanwhile.
    wait_for_the_page(page, page.get_by_text("This run is ready for review."), "the round's proposal")
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

    matched = wait_for_mail(mailbox, MANCHESTER, f"An expert has been matched to {manchester_reference}")
    assert f"{expert.name}, from the LGA's pool of experts, has accepted the work" in mailbox.text(matched)
    wait_for_mail(mailbox, PROGRAMME_OFFICER, f"{expert.name} has accepted the work on {manchester_reference}")
    manchester_work = work(live_server, reference=manchester_reference)
    assert manchester_work.status is ApplicationStatus.IN_DELIVERY
    assert manchester_work.engagements == [(expert.name, EngagementStatus.ACCEPTED, None)]


def test_an_offer_not_answered_in_time_goes_to_the_next_best_expert(
    page: Page, live_server: LiveServer, mailbox: Mailbox
) -> None:
    """The programme officer offers York's behavioural-insights trial to the best-ranked
    delivery partner, who never answers. Once the offer's last day has passed, the hourly sweep
    (sent to the worker as beat sends it) lapses it and offers the work to the next-best partner:
    the staff's page shows the lapsed offer and the new one, the first partner is told the offer
    lapsed and the second is offered the work, by email."""
    axe = Axe(page)
    york = work(live_server, council="York", title="Earlier contact with adult social care")
    reference = york.reference
    ranked = suggested(live_server, reference)
    assert len(ranked) >= 2, f"{reference} needs two experts who could take it, not {len(ranked)}"
    first, second = ranked[0], ranked[1]

    sign_in_as(page, live_server, axe, PROGRAMME_OFFICER)
    open_from_menu(page, "Matching", "Matching experts")
    row_of(page.get_by_role("table", name="Applications waiting for an expert"), reference).get_by_role(
        "link", name=reference
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Match an expert: {reference}")
    expect(column(page.get_by_role("table", name="Suggested experts, best first").locator("tbody tr"), 2)).to_have_text(
        [s.name for s in ranked]
    )
    page.get_by_role("button", name=f"Offer the work to {first.name}", exact=True).click()
    expect(success(page)).to_contain_text(f"The work has been offered to {first.name}.")
    wait_for_mail(mailbox, first.email, f"New work offered to you: {reference} for York")

    # The offer's time runs out unanswered; the sweep runs on the worker.
    last_day = let_the_offer_lapse(live_server, reference)
    page.reload()
    expect(page.get_by_role("main")).to_contain_text(f"The offer lasts until the end of {uk_date(last_day)}")
    live_server.app.extensions["celery"].send_task("workflows.expire_offers")
    wait_until(
        live_server,
        lambda: (
            work(live_server, reference=reference).engagements
            == [(first.name, EngagementStatus.EXPIRED, None), (second.name, EngagementStatus.OFFERED, None)]
        ),
        f"the lapsed offer of {reference} moved to {second.name}",
    )

    page.reload()
    expect(page.get_by_role("heading", level=2, name="Offer waiting for an answer")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text(f"Offered to {second.name} on {uk_date(date.today())}.")
    expires_on = add_working_days(date.today(), offer_working_days(live_server, reference))
    expect(page.get_by_role("main")).to_contain_text(f"The offer lasts until the end of {uk_date(expires_on)}")
    made = page.get_by_role("table", name="Offers made for this work").locator("tbody tr")  # newest first
    expect(column(made, 1)).to_have_text([second.name, first.name])
    expect(column(made, 2)).to_have_text(["Offered", "Expired"])
    expect(column(made, 3)).to_have_text([uk_date(date.today()), uk_date(date.today() - timedelta(weeks=3))])
    axe.check("matching:next-best")
    lapsed = wait_for_mail(mailbox, first.email, f"The offer for {reference} has lapsed")
    assert reference in mailbox.text(lapsed)
    wait_for_mail(mailbox, second.email, f"New work offered to you: {reference} for York")

    page.get_by_role("link", name="Back to matching").click()
    waiting = row_of(page.get_by_role("table", name="Offers waiting for an answer"), reference)
    expect(waiting).to_contain_text(second.name)
    expect(waiting).to_contain_text(uk_date(expires_on))
    assert work(live_server, reference=reference).status is ApplicationStatus.EXPERT_MATCHING


def ipswich_report_with_evidence(live_server: LiveServer) -> tuple[int, int, int]:
    """Ipswich's application, an outcome report on it and the report's evidence file, as ids. The
    demo expert is still delivering Ipswich's work, so an interim report with a PDF is filed here
    through the workflow (filing one in the browser is part of the grant's journey); a run that
    filed one already uses it."""
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
