"""Celery tasks that deliver messages and run the periodic sweeps.

Emails go out in batches (`notifications.deliver_emails`). A worker refuses a message for a task
it does not know, such as the single-email task of earlier releases; the email it named is still
pending in the outbox, and the replay sweep sends it."""

from __future__ import annotations

import logging

from celery import shared_task
from flask import current_app

from notifications import outbox, reminders

logger = logging.getLogger(__name__)


@shared_task(name="notifications.deliver_emails", acks_late=True)
def deliver_emails(email_ids: list[int]) -> dict[str, int]:
    """Deliver a batch of outbox rows, each claimed, sent and settled on its own, so a batch
    delivered twice, or cut short by a dying worker, sends each email once (the one in flight at
    the moment of death is the replay sweep's). Rows a mail server turned away for now are each
    tried again on their own, later."""
    outcomes: dict[str, int] = {}
    for email_id in email_ids:
        result = outbox.deliver(email_id)
        outcomes[result.outcome] = outcomes.get(result.outcome, 0) + 1
        if result.outcome == "retry" and not current_app.config["CELERY"].get("task_always_eager"):
            outbox.enqueue([email_id], countdown=result.retry_in)
    return outcomes


@shared_task(name="notifications.replay_outbox")
def replay_outbox() -> int:
    """Enqueue again the outbox rows whose tasks went missing."""
    return outbox.replay_stuck()


@shared_task(name="notifications.send_due_reminders")
def send_due_reminders() -> dict[str, int]:
    """Send the reminders and escalations that are due today."""
    result = reminders.send_due()
    return {"reminded": result.reminded, "escalated": result.escalated}
