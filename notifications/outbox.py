"""The outbox: every email is a row written in the transaction of the change that causes it, and
delivered by a Celery task enqueued only after that transaction commits.

Exactly once, as far as a mail server allows:
- queueing the same message twice is a no-op (a unique idempotency key per message);
- a rolled-back transaction takes its rows with it, and nothing was enqueued;
- a worker claims a row with a guarded UPDATE (pending → sending) before it talks to the mail
  server, so a redelivered or duplicated task finds the row taken or sent and does nothing;
- a row whose task was lost (the broker was down, a worker was killed) is found by the replay
  sweep and enqueued again.

One window cannot be closed by any outbox: a worker killed after the mail server accepted a
message but before the row was marked sent. The sweep sends such a row again after its lease
expires, with the same Message-ID, so the receiving side can tell the copy for what it is.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import make_msgid
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, render_template
from sqlalchemy import event, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from grants.extensions import celery_app, db
from grants.models import EmailStatus, Notification, OutboundEmail, User, utcnow
from notifications.locks import periodic_lock
from notifications.mail import OutgoingEmail, PermanentMailError, Sender, TransientMailError
from notifications.senders import sender_for

logger = logging.getLogger(__name__)

_TO_ENQUEUE = "outbox_email_ids"


def render_email(template: str, context: dict[str, Any]) -> dict[str, str]:
    """Subject, plain text and HTML of one email from `templates/email/<template>.{txt,html}`.

    The subject is the plain-text template's first line, after "Subject: ".
    """
    text = render_template(f"email/{template}.txt", **context)
    first_line, _, body = text.partition("\n")
    if not first_line.startswith("Subject: "):
        raise ValueError(f"email/{template}.txt must start with a 'Subject: ' line")
    subject = first_line[9:].strip()
    html = render_template(f"email/{template}.html", subject=subject, **context)
    return {"subject": subject, "text": body.lstrip("\n"), "html": html}


def absolute_url(link: str) -> str:
    """Links in messages are full addresses: a path is joined to the service's address."""
    if urlsplit(link).scheme:
        return link
    if not link.startswith("/"):
        raise ValueError(f"a message's link must be a full address or a path from the root, not {link!r}")
    return current_app.config["SERVICE_URL"] + link


def _insert_ignoring_duplicates(model: type[Any], values: dict[str, Any]) -> int | None:
    """INSERT … ON CONFLICT (idempotency_key) DO NOTHING; the new row's id, or None if the key
    was there already (in this transaction or any committed one)."""
    statement: postgresql.Insert | sqlite.Insert
    if db.session.get_bind().dialect.name == "postgresql":
        statement = postgresql.insert(model).on_conflict_do_nothing(index_elements=["idempotency_key"])
    else:
        statement = sqlite.insert(model).on_conflict_do_nothing(index_elements=["idempotency_key"])
    return db.session.execute(statement.values(**values).returning(model.id)).scalar_one_or_none()


def queue_email(
    *,
    to: User | str,
    template: str,
    key: str,
    link: str,
    context: dict[str, Any] | None = None,
    in_app: bool = False,
) -> int | None:
    """Queue one email in the current transaction; it is delivered once the transaction commits.

    `key` identifies the message for good: queueing the same key again does nothing, so a step
    that runs twice sends once. `link` is the item the message is about (a path or a full
    address); templates get it as `link`. With `in_app`, the recipient (a user) also sees the
    message under "Messages" in the service. Returns the outbox row's id, or None if the key had
    been queued before.
    """
    user = to if isinstance(to, User) else None
    if in_app and user is None:
        raise ValueError("an in-app message needs a user, not only an address")
    if user is not None and user.id is None:
        db.session.flush()
    full_link = absolute_url(link)
    rendered = render_email(template, {**(context or {}), "link": full_link})
    domain = urlsplit(current_app.config["SERVICE_URL"]).hostname or "localhost"
    email_id = _insert_ignoring_duplicates(
        OutboundEmail,
        {
            "idempotency_key": key,
            "to_address": user.email if user else to,
            "user_id": user.id if user else None,
            "template": template,
            "subject": rendered["subject"],
            "text_body": rendered["text"],
            "html_body": rendered["html"],
            "link": full_link,
            "message_id": make_msgid(domain=domain),
            "status": EmailStatus.PENDING,
            "attempts": 0,
            "created_at": utcnow(),
            "due_at": utcnow(),
        },
    )
    if in_app and user is not None:
        notify_in_app(user, title=rendered["subject"], body=rendered["text"], link=full_link, key=key)
    if email_id is not None:
        db.session.info.setdefault(_TO_ENQUEUE, []).append(email_id)
    return email_id


