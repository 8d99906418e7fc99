"""Web sessions: a new session at sign-in, the idle time-out and its warning's endpoints, the
cookie's attributes in production, and a fresh password for decisions about money.

Time moves with time-machine: each test starts the clock at a fixed moment and shifts it."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from grants.extensions import db
from grants.models import Application, ApplicationStatus, AuditEvent, Council, Payment, User
from tests.builders.applications import drafted, scored
from tests.builders.people import PASSWORD
from tests.builders.rounds import expert_grant_round
from tests.support.client import csrf_token, post_form, sign_in
from tests.support.services import REDIS_URL, SMTP_PORT
from tests.support.workers import sending_app
from workflows import applications

JSON = {"Accept": "application/json"}
TIMED_OUT = "You were signed out after 30 minutes without activity"


@contextmanager
def clock() -> Iterator[time_machine.Traveller]:
    """Time stands still at the moment of the call until the test moves it."""
    with time_machine.travel(datetime.now(UTC).replace(microsecond=0), tick=False) as traveller:
        yield traveller


def minutes(count: float) -> timedelta:
    return timedelta(minutes=count)


def signed_in(client: FlaskClient) -> bool:
    return client.get("/account").status_code == 200


def events(action: str, user: User) -> list[AuditEvent]:
    return list(
        db.session.scalars(select(AuditEvent).where(AuditEvent.action == action, AuditEvent.subject_id == user.id))
    )


def target(response) -> tuple[str, str | None]:  # type: ignore[no-untyped-def]
    """Where a redirect goes, and the page it offers to come back to."""
    location = urlsplit(response.headers["Location"])
    return location.path, parse_qs(location.query).get("next", [None])[0]


def token_of(user: User) -> str:
    db.session.expire_all()
    found = db.session.get(User, user.id)
    assert found is not None
    return found.session_token


# A new session at sign-in -------------------------------------------------------------------------


def test_signing_in_starts_a_new_session_and_nothing_planted_before_survives(app, client, people):  # type: ignore[no-untyped-def]
    client.get("/sign-in")
    with client.session_transaction() as before:
        before["planted"] = "chosen by someone else"
    cookie_before = client.get_cookie("session")
    assert cookie_before is not None

    assert sign_in(client, people["officer"].email).status_code == 302

    with client.session_transaction() as after:
        assert "planted" not in after
        assert "_user_id" in after
    cookie_after = client.get_cookie("session")
    assert cookie_after is not None and cookie_after.value != cookie_before.value
    # The cookie from before sign-in does not become a signed-in one.
    other = app.test_client()
    other.set_cookie("session", cookie_before.value)
    assert not signed_in(other)


# The idle time-out --------------------------------------------------------------------------------


def test_a_session_used_again_after_29_minutes_carries_on(client, people):  # type: ignore[no-untyped-def]
    with clock() as traveller:
        sign_in(client, people["officer"].email)
        traveller.shift(minutes(29))
        assert client.get("/account").status_code == 200


def test_after_31_idle_minutes_the_next_request_is_signed_out_and_can_come_back(client, people):  # type: ignore[no-untyped-def]
    officer = people["officer"]
    with clock() as traveller:
        sign_in(client, officer.email)
        token = token_of(officer)
        traveller.shift(minutes(31))

        response = client.get("/account?tab=password")

        assert response.status_code == 302
        assert target(response) == ("/sign-in", "/account?tab=password")
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        assert TIMED_OUT in page
        assert token_of(officer) != token
        [event] = events("user.session_timed_out", officer)
        assert event.actor_id is None and event.detail == {"idle_minutes": 30}
        assert not signed_in(client)

        back = post_form(client, response.headers["Location"], {"email": officer.email, "password": PASSWORD})
        assert back.headers["Location"] == "/account?tab=password"


def test_a_form_sent_after_the_time_out_does_nothing_and_has_no_way_back(client, people):  # type: ignore[no-untyped-def]
    with clock() as traveller:
        sign_in(client, people["officer"].email)
        token = csrf_token(client, "/home")
        traveller.shift(minutes(31))
        response = client.post("/sign-out", data={"csrf_token": token})
        assert response.headers["Location"] == "/sign-in"
        assert events("user.signed_out", people["officer"]) == []


def test_a_copy_of_the_cookie_in_use_elsewhere_dies_with_the_timed_out_session(app, client, people):  # type: ignore[no-untyped-def]
    with clock() as traveller:
        sign_in(client, people["officer"].email)
        cookie = client.get_cookie("session")
        assert cookie is not None
        copy = app.test_client()
        copy.set_cookie("session", cookie.value)
        traveller.shift(minutes(20))
        assert signed_in(copy)  # the copy's own idle time now starts at 20 minutes

        traveller.shift(minutes(11))  # 31 minutes after the original was last used
        assert not signed_in(client)

        traveller.shift(minutes(1))  # the copy has been idle 12 minutes, but its token has changed
        assert not signed_in(copy)


def test_a_background_poll_does_not_keep_the_session_alive(client, people):  # type: ignore[no-untyped-def]
    with clock() as traveller:
        sign_in(client, people["officer"].email)
        traveller.shift(minutes(20))
        status = client.get("/session/status", headers=JSON)
        assert status.status_code == 200
        assert status.get_json() == {"signed_in": True, "seconds_left": 10 * 60}
        assert "Set-Cookie" not in status.headers

        traveller.shift(minutes(11))
        assert not signed_in(client)


def test_a_poll_after_the_time_out_is_told_so_and_the_sign_in_page_says_why(client, people):  # type: ignore[no-untyped-def]
    with clock() as traveller:
        sign_in(client, people["officer"].email)
        traveller.shift(minutes(31))
        status = client.get("/session/status", headers=JSON)
        assert status.status_code == 401
        assert status.get_json() == {"signed_in": False}
        assert TIMED_OUT in client.get("/sign-in").get_data(as_text=True)


def test_staying_signed_in_needs_the_csrf_token(client, people):  # type: ignore[no-untyped-def]
    with clock() as traveller:
        sign_in(client, people["officer"].email)
        traveller.shift(minutes(26))
        assert client.post("/session/extend", headers=JSON).status_code == 400
        assert client.post("/session/extend", headers={**JSON, "X-CSRFToken": "forged"}).status_code == 400

        traveller.shift(minutes(5))  # 31 minutes after the last real activity
        assert not signed_in(client)


def test_staying_signed_in_starts_the_idle_time_again(client, people):  # type: ignore[no-untyped-def]
    with clock() as traveller:
        sign_in(client, people["officer"].email)
        token = csrf_token(client, "/home")
        traveller.shift(minutes(26))
        extended = client.post("/session/extend", headers={**JSON, "X-CSRFToken": token})
        assert extended.status_code == 200
        assert extended.get_json() == {"signed_in": True, "seconds_left": 30 * 60}

        traveller.shift(minutes(29))  # 55 minutes after sign-in, 29 after staying signed in
        assert signed_in(client)


def test_the_page_carries_the_warning_with_its_timings_only_when_signed_in(client, people):  # type: ignore[no-untyped-def]
    assert 'data-module="app-session-timeout"' not in client.get("/").get_data(as_text=True)
    sign_in(client, people["officer"].email)
    page = client.get("/home").get_data(as_text=True)
    assert 'role="alertdialog"' in page
    assert 'data-idle-seconds="1800"' in page and 'data-warning-seconds="300"' in page
    assert 'data-extend-url="/session/extend"' in page and "Stay signed in" in page


def test_the_api_is_not_touched_by_the_idle_time_out(client, people):  # type: ignore[no-untyped-def]
    from workflows import api_tokens

    officer = people["officer"]
    made = api_tokens.create_token(officer, name="script", expires_in_days=30, actor=officer)
    db.session.commit()
    with clock() as traveller:
        sign_in(client, officer.email)
        token = token_of(officer)
        traveller.shift(minutes(45))
        assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {made.secret}"}).status_code == 200
        assert token_of(officer) == token and events("user.session_timed_out", officer) == []


# The cookie ---------------------------------------------------------------------------------------


@pytest.fixture
def production_app(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    """The app as production builds it (from the environment), on the test database and Redis.
    Its Celery app stays the one tasks are sent with until the test ends."""
    database_url = str(app.config["SQLALCHEMY_DATABASE_URI"])
    monkeypatch.setenv("SECRET_KEY", secrets.token_hex(32))
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", REDIS_URL)
    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)
    monkeypatch.delenv("SESSION_COOKIE_SECURE", raising=False)
    with sending_app(database_url, None, smtp_port=SMTP_PORT, config="production", MAIL_SENDER="smtp") as production:
        yield production


def test_in_production_the_session_cookie_is_secure_http_only_and_same_site_lax(production_app, people):  # type: ignore[no-untyped-def]
    client = production_app.test_client()
    https = "https://localhost"
    page = client.get("/sign-in", base_url=https).get_data(as_text=True)
    found = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page)
    assert found
    response = client.post(
        "/sign-in",
        base_url=https,
        data={"csrf_token": found.group(1), "email": people["officer"].email, "password": PASSWORD},
        headers={"Referer": f"{https}/sign-in"},
    )
    assert response.status_code == 302 and response.headers["Location"] == "/home"
    [cookie] = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    attributes = {part.strip().split("=")[0]: part.strip() for part in cookie.split(";")[1:]}
    assert "Secure" in attributes and "HttpOnly" in attributes
    assert attributes["SameSite"] == "SameSite=Lax"


# A fresh password for decisions -------------------------------------------------------------------


def awaiting_decision(people: dict[str, User], council: Council) -> Application:
    """An application scored by two assessors, waiting for an approver."""
    application = drafted(expert_grant_round(), council, people["officer"])
    applications.submit(application, actor=people["officer"], expected_version=application.version, today=date.today())
    db.session.commit()  # the eligibility check runs once the submission is committed
    db.session.refresh(application)
    if application.eligibility_passed is None:
        applications.check_eligibility(application, date.today())
    applications.confirm_eligibility(application, actor=people["programme"], reason=None, expected_version=None)
    scored(application, people["assessor"], score=4)
    scored(application, people["assessor2"], score=5)
    db.session.commit()
    return application


def page_of(application: Application) -> str:
    return f"/review/applications/{application.id}"


def step(client: FlaskClient, application: Application, path: str, prefix: str, fields: dict[str, object]):  # type: ignore[no-untyped-def]
    """Send one of the application page's forms with the token and version the page gives."""
    page = client.get(page_of(application)).get_data(as_text=True)
    version = re.search(rf'name="{prefix}-version" type="hidden" value="(\d+)"', page)
    token = re.search(rf'name="{prefix}-csrf_token" type="hidden" value="([^"]+)"', page)
    assert version and token, f"no {prefix} form on the page"
    data = {f"{prefix}-csrf_token": token.group(1), f"{prefix}-version": version.group(1)}
    data.update({f"{prefix}-{name}": value for name, value in fields.items()})
    return client.post(f"{page_of(application)}/{path}", data=data)


