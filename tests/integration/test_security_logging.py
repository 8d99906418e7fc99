"""Security logging: every sign-in failure, refusal and decision leaves a JSON log line with the
request id the response carried, and no secret used along the way ever reaches the log."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from grants.extensions import db
from grants.models import Application, Council, Role, User
from grants.request_log import JsonFormatter, StdoutHandler, configure_logging, redact
from tests.builders.applications import drafted, scored
from tests.builders.people import PASSWORD
from tests.builders.rounds import expert_grant_round
from tests.support.mail import Mailbox
from tests.support.services import SMTP_PORT
from tests.support.workers import sending_app
from workflows import applications

WRONG_PASSWORD = "Zebra-wrong-quartz-8164"
RESET_PASSWORD = "saffron-glacier-trumpet-53"
INVITED_PASSWORD = "walnut-cobalt-harvest-71"


class CapturedLog:
    """What the service's own JSON handler wrote during a test."""

    def __init__(self, buffer: io.StringIO) -> None:
        self.buffer = buffer

    @property
    def text(self) -> str:
        return self.buffer.getvalue()

    def lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.text.splitlines() if line.startswith("{")]

    def with_request_id(self, request_id: str) -> list[dict[str, Any]]:
        return [line for line in self.lines() if line.get("request_id") == request_id]


@pytest.fixture
def log(app: Flask, data_app: Flask) -> Iterator[CapturedLog]:
    """The service's own log configuration (as `create_app` installs it), writing to a buffer for
    the test's length. It is installed again here, after both apps exist, because running the
    migrations for the test database loads Alembic's logging configuration over it."""
    root = logging.getLogger()
    saved_handlers, saved_level = list(root.handlers), root.level
    configure_logging(app)
    buffer = io.StringIO()
    [handler] = root.handlers
    assert isinstance(handler, logging.StreamHandler) and isinstance(handler.formatter, JsonFormatter)
    handler.setStream(buffer)
    try:
        yield CapturedLog(buffer)
    finally:
        root.handlers = saved_handlers
        root.setLevel(saved_level)


class Browser:
    """A test client that notes every secret it handles (CSRF tokens, session cookies) and the
    request id of every response."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self.secrets: set[str] = set()

    def _seen(self, response):  # type: ignore[no-untyped-def]
        cookie = self.client.get_cookie("session")
        if cookie is not None and cookie.value:
            self.secrets.add(cookie.value)
        body = response.get_data(as_text=True)
        self.secrets.update(re.findall(r'name="[\w-]*csrf_token" (?:type="hidden" )?value="([^"]+)"', body))
        return response

    def get(self, path: str, **kwargs: Any):  # type: ignore[no-untyped-def]
        return self._seen(self.client.get(path, **kwargs))

    def token(self, path: str, prefix: str = "") -> str:
        page = self.get(path).get_data(as_text=True)
        found = re.search(rf'name="{prefix}csrf_token" (?:type="hidden" )?value="([^"]+)"', page)
        assert found, f"no CSRF token on {path}"
        return found.group(1)

    def post_form(self, path: str, data: dict[str, object], *, token_from: str | None = None, prefix: str = ""):  # type: ignore[no-untyped-def]
        token = self.token(token_from or path, prefix)
        return self._seen(self.client.post(path, data={f"{prefix}csrf_token": token, **data}))

    def sign_in(self, email: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
        return self.post_form("/sign-in", {"email": email, "password": password})

    def sign_out(self) -> None:
        if self.client.get("/home").status_code == 200:
            self.post_form("/sign-out", {}, token_from="/home")


def request_id(response) -> str:  # type: ignore[no-untyped-def]
    found = response.headers.get("X-Request-ID")
    assert found, "the response carries no X-Request-ID"
    return str(found)


def assert_logged(log: CapturedLog, response, **expected: object) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """The line, carrying this response's request id, whose fields include those expected."""
    lines = log.with_request_id(request_id(response))
    for line in lines:
        if all(line.get(key) == value for key, value in expected.items()):
            return line
    raise AssertionError(f"no log line with {expected} for request {request_id(response)}; lines: {lines}")


