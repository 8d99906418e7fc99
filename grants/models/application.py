"""Applications and what happens to them: partners, the timeline, assessments, awards, payments."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.extensions import Model
from grants.models.base import LabelledEnum, UTCDateTime, str_enum, utcnow
from grants.models.council import Council
from grants.models.scheme import FundingRound
from grants.models.user import User


class ApplicationStatus(LabelledEnum):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"  # waiting for the eligibility check to be confirmed
    IN_ASSESSMENT = "in_assessment", "In assessment"
    AWAITING_DECISION = "awaiting_decision", "Awaiting decision"
    CHANGES_REQUESTED = "changes_requested", "Changes requested"
    OFFERED = "offered", "Offered"
    EXPERT_MATCHING = "expert_matching", "Expert matching"
    IN_DELIVERY = "in_delivery", "In delivery"
    OUTCOMES_REPORTED = "outcomes_reported", "Outcomes reported"
    EVALUATED = "evaluated", "Evaluated"
    CLOSED = "closed", "Closed"
    REJECTED = "rejected", "Rejected"
    INELIGIBLE = "ineligible", "Not eligible"
    WITHDRAWN = "withdrawn", "Withdrawn"


class Application(Model):
    """One council's application to a funding round (with partner councils, for a joint bid).

    `version` is bumped by every change, under a lock of the row: a form carries the version it
    was read at, and a save over a newer version is refused rather than silently overwriting
    someone else's work.
    """

    __tablename__ = "applications"
    __table_args__ = (
        CheckConstraint("amount_requested_pence IS NULL OR amount_requested_pence >= 0", name="amount_not_negative"),
        CheckConstraint("match_pence IS NULL OR match_pence >= 0", name="match_not_negative"),
        Index("ix_applications_status_stage_due_on", "status", "stage_due_on"),
        Index("ix_applications_round_status", "round_id", "status"),
        Index("ix_applications_lead_council_status", "lead_council_id", "status"),
        # The staff queue's order (due soonest first, the undated last): a page of the queue and
        # of the API's list is read in this order and stops at the page's end, with no sort.
        Index("ix_applications_queue_order", "stage_due_on", "submitted_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(24), unique=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("funding_rounds.id"))
    lead_council_id: Mapped[int] = mapped_column(ForeignKey("councils.id"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    status: Mapped[ApplicationStatus] = mapped_column(
        str_enum(ApplicationStatus, "application_status"), default=ApplicationStatus.DRAFT
    )
    version: Mapped[int] = mapped_column(Integer, default=1)
    title: Mapped[str] = mapped_column(String(200), default="")
    # The answers, by section of the scheme's form; `sections_done` lists the sections whose
    # answers were saved complete and valid.
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    sections_done: Mapped[list[str]] = mapped_column(JSON, default=list)
    amount_requested_pence: Mapped[int | None] = mapped_column(BigInteger)
    match_pence: Mapped[int | None] = mapped_column(BigInteger)
    savings_cashable_pence: Mapped[int | None] = mapped_column(BigInteger)
    savings_income_pence: Mapped[int | None] = mapped_column(BigInteger)
    savings_avoided_pence: Mapped[int | None] = mapped_column(BigInteger)
    eligibility_passed: Mapped[bool | None]
    eligibility_results: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    eligibility_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    stage_entered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When the current stage's work is due, in working days from entering it; null when the
    # stage has no service level (a draft, a closed application).
    stage_due_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    round: Mapped[FundingRound] = relationship()
    lead_council: Mapped[Council] = relationship()
    created_by: Mapped[User] = relationship()
    partners: Mapped[list[ApplicationPartner]] = relationship(
        back_populates="application", cascade="all, delete-orphan", order_by="ApplicationPartner.id"
    )
    events: Mapped[list[ApplicationEvent]] = relationship(
        back_populates="application", cascade="all, delete-orphan", order_by="ApplicationEvent.id"
    )
    assessments: Mapped[list[Assessment]] = relationship(
        back_populates="application", cascade="all, delete-orphan", order_by="Assessment.id"
    )
    award: Mapped[Award | None] = relationship(back_populates="application", uselist=False)

    @property
    def scheme(self) -> Any:
        return self.round.scheme

    def is_overdue(self, today: date) -> bool:
        return self.stage_due_on is not None and self.stage_due_on < today


class PartnerStatus(enum.StrEnum):
    INVITED = "invited"
    CONFIRMED = "confirmed"
    DECLINED = "declined"


class ApplicationPartner(Model):
    """A partner council in a joint bid: its officer confirms taking part and its share of the
    match before the lead council can submit."""

    __tablename__ = "application_partners"
    __table_args__ = (
        UniqueConstraint("application_id", "council_id", name="uq_application_partners_application_council"),
        CheckConstraint("match_share_pence >= 0", name="match_share_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"))
    council_id: Mapped[int] = mapped_column(ForeignKey("councils.id"), index=True)
    status: Mapped[PartnerStatus] = mapped_column(
        str_enum(PartnerStatus, "partner_status"), default=PartnerStatus.INVITED
    )
    match_share_pence: Mapped[int] = mapped_column(BigInteger, default=0)
    responded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    application: Mapped[Application] = relationship(back_populates="partners")
    council: Mapped[Council] = relationship()
    responded_by: Mapped[User | None] = relationship()


class ApplicationEvent(Model):
    """The application's timeline: every move, who made it, when and why."""

    __tablename__ = "application_events"
    __table_args__ = (
        Index("ix_application_events_application_occurred_at", "application_id", "occurred_at"),
        # One move out of each version of an application: two decisions taken from the same
        # stage at once cannot both be recorded, whatever the code above the database does.
        Index(
            "uq_application_events_one_move_per_version",
            "application_id",
            "version",
            unique=True,
            postgresql_where=text("version IS NOT NULL"),
            sqlite_where=text("version IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(60))
    from_status: Mapped[str | None] = mapped_column(String(30))
    to_status: Mapped[str | None] = mapped_column(String(30))
    reason: Mapped[str | None] = mapped_column(Text)
    # The application's version the move made (status changes only; notes on the timeline have none).
    version: Mapped[int | None] = mapped_column(Integer)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    application: Mapped[Application] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()


class Assessment(Model):
    """One assessor's scores for one application: each criterion 0-5 with a justification."""

    __tablename__ = "assessments"
    __table_args__ = (UniqueConstraint("application_id", "assessor_id", name="uq_assessments_application_assessor"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"))
    assessor_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # {criterion code: {"score": 0-5, "justification": "..."}}
    scores: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # The weighted score as tenths of a percent of the maximum: 0 to 1000.
    weighted_score_tenths: Mapped[int] = mapped_column(Integer, default=0)
    recommendation: Mapped[str] = mapped_column(String(20))
    comments: Mapped[str] = mapped_column(Text, default="")
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    application: Mapped[Application] = relationship(back_populates="assessments")
    assessor: Mapped[User] = relationship()


class Award(Model):
    """The money an approval commits, the offer made with it, and its acceptance."""

    __tablename__ = "awards"
    __table_args__ = (
        CheckConstraint("amount_pence > 0", name="amount_positive"),
        CheckConstraint("paid_pence >= 0 AND paid_pence <= amount_pence", name="paid_within_amount"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), unique=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("funding_rounds.id"), index=True)
    amount_pence: Mapped[int] = mapped_column(BigInteger)
    match_pence: Mapped[int] = mapped_column(BigInteger, default=0)
    paid_pence: Mapped[int] = mapped_column(BigInteger, default=0)
    approved_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    conditions: Mapped[str] = mapped_column(Text, default="")
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    signatory_name: Mapped[str | None] = mapped_column(String(120))
    signatory_role: Mapped[str | None] = mapped_column(String(120))

    application: Mapped[Application] = relationship(back_populates="award")
    approved_by: Mapped[User] = relationship(foreign_keys=[approved_by_id])
    accepted_by: Mapped[User | None] = relationship(foreign_keys=[accepted_by_id])
    payments: Mapped[list[Payment]] = relationship(back_populates="award", order_by="Payment.paid_on")

    @property
    def unpaid_pence(self) -> int:
        return self.amount_pence - self.paid_pence


class Payment(Model):
    """A tranche paid against an award."""

    __tablename__ = "payments"
    __table_args__ = (CheckConstraint("amount_pence > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    award_id: Mapped[int] = mapped_column(ForeignKey("awards.id"), index=True)
    amount_pence: Mapped[int] = mapped_column(BigInteger)
    paid_on: Mapped[date] = mapped_column(Date)
    reference: Mapped[str] = mapped_column(String(80))
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    award: Mapped[Award] = relationship(back_populates="payments")
    recorded_by: Mapped[User] = relationship()
