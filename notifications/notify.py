"""GOV.UK Notify as a sender (MAIL_SENDER=notify).

Notify builds every email from a template kept in Notify itself, so the email we render is not
sent as it is: its subject, its plain-text body and its link go to Notify as personalisation, and
each Notify template must be written with exactly these placeholders:

    subject line:  ((subject))
    message:       ((body)) and ((link))

Notify refuses a message whose template uses a placeholder we do not send, and it never sees our
HTML part. NOTIFY_TEMPLATE_IDS maps each of our template names ("invitation", "password_reset",
...) to the id of the Notify template that sends it.

The API key is the one Notify issues: "{key name}-{service id}-{secret}", where both ids are UUIDs.
The secret only signs the token each request carries; it is never sent.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from notifications_python_client.errors import HTTPError, InvalidResponse
from notifications_python_client.notifications import NotificationsAPIClient

from notifications.mail import OutgoingEmail, PermanentMailError, TransientMailError

logger = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.notifications.service.gov.uk"
_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
# The client takes the last 73 characters as the two UUIDs without checking them, so a mangled
# key would only show itself as a refused token on the first email.
_API_KEY = re.compile(rf".+-{_UUID}-{_UUID}", re.IGNORECASE)


class NotifySender:
    """Sends each email through the Notify API; checks its settings when built, so a wrong
    configuration stops the app starting rather than failing every email."""

    def __init__(self, config: dict[str, Any]) -> None:
        self.api_key = _api_key(config.get("NOTIFY_API_KEY"))
        self.base_url = config.get("NOTIFY_BASE_URL") or DEFAULT_BASE_URL
        self.template_ids = _template_ids(config.get("NOTIFY_TEMPLATE_IDS") or "{}")
        self.timeout = config.get("MAIL_TIMEOUT_SECONDS", 30)

    def send(self, email: OutgoingEmail) -> None:
        template_id = self._template_id(email.template)
        # A client per email: the client keeps a requests session and is not thread-safe.
        client = NotificationsAPIClient(self.api_key, base_url=self.base_url, timeout=self.timeout)
        try:
            client.send_email_notification(
                email_address=email.to,
                template_id=template_id,
                personalisation={"subject": email.subject, "body": email.text, "link": email.link},
                reference=email.reference,
            )
        except HTTPError as exc:
            raise _mail_error(exc) from exc
        except InvalidResponse:
            # Only a 2xx answer gets this far: Notify has taken the email, so sending it again
            # would deliver it twice.
            logger.warning("GOV.UK Notify accepted the email to %s but its answer was not JSON", email.to)
        finally:
            client.request_session.close()

    def _template_id(self, template: str) -> str:
        try:
            return self.template_ids[template]
        except KeyError:
            raise PermanentMailError(
                f"no GOV.UK Notify template for the {template!r} email: add its template id to NOTIFY_TEMPLATE_IDS"
            ) from None


def _api_key(value: object) -> str:
    if not value:
        raise ValueError("MAIL_SENDER is 'notify' but NOTIFY_API_KEY is not set")
    if not isinstance(value, str) or not _API_KEY.fullmatch(value):
        raise ValueError("NOTIFY_API_KEY must be a GOV.UK Notify API key: {key name}-{service id}-{secret}")
    return value


def _template_ids(value: object) -> dict[str, str]:
    """NOTIFY_TEMPLATE_IDS from the environment is a JSON string; set in Python it may be a dict."""
    try:
        parsed = json.loads(value) if isinstance(value, str) else value
    except json.JSONDecodeError as exc:
        raise ValueError(f"NOTIFY_TEMPLATE_IDS is not valid JSON: {exc}") from exc
    if not isinstance(parsed, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in parsed.items()):
        raise ValueError(
            'NOTIFY_TEMPLATE_IDS must be a JSON object of template name to Notify template id, e.g. {"invitation": "…"}'
        )
    return parsed


def _mail_error(exc: HTTPError) -> TransientMailError | PermanentMailError:
    """The client turns every failure into an HTTPError. With no response (refused connection,
    timeout) it still reports status 503, so only the missing response shows Notify never answered."""
    if exc.response is None:
        return TransientMailError(f"GOV.UK Notify could not be reached: {exc.__cause__ or exc}")
    status = exc.status_code
    detail = f"GOV.UK Notify answered {status}: {_message(exc)}"
    if status == 429 or status >= 500:
        return TransientMailError(detail)
    return PermanentMailError(detail)


def _message(exc: HTTPError) -> str:
    """Notify's errors come as [{"error": ..., "message": ...}, ...]."""
    message = exc.message
    if isinstance(message, list):
        return "; ".join(str(item.get("message", item)) for item in message)
    return str(message)
