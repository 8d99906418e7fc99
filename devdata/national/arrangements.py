"""The national dataset's shared services map: arrangements between councils of a region, started
from April 2008 to now, each with its savings by financial year, some of them ended; written with
COPY like the rest.

At scale 1 there are 600 arrangements saving from £20,000 to £400,000 a year each (spread evenly
on a log scale), so that the savings since 2012/13 add up to a little over £600 million, as the programme
reported of the national map. Each year's savings: the first year a part year, by the months the
arrangement ran in it; estimated every year; claimed by the councils for each year that has
finished; verified by the LGA, for three arrangements in five, for the years that finished more
than a year ago. One in twelve arrangements has ended, and has no savings after the year it ended
in. The stage draws its own random numbers, so the other stages' data is the same with it or
without it."""

from __future__ import annotations

import math
import random
from datetime import UTC, date, datetime, time, timedelta

from devdata.common import POUND, first_year_savings
from devdata.national.generator import Generator
from devdata.national.shapes import Council
from grants.models import SERVICE_AREA_LABELS, CouncilTier, Role
from workflows.reporting.periods import financial_year_bounds, financial_year_of

ARRANGEMENTS = 600
FIRST_START = date(2008, 4, 1)
LOWEST_POUNDS = 20_000
HIGHEST_POUNDS = 400_000
ENDED_SHARE = 1 / 12
VERIFIED_SHARE = 0.6
SHARING_TYPES = (("services", 7), ("management", 2), ("both", 1))
END_REASONS = (
    "The councils brought the service back in house.",
    "A council joined a new unitary authority.",
    "The councils chose new partners.",
    "The shared management team was wound down.",
)

_ARRANGEMENT_COLUMNS = (
    "id name service_area sharing_type started_on estimated_annual_savings_pence claimed_annual_savings_pence "
    "verified_annual_savings_pence ended_on end_reason recorded_by_id recorded_at version"
)
_YEAR_COLUMNS = (
    "arrangement_id year estimated_savings_pence claimed_savings_pence verified_savings_pence recorded_by_id "
    "recorded_at"
)


def _pounds(rng: random.Random) -> int:
    """A year's savings in whole pounds, as pence: evenly spread on a log scale."""
    value = math.exp(rng.uniform(math.log(LOWEST_POUNDS), math.log(HIGHEST_POUNDS)))
    return round(value / 1_000) * 1_000 * POUND


def _whole(pence: int | None, started_on: date) -> int | None:
    """A year's savings after the first: the whole of them."""
    return pence


def _partners(rng: random.Random, lead: Council, by_region: dict[object, list[Council]]) -> list[Council]:
    others = [c for c in by_region.get(lead.region, []) if c.id != lead.id]
    return rng.sample(others, min(len(others), rng.choice((1, 1, 1, 2, 2, 3, 4))))


def make_arrangements(g: Generator) -> None:
    """The arrangements, their councils and their years, in three COPYs."""
    rng = random.Random(f"{g.seed}-arrangements")  # noqa: S311 - repeatable data, not a secret
    count = max(1, round(ARRANGEMENTS * g.targets.applications / 20_000))
    sharing = [code for code, weight in SHARING_TYPES for _ in range(weight)]
    leads = [c for c in g.councils if c.tier is not CouncilTier.COUNTY and c.region is not None]
    by_region: dict[object, list[Council]] = {}
    for council in g.councils:
        by_region.setdefault(council.region, []).append(council)
    officers = g.staff[Role.PROGRAMME_OFFICER]
    current = financial_year_of(g.today)
    first_id = g.bulk.reserve("shared_arrangements", count)
    arrangements, links, years = [], [], []
    names: set[str] = set()
    for n in range(count):
        arrangement_id = first_id + n
        lead = rng.choice(leads)
        councils = [lead, *_partners(rng, lead, by_region)]
        area = rng.choice(list(SERVICE_AREA_LABELS))
        name = f"{lead.name} shared {SERVICE_AREA_LABELS[area].lower()}"
        while name.lower() in names:
            name = f"{name} ({len(names)})"
        names.add(name.lower())
        started_on = FIRST_START + timedelta(days=rng.randrange((g.today - FIRST_START).days))
        ended_on = None
        reason = None
        if rng.random() < ENDED_SHARE and (g.today - started_on).days > 400:
            ended_on = started_on + timedelta(days=rng.randrange(365, (g.today - started_on).days))
            reason = rng.choice(END_REASONS)
        estimated = _pounds(rng)
        claimed = round(estimated * rng.uniform(0.9, 1.2) / POUND) * POUND
        verified = round(claimed * rng.uniform(0.85, 1.0) / POUND) * POUND if rng.random() < VERIFIED_SHARE else None
        officer = rng.choice(officers).id
        recorded_at = datetime.combine(started_on, time(9), tzinfo=UTC)
        arrangements.append(
            (
                arrangement_id,
                name,
                area,
                rng.choice(sharing),
                started_on,
                estimated,
                claimed,
                verified,
                ended_on,
                reason,
                officer,
                recorded_at,
                1,
            )
        )
        links += [(arrangement_id, council.id) for council in councils]
        first = financial_year_of(started_on)
        last = financial_year_of(ended_on) if ended_on is not None else current
        for year in range(first, last + 1):
            cut = first_year_savings if year == first else _whole
            years.append(
                (
                    arrangement_id,
                    year,
                    cut(estimated, started_on),
                    cut(claimed, started_on) if year < current else None,
                    cut(verified, started_on) if year < current - 1 else None,
                    officer,
                    max(recorded_at, datetime.combine(financial_year_bounds(year)[1], time(9), tzinfo=UTC))
                    if year < current
                    else recorded_at,
                )
            )
    with g.stage("Shared services map", len(arrangements) + len(links) + len(years)) as tick:
        g.bulk.copy("shared_arrangements", _ARRANGEMENT_COLUMNS, arrangements, tick)
        g.bulk.add("shared_arrangement_councils", "arrangement_id council_id", links, tick)
        g.bulk.add("shared_arrangement_years", _YEAR_COLUMNS, years, tick)
