"""The GOV.UK Notify sender against a local stand-in for the Notify API, over real HTTP.

The stand-in checks each request's token the way Notify does (an HS256 JWT signed with the API
key's secret, issued by the service id), keeps each email it is sent, and can be told to fail.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest

from notifications.mail import OutgoingEmail, PermanentMailError, TransientMailError
from notifications.notify import NotifySender
from notifications.senders import sender_for

TEMPLATE_IDS = {"invitation": str(uuid.uuid4()), "password_reset": str(uuid.uuid4())}

ERRORS = {
    400: ("BadRequestError", "email_address Not a valid email address"),
    403: ("AuthError", "Invalid token: signature, api token not found"),
    429: ("RateLimitError", "Exceeded rate limit for key type LIVE of 3000 requests per 60 seconds"),
    500: ("Exception", "Internal server error"),
}


class NotifyStub:
    """A running stand-in for the Notify API on 127.0.0.1."""

    def __init__(self) -> None:
        self.service_id = str(uuid.uuid4())
        self.secret = str(uuid.uuid4())
        self.api_key = f"productivity-broker-live-{self.service_id}-{self.secret}"
        self.emails: list[dict[str, Any]] = []
        self.claims: list[dict[str, Any]] = []
        self.token_headers: list[dict[str, Any]] = []
        self.status = 201
        self.stall = threading.Event()
        self.released = threading.Event()
        self.not_json = False
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def stop(self) -> None:
        """Close the port, so that connecting is refused; safe to call twice."""
        if self.released.is_set():
            return
        self.released.set()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()

    def verify(self, authorization: str | None) -> bool:
        """Notify's check: a Bearer JWT, HS256, signed with the secret, issued by the service."""
        if not authorization or not authorization.startswith("Bearer "):
            return False
        token = authorization.removeprefix("Bearer ")
        try:
            claims = jwt.decode(token, self.secret, algorithms=["HS256"], options={"require": ["iss", "iat"]})
        except jwt.InvalidTokenError:
            return False
        if claims["iss"] != self.service_id:
            return False
        self.claims.append(claims)
        self.token_headers.append(jwt.get_unverified_header(token))
        return True

    def accepted(self, body: dict[str, Any]) -> dict[str, Any]:
        """The shape of Notify's 201 answer."""
        notification_id = str(uuid.uuid4())
        api = "https://api.notifications.service.gov.uk"
        return {
            "id": notification_id,
            "reference": body.get("reference"),
            "content": {
                "subject": body.get("personalisation", {}).get("subject", ""),
                "body": body.get("personalisation", {}).get("body", ""),
                "from_email": "productivity.broker@notifications.service.gov.uk",
                "one_click_unsubscribe_url": None,
            },
            "uri": f"{api}/v2/notifications/{notification_id}",
            "template": {"id": body["template_id"], "version": 1, "uri": f"{api}/v2/template/{body['template_id']}"},
        }