def status_of(application: Application) -> ApplicationStatus:
    db.session.expire_all()
    found = db.session.get(Application, application.id)
    assert found is not None
    return found.status


DECISIONS = [("approve", "approve", {"conditions": ""}), ("reject", "reject", {"reason": "No"})]


@pytest.mark.parametrize(("path", "prefix", "fields"), DECISIONS)
def test_a_decision_16_minutes_after_sign_in_asks_for_the_password_and_decides_nothing(  # type: ignore[no-untyped-def]
    client, people, councils, path, prefix, fields
):
    application = awaiting_decision(people, councils["babergh"])
    with clock() as traveller:
        sign_in(client, people["approver"].email)
        traveller.shift(minutes(16))
        response = step(client, application, path, prefix, fields)
        assert response.status_code == 303
        assert target(response) == ("/confirm-password", page_of(application))
        assert status_of(application) is ApplicationStatus.AWAITING_DECISION
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        assert "Confirm your password" in page and "Nothing has been decided or recorded yet" in page


def test_signing_in_counts_as_entering_the_password_for_15_minutes(client, people, councils):  # type: ignore[no-untyped-def]
    application = awaiting_decision(people, councils["babergh"])
    with clock() as traveller:
        sign_in(client, people["approver"].email)
        traveller.shift(minutes(14))
        assert step(client, application, "reject", "reject", {"reason": "No"}).status_code == 302
        assert status_of(application) is ApplicationStatus.REJECTED