def notify_in_app(user: User, *, title: str, body: str, link: str, key: str) -> int | None:
    """Show a message to a user in the service. The key makes a repeat a no-op."""
    return _insert_ignoring_duplicates(
        Notification,
        {
            "idempotency_key": key,
            "user_id": user.id,
            "title": title,
            "body": body,
            "link": absolute_url(link),
            "created_at": utcnow(),
        },
    )


def enqueue(email_ids: list[int], *, countdown: float | None = None) -> int:
    """Hand rows to Celery, `OUTBOX_BATCH_SIZE` to a task: a commit that queued many emails (a
    reminder sweep, say) pays a task's cost once per batch, not once per email, and each email is
    still claimed on its own. A broker that cannot be reached is logged, not raised: the rows wait
    in the outbox and the replay sweep enqueues them again. Returns how many were handed over."""
    size = max(int(current_app.config["OUTBOX_BATCH_SIZE"]), 1)
    handed = 0
    for start in range(0, len(email_ids), size):
        batch = email_ids[start : start + size]
        try:
            celery_app().tasks["notifications.deliver_emails"].apply_async((batch,), countdown=countdown)
        except Exception:
            logger.warning(
                "could not enqueue %s email(s) from %s; the outbox keeps them for the replay sweep",
                len(email_ids) - handed,
                batch[0],
            )
            return handed
        handed += len(batch)
    return handed


@event.listens_for(Session, "after_commit")
def _enqueue_after_commit(session: Session) -> None:
    email_ids = session.info.pop(_TO_ENQUEUE, [])
    if email_ids:
        enqueue(email_ids)


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop(_TO_ENQUEUE, None)


# Delivery ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Delivery:
    """What one delivery attempt did."""

    outcome: str  # sent, retry, failed, skipped
    retry_in: float | None = None


def _backoff(attempts: int) -> float:
    base = float(current_app.config["OUTBOX_RETRY_BASE_SECONDS"])
    return min(base * 2 ** max(attempts - 1, 0), float(current_app.config["OUTBOX_RETRY_MAX_DELAY_SECONDS"]))


def deliver(email_id: int, *, sender: Sender | None = None) -> Delivery:
    """Claim one row, send it, and record the result, each step in its own short transaction."""
    now = utcnow()
    # Claimed and read in one statement.
    row = db.session.execute(
        update(OutboundEmail)
        .where(OutboundEmail.id == email_id, OutboundEmail.status == EmailStatus.PENDING)
        .values(status=EmailStatus.SENDING, claimed_at=now, attempts=OutboundEmail.attempts + 1)
        .returning(OutboundEmail)
        .execution_options(synchronize_session=False, populate_existing=True)
    ).scalar_one_or_none()
    db.session.commit()
    if row is None:
        # Sent, failed, or being sent by another worker: a redelivered task ends here.
        return Delivery("skipped")
    sender = sender or sender_for(current_app.config, current_app.instance_path)
    try:
        sender.send(
            OutgoingEmail(
                to=row.to_address,
                subject=row.subject,
                text=row.text_body,
                html=row.html_body,
                template=row.template,
                message_id=row.message_id,
                reference=row.idempotency_key,
                link=row.link,
            )
        )
    except TransientMailError as exc:
        return _after_transient_failure(row, now, str(exc))
    except PermanentMailError as exc:
        logger.error("email %s (%s) was refused for good: %s", row.id, row.template, exc)
        _settle(row.id, now, status=EmailStatus.FAILED, failed_at=utcnow(), last_error=str(exc)[:2000])
        return Delivery("failed")
    except Exception as exc:
        # A message that cannot even be built (say, a header the mail library refuses) would fail
        # the same way every time: mark it failed for staff to see, rather than retry it forever.
        logger.exception("email %s (%s) could not be sent", row.id, row.template)
        error = f"{type(exc).__name__}: {exc}"[:2000]
        _settle(row.id, now, status=EmailStatus.FAILED, failed_at=utcnow(), last_error=error)
        return Delivery("failed")
    _settle(row.id, now, status=EmailStatus.SENT, sent_at=utcnow(), last_error=None)
    return Delivery("sent")


