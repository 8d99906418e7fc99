"""Column helpers shared by the records."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Self

from sqlalchemy import DateTime, Enum, TypeDecorator
from sqlalchemy.engine import Dialect


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every database (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored: give a UTC time")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class LabelledEnum(enum.StrEnum):
    """A choice stored as its value, with the words people read for it: each member is declared
    as its value and its label, `DRAFT = "draft", "Draft"`, and is found by its value as any
    member is (`ApplicationStatus("draft")`)."""

    _value_: str
    label: str

    def __new__(cls, value: str, label: str = "") -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member


def str_enum(enum_class: type[enum.StrEnum], name: str) -> Enum:
    """A StrEnum stored as its value in a VARCHAR with a CHECK constraint (portable, and
    a new member is a migration of the constraint rather than of a database type)."""
    return Enum(
        enum_class,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=max(len(m.value) for m in enum_class) + 8,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )
