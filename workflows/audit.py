"""The one way to write an audit event."""

from __future__ import annotations

from typing import Any

from grants.extensions import db
from grants.models import AuditEvent, User
from workflows.context import current_request_id


def record_event(
    action: str,
    *,
    actor: User | None,
    subject_type: str,
    subject_id: int | None,
    **detail: Any,
) -> AuditEvent:
    """Add an audit event to the session (flushed with the change it describes, never alone)."""
    event = AuditEvent(
        action=action,
        actor_id=actor.id if actor is not None else None,
        subject_type=subject_type,
        subject_id=subject_id,
        detail=detail,
        request_id=current_request_id.get(),
    )
    db.session.add(event)
    return event