def _handler_for(stub: NotifyStub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            if self.path != "/v2/notifications/email":
                return self.answer(404, _error(404, "ResourceNotFound", "Not found"))
            if not stub.verify(self.headers["Authorization"]):
                return self.answer(403, _error(403, *ERRORS[403]))
            stub.emails.append(body)
            if stub.stall.is_set():
                stub.released.wait(10)
                self.close_connection = True
                return None
            if stub.status != 201:
                return self.answer(stub.status, _error(stub.status, *ERRORS[stub.status]))
            if stub.not_json:
                return self.answer(201, None)
            return self.answer(201, stub.accepted(body))

        def answer(self, status: int, payload: dict[str, Any] | None) -> None:
            content = b"Created" if payload is None else json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/plain" if payload is None else "application/json")
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


def _error(status: int, error: str, message: str) -> dict[str, Any]:
    return {"errors": [{"error": error, "message": message}], "status_code": status}


@pytest.fixture
def clean_redis() -> None:
    """These tests touch neither Redis nor the database."""


@pytest.fixture
def stub() -> Iterator[NotifyStub]:
    running = NotifyStub()
    yield running
    running.stop()


def settings(stub: NotifyStub, **overrides: Any) -> dict[str, Any]:
    return {
        "MAIL_SENDER": "notify",
        "NOTIFY_API_KEY": stub.api_key,
        "NOTIFY_BASE_URL": stub.url,
        "NOTIFY_TEMPLATE_IDS": json.dumps(TEMPLATE_IDS),
        "MAIL_TIMEOUT_SECONDS": 5,
        **overrides,
    }


def an_email(template: str = "invitation") -> OutgoingEmail:
    link = "http://localhost:5000/invitations/accept/abc123"
    return OutgoingEmail(
        to="jo.bloggs@babergh.gov.uk",
        subject="You have been invited to the Productivity Broker",
        text=f"Set your password here: {link}\n\nThe link works for 72 hours.",
        html=f'<p><a href="{link}">Set your password</a></p>',
        template=template,
        message_id="<0d6c1f9e@productivity-broker.local>",
        reference="outbox-7f3a9c",
        link=link,
    )


def test_an_email_reaches_notify_with_its_template_and_personalisation(stub: NotifyStub) -> None:
    email = an_email()

    NotifySender(settings(stub)).send(email)

    assert stub.emails == [
        {
            "email_address": "jo.bloggs@babergh.gov.uk",
            "template_id": TEMPLATE_IDS["invitation"],
            "personalisation": {"subject": email.subject, "body": email.text, "link": email.link},
            "reference": "outbox-7f3a9c",
        }
    ]


def test_the_token_is_signed_with_the_keys_secret_and_issued_by_the_service(stub: NotifyStub) -> None:
    NotifySender(settings(stub)).send(an_email())

    [claims] = stub.claims
    assert claims["iss"] == stub.service_id
    assert abs(claims["iat"] - time.time()) < 30
    assert stub.token_headers == [{"typ": "JWT", "alg": "HS256"}]


def test_a_key_with_the_wrong_secret_is_refused_for_good(stub: NotifyStub) -> None:
    wrong_key = f"productivity-broker-live-{stub.service_id}-{uuid.uuid4()}"

    with pytest.raises(PermanentMailError, match="403"):
        NotifySender(settings(stub, NOTIFY_API_KEY=wrong_key)).send(an_email())
    assert stub.emails == []


def test_a_template_with_no_notify_template_fails_for_good_without_calling_notify(stub: NotifyStub) -> None:
    with pytest.raises(PermanentMailError, match=r"'password_changed'.*NOTIFY_TEMPLATE_IDS"):
        NotifySender(settings(stub)).send(an_email("password_changed"))
    assert stub.emails == []


def test_a_bad_request_fails_for_good(stub: NotifyStub) -> None:
    stub.status = 400

    with pytest.raises(PermanentMailError, match="400: email_address Not a valid email address"):
        NotifySender(settings(stub)).send(an_email())


@pytest.mark.parametrize("status", [429, 500])
def test_rate_limits_and_server_errors_are_worth_retrying(stub: NotifyStub, status: int) -> None:
    stub.status = status

    with pytest.raises(TransientMailError, match=str(status)):
        NotifySender(settings(stub)).send(an_email())


def test_notify_being_unreachable_is_worth_retrying(stub: NotifyStub) -> None:
    sender = NotifySender(settings(stub))
    stub.stop()

    with pytest.raises(TransientMailError, match="could not be reached"):
        sender.send(an_email())


def test_notify_not_answering_in_time_is_worth_retrying(stub: NotifyStub) -> None:
    stub.stall.set()

    with pytest.raises(TransientMailError, match="could not be reached"):
        NotifySender(settings(stub, MAIL_TIMEOUT_SECONDS=0.3)).send(an_email())


def test_an_acceptance_that_is_not_json_still_counts_as_sent(stub: NotifyStub) -> None:
    stub.not_json = True

    NotifySender(settings(stub)).send(an_email())

    assert len(stub.emails) == 1


def test_sender_for_builds_a_notify_sender(stub: NotifyStub) -> None:
    assert isinstance(sender_for(settings(stub), "/tmp"), NotifySender)


@pytest.mark.parametrize(
    ("overrides", "complaint"),
    [
        ({"NOTIFY_API_KEY": None}, "NOTIFY_API_KEY is not set"),
        ({"NOTIFY_API_KEY": ""}, "NOTIFY_API_KEY is not set"),
        ({"NOTIFY_API_KEY": "not-a-notify-key"}, "NOTIFY_API_KEY must be"),
        ({"NOTIFY_TEMPLATE_IDS": '{"invitation": '}, "NOTIFY_TEMPLATE_IDS is not valid JSON"),
        ({"NOTIFY_TEMPLATE_IDS": '["invitation"]'}, "NOTIFY_TEMPLATE_IDS must be a JSON object"),
        ({"NOTIFY_TEMPLATE_IDS": '{"invitation": 7}'}, "NOTIFY_TEMPLATE_IDS must be a JSON object"),
    ],
)
def test_bad_settings_stop_the_sender_being_built(stub: NotifyStub, overrides: dict[str, Any], complaint: str) -> None:
    with pytest.raises(ValueError, match=complaint):
        NotifySender(settings(stub, **overrides))
