"""Shared services: the service areas councils share, suggested partners for a matchmaking
request, introductions brokered with every council's consent, and the register of shared
arrangements (the LGA's shared services map)."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.extensions import Model
from grants.models.application import Application
from grants.models.base import LabelledEnum, UTCDateTime, str_enum, utcnow
from grants.models.council import Council
from grants.models.user import User

# The service areas councils share, in the order forms list them.
SERVICE_AREA_LABELS: dict[str, str] = {
    "revenues_and_benefits": "Revenues and benefits",
    "waste": "Waste and recycling",
    "planning": "Planning",
    "legal": "Legal services",
    "hr": "Human resources (HR)",
    "ict": "ICT and digital",
    "procurement": "Procurement",
    "environmental_health": "Environmental health",
    "building_control": "Building control",
    "audit": "Audit",
    "housing": "Housing",
    "adult_social_care": "Adult social care",
    "childrens_services": "Children's services",
    "highways_and_transport": "Highways and transport",
    "customer_services": "Customer services",
    "property_and_assets": "Property and assets",
}

SHARING_TYPE_LABELS: dict[str, str] = {
    "services": "Services",
    "management": "A management team",
    "both": "Both services and a management team",
}


class PartnerSuggestion(Model):
    """A council suggested as a partner for a matchmaking request, with the score and the reasons:
    another council's open request, or a council with a shared arrangement in the same areas."""

    __tablename__ = "partner_suggestions"
    __table_args__ = (UniqueConstraint("request_id", "council_id", name="uq_partner_suggestions_pair"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    council_id: Mapped[int] = mapped_column(ForeignKey("councils.id"))
    # The other council's own open request, when the suggestion comes from one.
    other_request_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id", ondelete="SET NULL"))
    score: Mapped[int] = mapped_column(Integer)
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    request: Mapped[Application] = relationship(foreign_keys=[request_id])
    council: Mapped[Council] = relationship()
    other_request: Mapped[Application | None] = relationship(foreign_keys=[other_request_id])


class IntroductionStatus(LabelledEnum):
    PROPOSED = "proposed", "Proposed"  # waiting for every council to accept
    ACCEPTED = "accepted", "Accepted by all"  # every council accepted: contact details are shared
    DECLINED = "declined", "Declined"  # a council declined: nothing is shared
    IN_DISCUSSION = "in_discussion", "In discussion"
    AGREED = "agreed", "Agreement reached"  # the councils reached an agreement to share
    CLOSED = "closed", "Closed"


class ConsentStatus(enum.StrEnum):
    WAITING = "waiting"
    ACCEPTED = "accepted"
    DECLINED = "declined"


class Introduction(Model):
    """Councils the LGA introduces to each other, with each one's consent."""

    __tablename__ = "introductions"

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[IntroductionStatus] = mapped_column(str_enum(IntroductionStatus, "introduction_status"))
    service_areas: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Why the broker thinks the councils should talk, shown to each council.
    note: Mapped[str] = mapped_column(Text, default="")
    proposed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    agreed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    agreement_summary: Mapped[str] = mapped_column(Text, default="")
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The joint application for funding made from the agreement, if any.
    funding_application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)

    proposed_by: Mapped[User] = relationship()
    parties: Mapped[list[IntroductionParty]] = relationship(
        back_populates="introduction", order_by="IntroductionParty.id", cascade="all, delete-orphan"
    )
    funding_application: Mapped[Application | None] = relationship()


class IntroductionParty(Model):
    """One council in an introduction: its consent, and the contact it shares once all accept."""

    __tablename__ = "introduction_parties"
    __table_args__ = (UniqueConstraint("introduction_id", "council_id", name="uq_introduction_parties_pair"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    introduction_id: Mapped[int] = mapped_column(ForeignKey("introductions.id", ondelete="CASCADE"), index=True)
    council_id: Mapped[int] = mapped_column(ForeignKey("councils.id"), index=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id"))
    consent: Mapped[ConsentStatus] = mapped_column(str_enum(ConsentStatus, "consent_status"))
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decline_reason: Mapped[str | None] = mapped_column(Text)
    # Who the other councils may contact, given when accepting.
    contact_name: Mapped[str] = mapped_column(String(120), default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    contact_phone: Mapped[str] = mapped_column(String(40), default="")

    introduction: Mapped[Introduction] = relationship(back_populates="parties")
    council: Mapped[Council] = relationship()
    request: Mapped[Application | None] = relationship()


class SharedArrangement(Model):
    """A shared service or management team between councils, and the savings it delivers a year.
    Its history is its savings by financial year (`years`); an arrangement that ended keeps its
    history and its end date."""

    __tablename__ = "shared_arrangements"
    __table_args__ = (
        CheckConstraint(
            "(estimated_annual_savings_pence IS NULL OR estimated_annual_savings_pence >= 0) AND "
            "(claimed_annual_savings_pence IS NULL OR claimed_annual_savings_pence >= 0) AND "
            "(verified_annual_savings_pence IS NULL OR verified_annual_savings_pence >= 0)",
            name="savings_not_negative",
        ),
        CheckConstraint("ended_on IS NULL OR ended_on >= started_on", name="ends_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    service_area: Mapped[str] = mapped_column(String(40), index=True)
    sharing_type: Mapped[str] = mapped_column(String(20), default="services")
    started_on: Mapped[date] = mapped_column(Date)
    estimated_annual_savings_pence: Mapped[int | None] = mapped_column(BigInteger)
    claimed_annual_savings_pence: Mapped[int | None] = mapped_column(BigInteger)
    verified_annual_savings_pence: Mapped[int | None] = mapped_column(BigInteger)
    # The last day of the arrangement, once it has ended, and why it ended.
    ended_on: Mapped[date | None] = mapped_column(Date)
    end_reason: Mapped[str | None] = mapped_column(Text)
    introduction_id: Mapped[int | None] = mapped_column(ForeignKey("introductions.id"))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    councils: Mapped[list[SharedArrangementCouncil]] = relationship(
        back_populates="arrangement", cascade="all, delete-orphan", order_by="SharedArrangementCouncil.id"
    )
    introduction: Mapped[Introduction | None] = relationship()
    years: Mapped[list[SharedArrangementYear]] = relationship(
        back_populates="arrangement",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="SharedArrangementYear.year",
    )

    @property
    def service_area_label(self) -> str:
        return SERVICE_AREA_LABELS.get(self.service_area, self.service_area)


class SharedArrangementCouncil(Model):
    __tablename__ = "shared_arrangement_councils"
    __table_args__ = (UniqueConstraint("arrangement_id", "council_id", name="uq_shared_arrangement_councils_pair"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    arrangement_id: Mapped[int] = mapped_column(ForeignKey("shared_arrangements.id", ondelete="CASCADE"), index=True)
    council_id: Mapped[int] = mapped_column(ForeignKey("councils.id"), index=True)

    arrangement: Mapped[SharedArrangement] = relationship(back_populates="councils")
    council: Mapped[Council] = relationship()


class SharedArrangementYear(Model):
    """An arrangement's savings in one financial year (April to March, named by the calendar year
    it starts in: 2026 is 1 April 2026 to 31 March 2027), as estimated, claimed by the councils and
    verified by the LGA, in whole pence; None: not known. One row per arrangement and year."""

    __tablename__ = "shared_arrangement_years"
    __table_args__ = (
        UniqueConstraint("arrangement_id", "year", name="uq_shared_arrangement_years_year"),
        CheckConstraint(
            "(estimated_savings_pence IS NULL OR estimated_savings_pence >= 0) AND "
            "(claimed_savings_pence IS NULL OR claimed_savings_pence >= 0) AND "
            "(verified_savings_pence IS NULL OR verified_savings_pence >= 0)",
            name="savings_not_negative",
        ),
        CheckConstraint("year >= 1974 AND year <= 9998", name="year_in_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    arrangement_id: Mapped[int] = mapped_column(ForeignKey("shared_arrangements.id", ondelete="CASCADE"))
    year: Mapped[int] = mapped_column(Integer, index=True)
    estimated_savings_pence: Mapped[int | None] = mapped_column(BigInteger)
    claimed_savings_pence: Mapped[int | None] = mapped_column(BigInteger)
    verified_savings_pence: Mapped[int | None] = mapped_column(BigInteger)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    arrangement: Mapped[SharedArrangement] = relationship(back_populates="years")