def test_after_confirming_the_password_the_decision_goes_through(client, people, councils):  # type: ignore[no-untyped-def]
    approver = people["approver"]
    application = awaiting_decision(people, councils["babergh"])
    with clock() as traveller:
        sign_in(client, approver.email)
        traveller.shift(minutes(16))
        confirm = step(client, application, "approve", "approve", {"conditions": ""}).headers["Location"]

        back = post_form(client, confirm, {"password": PASSWORD})

        assert back.status_code == 302 and back.headers["Location"] == page_of(application)
        assert len(events("user.reauthenticated", approver)) == 1
        assert step(client, application, "approve", "approve", {"conditions": ""}).status_code == 302
        assert status_of(application) is ApplicationStatus.OFFERED


def test_a_payment_16_minutes_after_sign_in_asks_for_the_password_and_records_nothing(client, people, councils):  # type: ignore[no-untyped-def]
    application = awaiting_decision(people, councils["babergh"])
    applications.approve(application, actor=people["approver"], expected_version=None)
    applications.accept_offer(
        application,
        actor=people["officer"],
        signatory_name="Arthur Charvonia",
        signatory_role="Chief Executive",
        expected_version=None,
    )
    db.session.commit()
    today = date.today()
    with clock() as traveller:
        sign_in(client, people["programme"].email)
        traveller.shift(minutes(16))
        fields = {"amount": "100", "paid_on": [str(today.day), str(today.month), str(today.year)], "reference": "B1"}
        response = step(client, application, "payments", "payment", fields)
        assert response.status_code == 303
        assert target(response) == ("/confirm-password", page_of(application))
        assert db.session.scalars(select(Payment)).all() == []


