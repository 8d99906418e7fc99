"""Every message the service sends goes through `queue_email`: a row in the outbox, written in the
transaction of the change that causes it and delivered by a Celery task after that transaction
commits; optionally also an in-app message. Reminders are scheduled and cancelled through
`notifications.reminders`.
"""

from __future__ import annotations

from notifications.outbox import queue_email

__all__ = ["queue_email"]
