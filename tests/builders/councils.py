"""Councils: Suffolk with two of its districts, and a London borough."""

from __future__ import annotations

from grants.extensions import db
from grants.models import Council, CouncilTier, Region


def suffolk_and_camden() -> dict[str, Council]:
    """A county with two districts, and a London borough, flushed; no region yet (see
    `in_their_regions`)."""
    suffolk = Council(gss_code="E10000029", name="Suffolk", tier=CouncilTier.COUNTY)
    made = {
        "suffolk": suffolk,
        "babergh": Council(gss_code="E07000200", name="Babergh", tier=CouncilTier.DISTRICT, parent=suffolk),
        "ipswich": Council(gss_code="E07000202", name="Ipswich", tier=CouncilTier.DISTRICT, parent=suffolk),
        "camden": Council(gss_code="E09000007", name="Camden", tier=CouncilTier.LONDON_BOROUGH),
    }
    db.session.add_all(made.values())
    db.session.flush()
    return made


def in_their_regions(councils: dict[str, Council], *names: str) -> dict[str, Council]:
    """The named councils of `suffolk_and_camden` (all of them unless named) given their regions:
    the Suffolk ones the East of England, Camden London."""
    regions = {
        "suffolk": Region.EAST_OF_ENGLAND,
        "babergh": Region.EAST_OF_ENGLAND,
        "ipswich": Region.EAST_OF_ENGLAND,
        "camden": Region.LONDON,
    }
    for name in names or tuple(regions):
        councils[name].region = regions[name]
    return councils
