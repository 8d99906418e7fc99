"""Signing in and out, with throttling, CSRF and server-side session ends."""

from __future__ import annotations

import pytest

from grants.extensions import db
from grants.models import AuditEvent, Role
from tests.builders.people import PASSWORD
from tests.support.client import csrf_token, post_form, sign_in

ROLES_AND_HEADINGS = [
    (Role.COUNCIL_OFFICER, "Your council's work"),
    (Role.PROGRAMME_OFFICER, "The programme"),
    (Role.ASSESSOR, "The programme"),
    (Role.APPROVER, "The programme"),
    (Role.EXPERT, "Your expert profile"),
    (Role.ADMINISTRATOR, "Administration"),
]


@pytest.mark.parametrize(("role", "heading"), ROLES_AND_HEADINGS)
def test_every_role_signs_in_to_its_start_page(client, make_user, role, heading):
    email = make_user(role).email
    response = sign_in(client, email)
    assert response.status_code == 302
    assert response.headers["Location"] == "/home"
    home = client.get("/home")
    assert home.status_code == 200
    assert heading in home.get_data(as_text=True)
    assert role.label in home.get_data(as_text=True)


def test_wrong_password_and_unknown_email_get_the_same_message(client, make_user):
    user = make_user(Role.ASSESSOR)
    wrong_password = sign_in(client, user.email, "not-the-password-at-all").get_data(as_text=True)
    unknown_email = sign_in(client, "nobody@example.gov.uk", "not-the-password-at-all").get_data(as_text=True)
    for page in (wrong_password, unknown_email):
        assert "Enter a correct email address and password" in page
        assert "There is a problem" in page
    assert "not registered" not in unknown_email.lower()
    assert "wrong password" not in wrong_password.lower()


def test_an_inactive_account_cannot_sign_in(client, make_user):
    user = make_user(Role.APPROVER)
    user.is_active = False
    db.session.commit()
    response = sign_in(client, user.email)
    assert response.status_code == 200
    assert "Enter a correct email address and password" in response.get_data(as_text=True)
    assert client.get("/home").status_code == 302


def test_repeated_failures_for_one_account_are_refused_with_429(app, client, make_user):
    user = make_user(Role.PROGRAMME_OFFICER)
    limit = app.config["SIGN_IN_MAX_FAILURES_PER_ACCOUNT"]
    for _ in range(limit):
        assert sign_in(client, user.email, "a-wrong-password-again").status_code == 200
    refused = sign_in(client, user.email, PASSWORD)  # even the right password, for now
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert "Too many attempts" in refused.get_data(as_text=True)
    assert client.get("/home").status_code == 302


def test_failures_from_one_client_across_accounts_are_refused(app, client, make_user):
    make_user(Role.ASSESSOR)
    limit = app.config["SIGN_IN_MAX_FAILURES_PER_CLIENT"]
    for number in range(limit):
        assert sign_in(client, f"guess{number}@example.gov.uk", "a-wrong-password").status_code == 200
    assert sign_in(client, "assessor@example.gov.uk", PASSWORD).status_code == 429


def test_failures_slow_down_further_attempts(app, make_user, session):
    from grants.auth import throttle

    with app.test_request_context():
        email = "someone@example.gov.uk"
        delays = []
        for _ in range(4):
            delays.append(throttle.check_sign_in(email, "10.0.0.1").delay_seconds)
            throttle.record_failure(email, "10.0.0.1")
        assert delays[:3] == [0, 0, 0]
        assert delays[3] == pytest.approx(app.config["SIGN_IN_SLOWDOWN_SECONDS"])
        throttle.clear_account(email)
        assert throttle.check_sign_in(email, "10.0.0.1").delay_seconds == 0


def test_a_post_without_a_csrf_token_is_refused(client, make_user):
    user = make_user(Role.ASSESSOR)
    response = client.post("/sign-in", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400
    assert "nothing was saved" in response.get_data(as_text=True)
    assert client.get("/home").status_code == 302


def test_sign_out_ends_the_session_on_the_server(client, make_user):
    user = make_user(Role.APPROVER)
    sign_in(client, user.email)
    assert client.get("/home").status_code == 200
    stolen_cookie = client.get_cookie("session").value

    token = csrf_token(client, "/home")
    assert client.post("/sign-out", data={"csrf_token": token}).status_code == 302
    assert client.get("/home").status_code == 302

    client.set_cookie("session", stolen_cookie)  # the old cookie replayed
    assert client.get("/home").status_code == 302


def test_next_only_redirects_within_the_site(client, make_user):
    user = make_user(Role.ADMINISTRATOR)
    token = csrf_token(client, "/sign-in")
    response = client.post(
        "/sign-in?next=https://evil.example.com/", data={"csrf_token": token, "email": user.email, "password": PASSWORD}
    )
    assert response.headers["Location"] == "/home"
    post_form(client, "/sign-out", {}, token_from="/home")
    token = csrf_token(client, "/sign-in")
    response = client.post(
        "/sign-in?next=/admin/users", data={"csrf_token": token, "email": user.email, "password": PASSWORD}
    )
    assert response.headers["Location"] == "/admin/users"


def test_signing_in_is_audited(client, make_user):
    user = make_user(Role.ASSESSOR)
    sign_in(client, user.email)
    actions = db.session.scalars(db.select(AuditEvent.action).where(AuditEvent.subject_id == user.id)).all()
    assert "user.signed_in" in actions


def test_with_the_counters_unreachable_sign_in_and_reset_are_refused_cleanly(client, monkeypatch):
    """Without Redis no attempt can be counted: the pages answer 503, never 500, and let no one in."""
    from limits.storage import storage_from_string

    from grants.extensions import limiter

    unreachable = storage_from_string("redis://127.0.0.1:1/0")  # nothing listens there
    monkeypatch.setattr(limiter, "_storage", unreachable)
    monkeypatch.setattr(limiter, "_limiter", type(limiter.limiter)(unreachable))
    for path, data in (
        ("/sign-in", {"email": "someone@example.gov.uk", "password": PASSWORD}),
        ("/reset-password", {"email": "someone@example.gov.uk"}),
    ):
        answer = post_form(client, path, data)
        assert answer.status_code == 503, path
        page = answer.get_data(as_text=True)
        assert "Sorry, the service is unavailable" in page and "nothing was saved" in page
        assert "Traceback" not in page and "redis" not in page.lower()
    assert client.get("/home").status_code == 302
