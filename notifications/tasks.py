"""Celery tasks that deliver messages and run the periodic sweeps."""

from __future__ import annotations

import logging

from celery import Task, shared_task
from flask import current_app

from notifications import outbox, reminders

logger = logging.getLogger(__name__)


@shared_task(name="notifications.deliver_email", bind=True, acks_late=True)
def deliver_email(self: Task, email_id: int) -> str:
    """Deliver one outbox row. A redelivered task finds the row claimed or sent and does nothing.
    A transient failure schedules the next attempt after a growing delay; with no broker (the
    quick start) the row simply waits, and `flask outbox replay` or a resend sends it."""
    result = outbox.deliver(email_id)
    if result.outcome == "retry" and not current_app.config["CELERY"].get("task_always_eager"):
        outbox.enqueue([email_id], countdown=result.retry_in)
    return result.outcome


@shared_task(name="notifications.replay_outbox")
def replay_outbox() -> int:
    """Enqueue again the outbox rows whose tasks went missing."""
    return outbox.replay_stuck()


@shared_task(name="notifications.send_due_reminders")
def send_due_reminders() -> dict[str, int]:
    """Send the reminders and escalations that are due today."""
    result = reminders.send_due()
    return {"reminded": result.reminded, "escalated": result.escalated}
