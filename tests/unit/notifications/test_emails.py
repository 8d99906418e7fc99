"""The email templates, rendered for real, and the messages built from them."""

from __future__ import annotations

import pytest
from flask import Flask

from notifications.mail import OutgoingEmail
from notifications.outbox import render_email
from notifications.senders import build_message

NAME = "<b>Eve</b>"
ESCAPED_NAME = "&lt;b&gt;Eve&lt;/b&gt;"
LINK = "https://broker.example/invitation/s3cr3t?a=1&b=2"


CONTEXTS = {
    "invitation": {
        "name": NAME,
        "link": LINK,
        "invited_by": "Ann & Co",
        "expires_in_hours": 72,
        "roles": ["Council officer", "Expert"],
    },
    "password_reset": {"name": NAME, "link": LINK, "expires_in_hours": 2},
    "password_changed": {"name": NAME, "link": "https://broker.example/account"},
}

SUBJECTS = {
    "invitation": "You have been invited to Productivity Broker",
    "password_reset": "Reset your Productivity Broker password",
    "password_changed": "Your Productivity Broker password has changed",
}


@pytest.mark.usefixtures("app_context")
class TestRenderEmail:
    @pytest.mark.parametrize("template", list(CONTEXTS))
    def test_the_subject_is_the_first_line_of_the_text(self, template: str) -> None:
        email = render_email(template, CONTEXTS[template])
        assert email["subject"] == SUBJECTS[template]
        assert "Subject:" not in email["text"]
        assert email["text"].startswith(f"Dear {NAME},")

    @pytest.mark.parametrize("template", list(CONTEXTS))
    def test_the_html_escapes_the_name_and_carries_the_subject(self, template: str) -> None:
        html = render_email(template, CONTEXTS[template])["html"]
        assert f"Dear {ESCAPED_NAME}," in html
        assert NAME not in html
        assert f"<title>{SUBJECTS[template]}</title>" in html

    @pytest.mark.parametrize("template", list(CONTEXTS))
    def test_the_link_is_in_both_bodies(self, template: str) -> None:
        email = render_email(template, CONTEXTS[template])
        link = str(CONTEXTS[template]["link"])
        # The text is plain: the link as it is, on a line of its own.
        assert link in email["text"].splitlines()
        assert f'href="{link.replace("&", "&amp;")}"' in email["html"]

    @pytest.mark.parametrize("template", ["invitation", "password_reset"])
    def test_the_expiry_is_given(self, template: str) -> None:
        email = render_email(template, CONTEXTS[template])
        hours = CONTEXTS[template]["expires_in_hours"]
        assert f"expires in {hours} hours" in email["text"]
        assert f"expires in {hours} hours" in email["html"]

    def test_the_password_changed_email_says_what_happened(self) -> None:
        email = render_email("password_changed", CONTEXTS["password_changed"])
        assert "every other session has been signed out" in email["text"]
        assert "reset your password from the sign-in page" in email["html"]

    def test_the_invitation_names_who_invited_and_the_roles(self) -> None:
        email = render_email("invitation", CONTEXTS["invitation"])
        assert "Ann & Co has invited you" in email["text"]
        assert "as: Council officer, Expert." in email["text"]
        assert "Ann &amp; Co has invited you" in email["html"]
        assert "as: Council officer, Expert." in email["html"]

    def test_the_invitation_escapes_roles_in_html(self) -> None:
        context = {**CONTEXTS["invitation"], "roles": ["<i>Expert</i>"]}
        html = render_email("invitation", context)["html"]
        assert "&lt;i&gt;Expert&lt;/i&gt;" in html
        assert "<i>Expert</i>" not in html


def outgoing(**overrides: str) -> OutgoingEmail:
    values = {
        "to": "eve@example.gov.uk",
        "subject": "Hello",
        "text": "Hi",
        "html": "<p>Hi</p>",
        "template": "password_reset",
        "message_id": "<outbox-1@broker.example>",
        "reference": "password-reset:abc",
        "link": LINK,
    }
    return OutgoingEmail(**{**values, **overrides})


def test_a_message_has_text_and_html_alternatives(app: Flask) -> None:
    with app.app_context():
        rendered = render_email("password_reset", CONTEXTS["password_reset"])

    message = build_message(outgoing(**rendered), sender="Productivity Broker <no-reply@broker.example>")

    assert message.get_content_type() == "multipart/alternative"
    assert message["To"] == "eve@example.gov.uk"
    assert message["From"] == "Productivity Broker <no-reply@broker.example>"
    assert message["Subject"] == "Reset your Productivity Broker password"
    parts = list(message.iter_parts())
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None and html is not None
    assert text.get_content().rstrip("\n") == rendered["text"].rstrip("\n")
    assert LINK in text.get_content()
    assert html.get_content().rstrip("\n") == rendered["html"].rstrip("\n")
    assert ESCAPED_NAME in html.get_content()


def test_the_message_id_is_the_one_the_outbox_fixed() -> None:
    """A message sent again after a crash carries the same Message-ID as the first copy."""
    first = build_message(outgoing(), sender="a@example.gov.uk")
    again = build_message(outgoing(), sender="a@example.gov.uk")
    assert first["Message-ID"] == again["Message-ID"] == "<outbox-1@broker.example>"


def test_a_subject_cannot_smuggle_in_a_header() -> None:
    with pytest.raises(ValueError):
        build_message(outgoing(subject="Hello\nBcc: all@example.com"), sender="a@example.gov.uk")
