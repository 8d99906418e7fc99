"""Celery tasks that deliver messages."""

from __future__ import annotations

import logging

from celery import shared_task
from flask import current_app

from notifications.senders import PermanentMailError, TransientMailError, build_message, sender_for

logger = logging.getLogger(__name__)


@shared_task(name="notifications.send_email", bind=True, acks_late=True, max_retries=8)
def send_email(self, payload: dict[str, str]) -> None:
    """Deliver one rendered email. Transient failures retry with exponential backoff (30 s, 60 s,
    … about two hours in all); a permanent failure is logged and dropped."""
    sender = sender_for(current_app.config, current_app.instance_path)
    message = build_message(payload, sender=current_app.config["MAIL_FROM"])
    try:
        sender.send(message)
    except TransientMailError as exc:
        if current_app.config["CELERY"].get("task_always_eager"):
            logger.error("could not send the %s email: %s", payload.get("template"), exc)
            return
        raise self.retry(exc=exc, countdown=30 * 2**self.request.retries) from exc
    except PermanentMailError as exc:
        logger.error("the %s email was refused: %s", payload.get("template"), exc)
