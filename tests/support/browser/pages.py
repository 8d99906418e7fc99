"""What a person does in the browser, shared by every journey: checking a page with axe, signing
in and out, following an invitation, answering a section of an application, the staff's steps on
an application, and the pictures of the main pages."""

from __future__ import annotations

import os
import re
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe as AxeRunner
from playwright.sync_api import Locator, Page, ViewportSize, expect

from grants.models import Role
from tests.support.browser.live_server import DESKTOP, DemoAccount, LiveServer
from tests.support.browser.records import wait_for_the_eligibility_check

# The demo people the journeys sign in as.
BABERGH = "council.officer@babergh.example.gov.uk"
IPSWICH = "council.officer@ipswich.example.gov.uk"
PROGRAMME_OFFICER = "programme.officer@lga.example.gov.uk"
ASSESSORS = ["assessor@lga.example.gov.uk", "second.assessor@lga.example.gov.uk"]
APPROVER = "approver@lga.example.gov.uk"
ADMINISTRATOR = "administrator@lga.example.gov.uk"

SUCCESS = ".govuk-notification-banner--success"

# `make screenshots` sets this to docs/screenshots to refresh the README's pictures; otherwise the
# journeys take none, and the screenshot tests write theirs to a temporary folder.
SCREENSHOTS_ENV = "SCREENSHOTS_DIR"
MOBILE: ViewportSize = {"width": 390, "height": 844}

# WCAG 2.0, 2.1 and 2.2 at levels A and AA: what public-sector services must meet.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
BLOCKING_IMPACTS = {"serious", "critical"}
_AXE = AxeRunner()


# Pages, axe and pictures -----------------------------------------------------------------------


def assert_accessible(page: Page) -> None:
    """Fail if axe finds a serious or critical WCAG 2.x A/AA violation on the page as it is now."""
    results = _AXE.run(page, options=AXE_OPTIONS)
    blocking = [v for v in results.response["violations"] if v["impact"] in BLOCKING_IMPACTS]
    if blocking:
        lines = [f"axe found {len(blocking)} serious or critical violation(s) on {page.url}:"]
        for violation in blocking:
            lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']} <{violation['helpUrl']}>")
            lines.extend(f"    target: {' '.join(node['target'])}" for node in violation["nodes"])
        pytest.fail("\n".join(lines), pytrace=False)


# Pages that are the same whichever journey opens them: each is checked once in the whole run.
_SAME_IN_EVERY_JOURNEY = re.compile(r"^(start|sign-in|home:.+|invite|invited|invitation|queue(:.+)?)$")
_CHECKED_IN_THE_RUN: set[str] = set()