def assert_no_secrets(log: CapturedLog, secrets: set[str]) -> None:
    """No secret appears in what was logged, in any field, exception traces included."""
    text = log.text
    decoded = "\n".join(json.dumps(line, ensure_ascii=False) for line in log.lines())
    leaked = sorted(s for s in secrets if s and (s in text or s in decoded))
    assert not leaked, f"{len(leaked)} secret(s) written to the log, starting {[s[:6] for s in leaked]}"


def path_of(link: str) -> str:
    return link.split("localhost:5000", 1)[1]


def awaiting_decision(people: dict[str, User], council: Council) -> Application:
    """An application that two assessors have scored: it waits for an approver."""
    application = drafted(expert_grant_round(), council, people["officer"])
    applications.submit(application, actor=people["officer"], expected_version=application.version, today=date.today())
    db.session.commit()
    db.session.refresh(application)
    if application.eligibility_passed is None:
        applications.check_eligibility(application, date.today())
        db.session.commit()
    applications.confirm_eligibility(application, actor=people["programme"], reason=None, expected_version=None)
    scored(application, people["assessor"], score=4)
    scored(application, people["assessor2"], score=5)
    db.session.commit()
    return application


def test_failures_refusals_and_decisions_are_logged_with_their_request_id_and_no_secret(  # type: ignore[no-untyped-def]
    app, client, people, councils, make_user, mailbox: Mailbox, log: CapturedLog
):
    browser = Browser(client)
    secrets = {PASSWORD, WRONG_PASSWORD, RESET_PASSWORD, INVITED_PASSWORD}
    officer, approver = people["officer"], people["approver"]
    admin = make_user(Role.ADMINISTRATOR, email="admin@lga.example.gov.uk")
    ipswich = make_user(Role.COUNCIL_OFFICER, email="jo@ipswich.example.gov.uk", council="ipswich")
    theirs = drafted(expert_grant_round(code="other-round"), councils["ipswich"], ipswich)
    application = awaiting_decision(people, councils["babergh"])
    db.session.commit()

    # Sign-in failures: a wrong password, an unknown address; then the limit, and a 429.
    for email in (officer.email, "nobody@example.gov.uk"):
        failed = browser.sign_in(email, WRONG_PASSWORD)
        assert failed.status_code == 200
        assert_logged(log, failed, message="sign-in failed", level="WARNING")
    target = people["assessor"].email
    for _ in range(5):
        last_failure = browser.sign_in(target, WRONG_PASSWORD)
    assert_logged(log, last_failure, event="sign_in_limit_reached", scope="account")
    throttled = browser.sign_in(target, WRONG_PASSWORD)
    assert throttled.status_code == 429
    assert_logged(log, throttled, event="refused", status=429, path="/sign-in")

    # A CSRF refusal.
    refused_form = client.post("/sign-in", data={"email": officer.email, "password": PASSWORD})
    assert refused_form.status_code == 400
    assert_logged(log, refused_form, event="csrf_refused", level="WARNING")

    # A successful sign-in is a decision the audit records.
    signed_in = browser.sign_in(officer.email)
    assert signed_in.status_code == 302
    assert_logged(log, signed_in, event="audit", action="user.signed_in", subject_id=officer.id, actor_id=officer.id)

    # A 403, and a 404 for another council's application.
    forbidden = browser.get("/review")
    assert forbidden.status_code == 403
    assert_logged(log, forbidden, event="refused", status=403, user_id=str(officer.id))
    hidden = browser.get(f"/applications/{theirs.id}")
    assert hidden.status_code == 404
    assert_logged(log, hidden, event="refused", status=404, path=f"/applications/{theirs.id}")

    # An API token made on the account page, used, and a wrong one refused with 401.
    made = browser.post_form("/account/api-tokens", {"name": "Export", "expires": "30"}, token_from="/account")
    api_secret = re.search(r'id="new-api-token">(pb_[^<]+)<', made.get_data(as_text=True)).group(1)  # type: ignore[union-attr]
    secrets.add(api_secret)
    assert_logged(log, made, event="audit", action="api_token.created", actor_id=officer.id)
    # From a client without the session cookie, so the caller is known by the token alone.
    api_client = app.test_client()
    used = api_client.get("/api/v1/me", headers={"Authorization": f"Bearer {api_secret}"})
    assert used.status_code == 200
    assert_logged(log, used, status=200, user_id=str(officer.id))
    wrong_token = api_secret[:-4] + "abcd"
    secrets.add(wrong_token)
    unauthorised = api_client.get("/api/v1/me", headers={"Authorization": f"Bearer {wrong_token}"})
    assert unauthorised.status_code == 401
    assert_logged(log, unauthorised, event="refused", status=401)
    browser.sign_out()

    # A password reset through the emailed link; the used link is then refused (410).
    asked = browser.post_form("/reset-password", {"email": officer.email})
    assert_logged(log, asked, event="audit", action="user.password_reset_requested", subject_id=officer.id)
    reset_path = path_of(mailbox.link_in(mailbox.to(officer.email)[-1], "/reset-password/"))
    secrets.add(reset_path.rsplit("/", 1)[1])
    done = browser.post_form(reset_path, {"password": RESET_PASSWORD, "confirm": RESET_PASSWORD})
    assert done.status_code == 302
    assert_logged(log, done, event="audit", subject_type="user", subject_id=officer.id, actor_id=officer.id)
    assert_logged(log, done, path="/reset-password/<secret>", status=302)
    reused = browser.get(reset_path)
    assert reused.status_code == 410
    assert_logged(log, reused, event="refused", status=410, path="/reset-password/<secret>")

    # An invitation, accepted through the emailed link.
    assert browser.sign_in(admin.email).status_code == 302
    invited = browser.post_form(
        "/admin/users/invite",
        {
            "name": "Nadia Officer",
            "email": "nadia@ipswich.example.gov.uk",
            "roles": ["council_officer"],
            "council": str(councils["ipswich"].id),
            "expert": "",
        },
    )
    assert invited.status_code == 302
    assert_logged(log, invited, event="audit", action="user.invited", actor_id=admin.id)
    browser.sign_out()
    invitation_path = path_of(mailbox.link_in(mailbox.to("nadia@ipswich.example.gov.uk")[-1], "/invitation/"))
    secrets.add(invitation_path.rsplit("/", 1)[1])
    accepted = browser.post_form(invitation_path, {"password": INVITED_PASSWORD, "confirm": INVITED_PASSWORD})
    assert accepted.status_code == 302
    assert_logged(log, accepted, event="audit", action="user.invitation_accepted")
    browser.sign_out()

    # An approval decision.
    assert browser.sign_in(approver.email).status_code == 302
    page = f"/review/applications/{application.id}"
    version = re.search(r'name="approve-version" type="hidden" value="(\d+)"', browser.get(page).get_data(as_text=True))
    approved = browser.post_form(
        f"{page}/approve",
        {"approve-version": version.group(1) if version else str(application.version), "approve-conditions": ""},
        token_from=page,
        prefix="approve-",
    )
    assert approved.status_code == 302
    decision = assert_logged(log, approved, event="audit", action="application.approve", actor_id=approver.id)
    assert decision["level"] == "INFO" and decision["subject_type"] == "application"
    assert decision["subject_id"] == application.id

    # None of the secrets used above reached the log: passwords, hashes, session tokens and
    # cookies, CSRF tokens, the API token and the links' secrets.
    db.session.expire_all()
    secrets |= set(db.session.scalars(db.select(User.password_hash).where(User.password_hash.is_not(None))))
    secrets |= set(db.session.scalars(db.select(User.session_token)))
    secrets |= browser.secrets
    assert any(s.startswith("$argon2") for s in secrets) and len(browser.secrets) > 5
    assert_no_secrets(log, secrets)


