"""Experts at work: conflicts of interest, offers and engagements, matching runs, days logged,
outcome reports with the savings claimed and verified, and their evidence files."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
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
from grants.models.application import Application
from grants.models.base import LabelledEnum, UTCDateTime, str_enum, utcnow
from grants.models.council import Council
from grants.models.expert import Expert
from grants.models.scheme import FundingRound
from grants.models.user import User


class ConflictOfInterest(Model):
    """An expert who may not work for a council, and why. Declared by the expert or added by staff."""

    __tablename__ = "conflicts_of_interest"
    __table_args__ = (UniqueConstraint("expert_id", "council_id", name="uq_conflicts_of_interest_pair"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("experts.id", ondelete="CASCADE"), index=True)
    council_id: Mapped[int] = mapped_column(ForeignKey("councils.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    declared_by_expert: Mapped[bool] = mapped_column(Boolean, default=False)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    expert: Mapped[Expert] = relationship()
    council: Mapped[Council] = relationship()
    recorded_by: Mapped[User | None] = relationship()


class EngagementStatus(LabelledEnum):
    OFFERED = "offered", "Offered"
    ACCEPTED = "accepted", "In delivery"  # the expert is delivering
    COMPLETED = "completed", "Completed"
    DECLINED = "declined", "Declined"
    EXPIRED = "expired", "Expired"
    WITHDRAWN = "withdrawn", "Withdrawn"


# An offer waiting for an answer or work under way takes one of the expert's places.
HOLDS_A_PLACE = (EngagementStatus.OFFERED, EngagementStatus.ACCEPTED)
# An application has at most one engagement that is not over: offered, delivering or completed.
LIVE_ENGAGEMENT = (EngagementStatus.OFFERED, EngagementStatus.ACCEPTED, EngagementStatus.COMPLETED)


class Engagement(Model):
    """An expert (or delivery partner) offered to an application's work and, once they accept,
    delivering it. A declined, expired or withdrawn offer stays as history."""

    __tablename__ = "engagements"
    __table_args__ = (
        Index(
            "uq_engagements_one_live_per_application",
            "application_id",
            unique=True,
            postgresql_where=text("status IN ('offered', 'accepted', 'completed')"),
            sqlite_where=text("status IN ('offered', 'accepted', 'completed')"),
        ),
        Index("ix_engagements_expert_status", "expert_id", "status"),
        Index("ix_engagements_offers_due", "expires_on", postgresql_where=text("status = 'offered'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("experts.id"))
    status: Mapped[EngagementStatus] = mapped_column(str_enum(EngagementStatus, "engagement_status"))
    # The match's score (0-100) and the reasons for it, as the staff saw them when they offered.
    score: Mapped[int] = mapped_column(Integer, default=0)
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    conflict_override_reason: Mapped[str | None] = mapped_column(Text)
    offered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    offered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_on: Mapped[date] = mapped_column(Date)
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decline_reason: Mapped[str | None] = mapped_column(Text)
    match_run_id: Mapped[int | None] = mapped_column(ForeignKey("match_runs.id"))
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    application: Mapped[Application] = relationship()
    expert: Mapped[Expert] = relationship()
    offered_by: Mapped[User | None] = relationship()
    work: Mapped[list[WorkLog]] = relationship(back_populates="engagement", order_by="WorkLog.worked_on")
    reports: Mapped[list[OutcomeReport]] = relationship(
        back_populates="engagement", order_by="OutcomeReport.period_start"
    )

    @property
    def days_logged_tenths(self) -> int:
        return sum(entry.days_tenths for entry in self.work)


class MatchRunStatus(enum.StrEnum):
    RUNNING = "running"
    READY = "ready"  # computed; staff review, adjust and confirm
    CONFIRMED = "confirmed"
    DISCARDED = "discarded"
    FAILED = "failed"


class MatchRun(Model):
    """ "Match the round": the optimal assignment of a round's waiting applications to experts,
    computed by a task, then reviewed, adjusted and confirmed by staff."""

    __tablename__ = "match_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("funding_rounds.id"), index=True)
    status: Mapped[MatchRunStatus] = mapped_column(str_enum(MatchRunStatus, "match_run_status"))
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # [{"application_id": 1, "expert_id": 2, "score": 80, "reasons": [...]}, ...]; an application
    # with no suitable expert has "expert_id": null.
    proposal: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    total_score: Mapped[int | None] = mapped_column(Integer)
    greedy_total_score: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    funding_round: Mapped[FundingRound] = relationship()
    requested_by: Mapped[User] = relationship(foreign_keys=[requested_by_id])


class WorkLog(Model):
    """Days an expert worked on an engagement, and the milestone reached."""

    __tablename__ = "work_logs"
    __table_args__ = (CheckConstraint("days_tenths > 0 AND days_tenths <= 3650", name="days_in_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    engagement_id: Mapped[int] = mapped_column(ForeignKey("engagements.id"), index=True)
    worked_on: Mapped[date] = mapped_column(Date)
    # Tenths of a day: half a day is 5.
    days_tenths: Mapped[int] = mapped_column(Integer)
    milestone: Mapped[str] = mapped_column(Text, default="")
    logged_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    logged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    engagement: Mapped[Engagement] = relationship(back_populates="work")


class ReportStatus(LabelledEnum):
    SUBMITTED = "submitted", "Waiting for the council"  # claimed by the expert, waiting for the council
    CONFIRMED = "confirmed", "Confirmed by the council"  # the council agrees with the figures
    DISPUTED = "disputed", "Disputed by the council"  # the council does not, and said why
    VERIFIED = "verified", "Verified"  # a programme officer has verified the figures


class OutcomeReport(Model):
    """What an engagement achieved over a period: savings claimed by the expert, confirmed or
    disputed by the council, and verified by a programme officer, possibly at other figures."""

    __tablename__ = "outcome_reports"
    __table_args__ = (
        CheckConstraint("period_end >= period_start", name="period_in_order"),
        CheckConstraint(
            "cashable_pence >= 0 AND income_pence >= 0 AND avoided_pence >= 0", name="claimed_not_negative"
        ),
        CheckConstraint(
            "(verified_cashable_pence IS NULL OR verified_cashable_pence >= 0) AND "
            "(verified_income_pence IS NULL OR verified_income_pence >= 0) AND "
            "(verified_avoided_pence IS NULL OR verified_avoided_pence >= 0)",
            name="verified_not_negative",
        ),
        UniqueConstraint("engagement_id", "due_month", name="uq_outcome_reports_engagement_due_month"),
        # The list of reports, latest filed first, is this index read backwards.
        Index("ix_outcome_reports_submitted_at", "submitted_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    engagement_id: Mapped[int] = mapped_column(ForeignKey("engagements.id"), index=True)
    # Which evaluation point the report answers (months after completion); None for one filed
    # outside the schedule.
    due_month: Mapped[int | None] = mapped_column(Integer)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    # Claimed by the expert. Each kind is one-off, or recurring each year.
    cashable_pence: Mapped[int] = mapped_column(BigInteger, default=0)
    cashable_recurring: Mapped[bool] = mapped_column(Boolean, default=False)
    income_pence: Mapped[int] = mapped_column(BigInteger, default=0)
    income_recurring: Mapped[bool] = mapped_column(Boolean, default=False)
    avoided_pence: Mapped[int] = mapped_column(BigInteger, default=0)
    avoided_recurring: Mapped[bool] = mapped_column(Boolean, default=False)
    baseline: Mapped[str] = mapped_column(Text, default="")
    method: Mapped[str] = mapped_column(Text, default="")
    # A behavioural-insights trial's results against the outcomes it set out to measure.
    trial_results: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[ReportStatus] = mapped_column(str_enum(ReportStatus, "report_status"))
    submitted_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    council_answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    council_answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    dispute_reason: Mapped[str | None] = mapped_column(Text)
    verified_cashable_pence: Mapped[int | None] = mapped_column(BigInteger)
    verified_income_pence: Mapped[int | None] = mapped_column(BigInteger)
    verified_avoided_pence: Mapped[int | None] = mapped_column(BigInteger)
    verification_reason: Mapped[str | None] = mapped_column(Text)
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    engagement: Mapped[Engagement] = relationship(back_populates="reports")
    submitted_by: Mapped[User] = relationship(foreign_keys=[submitted_by_id])
    council_answered_by: Mapped[User | None] = relationship(foreign_keys=[council_answered_by_id])
    verified_by: Mapped[User | None] = relationship(foreign_keys=[verified_by_id])
    evidence: Mapped[list[EvidenceFile]] = relationship(back_populates="report", order_by="EvidenceFile.id")

    @property
    def claimed_total_pence(self) -> int:
        return self.cashable_pence + self.income_pence + self.avoided_pence

    @property
    def verified_total_pence(self) -> int | None:
        parts = (self.verified_cashable_pence, self.verified_income_pence, self.verified_avoided_pence)
        return None if any(p is None for p in parts) else sum(p or 0 for p in parts)


class EvidenceFile(Model):
    """A file filed with an outcome report: kept outside the web root under a random name, its
    type checked from its content."""

    __tablename__ = "evidence_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("outcome_reports.id"), index=True)
    original_name: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(120))
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    report: Mapped[OutcomeReport] = relationship(back_populates="evidence")
