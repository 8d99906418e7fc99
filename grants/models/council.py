"""Councils of England and Wales, from the ONS register."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.extensions import Model
from grants.models.base import LabelledEnum, str_enum
from grants.models.expert import Region


class CouncilTier(LabelledEnum):
    COUNTY = "county", "County council"
    DISTRICT = "district", "District council"
    UNITARY = "unitary", "Unitary authority"
    METROPOLITAN = "metropolitan", "Metropolitan district"
    LONDON_BOROUGH = "london_borough", "London borough"
    WELSH_PRINCIPAL_AREA = "welsh_principal_area", "Welsh principal area"


# The ONS GSS entity code (the first three characters) names the tier.
TIER_BY_GSS_PREFIX = {
    "E10": CouncilTier.COUNTY,
    "E07": CouncilTier.DISTRICT,
    "E06": CouncilTier.UNITARY,
    "E08": CouncilTier.METROPOLITAN,
    "E09": CouncilTier.LONDON_BOROUGH,
    "W06": CouncilTier.WELSH_PRINCIPAL_AREA,
}


def tier_for_gss_code(gss_code: str) -> CouncilTier:
    """The tier a GSS code denotes. Raises ValueError for a code that is not a council's."""
    try:
        return TIER_BY_GSS_PREFIX[gss_code[:3]]
    except KeyError:
        raise ValueError(f"{gss_code!r} is not the GSS code of an English or Welsh council") from None


class Council(Model):
    __tablename__ = "councils"

    id: Mapped[int] = mapped_column(primary_key=True)
    gss_code: Mapped[str] = mapped_column(String(9), unique=True)
    name: Mapped[str] = mapped_column(String(120), index=True)
    tier: Mapped[CouncilTier] = mapped_column(str_enum(CouncilTier, "council_tier"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("councils.id"), index=True)
    # The English region (or Wales) the council is in, from the register.
    region: Mapped[Region | None] = mapped_column(str_enum(Region, "region"), index=True)

    parent: Mapped[Council | None] = relationship(remote_side=[id], back_populates="districts")
    districts: Mapped[list[Council]] = relationship(back_populates="parent", order_by="Council.name")

    def __repr__(self) -> str:
        return f"<Council {self.gss_code} {self.name}>"
