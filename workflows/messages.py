"""Messages: people reading the ones shown to them in the service, and staff sending a failed
email again. Operations flush, never commit; each change of state leaves an audit event."""

from __future__ import annotations

from typing import Any

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, func, select, update

from grants.extensions import db
from grants.models import EmailStatus, Notification, OutboundEmail, User, utcnow
from notifications import outbox
from workflows.audit import record_event

PER_PAGE = 25
SUMMARY_LENGTH = 300


class NotificationNotFoundError(LookupError):
    """No such message for this user. Another person's message is treated as missing, so that
    its number tells nobody it exists."""


class EmailNotFoundError(LookupError):
    """No outbox row has this id."""


class ResendRefusedError(ValueError):
    """Only a failed email may be sent again; the message says why this one may not."""


# In-app messages -----------------------------------------------------------------------------------


def newest_first(user: User) -> Select[tuple[Notification]]:
    """The user's own messages, newest first (served by the (user_id, created_at) index)."""
    return (
        select(Notification)
        .where(Notification.user_id == user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
    )


def messages_page(user: User, page: int) -> Pagination:
    """One page of the user's messages. A page past the end is empty rather than an error, so a
    link kept from before messages were read still opens."""
    return db.paginate(newest_first(user), page=max(page, 1), per_page=PER_PAGE, error_out=False)


def unread_count(user: User) -> int:
    """How many of the user's messages are unread: one COUNT on the (user_id, read_at) index."""
    count = db.session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
    )
    return int(count or 0)


def own_notification(user: User, notification_id: int) -> Notification:
    """The user's message with this id; anyone else's is NotificationNotFoundError."""
    found = db.session.scalar(
        select(Notification).where(Notification.id == notification_id, Notification.user_id == user.id)
    )
    if found is None:
        raise NotificationNotFoundError(notification_id)
    return found


def mark_read(user: User, notification_id: int) -> bool:
    """Mark one of the user's messages read. True if it was unread; False if it had been read
    already (a second click, or another tab), which changes and records nothing.

    The guarded UPDATE makes two requests at once record one event between them.
    """
    read_id = db.session.execute(
        update(Notification)
        .where(
            Notification.id == notification_id,
            Notification.user_id == user.id,
            Notification.read_at.is_(None),
        )
        .values(read_at=utcnow())
        .returning(Notification.id)
    ).scalar_one_or_none()
    if read_id is None:
        own_notification(user, notification_id)  # raises if it is not the user's
        return False
    record_event("notification.read", actor=user, subject_type="notification", subject_id=read_id)
    return True


def mark_all_read(user: User) -> int:
    """Mark every unread message of the user read; returns how many. The event records the time
    given to them all, which with the user identifies exactly which rows it changed."""
    read_at = utcnow()
    read_ids = db.session.scalars(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=read_at)
        .returning(Notification.id)
    ).all()
    if read_ids:
        record_event(
            "notifications.read_all",
            actor=user,
            subject_type="user",
            subject_id=user.id,
            count=len(read_ids),
            read_at=read_at.isoformat(),
        )
    return len(read_ids)


def summary(body: str) -> str:
    """The first paragraph of a message that says something, for the list.

    Messages made from emails open with "Dear …,", which tells the reader nothing, so a
    greeting on its own is passed over. Long paragraphs are cut at a word.
    """
    paragraphs = [" ".join(p.split()) for p in body.replace("\r\n", "\n").split("\n\n")]
    paragraphs = [p for p in paragraphs if p]
    if len(paragraphs) > 1 and _is_greeting(paragraphs[0]):
        paragraphs = paragraphs[1:]
    first = paragraphs[0] if paragraphs else ""
    if len(first) <= SUMMARY_LENGTH:
        return first
    return first[:SUMMARY_LENGTH].rsplit(" ", 1)[0].rstrip(",;:.") + "…"


def _is_greeting(paragraph: str) -> bool:
    return paragraph.endswith(",") and paragraph.split(" ", 1)[0] in {"Dear", "Hello", "Hi"}


# The email outbox ----------------------------------------------------------------------------------


def count_by_status() -> dict[EmailStatus, int]:
    """How many emails the outbox holds in each state, every state listed (served by the
    (status, created_at) index)."""
    rows = db.session.execute(select(OutboundEmail.status, func.count()).group_by(OutboundEmail.status)).all()
    counts = dict.fromkeys(EmailStatus, 0)
    counts.update({status: int(count) for status, count in rows})
    return counts


def resend_email(email_id: int, *, actor: User) -> OutboundEmail:
    """Put a failed email back in the queue; it is delivered once the transaction commits.

    The row is locked first, so that two people pressing "Send again" at once queue it once and
    the second is told it is no longer failed.
    """
    email = db.session.scalar(
        select(OutboundEmail)
        .where(OutboundEmail.id == email_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if email is None:
        raise EmailNotFoundError(email_id)
    if email.status is not EmailStatus.FAILED:
        raise ResendRefusedError(_why_not_resent(email))
    before: dict[str, Any] = {"attempts": email.attempts, "last_error": email.last_error}
    outbox.resend(email)
    record_event(
        "email.resent",
        actor=actor,
        subject_type="outbound_email",
        subject_id=email.id,
        to=email.to_address,
        template=email.template,
        **before,
    )
    return email


def _why_not_resent(email: OutboundEmail) -> str:
    if email.status is EmailStatus.SENT:
        return "This email has already been sent, so it cannot be sent again"
    return "This email is still waiting to be sent. Only an email that failed can be sent again"
