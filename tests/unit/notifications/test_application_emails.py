"""The emails an application's life sends, rendered for real with the contexts the workflow gives."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from markupsafe import escape

from notifications.outbox import render_email

TITLE = "<b>Smarter</b> procurement across Suffolk"
ESCAPED_TITLE = "&lt;b&gt;Smarter&lt;/b&gt; procurement across Suffolk"
LINK = "https://broker.example/applications/42?tab=offer&from=email"
REASON = "The savings estimate has no workings: show how you reached £250,000."

# Every test renders in the app context.
pytestmark = pytest.mark.usefixtures("app_context")


def application_context(**overrides: Any) -> dict[str, Any]:
    """What every application email gets (see workflows.applications._message_context)."""
    context: dict[str, Any] = {
        "reference": "PE-00042",
        "title": TITLE,
        "council": "Babergh",
        "scheme": "Productivity Experts",
        "round": "2026/27 round 1",
        "reason": None,
        "amount": 600_000,
        "status": "Submitted",
        "name": "Priya Shah",
        "for_staff": False,
        "link": LINK,
    }
    return {**context, **overrides}


def overdue_context(**overrides: Any) -> dict[str, Any]:
    """What the overdue reminder carries (the stage's clock), plus the recipient's name."""
    context: dict[str, Any] = {
        "reference": "PE-00042",
        "title": TITLE,
        "council": "Babergh",
        "stage": "In assessment",
        "due": "2026-11-20",
        "due_on": date(2026, 11, 23),
        "name": "Alan Approver",
        "link": LINK,
    }
    return {**context, **overrides}


# (template, context, subject)
CASES: list[tuple[str, dict[str, Any], str]] = [
    (
        "application_submitted",
        application_context(),
        "We have received your application PE-00042",
    ),
    (
        "application_submitted",
        application_context(for_staff=True, name="Olu Officer"),
        "New application PE-00042 from Babergh to check",
    ),
    (
        "application_withdrawn",
        application_context(for_staff=True, status="Withdrawn", reason=REASON),
        "Babergh has withdrawn application PE-00042",
    ),
    (
        "application_ineligible",
        application_context(status="Not eligible", reason=REASON),
        "Your application PE-00042 is not eligible",
    ),
    (
        "changes_requested",
        application_context(status="Changes requested", reason=REASON),
        "Changes are needed to your application PE-00042",
    ),
    (
        "application_offered",
        application_context(status="Offered"),
        "Grant offer for your application PE-00042",
    ),
    (
        "application_rejected",
        application_context(status="Rejected", reason=REASON),
        "Decision on your application PE-00042",
    ),
    (
        "offer_accepted",
        application_context(status="Expert matching"),
        "You have accepted the offer for PE-00042",
    ),
    (
        "offer_accepted",
        application_context(status="In delivery", for_staff=True, name="Olu Officer"),
        "Babergh has accepted the offer for PE-00042",
    ),
    (
        "offer_declined",
        application_context(status="Withdrawn", for_staff=True, reason=REASON, name="Olu Officer"),
        "Babergh has declined the offer for PE-00042",
    ),
    (
        "partner_confirmation_requested",
        application_context(partner="Ipswich", name="Ian Ipswich"),
        "Please confirm Ipswich's part in a joint bid led by Babergh",
    ),
    (
        "stage_overdue",
        overdue_context(),
        "Overdue: application PE-00042 is past its service level (In assessment)",
    ),
]

IDS = [f"{template}{'-staff' if context.get('for_staff') else ''}" for template, context, _ in CASES]
TEMPLATES_WITH_A_REASON = [
    "application_withdrawn",
    "application_ineligible",
    "changes_requested",
    "application_rejected",
    "offer_declined",
]


@pytest.mark.parametrize(("template", "context", "subject"), CASES, ids=IDS)
def test_the_subject_is_the_first_line_and_the_greeting_follows(
    template: str, context: dict[str, Any], subject: str
) -> None:
    email = render_email(template, context)
    assert email["subject"] == subject
    assert email["text"].startswith(f"Dear {context['name']},\n")
    assert f"<title>{escape(subject)}</title>" in email["html"]
    assert f"<p>Dear {context['name']},</p>" in email["html"]


@pytest.mark.parametrize(("template", "context", "subject"), CASES, ids=IDS)
def test_the_link_is_on_its_own_line_and_in_the_html(template: str, context: dict[str, Any], subject: str) -> None:
    email = render_email(template, context)
    assert LINK in email["text"].splitlines()
    assert f'href="{LINK.replace("&", "&amp;")}"' in email["html"]


@pytest.mark.parametrize(("template", "context", "subject"), CASES, ids=IDS)
def test_the_title_is_plain_in_the_text_and_escaped_in_the_html(
    template: str, context: dict[str, Any], subject: str
) -> None:
    email = render_email(template, context)
    assert TITLE in email["text"]
    assert ESCAPED_TITLE in email["html"]
    assert "<b>" not in email["html"]


@pytest.mark.parametrize(("template", "context", "subject"), CASES, ids=IDS)
def test_nothing_is_left_unfilled(template: str, context: dict[str, Any], subject: str) -> None:
    email = render_email(template, context)
    for body in (email["subject"], email["text"], email["html"]):
        assert "None" not in body
        assert "{{" not in body and "{%" not in body
        assert "\n\n\n" not in body


@pytest.mark.parametrize("template", TEMPLATES_WITH_A_REASON)
def test_the_reason_is_shown_when_given(template: str) -> None:
    email = render_email(template, application_context(reason="<i>No</i> workings & no evidence"))
    assert "<i>No</i> workings & no evidence" in email["text"]
    assert "&lt;i&gt;No&lt;/i&gt; workings &amp; no evidence" in email["html"]


@pytest.mark.parametrize("template", TEMPLATES_WITH_A_REASON)
def test_no_reason_leaves_no_trace(template: str) -> None:
    with_reason = render_email(template, application_context(reason=REASON))
    without = render_email(template, application_context(reason=None))
    assert REASON in with_reason["text"]
    for body in ("text", "html"):
        assert "reason" not in without[body].lower()
        assert "Why:" not in without[body] and "What we need" not in without[body]
        assert "\n\n\n" not in without[body]
    assert "border-left" not in without["html"]


def test_the_applicant_is_told_what_happens_next_and_the_officer_what_to_check() -> None:
    applicant = render_email("application_submitted", application_context())
    officer = render_email("application_submitted", application_context(for_staff=True))
    assert "Your reference is PE-00042" in applicant["text"]
    assert "What happens next" in applicant["text"] and "What happens next" in applicant["html"]
    assert "Assessors score it" in applicant["text"]
    assert "Please check it" in officer["text"]
    assert "It asks for £6,000." in officer["text"]
    assert "Your reference" not in officer["text"]


def test_the_offer_gives_the_amount_in_pounds_and_how_to_accept() -> None:
    email = render_email("application_offered", application_context(amount=3_000_050, status="Offered"))
    assert "a grant of £30,000.50." in email["text"]
    assert "<strong>£30,000.50</strong>" in email["html"]
    assert "How to accept" in email["text"] and "How to accept" in email["html"]
    assert "name and job title of the person who signs" in email["text"]


def test_an_offer_without_an_amount_still_reads() -> None:
    email = render_email("application_offered", application_context(amount=None, status="Offered"))
    assert "We are offering your council a grant." in email["text"]
    assert "£" not in email["text"]


def test_the_accepted_offer_says_what_comes_next_for_the_scheme() -> None:
    with_expert = render_email("offer_accepted", application_context(status="Expert matching"))
    without = render_email("offer_accepted", application_context(status="In delivery"))
    staff = render_email("offer_accepted", application_context(status="Expert matching", for_staff=True))
    assert "match an expert" in with_expert["text"]
    assert "your project can now start" in without["text"]
    assert "now at the stage: Expert matching" in staff["text"]
    assert "of £6,000" in staff["html"]


def test_changes_requested_says_what_to_do() -> None:
    email = render_email("changes_requested", application_context(reason=REASON))
    assert f"What we need: {REASON}" in email["text"]
    assert "Submit the application again" in email["text"]
    assert "Submit the application again" in email["html"]


def test_the_partner_is_asked_to_confirm_its_part() -> None:
    email = render_email("partner_confirmation_requested", application_context(partner="Ipswich & Co"))
    assert "named Ipswich & Co as a partner council" in email["text"]
    assert "share of the match funding" in email["text"]
    assert "Ipswich &amp; Co" in email["html"]


def test_the_overdue_email_names_the_stage_and_the_date() -> None:
    email = render_email("stage_overdue", overdue_context())
    assert 'at the stage "In assessment"' in email["text"]
    assert "ended on 20 November 2026" in email["text"]
    assert "ended on 20 November 2026" in email["html"]


def test_the_overdue_email_takes_an_early_month_without_leading_zeros() -> None:
    email = render_email("stage_overdue", overdue_context(due="2027-01-04"))
    assert "ended on 4 January 2027" in email["text"]
