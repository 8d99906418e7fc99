"""Reads several parts of the service share: what has been done to a record, from the audit
trail, and the people who did it."""

from __future__ import annotations

from collections.abc import Collection, Iterable

from sqlalchemy import and_, or_, select

from grants.extensions import db
from grants.models import AuditEvent, User

HISTORY_LENGTH = 50


def like_pattern(search: str) -> str:
    """What a person typed, as a LIKE pattern that matches it anywhere, its wildcards escaped with a
    backslash (so `like(pattern, escape="\\\\")` takes them literally)."""
    return "%" + search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def list_users_by_id(user_ids: Iterable[int | None]) -> dict[int, User]:
    """The people with these ids (None, for the service itself, is left out): no statement when
    there are none."""
    wanted = {user_id for user_id in user_ids if user_id is not None}
    if not wanted:
        return {}
    return {user.id: user for user in db.session.scalars(select(User).where(User.id.in_(wanted)))}


def get_history(
    *subjects: tuple[str, Collection[int]], limit: int = HISTORY_LENGTH
) -> tuple[list[AuditEvent], dict[int, User]]:
    """The latest audit events about these records (each a subject type and the ids of that
    type), newest first, and the people who acted, by id."""
    about = [
        and_(AuditEvent.subject_type == subject_type, AuditEvent.subject_id.in_(ids))
        for subject_type, ids in subjects
        if ids
    ]
    events = list(
        db.session.scalars(
            select(AuditEvent)
            .where(or_(*about))
            .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
            .limit(limit)
        )
    )
    return events, list_users_by_id(event.actor_id for event in events)
