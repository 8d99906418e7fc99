"""Programme reporting: the Red/Amber/Green rule administrators set, and board reports as issued."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, CheckConstraint, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.extensions import Model
from grants.models.base import UTCDateTime, utcnow
from grants.models.user import User


class RagRule(Model):
    """The thresholds that turn progress against a target into a status. One row for the
    programme: Green at or above `green_percent` of the pro-rata target, Amber at or above
    `amber_percent`, Red below."""

    __tablename__ = "rag_rules"
    __table_args__ = (
        CheckConstraint("amber_percent > 0 AND amber_percent <= green_percent", name="amber_below_green"),
        CheckConstraint("green_percent <= 1000", name="green_percent_sane"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    green_percent: Mapped[int] = mapped_column(Integer, default=100)
    amber_percent: Mapped[int] = mapped_column(Integer, default=80)
    # Whether the target is compared pro rata (by how much of the round's year has passed) or whole.
    pro_rata: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    updated_by: Mapped[User | None] = relationship()


class BoardReport(Model):
    """A quarterly board report as issued: its rows are frozen, so later changes to the data do
    not alter it. Issuing the same quarter again makes the next version."""

    __tablename__ = "board_reports"
    __table_args__ = (
        UniqueConstraint("quarter_start", "version", name="uq_board_reports_quarter_version"),
        CheckConstraint("version > 0", name="version_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    quarter_start: Mapped[date] = mapped_column(Date, index=True)
    quarter_end: Mapped[date] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    # One dict per programme line: line, outputs (words with figures), figures, status, rule, reference.
    rows: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # The rule the statuses were computed with, as it stood when the report was issued.
    rule: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    note: Mapped[str] = mapped_column(Text, default="")
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    issued_by: Mapped[User] = relationship()


class ApiToken(Model):
    """A personal API token. Only a hash of the secret is kept; the prefix lets its owner tell
    one token from another."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()