def test_the_leak_check_finds_a_secret_written_to_the_log(log: CapturedLog) -> None:
    logging.getLogger("grants.example").warning("signing in with %s", WRONG_PASSWORD)
    with pytest.raises(AssertionError, match="1 secret"):
        assert_no_secrets(log, {WRONG_PASSWORD})


SECRET = "q7Vw2_Xk9-LmN3pRt5Yz8BcDe1FgHj4KsUo6WiQa0Ex"
ARGON2_HASH = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHRzYWx0$9Zk0Lm3N4p5Q6r7S8t9U0v1W2x3Y4z5A6b7C8d9E0f1"


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        (f"GET /invitation/{SECRET} 200", "/invitation/[redacted]"),
        (f"https://service.example/reset-password/{SECRET}", "/reset-password/[redacted]"),
        (f"token pb_{SECRET} refused", "pb_[redacted]"),
        (f"Authorization: Bearer pb_{SECRET}", "Bearer [redacted]"),
        (f"Authorization: Bearer {SECRET}", "Bearer [redacted]"),
        (f"[parameters: {{'password_hash': '{ARGON2_HASH}'}}]", "[redacted hash]"),
        (f"Cookie: session={SECRET}; other=1", "session=[redacted]"),
        (f"csrf_token={SECRET}&email=a", "csrf_token=[redacted]"),
        (f"cannot reach postgresql://broker:{SECRET}@db.internal/grants", "://broker:[redacted]@db.internal"),
    ],
)
def test_secrets_are_redacted_from_every_line(text: str, kept: str) -> None:
    redacted = redact(text)
    assert kept in redacted
    assert SECRET not in redacted and ARGON2_HASH[12:] not in redacted


