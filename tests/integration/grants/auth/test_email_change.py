"""Changing one's own email address: proved by a link sent to the new address, told to the old
one, and every session ended once it is done."""

from __future__ import annotations

import re

import pytest
import time_machine

from grants.extensions import db
from grants.models import AuditEvent, Notification, Role, User, UserToken, utcnow
from tests.builders.people import PASSWORD
from tests.support.client import csrf_token, post_form, sign_in

OLD = "sam@lga.example.gov.uk"
NEW = "sam.reader@lga.example.gov.uk"
NEW_PASSWORD = "marble-orchard-tangent-88"


def _text(response) -> str:  # type: ignore[no-untyped-def]
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def _actions(user: User) -> list[str]:
    return list(
        db.session.scalars(
            db.select(AuditEvent.action).where(AuditEvent.subject_type == "user", AuditEvent.subject_id == user.id)
        )
    )


@pytest.fixture
def sam(make_user):  # type: ignore[no-untyped-def]
    return make_user(Role.ASSESSOR, email=OLD, name="Sam Reader")


def _ask(client, new_email: str = NEW, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    return post_form(client, "/account/email", {"email": new_email, "password": password})


def test_the_new_address_gets_a_link_and_the_old_one_a_warning(client, sam, mailbox):  # type: ignore[no-untyped-def]
    sign_in(client, OLD)
    assert 'href="/account/email"' in _text(client.get("/account"))
    answer = _ask(client, "  Sam.Reader@LGA.example.gov.uk ")
    assert answer.status_code == 200
    assert f"We have sent a link to {NEW}" in _text(answer)

    [confirm] = mailbox.to(NEW)
    assert confirm["Subject"] == "Confirm your new email address for Productivity Broker"
    assert "/account/email/" in mailbox.link_in(confirm, "/account/email/")
    [warning] = mailbox.to(OLD)
    assert warning["Subject"] == "Your Productivity Broker email address is being changed"
    assert NEW in mailbox.text(warning) and "/account/email/" not in mailbox.text(warning)
    # Nothing has changed yet.
    db.session.expire_all()
    assert db.session.get(User, sam.id).email == OLD
    assert "user.email_change_requested" in _actions(sam)


def test_opening_the_link_changes_the_address_ends_every_session_and_tells_the_old_address(client, sam, mailbox):  # type: ignore[no-untyped-def]
    sign_in(client, OLD)
    _ask(client)
    link = mailbox.link_in(mailbox.to(NEW)[0], "/account/email/")
    path = link.removeprefix("http://localhost:5000")
    mailbox.clear()

    page = client.get(path)
    assert page.status_code == 200 and f"Confirm {NEW} as your email address" in _text(page)
    db.session.expire_all()
    assert db.session.get(User, sam.id).email == OLD  # opening the link alone changes nothing
    done = client.post(path, data={"csrf_token": csrf_token(client, path)})
    assert done.status_code == 302 and done.headers["Location"].startswith("/sign-in")

    db.session.expire_all()
    user = db.session.get(User, sam.id)
    assert user.email == NEW
    assert "user.email_changed" in _actions(user)
    [told] = mailbox.to(OLD)
    assert told["Subject"] == "Your Productivity Broker email address has changed"
    assert NEW in mailbox.text(told)
    [notice] = db.session.scalars(db.select(Notification).where(Notification.user_id == user.id))
    assert notice.title == "Your Productivity Broker email address has changed"
    # Every session ended: this browser too; the old address no longer signs in, the new one does.
    assert client.get("/home").status_code == 302
    assert sign_in(client, OLD).status_code == 200
    assert sign_in(client, NEW).status_code == 302
    # The link works once.
    post_form(client, "/sign-out", {}, token_from="/home")
    again = client.get(path)
    assert again.status_code == 410 and "already been used" in _text(again)


@pytest.mark.parametrize(
    ("new_email", "password", "field", "message"),
    [
        (NEW, "not-my-password-at-all", "password", "Your current password is not right"),
        (OLD, PASSWORD, "email", "That is already your email address"),
        ("taken@lga.example.gov.uk", PASSWORD, "email", "Another account uses that email address"),
        ("not an address", PASSWORD, "email", "Enter an email address in the correct format"),
        ("", PASSWORD, "email", "Enter your new email address"),
    ],
)
def test_a_refused_change_says_why_beside_the_field_and_stores_nothing(  # type: ignore[no-untyped-def]
    client, sam, make_user, mailbox, new_email, password, field, message
):
    make_user(Role.APPROVER, email="taken@lga.example.gov.uk")
    sign_in(client, OLD)
    answer = _ask(client, new_email, password)
    assert answer.status_code == 200
    page = _text(answer)
    assert "There is a problem" in page and f'href="#{field}">{message}' in page
    assert f'id="{field}-error"' in page
    assert mailbox.messages == []
    assert db.session.scalar(db.select(db.func.count()).select_from(UserToken).where(UserToken.user_id == sam.id)) == 0
    assert "user.email_change_requested" not in _actions(sam)


def test_the_link_expires(client, sam, mailbox, app):  # type: ignore[no-untyped-def]
    sign_in(client, OLD)
    _ask(client)
    path = mailbox.link_in(mailbox.to(NEW)[0], "/account/email/").removeprefix("http://localhost:5000")
    hours = app.config["EMAIL_CHANGE_VALID_HOURS"]
    with time_machine.travel(utcnow().timestamp() + hours * 3600 + 60, tick=False):
        page = client.get(path)
    assert page.status_code == 410 and "expired" in _text(page)


def test_changing_the_password_cancels_a_pending_change(client, sam, mailbox):  # type: ignore[no-untyped-def]
    sign_in(client, OLD)
    _ask(client)
    path = mailbox.link_in(mailbox.to(NEW)[0], "/account/email/").removeprefix("http://localhost:5000")
    post_form(client, "/account", {"current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    page = client.get(path)
    assert page.status_code == 410
    db.session.expire_all()
    assert db.session.get(User, sam.id).email == OLD


def test_an_address_taken_after_the_link_was_sent_is_not_taken_twice(client, sam, make_user, mailbox):  # type: ignore[no-untyped-def]
    sign_in(client, OLD)
    _ask(client)
    path = mailbox.link_in(mailbox.to(NEW)[0], "/account/email/").removeprefix("http://localhost:5000")
    make_user(Role.APPROVER, email=NEW)
    answer = client.post(path, data={"csrf_token": csrf_token(client, path)})
    assert answer.status_code == 409 and "Another account uses that email address" in _text(answer)
    db.session.expire_all()
    assert db.session.get(User, sam.id).email == OLD
