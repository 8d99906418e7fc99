"""Reads behind signing in and sessions: a person by their email address or id."""

from __future__ import annotations

from sqlalchemy import select

from grants.extensions import db
from grants.models import User


def get_user_by_email(email: str) -> User | None:
    """The person with this email address, already normalised (lower case)."""
    return db.session.scalar(select(User).where(User.email == email))


def get_user(user_id: int) -> User | None:
    return db.session.get(User, user_id)
