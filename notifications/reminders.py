"""The reminder engine: one place for every "this is due" message.

A feature that waits on someone (an evaluation report, an answer to an offer, overdue work)
schedules a reminder for its subject; closing the subject cancels it. A periodic task sends what
is due: the reminder to its recipient on the due date, then, if the subject is still open on the
escalation date, an escalation to someone else. Each is sent once: the row's status changes in
the same transaction as the outbox row is written, under a lock and a row lock, and the outbox's
idempotency key would refuse a second message even if both were bypassed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from typing import Any, cast

from sqlalchemy import CursorResult, Select, select, update
from sqlalchemy.orm import selectinload

from grants.extensions import db
from grants.models import Reminder, ReminderStatus, Role, User, UserRole, utcnow
from notifications.locks import periodic_lock
from notifications.outbox import queue_email

logger = logging.getLogger(__name__)

OPEN = (ReminderStatus.WAITING, ReminderStatus.SENT)


def schedule(
    *,
    subject_type: str,
    subject_id: int,
    kind: str,
    user: User,
    due_on: date,
    template: str,
    link: str,
    context: dict[str, Any] | None = None,
    escalate_on: date | None = None,
    escalation_template: str | None = None,
    escalate_to: User | None = None,
    escalation_link: str | None = None,
) -> Reminder:
    """Schedule the reminder of this kind for this subject, or move the dates of the one already
    scheduled (a deadline extended). A reminder already sent keeps its history; only its
    escalation moves. Templates get `context`, `link`, the recipient's `name` and `due_on`."""
    if (escalate_on is None) != (escalation_template is None):
        raise ValueError("an escalation needs both a date and a template")
    if escalate_on is not None and escalate_on < due_on:
        raise ValueError("the escalation date cannot come before the due date")
    reminder = db.session.scalar(
        select(Reminder).where(
            Reminder.subject_type == subject_type, Reminder.subject_id == subject_id, Reminder.kind == kind
        )
    )
    if reminder is None:
        reminder = Reminder(subject_type=subject_type, subject_id=subject_id, kind=kind, status=ReminderStatus.WAITING)
        db.session.add(reminder)
    reminder.user = user
    reminder.escalate_to = escalate_to
    reminder.template = template
    reminder.escalation_template = escalation_template
    reminder.context = dict(context or {})
    reminder.link = link
    reminder.escalation_link = escalation_link
    reminder.escalate_on = escalate_on
    if reminder.status in (ReminderStatus.WAITING, ReminderStatus.CANCELLED):
        reminder.status = ReminderStatus.WAITING
        reminder.due_on = due_on
        reminder.next_due_on = due_on
        reminder.cancelled_at = None
    elif reminder.status is ReminderStatus.SENT:
        reminder.next_due_on = escalate_on
    db.session.flush()
    return reminder


def cancel(subject_type: str, subject_id: int, *kinds: str) -> int:
    """The subject is closed: nothing more is sent about it. Returns how many were cancelled."""
    statement = update(Reminder).where(
        Reminder.subject_type == subject_type,
        Reminder.subject_id == subject_id,
        Reminder.status.in_(OPEN),
    )
    if kinds:
        statement = statement.where(Reminder.kind.in_(kinds))
    result = db.session.execute(
        statement.values(status=ReminderStatus.CANCELLED, next_due_on=None, cancelled_at=utcnow()).execution_options(
            synchronize_session="fetch"
        )
    )
    return int(cast(CursorResult[Any], result).rowcount or 0)


@dataclass(frozen=True)
class SweepResult:
    reminded: int = 0
    escalated: int = 0
    locked_out: bool = False


def due_reminders_query(today: date, batch_size: int) -> Select[tuple[Reminder]]:
    """The next batch of reminders due on or before `today`, oldest first, with their recipients.

    One scan of the partial index on `next_due_on`; rows another sweep holds are skipped rather
    than waited for. Kept apart from `send_due` so that its plan and speed can be measured.
    """
    return (
        select(Reminder)
        .where(Reminder.next_due_on <= today)
        .order_by(Reminder.next_due_on, Reminder.id)
        .limit(batch_size)
        .with_for_update(skip_locked=True, of=Reminder)
        .options(selectinload(Reminder.user), selectinload(Reminder.escalate_to))
    )


def send_due(today: date | None = None, *, batch_size: int = 500) -> SweepResult:
    """Send every reminder and escalation due on or before `today`, in batches, each batch in one
    transaction. Returns what was sent; a run that finds another holding the lock does nothing."""
    today = today or utcnow().date()
    reminded = escalated = 0
    while True:
        with periodic_lock("reminders") as acquired:
            if not acquired:
                return SweepResult(reminded, escalated, locked_out=True)
            due = list(db.session.scalars(due_reminders_query(today, batch_size)))
            for reminder in due:
                if reminder.status is ReminderStatus.WAITING:
                    _remind(reminder, today)
                    reminded += 1
                elif reminder.status is ReminderStatus.SENT:
                    _escalate(reminder)
                    escalated += 1
                else:  # closed while it was due; never sent again
                    reminder.next_due_on = None
        if len(due) < batch_size:
            return SweepResult(reminded, escalated)


def _context(reminder: Reminder, recipient: User) -> dict[str, Any]:
    return {**reminder.context, "name": recipient.name, "due_on": reminder.due_on}


def _remind(reminder: Reminder, today: date) -> None:
    queue_email(
        to=reminder.user,
        template=reminder.template,
        # A reminder scheduled again after it was cancelled (a new deadline) is a new message.
        key=f"reminder:{reminder.id}:{reminder.due_on.isoformat()}",
        link=reminder.link,
        context=_context(reminder, reminder.user),
        in_app=True,
    )
    reminder.status = ReminderStatus.SENT
    reminder.sent_at = utcnow()
    # Escalate on the escalation date, or at the next run if that has passed already.
    reminder.next_due_on = reminder.escalate_on
    logger.info("reminder %s (%s %s %s) sent", reminder.id, reminder.kind, reminder.subject_type, reminder.subject_id)


def _escalate(reminder: Reminder) -> None:
    assert reminder.escalation_template is not None
    recipients = [reminder.escalate_to] if reminder.escalate_to else programme_officers()
    for recipient in recipients:
        queue_email(
            to=recipient,
            template=reminder.escalation_template,
            key=f"reminder:{reminder.id}:escalation:{reminder.escalate_on}:{recipient.id}",
            link=reminder.escalation_link or reminder.link,
            context={**_context(reminder, recipient), "reminded": reminder.user.name},
            in_app=True,
        )
    reminder.status = ReminderStatus.ESCALATED
    reminder.escalated_at = utcnow()
    reminder.next_due_on = None
    logger.info("reminder %s escalated to %s people", reminder.id, len(recipients))


def programme_officers() -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .join(UserRole)
            .where(UserRole.role == Role.PROGRAMME_OFFICER, User.is_active.is_(True))
            .order_by(User.id)
        )
    )
