"""The LGA's pool of vetted experts."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.extensions import Model
from grants.models.base import UTCDateTime, str_enum, utcnow


class Specialism(enum.StrEnum):
    PROCUREMENT = "procurement"
    COMMERCIALISATION = "commercialisation"
    DIGITAL = "digital"
    ADULT_SOCIAL_CARE = "adult_social_care"
    CHILDRENS_SERVICES = "childrens_services"
    SHARED_SERVICES = "shared_services"
    ASSET_MANAGEMENT = "asset_management"
    FINANCE = "finance"
    BEHAVIOURAL_INSIGHTS = "behavioural_insights"
    WASTE_AND_ENVIRONMENT = "waste_and_environment"
    HOUSING = "housing"
    WORKFORCE = "workforce"

    @property
    def label(self) -> str:
        return SPECIALISM_LABELS[self]


SPECIALISM_LABELS = {
    Specialism.PROCUREMENT: "Procurement",
    Specialism.COMMERCIALISATION: "Commercialisation and income generation",
    Specialism.DIGITAL: "Digital and channel shift",
    Specialism.ADULT_SOCIAL_CARE: "Adult social care",
    Specialism.CHILDRENS_SERVICES: "Children's services",
    Specialism.SHARED_SERVICES: "Shared services",
    Specialism.ASSET_MANAGEMENT: "Asset management",
    Specialism.FINANCE: "Finance",
    Specialism.BEHAVIOURAL_INSIGHTS: "Behavioural insights",
    Specialism.WASTE_AND_ENVIRONMENT: "Waste and environment",
    Specialism.HOUSING: "Housing",
    Specialism.WORKFORCE: "Workforce and organisational design",
}


class Region(enum.StrEnum):
    NORTH_EAST = "north_east"
    NORTH_WEST = "north_west"
    YORKSHIRE_AND_THE_HUMBER = "yorkshire_and_the_humber"
    EAST_MIDLANDS = "east_midlands"
    WEST_MIDLANDS = "west_midlands"
    EAST_OF_ENGLAND = "east_of_england"
    LONDON = "london"
    SOUTH_EAST = "south_east"
    SOUTH_WEST = "south_west"
    WALES = "wales"

    @property
    def label(self) -> str:
        return REGION_LABELS[self]


REGION_LABELS = {
    Region.NORTH_EAST: "North East",
    Region.NORTH_WEST: "North West",
    Region.YORKSHIRE_AND_THE_HUMBER: "Yorkshire and the Humber",
    Region.EAST_MIDLANDS: "East Midlands",
    Region.WEST_MIDLANDS: "West Midlands",
    Region.EAST_OF_ENGLAND: "East of England",
    Region.LONDON: "London",
    Region.SOUTH_EAST: "South East",
    Region.SOUTH_WEST: "South West",
    Region.WALES: "Wales",
}


class VettingStatus(enum.StrEnum):
    APPLIED = "applied"
    VETTED = "vetted"
    SUSPENDED = "suspended"


class ExpertKind(enum.StrEnum):
    """An individual expert, or an organisation that delivers a trial (behavioural insights)."""

    INDIVIDUAL = "individual"
    DELIVERY_PARTNER = "delivery_partner"

    @property
    def label(self) -> str:
        return "Individual expert" if self is ExpertKind.INDIVIDUAL else "Delivery partner"


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
