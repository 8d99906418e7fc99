"""The one way to write an audit event, and the log line that reports each one once it is kept."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.event import listens_for
from sqlalchemy.orm import Session, SessionTransaction

from grants.extensions import db
from grants.models import AuditEvent, User
from workflows.context import current_request_id

logger = logging.getLogger(__name__)

_TO_LOG = "audit_events_to_log"


def record_event(
    action: str,
    *,
    actor: User | None,
    subject_type: str,
    subject_id: int | None,
    **detail: Any,
) -> AuditEvent:
    """Add an audit event to the session (flushed with the change it describes, never alone).
    Once the transaction commits, an INFO log line reports the action, the subject, the actor and
    the request id; the detail stays in the database, as it may quote what people typed."""
    event = AuditEvent(
        action=action,
        actor_id=actor.id if actor is not None else None,
        subject_type=subject_type,
        subject_id=subject_id,
        detail=detail,
        request_id=current_request_id.get(),
    )
    db.session.add(event)
    line = {
        "event": "audit",
        "action": action,
        "subject_type": subject_type,
        "subject_id": subject_id,
        "actor_id": event.actor_id,
        "request_id": event.request_id,
    }
    db.session.info.setdefault(_TO_LOG, []).append((event, line))
    return event


def record_versioned_change(record: Any, action: str, *, actor: User | None, subject_type: str, **detail: Any) -> None:
    """A change to a record that carries a version (an expert, a shared arrangement): the version
    goes up, so a page drawn from the one before is refused, the change is flushed, and the audit
    event says what changed."""
    record.version += 1
    db.session.flush()
    record_event(action, actor=actor, subject_type=subject_type, subject_id=record.id, **detail)


def audit_value(value: Any) -> Any:
    """A value as an audit event's detail keeps it (JSON): dates as ISO text."""
    return value.isoformat() if isinstance(value, date) else value


def audit_values(values: Mapping[str, Any]) -> dict[str, Any]:
    return {name: audit_value(value) for name, value in values.items()}


def changed_values(record: Any, values: Mapping[str, Any]) -> dict[str, list[Any]]:
    """The values that differ from the record's attributes of the same names, each as
    [before, after] for an audit event."""
    changed: dict[str, list[Any]] = {}
    for name, after in values.items():
        before = getattr(record, name)
        if before != after:
            changed[name] = [audit_value(before), audit_value(after)]
    return changed


@listens_for(Session, "after_commit")
def _log_kept_events(session: Session) -> None:
    for kept, line in session.info.pop(_TO_LOG, []):
        if inspect(kept).persistent:
            logger.info("audit: %s %s %s", line["action"], line["subject_type"], line["subject_id"], extra=line)


@listens_for(Session, "after_soft_rollback")
def _forget_undone_events(session: Session, _previous: SessionTransaction) -> None:
    # A rollback, of the whole transaction or of a savepoint, takes out of the session the events
    # added in what it undid; those added before a savepoint stay, to be logged at the commit.
    waiting = session.info.get(_TO_LOG)
    if waiting:
        session.info[_TO_LOG] = [(e, line) for e, line in waiting if inspect(e).pending or inspect(e).persistent]
