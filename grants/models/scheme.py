"""Schemes (rules as data) and their funding rounds."""

from __future__ import annotations

import enum
from datetime import date

from sqlalchemy import JSON, BigInteger, Boolean, CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.extensions import Model
from grants.models.base import str_enum


class SchemeKind(enum.StrEnum):
    """Which application form and award rule a scheme uses."""

    FIXED_GRANT = "fixed_grant"
    MATCH_FUNDING = "match_funding"
    MATCHMAKING = "matchmaking"


class Scheme(Model):
    __tablename__ = "schemes"
    __table_args__ = (
        CheckConstraint("fixed_amount_pence IS NULL OR fixed_amount_pence > 0", name="fixed_amount_positive"),
        CheckConstraint("max_amount_pence IS NULL OR max_amount_pence > 0", name="max_amount_positive"),
        CheckConstraint("match_ratio_percent >= 0", name="match_ratio_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    summary: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[SchemeKind] = mapped_column(str_enum(SchemeKind, "scheme_kind"))
    fixed_amount_pence: Mapped[int | None] = mapped_column(BigInteger)
    max_amount_pence: Mapped[int | None] = mapped_column(BigInteger)
    # The council's match as a percentage of the grant: 100 means at least pound for pound.
    match_ratio_percent: Mapped[int] = mapped_column(Integer, default=0)
    uses_experts: Mapped[bool] = mapped_column(Boolean, default=False)
    allows_partners: Mapped[bool] = mapped_column(Boolean, default=False)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Eligibility rules as data: a council may hold one live application per round; the council
    # tiers that may apply (empty: every tier).
    one_per_council_per_round: Mapped[bool] = mapped_column(Boolean, default=False)
    eligible_tiers: Mapped[list[str]] = mapped_column(JSON, default=list)
    # How many assessors score each application before it goes to a decision.
    assessments_required: Mapped[int] = mapped_column(Integer, default=2)
    # Service levels: working days allowed in each stage, by application status.
    service_levels: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    # Working days an expert has to answer an offer before it expires and the next is proposed.
    offer_expiry_working_days: Mapped[int] = mapped_column(Integer, default=5)
    # Months after an engagement completes at which outcome reports fall due.
    evaluation_months: Mapped[list[int]] = mapped_column(JSON, default=lambda: [3, 6, 12])

    rounds: Mapped[list[FundingRound]] = relationship(back_populates="scheme", order_by="FundingRound.opens_on")
    criteria: Mapped[list[SchemeCriterion]] = relationship(
        back_populates="scheme", order_by="SchemeCriterion.position", cascade="all, delete-orphan"
    )

    def service_level_days(self, status: str) -> int | None:
        days = (self.service_levels or {}).get(status)
        return int(days) if days else None


class SchemeCriterion(Model):
    """A published assessment criterion: scored 0 to 5, weighted within the scheme."""

    __tablename__ = "scheme_criteria"
    __table_args__ = (
        UniqueConstraint("scheme_id", "code", name="uq_scheme_criteria_scheme_code"),
        CheckConstraint("weight > 0", name="weight_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    scheme_id: Mapped[int] = mapped_column(ForeignKey("schemes.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(40))
    label: Mapped[str] = mapped_column(String(200))
    guidance: Mapped[str] = mapped_column(Text, default="")
    weight: Mapped[int] = mapped_column(Integer, default=1)
    position: Mapped[int] = mapped_column(Integer, default=0)

    scheme: Mapped[Scheme] = relationship(back_populates="criteria")


class FundingRound(Model):
    __tablename__ = "funding_rounds"
    __table_args__ = (
        CheckConstraint("budget_pence >= 0", name="budget_not_negative"),
        CheckConstraint("committed_pence >= 0 AND committed_pence <= budget_pence", name="committed_within_budget"),
        CheckConstraint("closes_on >= opens_on", name="closes_after_opening"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    scheme_id: Mapped[int] = mapped_column(ForeignKey("schemes.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    opens_on: Mapped[date]
    closes_on: Mapped[date]
    budget_pence: Mapped[int] = mapped_column(BigInteger)
    committed_pence: Mapped[int] = mapped_column(BigInteger, default=0)
    target_councils: Mapped[int | None] = mapped_column(Integer)
    target_savings_pence: Mapped[int | None] = mapped_column(BigInteger)

    scheme: Mapped[Scheme] = relationship(back_populates="rounds")

    def is_open_on(self, day: date) -> bool:
        return self.opens_on <= day <= self.closes_on

    @property
    def remaining_pence(self) -> int:
        return self.budget_pence - self.committed_pence
