"""An email on its way out, and what a sender may say about it: every sender (SMTP, GOV.UK Notify,
the console) takes one `OutgoingEmail` and either returns (accepted) or raises
`TransientMailError` (try again later) or `PermanentMailError` (it will never go)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


class TransientMailError(Exception):
    """Delivery failed in a way that may succeed later (server down, busy, 4xx)."""


class PermanentMailError(Exception):
    """Delivery will never succeed (address refused, 5xx)."""


@dataclass(frozen=True)
class OutgoingEmail:
    """One rendered email, as the outbox holds it.

    `message_id` is fixed when the email is queued, so a message sent again after a crash carries
    the same Message-ID and the receiving side can tell it is the same message. `reference` is the
    outbox row's idempotency key.
    """

    to: str
    subject: str
    text: str
    html: str
    template: str
    message_id: str
    reference: str
    link: str


class Sender(Protocol):
    def send(self, email: OutgoingEmail) -> None: ...
