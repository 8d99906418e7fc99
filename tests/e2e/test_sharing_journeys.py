"""Shared services matchmaking in a real browser, from a council's request for partners to a
joint application for funding: the worker suggests partners, a programme officer proposes an
introduction from a suggestion, each council consents (their contacts are shared only once both
have), the agreement is recorded, and one council applies for funding with the other as its
partner. Axe checks every distinct page the journey opens."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from grants.models import ApplicationStatus, IntroductionStatus, PartnerStatus
from tests.support.browser.live_server import LiveServer
from tests.support.browser.pages import (
    BABERGH,
    IPSWICH,
    PROGRAMME_OFFICER,
    Axe,
    answer,
    check_and_submit,
    column,
    complete_section,
    declaration,
    expect_status,
    fill_sign_in,
    open_applications,
    open_from_menu,
    person,
    row_of,
    screenshot,
    sign_in_as,
    start_application,
    success,
    task,
)
from tests.support.browser.records import facts, introduction_facts, partners_suggested, wait_for_mail, wait_until
from tests.support.mail import Mailbox

# Six sign-ins, two councils' answers and the staff's steps, and the worker's emails waited for.
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(240)]

IPSWICH_CONTACT = ("Gwen Morris", "gwen.morris@ipswich.example.gov.uk", "01473 432 000")
NOTE = "Both councils want to share revenues and benefits, and Babergh already shares HR with Mid Suffolk."
AGREEMENT = "A joint revenues and benefits team from April 2027, hosted by Ipswich, with one HR service."


def test_a_request_for_partners_leads_to_an_agreed_introduction_and_a_joint_application(
    page: Page, live_server: LiveServer, mailbox: Mailbox
) -> None:
    """Ipswich's officer asks for partners among its neighbours to share revenues and benefits
    and HR, with £15,000 for a shared-service expert, and submits the request. The worker works
    out the suggested partners: Babergh, which already shares HR, is among them. The programme
    officer reads the suggestions with their reasons and proposes an introduction of Ipswich and
    Babergh from Babergh's suggestion. Both councils are emailed; Ipswich's officer follows the
    email and accepts, giving a contact, and sees nobody else's yet; Babergh's officer accepts
    from the council's list of introductions and sees Ipswich's contact. The programme officer
    records that the councils are talking, then what they agreed; Ipswich's officer applies for
    the scheme's funding from the introduction, and the new application has Babergh as its
    partner and the agreed services filled in."""
    axe = Axe(page)

    # Ipswich asks for partners.
    sign_in_as(page, live_server, axe, IPSWICH)
    start_application(page, axe, "Shared services matchmaking")

    def sharing(page: Page) -> None:
        page.get_by_role("group", name="What do you want to share?").get_by_label("Services", exact=True).check()
        services = page.get_by_role("group", name="Which services?")
        services.get_by_label("Revenues and benefits").check()
        services.get_by_label("Human resources (HR)").check()
        page.get_by_label("Anything else partners should know (optional)").fill("Our contracts end in March 2027.")

    def geography(page: Page) -> None:
        page.get_by_label("Neighbouring councils").check()
        page.get_by_label("Councils you have already talked to (optional)").fill("Mid Suffolk.")

    def funding(page: Page) -> None:
        page.get_by_label("A dedicated shared-service expert").check()
        page.get_by_label("How much are you asking for?").fill("15,000")

    def contact(page: Page) -> None:
        name, email, phone = IPSWICH_CONTACT
        page.get_by_label("Full name").fill(name)
        page.get_by_label("Job title").fill("Head of Customer Services")
        page.get_by_label("Email address").fill(email)
        page.get_by_label("Telephone number").fill(phone)

    complete_section(page, axe, "What you want to share", sharing)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Sharing services: Revenues and benefits, Human resources (HR)"
    )
    complete_section(page, axe, "Where your partners could be", geography)
    complete_section(page, axe, "Funding for an expert or mediation", funding)
    complete_section(page, axe, "Lead contact", contact)
    complete_section(page, axe, "Chief officer's confirmation", declaration)

    def answers(main: Locator) -> None:
        card = main.locator(".govuk-summary-card")
        expect(card.filter(has_text="What you want to share")).to_contain_text("Human resources (HR)")
        expect(card.filter(has_text="Where your partners could be")).to_contain_text("Neighbouring councils")
        expect(card.filter(has_text="Funding for an expert or mediation")).to_contain_text("£15,000")

    reference = check_and_submit(page, axe, answers)
    assert reference.startswith("SS-")
    wait_for_mail(mailbox, IPSWICH, f"We have received your application {reference}")
    held = facts(live_server, reference)
    assert held["status"] is ApplicationStatus.SUBMITTED
    saved = held["answers"]
    assert isinstance(saved, dict)
    assert saved["sharing"]["areas"] == ["revenues_and_benefits", "hr"]
    assert saved["geography"]["reach"] == "neighbours"
    assert saved["funding"] == {"wanted": "expert", "amount": "15000"}

    # The worker works out the partners; the programme officer proposes an introduction.
    suggested = wait_until(
        live_server,
        lambda: (found := partners_suggested(live_server, reference)) and "Babergh" in found and found,
        f"Babergh suggested as a partner for {reference}",
    )
    sign_in_as(page, live_server, axe, PROGRAMME_OFFICER)
    open_from_menu(page, "Shared services", "Partners for shared services")
    axe.check("sharing:requests")
    requests = page.get_by_role("table", name="Open requests for partners, the longest waiting first")
    row_of(requests, reference).get_by_role("link", name=reference).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Partners for {reference}")
    expect(answer(page, "Service areas")).to_have_text("Revenues and benefits, Human resources (HR)")
    partners = page.get_by_role("table", name="Suggested partners, best first").locator("tbody tr")
    expect(column(partners, 2)).to_have_text(suggested)
    babergh = partners.filter(has=page.get_by_role("link", name="Babergh", exact=True))
    expect(column(babergh, 4)).to_have_text("The register of shared arrangements")
    expect(column(babergh, 5).get_by_role("listitem")).to_have_count(4)
    expect(column(babergh, 5)).to_contain_text("Human resources (HR)")
    axe.check("sharing:suggestions")
    screenshot(page, "sharing-suggestions")

    babergh.get_by_role("link", name="Propose an introduction to Babergh").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Propose an introduction")
    expect(answer(page, "Starting from")).to_have_text(reference)
    expect(page.get_by_label("Councils to introduce")).to_have_value("Ipswich (E07000202)\nBabergh (E07000200)")
    areas = page.get_by_role("group", name="Service areas they could share")
    expect(areas.get_by_label("Revenues and benefits")).to_be_checked()
    expect(areas.get_by_label("Human resources (HR)")).to_be_checked()
    axe.check("sharing:propose")
    page.get_by_label("Why should these councils talk to each other?").fill(NOTE)
    page.get_by_role("button", name="Propose the introduction").click()
    expect(success(page)).to_contain_text("Introduction proposed. Each council's officers have been asked to answer.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Ipswich, Babergh")
    found = re.search(r"/sharing/introductions/(\d+)$", page.url)
    assert found
    introduction_id = int(found.group(1))
    councils = page.get_by_role("table", name="The councils in this introduction").locator("tbody tr")
    expect(column(councils, 3)).to_have_text(["Not yet answered", "Not yet answered"])
    expect(column(councils, 2)).to_have_text([reference, "None"])
    axe.check("sharing:introduction:proposed")

    # Ipswich's officer follows the email and accepts; nobody's contact is shown yet.
    proposed = "The LGA suggests Ipswich and Babergh talk about sharing services"
    to_ipswich = wait_for_mail(mailbox, IPSWICH, proposed)
    wait_for_mail(mailbox, BABERGH, proposed)
    page.get_by_role("banner").get_by_role("button", name="Sign out").click()
    page.goto(mailbox.link_in(to_ipswich, f"/applications/introductions/{introduction_id}"))
    fill_sign_in(page, person(live_server, IPSWICH))
    expect(page.get_by_role("heading", level=1)).to_have_text("An introduction to Babergh")
    expect(answer(page, "Your council's answer")).to_have_text("Not yet answered")
    name, email, phone = IPSWICH_CONTACT
    expect(page.get_by_label("Full name")).to_have_value(name)
    expect(page.get_by_label("Email address")).to_have_value(email)
    expect(page.get_by_label("Telephone number")).to_have_value(phone)
    axe.check("introduction:to-answer")
    page.get_by_role("button", name="Accept the introduction").click()
    expect(success(page)).to_contain_text("You have accepted for your council.")
    expect(answer(page, "Your council's answer")).to_contain_text(f"The contact you gave: {name}, {email}, {phone}")
    expect(page.get_by_role("main")).to_contain_text("Waiting for the other councils to answer.")
    expect(page.get_by_role("heading", name="Who to contact")).to_have_count(0)
    axe.check("introduction:waiting")

    # Babergh's officer accepts from the council's list; now each sees the other's contact.
    sign_in_as(page, live_server, axe, BABERGH)
    open_applications(page)
    listed = page.get_by_role("table", name="Introductions Babergh is part of")
    expect(row_of(listed, "Ipswich")).to_contain_text("Proposed")
    axe.check("applications:introductions")
    row_of(listed, "Ipswich").get_by_role("link", name=f"Introduction {introduction_id}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("An introduction to Ipswich")
    babergh_officer = person(live_server, BABERGH)
    expect(page.get_by_label("Full name")).to_have_value(babergh_officer.name)
    page.get_by_label("Telephone number").fill("01473 825 710")
    page.get_by_role("button", name="Accept the introduction").click()
    expect(success(page)).to_contain_text("You have accepted for your council.")
    expect_status(page, "Accepted by all")
    ipswich_card = page.locator(".govuk-summary-card").filter(has=page.get_by_role("heading", name="Ipswich"))
    expect(answer(ipswich_card, "Name")).to_have_text(name)
    expect(answer(ipswich_card, "Email address")).to_have_text(email)
    axe.check("introduction:contacts")
    screenshot(page, "introduction-contacts")
    accepted = "Every council has accepted the introduction of Ipswich and Babergh"
    wait_for_mail(mailbox, IPSWICH, accepted)
    wait_for_mail(mailbox, PROGRAMME_OFFICER, accepted)

    # The programme officer records the talks, then the agreement.
    sign_in_as(page, live_server, axe, PROGRAMME_OFFICER)
    open_from_menu(page, "Shared services", "Partners for shared services")
    page.get_by_role("navigation", name="Shared services").get_by_role("link", name="Introductions").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Introductions between councils")
    axe.check("sharing:introductions")
    page.get_by_role("link", name=f"Introduction {introduction_id}", exact=True).click()
    expect_status(page, "Accepted by all")
    expect(column(councils, 3)).to_have_text(["Accepted", "Accepted"])
    page.get_by_role("button", name="Record that the councils are in discussion").click()
    expect(success(page)).to_contain_text("Recorded: the councils are in discussion.")
    expect_status(page, "In discussion")
    axe.check("sharing:introduction:in-discussion")
    page.get_by_label("What did the councils agree?").fill(AGREEMENT)
    page.get_by_role("button", name="Record the agreement").click()
    expect(success(page)).to_contain_text("Agreement recorded. Every council has been told and can now apply")
    expect_status(page, "Agreement reached")
    expect(answer(page, "Agreement")).to_have_text(AGREEMENT)
    axe.check("sharing:introduction:agreed")
    agreed = wait_for_mail(mailbox, IPSWICH, "Ipswich and Babergh have agreed to share services")
    wait_for_mail(mailbox, BABERGH, "Ipswich and Babergh have agreed to share services")
    open_from_menu(page, "Shared services map", "Shared services map")
    axe.check("sharing:map")
    screenshot(page, "shared-services-map")

    # Ipswich's officer applies for funding from the introduction, with Babergh as partner.
    page.get_by_role("banner").get_by_role("button", name="Sign out").click()
    page.goto(mailbox.link_in(agreed, f"/applications/introductions/{introduction_id}"))
    fill_sign_in(page, person(live_server, IPSWICH))
    expect(answer(page, "What the councils agreed")).to_have_text(AGREEMENT)
    expect(page.get_by_role("heading", name="Funding for a shared-service expert or mediation")).to_be_visible()
    axe.check("introduction:agreed")
    page.get_by_role("button", name="Apply for funding").click()
    expect(success(page)).to_contain_text(
        "Application started. The other councils have been asked to confirm as partners."
    )
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Sharing services: Revenues and benefits, Human resources (HR)"
    )
    expect(task(page, "What you want to share")).to_contain_text("Completed")
    axe.check("task-list:from-introduction")
    wait_for_mail(mailbox, BABERGH, "Please confirm Babergh's part in a joint bid led by Ipswich")

    held_introduction = introduction_facts(live_server, introduction_id)
    assert held_introduction.status is IntroductionStatus.AGREED
    assert held_introduction.request == reference
    assert held_introduction.councils == [
        ("Ipswich", "accepted", email),
        ("Babergh", "accepted", babergh_officer.email),
    ]
    assert held_introduction.agreement == AGREEMENT
    assert held_introduction.funding is not None
    funding_reference, lead, funding_partners = held_introduction.funding
    assert lead == "Ipswich"
    assert funding_reference != reference
    assert [council for council, _ in funding_partners] == ["Babergh"]
    assert funding_partners[0][1] is not PartnerStatus.CONFIRMED
    assert held_introduction.events == [
        "introduction.propose",
        "introduction.accept",
        "introduction.accept",
        "introduction.start_discussion",
        "introduction.record_agreement",
        "introduction.apply_for_funding",
    ]
    funding_application = facts(live_server, funding_reference)
    assert funding_application["status"] is ApplicationStatus.DRAFT
    funding_answers = funding_application["answers"]
    assert isinstance(funding_answers, dict)
    assert funding_answers["sharing"] == {
        "what": "services",
        "areas": ["revenues_and_benefits", "hr"],
        "detail": AGREEMENT,
    }
