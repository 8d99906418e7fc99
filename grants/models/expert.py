"""The LGA's pool of vetted experts."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.extensions import Model
from grants.models.base import LabelledEnum, UTCDateTime, str_enum, utcnow


class Specialism(LabelledEnum):
    PROCUREMENT = "procurement", "Procurement"
    COMMERCIALISATION = "commercialisation", "Commercialisation and income generation"
    DIGITAL = "digital", "Digital and channel shift"
    ADULT_SOCIAL_CARE = "adult_social_care", "Adult social care"
    CHILDRENS_SERVICES = "childrens_services", "Children's services"
    SHARED_SERVICES = "shared_services", "Shared services"
    ASSET_MANAGEMENT = "asset_management", "Asset management"
    FINANCE = "finance", "Finance"
    BEHAVIOURAL_INSIGHTS = "behavioural_insights", "Behavioural insights"
    WASTE_AND_ENVIRONMENT = "waste_and_environment", "Waste and environment"
    HOUSING = "housing", "Housing"
    WORKFORCE = "workforce", "Workforce and organisational design"


class Region(LabelledEnum):
    NORTH_EAST = "north_east", "North East"
    NORTH_WEST = "north_west", "North West"
    YORKSHIRE_AND_THE_HUMBER = "yorkshire_and_the_humber", "Yorkshire and the Humber"
    EAST_MIDLANDS = "east_midlands", "East Midlands"
    WEST_MIDLANDS = "west_midlands", "West Midlands"
    EAST_OF_ENGLAND = "east_of_england", "East of England"
    LONDON = "london", "London"
    SOUTH_EAST = "south_east", "South East"
    SOUTH_WEST = "south_west", "South West"
    WALES = "wales", "Wales"


class VettingStatus(enum.StrEnum):
    APPLIED = "applied"
    VETTED = "vetted"
    SUSPENDED = "suspended"


class ExpertKind(LabelledEnum):
    """An individual expert, or an organisation that delivers a trial (behavioural insights)."""

    INDIVIDUAL = "individual", "Individual expert"
    DELIVERY_PARTNER = "delivery_partner", "Delivery partner"


class Expert(Model):
    __tablename__ = "experts"
    __table_args__ = (
        CheckConstraint("day_rate_pence > 0", name="day_rate_positive"),
        CheckConstraint("capacity >= 0", name="capacity_not_negative"),
        CheckConstraint("email = lower(email)", name="email_lower_case"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str] = mapped_column(String(254), unique=True)
    organisation: Mapped[str] = mapped_column(String(160), default="")
    biography: Mapped[str] = mapped_column(Text, default="")
    day_rate_pence: Mapped[int] = mapped_column(BigInteger)
    # How many engagements the expert takes on at once.
    capacity: Mapped[int] = mapped_column(Integer, default=1)
    vetting_status: Mapped[VettingStatus] = mapped_column(str_enum(VettingStatus, "vetting_status"))
    kind: Mapped[ExpertKind] = mapped_column(str_enum(ExpertKind, "expert_kind"), default=ExpertKind.INDIVIDUAL)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Bumped by every change, so that two people editing one profile cannot overwrite each other.
    version: Mapped[int] = mapped_column(Integer, default=1)

    specialism_links: Mapped[list[ExpertSpecialism]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="ExpertSpecialism.specialism"
    )
    region_links: Mapped[list[ExpertRegion]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="ExpertRegion.region"
    )
    availability: Mapped[list[ExpertAvailability]] = relationship(
        cascade="all, delete-orphan", order_by="ExpertAvailability.starts_on"
    )

    @property
    def specialisms(self) -> list[Specialism]:
        return [link.specialism for link in self.specialism_links]

    @property
    def regions(self) -> list[Region]:
        return [link.region for link in self.region_links]


class ExpertSpecialism(Model):
    __tablename__ = "expert_specialisms"
    __table_args__ = (UniqueConstraint("expert_id", "specialism", name="uq_expert_specialisms_pair"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("experts.id", ondelete="CASCADE"), index=True)
    specialism: Mapped[Specialism] = mapped_column(str_enum(Specialism, "specialism"), index=True)


class ExpertRegion(Model):
    __tablename__ = "expert_regions"
    __table_args__ = (UniqueConstraint("expert_id", "region", name="uq_expert_regions_pair"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("experts.id", ondelete="CASCADE"), index=True)
    region: Mapped[Region] = mapped_column(str_enum(Region, "region"), index=True)


class ExpertAvailability(Model):
    """A window in which the expert can take on work. An expert with no windows has not said
    when they are free, and is treated as available."""

    __tablename__ = "expert_availability"
    __table_args__ = (CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="window_in_order"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("experts.id", ondelete="CASCADE"), index=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(200), default="")

    def covers(self, day: date) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)
