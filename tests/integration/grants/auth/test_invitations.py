"""Invitations and password resets: emailed single-use links that expire."""

from __future__ import annotations

from datetime import timedelta

import time_machine

from grants.extensions import db
from grants.models import AuditEvent, Role, User, utcnow
from tests.support.client import post_form, sign_in

NEW_PASSWORD = "copper-lantern-meadow-17"


def invite(client, councils, *, email="new.officer@ipswich.example.gov.uk"):  # type: ignore[no-untyped-def]
    return post_form(
        client,
        "/admin/users/invite",
        {
            "name": "Nadia Officer",
            "email": email,
            "roles": ["council_officer"],
            "council": str(councils["ipswich"].id),
            "expert": "",
        },
    )


def test_an_invited_officer_sets_a_password_from_the_emailed_link(client, make_user, councils, mailbox):
    admin = make_user(Role.ADMINISTRATOR)
    sign_in(client, admin.email)
    response = invite(client, councils)
    assert response.status_code == 302

    invited = db.session.scalar(db.select(User).where(User.email == "new.officer@ipswich.example.gov.uk"))
    assert invited is not None and invited.password_hash is None
    assert invited.council_id == councils["ipswich"].id
    [message] = mailbox.to(invited.email)
    assert message["Subject"] == "You have been invited to Productivity Broker"
    link = mailbox.link_in(message, "/invitation/")

    path = link.split("localhost:5000", 1)[1]
    post_form(client, "/sign-out", {}, token_from="/home")
    page = client.get(path)
    assert page.status_code == 200
    assert "Welcome, Nadia Officer" in page.get_data(as_text=True)

    accepted = post_form(client, path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert accepted.status_code == 302
    home = client.get("/home").get_data(as_text=True)
    assert "Hello, Nadia Officer" in home and "Ipswich" in home

    reused = client.get(path)
    assert reused.status_code == 410
    assert "already been used" in reused.get_data(as_text=True)

    actions = db.session.scalars(db.select(AuditEvent.action).where(AuditEvent.subject_id == invited.id)).all()
    assert {"user.invited", "user.invitation_accepted"} <= set(actions)


def test_a_weak_or_mismatched_password_is_refused_and_the_link_stays_usable(client, make_user, councils, mailbox):
    sign_in(client, make_user(Role.ADMINISTRATOR).email)
    invite(client, councils)
    path = mailbox.link_in(mailbox.messages[-1], "/invitation/").split("localhost:5000", 1)[1]
    post_form(client, "/sign-out", {}, token_from="/home")

    short = post_form(client, path, {"password": "short", "confirm": "short"}).get_data(as_text=True)
    assert "Password must be 12 characters or more" in short
    common = post_form(client, path, {"password": "password1234", "confirm": "password1234"}).get_data(as_text=True)
    assert "too easy to guess" in common
    mismatch = post_form(client, path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD + "x"})
    assert "The passwords do not match" in mismatch.get_data(as_text=True)
    assert db.session.scalar(db.select(User.password_hash).where(User.email.like("new.officer%"))) is None
    assert post_form(client, path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 302


def test_an_expired_invitation_says_so_and_a_new_one_can_be_asked_for(client, make_user, councils, mailbox):
    sign_in(client, make_user(Role.ADMINISTRATOR).email)
    invite(client, councils)
    old_path = mailbox.link_in(mailbox.messages[-1], "/invitation/").split("localhost:5000", 1)[1]
    post_form(client, "/sign-out", {}, token_from="/home")

    with time_machine.travel(utcnow() + timedelta(hours=73)):
        expired = client.get(old_path)
        assert expired.status_code == 410
        assert "This link has expired" in expired.get_data(as_text=True)
        assert "Ask for a new invitation" in expired.get_data(as_text=True)

        mailbox.clear()
        asked = post_form(client, "/invitation/new", {"email": "New.Officer@ipswich.example.gov.uk"})
        assert "Check your email" in asked.get_data(as_text=True)
        [message] = mailbox.messages
        new_path = mailbox.link_in(message, "/invitation/").split("localhost:5000", 1)[1]
        assert new_path != old_path
        assert client.get(new_path).status_code == 200


def test_asking_for_an_invitation_for_an_unknown_address_reveals_nothing(client, mailbox, session):
    answer = post_form(client, "/invitation/new", {"email": "stranger@example.com"})
    assert answer.status_code == 200
    assert "Check your email" in answer.get_data(as_text=True)
    assert mailbox.messages == []


def test_a_new_invitation_replaces_the_old_link(client, make_user, councils, mailbox):
    sign_in(client, make_user(Role.ADMINISTRATOR).email)
    invite(client, councils)
    invited = db.session.scalar(db.select(User).where(User.email.like("new.officer%")))
    first = mailbox.link_in(mailbox.messages[-1], "/invitation/").split("localhost:5000", 1)[1]
    post_form(client, f"/admin/users/{invited.id}/resend-invitation", {}, token_from=f"/admin/users/{invited.id}")
    second = mailbox.link_in(mailbox.messages[-1], "/invitation/").split("localhost:5000", 1)[1]
    assert first != second
    assert client.get(first).status_code == 410
    assert client.get(second).status_code == 200


def test_password_reset_by_emailed_link_ends_other_sessions(app, client, make_user, mailbox):
    user = make_user(Role.ASSESSOR)
    other_browser = app.test_client()
    sign_in(other_browser, user.email)
    assert other_browser.get("/home").status_code == 200

    answer = post_form(client, "/reset-password", {"email": user.email})
    assert "Check your email" in answer.get_data(as_text=True)
    [message] = mailbox.to(user.email)
    path = mailbox.link_in(message, "/reset-password/").split("localhost:5000", 1)[1]

    done = post_form(client, path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 302
    assert other_browser.get("/home").status_code == 302, "the other session ended"
    assert client.get(path).status_code == 410
    assert sign_in(client, user.email, NEW_PASSWORD).status_code == 302
    assert any(m["Subject"] == "Your Productivity Broker password has changed" for m in mailbox.to(user.email))


def test_a_reset_link_expires(client, make_user, mailbox):
    user = make_user(Role.ASSESSOR)
    post_form(client, "/reset-password", {"email": user.email})
    path = mailbox.link_in(mailbox.messages[-1], "/reset-password/").split("localhost:5000", 1)[1]
    with time_machine.travel(utcnow() + timedelta(hours=3)):
        page = client.get(path)
        assert page.status_code == 410
        assert "Send me a new link" in page.get_data(as_text=True)


def test_a_reset_for_an_unknown_address_sends_nothing_and_says_the_same(client, mailbox, session):
    answer = post_form(client, "/reset-password", {"email": "nobody@example.gov.uk"})
    assert "Check your email" in answer.get_data(as_text=True)
    assert mailbox.messages == []


def test_an_email_queued_in_a_rolled_back_transaction_is_never_sent(app, make_user, mailbox):
    from workflows import accounts

    user = make_user(Role.ASSESSOR)
    mailbox.clear()
    with app.test_request_context():
        accounts.request_password_reset(user.email, valid_for=timedelta(hours=1), service_url="http://localhost:5000")
        db.session.rollback()
        db.session.commit()
    assert mailbox.messages == []
