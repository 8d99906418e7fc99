"""Applications in a real browser: a joint Behavioural Insights bid that waits for its partner
and is awarded with the match recorded, the ways a page refuses (a section with mistakes, another
council's application, the staff's pages), and a whole application completed and submitted with
the keyboard alone. Axe checks every distinct page each journey opens. The Productivity Experts
grant, from invitation to verified savings, has a file of its own (test_grant_journey.py)."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Locator, Page, expect

from grants.models import ApplicationStatus, PartnerStatus
from tests.support.browser.live_server import LiveServer
from tests.support.browser.pages import (
    BABERGH,
    IPSWICH,
    Axe,
    Scores,
    answer,
    check_and_submit,
    complete_section,
    declaration,
    fill_sign_in,
    lead_contact,
    person,
    sign_in_as,
    sign_out,
    start_application,
    take_to_an_offer,
    task,
    visit,
)
from tests.support.browser.records import facts, wait_for_mail
from tests.support.mail import Mailbox

# A joint bid takes half a dozen sign-ins and a few dozen axe runs.
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(180)]


# Journeys ---------------------------------------------------------------------------------------


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

    request = wait_for_mail(mailbox, IPSWICH, "Please confirm Ipswich's part in a joint bid led by Babergh")
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


def test_keyboard_alone_completes_and_submits_an_application(page: Page, live_server: LiveServer) -> None:
    """Babergh's officer, with the keyboard alone, fills in every section of a Productivity
    Experts application and submits it: Tab to each section's link and Enter; type into each
    field; Space to tick a checkbox or choose a radio button and the arrow keys to move between
    radio buttons; Enter on "Save and continue"; then Enter on "Check your answers and submit"
    and on "Submit application". Every answer is saved as typed."""
    axe = Axe(page)
    sign_in_as(page, live_server, axe, BABERGH)
    application_id = start_application(page, axe, "Productivity Experts")
    keyboard = page.keyboard

    def tab_to(target: Locator, presses: int = 60) -> None:
        for _ in range(presses):
            keyboard.press("Tab")
            if target.evaluate("element => element === document.activeElement"):
                return
        expect(target).to_be_focused()

    def type_into(label: str, text: str) -> None:
        tab_to(page.get_by_label(label, exact=True))
        keyboard.type(text)

    def tick(label: str, exact: bool = True) -> None:
        box = page.get_by_label(label, exact=exact)
        tab_to(box)
        keyboard.press("Space")
        expect(box).to_be_checked()

    def choose(group: str, label: str) -> None:
        """Tab into the radio group, then arrow down to the choice (moving selects it)."""
        radios = page.get_by_role("group", name=group).get_by_role("radio")
        tab_to(radios.first)
        target = page.get_by_role("group", name=group).get_by_label(label, exact=True)
        for _ in range(radios.count()):
            if target.evaluate("element => element === document.activeElement"):
                break
            keyboard.press("ArrowDown")
        expect(target).to_be_focused()
        expect(target).to_be_checked()

    def section(name: str, answer: Callable[[], None]) -> None:
        tab_to(page.get_by_role("link", name=name, exact=True))
        keyboard.press("Enter")
        expect(page.get_by_role("heading", level=1)).to_have_text(name)
        answer()
        tab_to(page.get_by_role("button", name="Save and continue"))
        keyboard.press("Enter")
        expect(page).to_have_url(f"{live_server.url}/applications/{application_id}")
        expect(task(page, name)).to_contain_text("Completed")

    def project() -> None:
        type_into("Project title", "Shared procurement of highway maintenance")
        choose("Which service area is the project in?", "Highways and transport")
        type_into("What problem do you want to solve?", "Each council buys the same maintenance alone.")
        type_into("How will an expert help you solve it?", "An expert designs one joint contract with us.")

    def expertise() -> None:
        tick("Procurement")
        type_into("Tell us more about the expertise you need", "Framework agreements for highways works.")

    def savings() -> None:
        type_into("Cashable efficiency savings", "95,000")
        type_into("Income generated", "0")
        type_into("Costs avoided", "12,500")
        type_into("Over how many months?", "24")

    def contact() -> None:
        type_into("Full name", "Priya Shah")
        type_into("Job title", "Head of Commercial Services")
        type_into("Email address", "priya.shah@babergh.example.gov.uk")
        type_into("Telephone number", "01473 822 801")

    def confirmation() -> None:
        type_into("Chief officer's full name", "Arthur Charvonia")
        type_into("Chief officer's job title", "Chief Executive")
        tick("The chief officer has read this application", exact=False)

    section("Your project", project)
    expect(page.get_by_role("heading", level=1)).to_have_text("Shared procurement of highway maintenance")
    section("The expert you need", expertise)
    section("Expected savings and income", savings)
    section("Lead contact", contact)
    section("Chief officer's confirmation", confirmation)
    expect(page.get_by_role("heading", level=2, name="Application complete")).to_be_visible()

    tab_to(page.get_by_role("link", name="Check your answers and submit"))
    keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your answers before submitting your application")
    tab_to(page.get_by_role("button", name="Submit application"))
    keyboard.press("Enter")
    panel = page.locator(".govuk-panel")
    expect(panel.get_by_role("heading", level=1)).to_have_text("Application submitted")
    reference = panel.locator("strong").inner_text()

    held = facts(live_server, reference)
    assert held["id"] == application_id
    assert held["status"] is ApplicationStatus.SUBMITTED
    answers = held["answers"]
    assert isinstance(answers, dict)
    assert answers["project"]["title"] == "Shared procurement of highway maintenance"
    assert answers["project"]["service_area"] == "highways_and_transport"
    assert answers["expertise"]["skills"] == ["procurement"]
    assert answers["savings"]["cashable"] == "95000"
    assert answers["savings"]["avoided"] == "12500"
    assert str(answers["savings"]["months"]) == "24"
    assert answers["contact"]["email"] == "priya.shah@babergh.example.gov.uk"
    assert answers["declaration"]["confirmed"] is True
