"""Messages in a real browser: an invitation leaves an email in the outbox that staff can see once
the worker has sent it, and a changed password leaves a message in the service that its owner
reads."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from grants.models import EmailStatus, Role
from tests.support.browser.live_server import DemoAccount, LiveServer
from tests.support.browser.pages import assert_accessible, sign_in_from_start, visit
from tests.support.browser.records import email_status, wait_for_mail, wait_until
from tests.support.mail import Mailbox

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(90)]

INVITATION = "You have been invited to Productivity Broker"


def invite(page: Page, live_server: LiveServer, admin: DemoAccount, name: str, email: str) -> None:
    sign_in_from_start(page, live_server, admin)
    visit(page, "/admin/users/invite")
    page.get_by_label("Full name").fill(name)
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Assessor").check()
    page.get_by_role("button", name="Send invitation").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(email)


def test_an_administrator_invites_someone_and_finds_the_email_in_the_outbox(
    page: Page, live_server: LiveServer, accounts: dict[Role, DemoAccount], mailbox: Mailbox
) -> None:
    """The invitation reaches the SMTP server through the worker; the outbox then lists it as
    sent, and its page gives the Message-ID the mail server received."""
    invite(page, live_server, accounts[Role.ADMINISTRATOR], "Priya Browser", "priya.browser@lga.example.gov.uk")
    invitation = wait_for_mail(mailbox, "priya.browser@lga.example.gov.uk", INVITATION)

    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Emails").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Emails")
    page.get_by_label("Status").select_option("sent")
    # The worker marks the row sent just after the mail server has accepted the message.
    wait_until(
        live_server,
        lambda: email_status(live_server, "priya.browser@lga.example.gov.uk", INVITATION) is EmailStatus.SENT,
        "the invitation marked sent",
    )
    page.get_by_role("button", name="Show emails").click()
    row = page.get_by_role("row").filter(has_text="priya.browser@lga.example.gov.uk")
    expect(row).to_contain_text(INVITATION)
    assert_accessible(page)
    row.get_by_role("link").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(INVITATION)
    expect(page.get_by_role("main")).to_contain_text(str(invitation["Message-ID"]))
    assert_accessible(page)


def test_a_new_colleague_changes_their_password_and_reads_the_message_about_it(
    page: Page, live_server: LiveServer, accounts: dict[Role, DemoAccount], mailbox: Mailbox
) -> None:
    email = "sam.reader@lga.example.gov.uk"
    invite(page, live_server, accounts[Role.ADMINISTRATOR], "Sam Reader", email)
    link = mailbox.link_in(wait_for_mail(mailbox, email, INVITATION), "/invitation/")
    page.get_by_role("banner").get_by_role("button", name="Sign out").click()

    first_password, new_password = "walnut-ferry-quartz-31", "marble-orchard-tangent-88"
    page.goto(link)
    page.get_by_label("New password", exact=True).fill(first_password)
    page.get_by_label("Confirm new password").fill(first_password)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Sam Reader")
    navigation = page.get_by_role("navigation", name="Menu")
    expect(navigation.get_by_role("link", name="Messages", exact=True)).to_be_visible()

    visit(page, "/account")
    assert_accessible(page)
    page.get_by_label("Current password").fill(first_password)
    page.get_by_label("New password", exact=True).fill(new_password)
    page.get_by_label("Confirm new password").fill(new_password)
    page.get_by_role("button", name="Change password").click()
    expect(page.locator(".govuk-notification-banner--success")).to_be_visible()
    wait_for_mail(mailbox, email, "Your Productivity Broker password has changed")

    navigation.get_by_role("link", name="Messages (1 unread)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Messages")
    expect(page.get_by_role("main")).to_contain_text("Your Productivity Broker password has changed")
    expect(page.get_by_role("main")).to_contain_text("Unread")
    assert_accessible(page)
    page.get_by_role("button", name="Mark as read").first.click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Message marked as read")
    expect(navigation.get_by_role("link", name="Messages", exact=True)).to_be_visible()
    assert_accessible(page)