def _after_transient_failure(row: OutboundEmail, claimed_at: datetime, error: str) -> Delivery:
    if row.attempts >= current_app.config["OUTBOX_MAX_ATTEMPTS"]:
        logger.error("email %s (%s) failed %s times; giving up: %s", row.id, row.template, row.attempts, error)
        _settle(row.id, claimed_at, status=EmailStatus.FAILED, failed_at=utcnow(), last_error=error[:2000])
        return Delivery("failed")
    delay = _backoff(row.attempts)
    logger.warning("email %s (%s) not sent, trying again in %.0f s: %s", row.id, row.template, delay, error)
    _settle(
        row.id,
        claimed_at,
        status=EmailStatus.PENDING,
        due_at=utcnow() + timedelta(seconds=delay),
        last_error=error[:2000],
    )
    return Delivery("retry", retry_in=delay)


def _settle(email_id: int, claimed_at: datetime, **values: Any) -> None:
    """Record the end of an attempt, only if the row is still this attempt's claim."""
    db.session.execute(
        update(OutboundEmail)
        .where(
            OutboundEmail.id == email_id,
            OutboundEmail.status == EmailStatus.SENDING,
            OutboundEmail.claimed_at == claimed_at,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


# The replay sweep ----------------------------------------------------------------------------------


def replay_stuck(*, now: datetime | None = None, limit: int = 5000) -> int:
    """Enqueue again every row whose task has gone missing: pending rows overdue by more than the
    grace period, and rows left "sending" past their lease by a worker that died. Returns how
    many rows were handed to Celery. Runs under a lock, so overlapping sweeps do not double up."""
    now = now or utcnow()
    grace = timedelta(seconds=current_app.config["OUTBOX_REPLAY_AFTER_SECONDS"])
    lease = timedelta(seconds=current_app.config["OUTBOX_SENDING_LEASE_SECONDS"])
    with periodic_lock("outbox-replay") as acquired:
        if not acquired:
            return 0
        overdue = or_(
            (OutboundEmail.status == EmailStatus.PENDING) & (OutboundEmail.due_at <= now - grace),
            (OutboundEmail.status == EmailStatus.SENDING) & (OutboundEmail.claimed_at <= now - lease),
        )
        ids = list(
            db.session.scalars(
                select(OutboundEmail.id)
                .where(OutboundEmail.status.in_([EmailStatus.PENDING, EmailStatus.SENDING]), overdue)
                .order_by(OutboundEmail.due_at)
                .limit(limit)
            )
        )
        if not ids:
            return 0
        # The lease is checked again: a row that was pending a moment ago may have been claimed
        # since, and a live claim must not be taken from the worker that holds it.
        db.session.execute(
            update(OutboundEmail)
            .where(
                OutboundEmail.id.in_(ids),
                OutboundEmail.status == EmailStatus.SENDING,
                OutboundEmail.claimed_at <= now - lease,
            )
            .values(
                status=EmailStatus.PENDING,
                last_error="The worker stopped while sending; sent again with the same Message-ID.",
            )
            .execution_options(synchronize_session=False)
        )
        db.session.execute(
            update(OutboundEmail)
            .where(OutboundEmail.id.in_(ids))
            .values(due_at=now)
            .execution_options(synchronize_session=False)
        )
    # The lock's transaction has committed: the rows are pending before any task can claim them.
    handed = enqueue(ids)
    logger.info("outbox replay: %s of %s waiting emails enqueued again", handed, len(ids))
    return handed


def resend(email: OutboundEmail) -> None:
    """Staff send a failed message again: it goes back to pending and is enqueued after commit."""
    if email.status is not EmailStatus.FAILED:
        raise ValueError("Only a failed message can be sent again")
    email.status = EmailStatus.PENDING
    email.attempts = 0
    email.due_at = utcnow()
    email.failed_at = None
    db.session.info.setdefault(_TO_ENQUEUE, []).append(email.id)
