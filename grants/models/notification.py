"""The outbox, in-app notifications and reminders."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.extensions import Model
from grants.models.base import UTCDateTime, str_enum, utcnow
from grants.models.user import User


class EmailStatus(enum.StrEnum):
    PENDING = "pending"  # waiting for a worker (first try, or a retry after a transient failure)
    SENDING = "sending"  # a worker has claimed it and is talking to the mail server
    SENT = "sent"
    FAILED = "failed"  # permanently refused, or transient failures ran out


class OutboundEmail(Model):
    """One email, written in the transaction of the change that causes it and delivered after
    that transaction commits. The idempotency key makes queueing the same message twice a no-op;
    the status, changed only by guarded updates, makes delivering it twice a no-op."""

    __tablename__ = "outbound_emails"
    __table_args__ = (
        # What the replay sweep looks for: unsent rows, oldest due first.
        Index(
            "ix_outbound_emails_unsent_due",
            "due_at",
            postgresql_where=text("status IN ('pending', 'sending')"),
            sqlite_where=text("status IN ('pending', 'sending')"),
        ),
        Index("ix_outbound_emails_status_created_at", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    to_address: Mapped[str] = mapped_column(String(320))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    template: Mapped[str] = mapped_column(String(80))
    subject: Mapped[str] = mapped_column(String(300))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text)
    link: Mapped[str] = mapped_column(String(2000))
    message_id: Mapped[str] = mapped_column(String(250), unique=True)
    status: Mapped[EmailStatus] = mapped_column(str_enum(EmailStatus, "email_status"), default=EmailStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When the next attempt is due: at creation, now; after a transient failure, after the backoff.
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User | None] = relationship()


class Notification(Model):
    """A message shown in the service itself, under "Messages" in the header."""

    __tablename__ = "notifications"
    __table_args__ = (
        # The header's unread count and the list, newest first.
        Index("ix_notifications_user_unread", "user_id", "read_at"),
        Index("ix_notifications_user_created_at", "user_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    link: Mapped[str] = mapped_column(String(2000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class ReminderStatus(enum.StrEnum):
    WAITING = "waiting"  # not yet due
    SENT = "sent"  # the reminder has gone; waiting for its escalation date, if it has one
    ESCALATED = "escalated"  # the escalation has gone too: nothing more will be sent
    CANCELLED = "cancelled"  # the subject was closed (the report filed, the offer answered)


class Reminder(Model):
    """A message due on a date about something still outstanding, and a second one to someone
    else if it is still outstanding on a later date. One per subject and kind.

    `next_due_on` is the date of the next thing to send (the reminder, then the escalation), or
    null when nothing more will be sent: the sweep finds due work with one indexed query on it.
    """

    __tablename__ = "reminders"
    __table_args__ = (
        UniqueConstraint("subject_type", "subject_id", "kind", name="uq_reminders_subject_kind"),
        Index(
            "ix_reminders_next_due_on",
            "next_due_on",
            postgresql_where=text("next_due_on IS NOT NULL"),
            sqlite_where=text("next_due_on IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_type: Mapped[str] = mapped_column(String(50))
    subject_id: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(50))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # Who hears when it is still outstanding on the escalation date; none: every programme officer.
    escalate_to_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    template: Mapped[str] = mapped_column(String(80))
    escalation_template: Mapped[str | None] = mapped_column(String(80))
    context: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    link: Mapped[str] = mapped_column(String(2000))
    # Where the escalation points, when that differs from the reminder's link (e.g. a staff page).
    escalation_link: Mapped[str | None] = mapped_column(String(2000))
    due_on: Mapped[date] = mapped_column(Date)
    escalate_on: Mapped[date | None] = mapped_column(Date)
    next_due_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[ReminderStatus] = mapped_column(
        str_enum(ReminderStatus, "reminder_status"), default=ReminderStatus.WAITING
    )
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    escalate_to: Mapped[User | None] = relationship(foreign_keys=[escalate_to_user_id])