class Axe:
    """Runs axe once on each distinct page of a journey: the first time the page is seen in the
    state the journey names (a section, or the staff's page at a stage), not on every visit. The
    start, sign-in and home pages, the invitation and the staff's queues are checked once in the
    run, by the first journey that opens them."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.checked: set[str] = set()

    def check(self, name: str) -> None:
        shared = bool(_SAME_IN_EVERY_JOURNEY.match(name))
        if name in (_CHECKED_IN_THE_RUN if shared else self.checked):
            return
        assert_accessible(self.page)
        (_CHECKED_IN_THE_RUN if shared else self.checked).add(name)


def visit(page: Page, path: str, status: int = 200) -> None:
    response = page.goto(path)
    assert response is not None, f"no response for {path}"
    assert response.status == status, f"GET {path} answered {response.status}, expected {status}"


def png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    width, height = struct.unpack(">II", header[16:24])
    return width, height


def take_screenshots(page: Page, folder: Path, stem: str) -> list[Path]:
    """Full-page pictures of the page as it is, in a window 1280 pixels wide (desktop) and 390
    pixels wide (a phone), as `<stem>-desktop.png` and `<stem>-mobile.png`. Nothing on the page
    may be wider than the window (wide tables scroll inside their own box); each picture is
    exactly as wide as the window. The window is desktop-sized again afterwards."""
    folder.mkdir(parents=True, exist_ok=True)
    taken = []
    try:
        for label, viewport in (("desktop", DESKTOP), ("mobile", MOBILE)):
            page.set_viewport_size(viewport)
            assert page.evaluate("() => window.innerWidth") == viewport["width"], f"{page.url} not at {label} width"
            overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{page.url} is {overflow}px wider than a {label} window"
            target = folder / f"{stem}-{label}.png"
            target.unlink(missing_ok=True)
            page.screenshot(path=target, full_page=True)
            width, height = png_size(target)
            assert width == viewport["width"], f"{target.name} is {width}px wide, not the window's width"
            assert height >= viewport["height"], f"{target.name} is {height}px tall, shorter than the window"
            taken.append(target)
    finally:
        page.set_viewport_size(DESKTOP)
    return taken


def screenshot(page: Page, stem: str) -> None:
    """Pictures of one of the main pages at both widths, when the run asks for pictures."""
    folder = os.environ.get(SCREENSHOTS_ENV)
    if folder:
        take_screenshots(page, Path(folder), stem)


# Evidence files --------------------------------------------------------------------------------


def small_pdf(text: str) -> bytes:
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


EVIDENCE_NAME = "savings-evidence.pdf"
EVIDENCE_PDF = small_pdf("Commercial waste: savings against the 2025/26 baseline")


# Signing in ------------------------------------------------------------------------------------


def person(live_server: LiveServer, who: str | DemoAccount) -> DemoAccount:
    return who if isinstance(who, DemoAccount) else live_server.people[who]


def fill_sign_in(page: Page, account: DemoAccount) -> None:
    page.locator("#email").fill(account.email)
    page.locator("#password").fill(account.password)
    page.get_by_role("button", name="Sign in", exact=True).click()


def sign_in_from_start(page: Page, live_server: LiveServer, account: DemoAccount) -> None:
    """Start page → "Sign in" → email and password → the home page."""
    visit(page, "/")
    page.get_by_role("main").get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{live_server.url}/sign-in")
    fill_sign_in(page, account)
    expect(page).to_have_url(f"{live_server.url}/home")


def sign_out(page: Page, live_server: LiveServer) -> None:
    page.get_by_role("banner").get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{live_server.url}/sign-in")
    expect(page.locator(SUCCESS)).to_contain_text("You have signed out")


def sign_in_as(page: Page, live_server: LiveServer, axe: Axe, who: str | DemoAccount) -> DemoAccount:
    """Sign out whoever is signed in (which leaves the sign-in page open), else come to it from
    the start page; then sign in as this person and reach their home page."""
    account = person(live_server, who)
    if page.get_by_role("banner").get_by_role("button", name="Sign out").count():
        sign_out(page, live_server)
    elif page.url != f"{live_server.url}/sign-in":
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


def invite(page: Page, axe: Axe, name: str, email: str, role: str, *, council: str = "", expert: str = "") -> None:
    """The administrator, signed in: Users → Invite someone, with one role and the council or
    expert profile it needs."""
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Users", exact=True).click()
    page.get_by_role("button", name="Invite someone").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Invite someone")
    axe.check("invite")
    page.get_by_label("Full name").fill(name)
    page.get_by_label("Email address").fill(email)
    page.get_by_role("group", name="Roles").get_by_label(role, exact=True).check()
    if council:
        page.get_by_label("Council (council officers only)").select_option(label=council)
    if expert:
        page.get_by_label("Expert profile (experts only)").select_option(label=expert)
    page.get_by_role("button", name="Send invitation").click()
    expect(page.locator(SUCCESS)).to_contain_text(f"Invitation sent to {email}")
    axe.check("invited")


def accept_invitation(page: Page, axe: Axe, link: str, role: Role, name: str, email: str, password: str) -> DemoAccount:
    """Follow the invitation's link, signed out, and choose a password: the new account is
    signed in at its home page."""
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Welcome, {name}")
    axe.check("invitation")
    page.get_by_label("New password", exact=True).fill(password)
    page.get_by_label("Confirm new password").fill(password)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Hello, {name}")
    return DemoAccount(role, email, password, name)


# Finding things on a page ----------------------------------------------------------------------


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
    """The value beside a key in a summary list inside `scope` (a page, or a card on it): the row
    whose key is exactly this."""
    page = scope if isinstance(scope, Page) else scope.page
    row = scope.locator(".govuk-summary-list__row").filter(has=page.locator("dt").get_by_text(key, exact=True))
    return row.locator(".govuk-summary-list__value")


def expect_status(page: Page, label: str) -> None:
    expect(page.get_by_role("main").locator(".govuk-tag").first).to_have_text(label)


def fill_date(page: Page, legend: str, day: date) -> None:
    """A GOV.UK date input: the day, month and year boxes inside the fieldset it names."""
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))


# A council's application -----------------------------------------------------------------------


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


def complete_section(page: Page, axe: Axe, name: str, answer: Callable[[Page], None], shot: str = "") -> None:
    """Open the section from the task list, answer it, save it, and see it completed. With
    `shot`, pictures of the section answered are taken under that name."""
    page.get_by_role("link", name=name, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    axe.check(f"section:{name}")
    answer(page)
    if shot:
        screenshot(page, shot)
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


# The staff's steps on an application -----------------------------------------------------------


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
    page: Page,
    live_server: LiveServer,
    axe: Axe,
    reference: str,
    scores: list[Scores],
    combined: str,
    amount: str,
    shots: str = "",
) -> None:
    """The staff's part: eligibility confirmed (once the worker's automated check has passed),
    scored by both assessors, approved. With `shots`, pictures of the staff's page at each
    stage are taken under that name."""
    wait_for_the_eligibility_check(live_server, reference)
    sign_in_as(page, live_server, axe, PROGRAMME_OFFICER)
    open_from_queue(page, axe, "Eligibility check", reference)
    expect_status(page, "Submitted")
    passed = page.locator("#eligibility + .govuk-inset-text")
    expect(passed).to_contain_text(re.compile(r"^\s*The automated check passed on \d{1,2} \w+ \d{4}"))
    expect(passed.locator("strong")).to_have_text("The automated check passed")
    axe.check("review:submitted")
    page.get_by_role("button", name="Confirm eligible and send for assessment").click()
    banner = success(page)
    expect(banner).to_contain_text(f"{reference} is eligible and ready for assessment")
    expect_status(page, "In assessment")
    axe.check("review:in-assessment")

    for email, given in zip(ASSESSORS, scores, strict=True):
        sign_in_as(page, live_server, axe, email)
        open_from_queue(page, axe, "In assessment", reference)
        score(page, axe, given)
        expect(banner).to_contain_text(f"Your scores for {reference} are saved.")
    expect(banner).to_contain_text("Every assessor has now scored it: it is ready for a decision.")
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
    if shots:
        screenshot(page, f"{shots}-decision")
    page.get_by_label("Conditions of the offer (optional)").fill(
        "Report the savings at 3, 6 and 12 months.\nName the expert within 20 working days."
    )
    page.get_by_role("button", name="Approve and make the offer").click()
    expect(banner).to_contain_text(f"{reference} is approved: an offer of {amount} has been made")
    expect_status(page, "Offered")
    axe.check("review:offered")


def wait_for_the_page(page: Page, done: Locator, what: str, timeout_s: float = 30.0) -> None:
    """Reload the page until `done` is on it: something the worker is doing shows when it has
    done it. Bounded, so that work never done fails the test."""
    deadline = time.monotonic() + timeout_s
    while not done.count() and time.monotonic() < deadline:
        page.wait_for_timeout(250)
        page.reload()
    expect(done, f"{what} was not shown within {timeout_s:.0f} s").not_to_have_count(0)
