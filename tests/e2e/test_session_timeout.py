"""The warning before an idle session ends, in the browser (WCAG 2.2.1, timing adjustable): it
appears five minutes before the end, takes the focus, keeps the person signed in when they ask
(with the keyboard), and when the time runs out the page goes to the sign-in page, which says why.

The live server runs in this process, so time-machine moves its clock; Playwright's clock moves
the page's by the same amounts. The settings are the real ones: 30 minutes, warned at 25."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import time_machine
from playwright.sync_api import Page, expect

from grants.models import Role
from tests.support.browser.live_server import DemoAccount, LiveServer
from tests.support.browser.pages import assert_accessible, fill_sign_in, visit

# Far enough past each moment that a page and a server a second or two apart both see it passed.
PAST = timedelta(seconds=10)


def wait(server: time_machine.Traveller, page: Page, duration: timedelta) -> None:
    """Let the same time pass on the server and in the page."""
    server.shift(duration)
    page.clock.fast_forward(int(duration.total_seconds() * 1000))


def test_the_idle_warning_keeps_a_session_going_when_asked_and_signs_out_when_not(
    page: Page, live_server: LiveServer, accounts: dict[Role, DemoAccount]
) -> None:
    with time_machine.travel(datetime.now(UTC), tick=True) as server:
        page.clock.install()
        visit(page, "/sign-in")
        fill_sign_in(page, accounts[Role.PROGRAMME_OFFICER])
        expect(page).to_have_url(f"{live_server.url}/home")
        warning = page.get_by_role("alertdialog", name="You are about to be signed out")
        stay = warning.get_by_role("button", name="Stay signed in")
        message = warning.locator("#session-timeout-message")
        expect(warning).to_be_hidden()
        where_i_was = page.get_by_role("link", name="Your account")
        where_i_was.focus()

        wait(server, page, timedelta(minutes=25) + PAST)
        expect(warning).to_be_visible()
        expect(stay).to_be_focused()
        expect(message).to_have_attribute("aria-live", "polite")
        expect(message).to_contain_text("For your security, we will sign you out at")
        expect(message).to_contain_text("(in 5 minutes)")
        expect(warning.get_by_role("button", name="Sign out")).to_be_visible()
        assert_accessible(page)

        page.keyboard.press("Enter")
        expect(warning).to_be_hidden()
        expect(where_i_was).to_be_focused()

        # Had "Stay signed in" not reached the server, this would be 50 minutes idle: signed out.
        wait(server, page, timedelta(minutes=25) + PAST)
        expect(warning).to_be_visible()
        expect(page).to_have_url(f"{live_server.url}/home")
        page.keyboard.press("Escape")  # closing the warning also keeps the session
        expect(warning).to_be_hidden()

        wait(server, page, timedelta(minutes=25) + PAST)
        expect(warning).to_be_visible()
        wait(server, page, timedelta(minutes=5))
        expect(page).to_have_url(f"{live_server.url}/sign-in?next={quote('/home', safe='')}")
        expect(page.locator(".govuk-notification-banner")).to_contain_text(
            "You were signed out after 30 minutes without activity"
        )
        visit(page, "/account")  # the server ended the session too
        expect(page).to_have_url(re.compile(r"/sign-in\?next=(/|%2F)account$"))