def test_basic_credentials_are_redacted() -> None:
    assert redact("Authorization: Basic dXNlcjpwYXNzd29yZDEyMw==") == "Authorization: Basic [redacted]"


@pytest.mark.parametrize(
    "text",
    ["POST /invitation/new 200", "GET /reset-password 200", "Basic information about the bearer of the offer"],
)
def test_ordinary_text_is_not_redacted(text: str) -> None:
    assert redact(text) == text


def test_an_exception_trace_is_redacted(app: Flask, log: CapturedLog) -> None:
    """An error whose message quotes a link, a token and a hash is logged without them."""
    root = logging.getLogger()
    handlers = list(root.handlers)
    with sending_app(app.config["SQLALCHEMY_DATABASE_URI"], None, smtp_port=SMTP_PORT) as broken:
        root.handlers = handlers  # keep the handler the log fixture points at the buffer

        @broken.get("/explode")
        def explode() -> str:
            raise RuntimeError(f"cannot open /invitation/{SECRET} for pb_{SECRET}: {ARGON2_HASH}")

        response = broken.test_client().get("/explode")
    assert response.status_code == 500
    line = assert_logged(log, response, message="unhandled error")
    assert "RuntimeError: cannot open /invitation/[redacted]" in line["exception"]
    assert_no_secrets(log, {SECRET, ARGON2_HASH})


def test_an_audit_event_is_logged_once_it_is_kept_and_never_when_undone(session, make_user, log: CapturedLog) -> None:  # type: ignore[no-untyped-def]
    from workflows.audit import record_event

    user = make_user(Role.ASSESSOR)

    def audit_lines() -> list[str]:
        return [line["action"] for line in log.lines() if str(line.get("action")).startswith("example.")]

    record_event("example.rolled_back", actor=user, subject_type="user", subject_id=user.id)
    db.session.rollback()
    record_event("example.kept", actor=user, subject_type="user", subject_id=user.id, note="not logged")
    with pytest.raises(RuntimeError), db.session.begin_nested():
        record_event("example.in_a_savepoint", actor=user, subject_type="user", subject_id=user.id)
        raise RuntimeError("undo the savepoint")
    record_event("example.also_kept", actor=user, subject_type="user", subject_id=user.id)
    assert audit_lines() == []
    db.session.commit()
    assert audit_lines() == ["example.kept", "example.also_kept"]
    [line] = [line for line in log.lines() if line.get("action") == "example.kept"]
    assert line["level"] == "INFO" and line["actor_id"] == user.id and line["subject_id"] == user.id
    assert "not logged" not in log.text


def test_the_log_handler_takes_up_stdout_again_when_its_stream_is_closed(capsys) -> None:  # type: ignore[no-untyped-def]
    """A line is not lost (nor turned into a logging error) because the stdout the handler held
    has been closed."""
    handler = StdoutHandler()
    handler.setFormatter(JsonFormatter())
    closed = io.StringIO()
    handler.setStream(closed)
    closed.close()
    handler.emit(logging.LogRecord("grants.example", logging.INFO, __file__, 1, "still written", None, None))
    assert json.loads(capsys.readouterr().out)["message"] == "still written"
