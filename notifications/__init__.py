"""Every message that leaves the service goes through `queue_email`.

A queued email is rendered at once, held with the database session, and handed to Celery only
after that session commits; a rollback drops it, so no email describes a change that never
happened.
"""

from __future__ import annotations

from notifications.outbox import queue_email

__all__ = ["queue_email"]
