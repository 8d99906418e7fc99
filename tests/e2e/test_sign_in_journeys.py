"""Signing in and out in a real browser, for every role: what each person sees, what the
keyboard alone can do, and what axe finds on every page of the journey."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from grants.models import Role
from tests.support.browser.live_server import DemoAccount, LiveServer
from tests.support.browser.pages import SCREENSHOTS_ENV, assert_accessible, sign_in_from_start, take_screenshots, visit

# A page whose scripts never settle would hold axe (page.evaluate has no timeout of its own).
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(60)]

WRONG_DETAILS = "Enter a correct email address and password"

# The level-2 headings of the home page: one section per part of the service the role works in.
SECTIONS: dict[Role, list[str]] = {
    Role.COUNCIL_OFFICER: ["Your council's work"],
    Role.PROGRAMME_OFFICER: ["The programme"],
    Role.ASSESSOR: ["The programme"],
    Role.APPROVER: ["The programme"],
    Role.EXPERT: ["Your expert profile"],
    # Administrators are staff too, so they also see the programme.
    Role.ADMINISTRATOR: ["The programme", "Administration"],
}

# Other journeys in the session leave the demo people messages, which the link counts.
_ACCOUNT_LINKS: list[str | re.Pattern[str]] = [
    re.compile(r"^\s*Messages( \(\d+ unread\))?\s*$"),
    "Your account",
    "Sign out",
]
_STAFF_LINKS = ["Home", "Applications", "Funding rounds", "Dashboard", "Expert pool", "Councils", "Shared services map"]
# What programme officers add: matching experts, outcomes, and brokering shared services.
_PROGRAMME_LINKS = ["Home", "Applications", "Matching", "Outcomes", "Shared services", *_STAFF_LINKS[2:]]
# The service navigation, in order: only the pages the role may open, then the account links.
NAVIGATION: dict[Role, list[str | re.Pattern[str]]] = {
    Role.COUNCIL_OFFICER: ["Home", "Applications", "Shared services map", *_ACCOUNT_LINKS],
    Role.PROGRAMME_OFFICER: [*_PROGRAMME_LINKS, "Emails", *_ACCOUNT_LINKS],
    Role.ASSESSOR: [*_STAFF_LINKS, *_ACCOUNT_LINKS],
    Role.APPROVER: [*_STAFF_LINKS, *_ACCOUNT_LINKS],
    Role.EXPERT: ["Home", "Your work", "Your profile", *_ACCOUNT_LINKS],
    Role.ADMINISTRATOR: [*_STAFF_LINKS, "Schemes", "Users", "Emails", *_ACCOUNT_LINKS],
}


# Tests -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", list(Role), ids=[role.value for role in Role])
def test_each_role_signs_in_sees_only_its_own_work_and_signs_out(
    page: Page, live_server: LiveServer, accounts: dict[Role, DemoAccount], role: Role
) -> None:
    """From the start page a person of each role reaches a home page that greets them by name,
    shows the sections of their role and no other, and offers in the service navigation only
    the pages their role may open. The page passes axe. "Sign out" in the header ends the
    session: the sign-in page confirms it and the home page asks to sign in again."""
    account = accounts[role]
    sign_in_from_start(page, live_server, account)

    expect(page.get_by_role("heading", level=1)).to_have_text(f"Hello, {account.name}")
    expect(page.get_by_role("main").locator("h2")).to_have_text(SECTIONS[role])
    expect(page.locator(".govuk-service-navigation__list > .govuk-service-navigation__item")).to_have_text(
        NAVIGATION[role]
    )
    assert_accessible(page)

    page.get_by_role("banner").get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{live_server.url}/sign-in")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("You have signed out")
    expect(page.get_by_role("banner").get_by_role("button", name="Sign out")).to_have_count(0)

    visit(page, "/home")
    expect(page).to_have_url(re.compile(re.escape(f"{live_server.url}/sign-in")))


def test_wrong_password_shows_the_error_summary_and_keeps_the_email(
    page: Page, accounts: dict[Role, DemoAccount]
) -> None:
    """A wrong password leaves the person on the sign-in page with GOV.UK's error summary, which
    takes the focus (so a screen reader announces it), links to the email field, and says
    neither which half was wrong nor whether the account exists. The typed email is kept, the
    password is not echoed back, the title starts with "Error:", and the page passes axe."""
    email = accounts[Role.ADMINISTRATOR].email
    visit(page, "/sign-in")
    assert_accessible(page)

    page.locator("#email").fill(email)
    page.locator("#password").fill("not-the-right-password-at-all")
    page.get_by_role("button", name="Sign in", exact=True).click()

    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary.get_by_role("heading", level=2)).to_have_text("There is a problem")
    expect(summary.get_by_role("link", name=WRONG_DETAILS)).to_have_attribute("href", "#email")
    # GOV.UK Frontend's script moves the focus to the summary once the page has loaded.
    expect(page.locator(".govuk-error-summary:focus-within"), "focus is not in the error summary").to_have_count(1)
    assert page.evaluate("() => document.activeElement.closest('.govuk-error-summary') !== null")

    expect(page).to_have_title(re.compile(r"^Error: Sign in"))
    expect(page.locator("#email")).to_have_value(email)
    expect(page.locator("#password")).to_have_value("")
    assert_accessible(page)


def test_keyboard_alone_signs_in(page: Page, live_server: LiveServer, accounts: dict[Role, DemoAccount]) -> None:
    """With Tab alone, starting at the skip link, the focus reaches the email field, then the
    password field, then (past the password's "Show" button) the Sign in button; Enter on that
    button signs in."""
    account = accounts[Role.COUNCIL_OFFICER]
    visit(page, "/sign-in")

    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()

    email = page.locator("#email")
    for _ in range(10):
        page.keyboard.press("Tab")
        if email.evaluate("field => field === document.activeElement"):
            break
    expect(email).to_be_focused()
    page.keyboard.type(account.email)

    page.keyboard.press("Tab")
    expect(page.locator("#password")).to_be_focused()
    page.keyboard.type(account.password)

    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Show password")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Sign in", exact=True)).to_be_focused()

    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server.url}/home")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Hello, {account.name}")


@pytest.mark.parametrize(
    ("path", "heading", "status"),
    [
        ("/", "Productivity Programme grants and experts", 200),
        ("/sign-in", "Sign in", 200),
        ("/accessibility", "Accessibility statement for Productivity Broker", 200),
        ("/privacy", "Privacy notice", 200),
        ("/cookies", "Cookies", 200),
        ("/no-such-page", "Page not found", 404),
    ],
    ids=["start", "sign-in", "accessibility", "privacy", "cookies", "not-found"],
)
def test_public_pages_pass_axe(page: Page, path: str, heading: str, status: int) -> None:
    """Each page anyone can open without signing in answers with the right status and heading,
    and has no serious or critical WCAG 2.x A/AA violation."""
    visit(page, path, status)
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    assert_accessible(page)


ADMINISTRATOR_PAGES = [
    ("/admin/users", "Users"),
    ("/admin/users/invite", "Invite someone"),
    ("/admin/schemes", "Schemes"),
    ("/councils", "Council register"),
    ("/experts", "Expert pool"),
    ("/rounds", "Funding rounds"),
]


def test_administrator_pages_pass_axe(page: Page, live_server: LiveServer, accounts: dict[Role, DemoAccount]) -> None:
    """Each page the administrator reaches from the navigation opens, with the demo world's data
    in it, and has no serious or critical WCAG 2.x A/AA violation."""
    sign_in_from_start(page, live_server, accounts[Role.ADMINISTRATOR])
    for path, heading in ADMINISTRATOR_PAGES:
        visit(page, path)
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        assert_accessible(page)


@pytest.mark.parametrize(
    "role", [None, Role.COUNCIL_OFFICER, Role.ADMINISTRATOR], ids=["start", "council-officer", "administrator"]
)
def test_screenshots_at_desktop_and_mobile_widths(
    page: Page, live_server: LiveServer, accounts: dict[Role, DemoAccount], role: Role | None, tmp_path: Path
) -> None:
    """Full-page screenshots of the start page and two home pages, rendered in a window 1280
    pixels wide (desktop) and 390 pixels wide (a phone): nothing is wider than the window (wide
    tables scroll inside their own box), and each file is a PNG exactly as wide as the window."""
    if role is None:
        stem, path, heading = "start", "/", "Productivity Programme grants and experts"
    else:
        account = accounts[role]
        stem, path, heading = f"home-{role.value.replace('_', '-')}", "/home", f"Hello, {account.name}"
        sign_in_from_start(page, live_server, account)
    visit(page, path)
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    taken = take_screenshots(page, Path(os.environ.get(SCREENSHOTS_ENV) or tmp_path), stem)
    assert [p.name for p in taken] == [f"{stem}-desktop.png", f"{stem}-mobile.png"]