def test_a_wrong_password_is_refused_with_the_error_shown_and_then_throttled(app, client, people, councils):  # type: ignore[no-untyped-def]
    application = awaiting_decision(people, councils["babergh"])
    with clock() as traveller:
        sign_in(client, people["approver"].email)
        traveller.shift(minutes(16))
        confirm = step(client, application, "approve", "approve", {"conditions": ""}).headers["Location"]

        wrong = post_form(client, confirm, {"password": "not-my-password-at-all"})

        assert wrong.status_code == 200
        page = wrong.get_data(as_text=True)
        assert "govuk-error-summary" in page and 'href="#password"' in page
        assert 'id="password-error"' in page and "The password is not correct" in page
        assert events("user.reauthenticated", people["approver"]) == []
        assert step(client, application, "approve", "approve", {"conditions": ""}).status_code == 303

        for _ in range(app.config["SIGN_IN_MAX_FAILURES_PER_ACCOUNT"] - 1):
            assert post_form(client, confirm, {"password": "still-not-my-password"}).status_code == 200
        assert post_form(client, confirm, {"password": PASSWORD}).status_code == 429
        assert status_of(application) is ApplicationStatus.AWAITING_DECISION


def test_confirming_the_password_returns_only_to_a_page_of_this_site(client, people):  # type: ignore[no-untyped-def]
    sign_in(client, people["approver"].email)
    for target in ("https://elsewhere.example/", "//elsewhere.example/", "/\\elsewhere.example"):
        response = post_form(client, f"/confirm-password?next={target}", {"password": PASSWORD})
        assert response.headers["Location"] == "/home", target
