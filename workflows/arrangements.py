"""The register of shared arrangements between councils (the LGA's shared services map): staff
record an arrangement, change it, add or remove a council and remove the whole arrangement; an
introduction that reached agreement can become an arrangement; and the register is read by edition
(a financial year), filtered, totalled and exported. An arrangement's savings by year and its end
are workflows/arrangement_history.py's.

Operations flush and never commit: the caller owns the transaction. Each checks its rules itself,
whatever form the values came through, and raises `ArrangementError` with a problem for every field
that is wrong, having stored nothing: the caller rolls back. Every change writes an audit event
about the arrangement and bumps its version, so a page read before someone else's change cannot
overwrite it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import groupby
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select
from sqlalchemy.orm import aliased, selectinload

from grants.extensions import db
from grants.models import (
    SERVICE_AREA_LABELS,
    SHARING_TYPE_LABELS,
    Council,
    CouncilTier,
    Introduction,
    IntroductionStatus,
    Region,
    Role,
    SharedArrangement,
    SharedArrangementCouncil,
    SharedArrangementYear,
    User,
)
from grants.models.sharing import ConsentStatus
from workflows import partner_suggestions
from workflows.after_commit import send_after_commit
from workflows.audit import audit_value, audit_values, changed_values, record_event, record_versioned_change
from workflows.csv_export import CSV_BATCH, csv_line, csv_pounds
from workflows.csv_export import safe_cell as safe_cell
from workflows.details import details_of
from workflows.experts import ExpertPoolError, find_council
from workflows.formatting import uk_date
from workflows.money import pounds
from workflows.permissions import Permission, can
from workflows.problems import ProblemsError, text_problem
from workflows.reporting.periods import financial_year_bounds, financial_year_of, year_label

NAME_MAX_LENGTH = 200
REASON_MAX_LENGTH = 2000
MAX_COUNCILS = 50
# Far above the yearly savings of any one arrangement (the largest save a few million pounds a
# year): a slip of the finger, such as pence typed as pounds, is refused rather than stored.
SAVINGS_CEILING_PENCE = 100_000_000 * 100
# The councils of today's England and Wales date from the reorganisation of 1 April 1974.
EARLIEST_START = date(1974, 4, 1)

SUBJECT = "shared_arrangement"

STALE_MESSAGE = (
    "Someone else changed this arrangement after you opened this page, so your changes have not been "
    "saved. The page now shows the arrangement as it is: make your changes again."
)
NOT_STAFF_MESSAGE = "Only a programme officer can change the shared services map"
NOT_VERIFIER_MESSAGE = "Only a programme officer can verify savings"

SAVINGS_FIELDS = {
    "estimated_annual_savings": "the estimated annual savings",
    "claimed_annual_savings": "the claimed annual savings",
    "verified_annual_savings": "the verified annual savings",
}

CSV_LEADING = ("Name", "Councils", "GSS codes", "Service area", "Sharing type", "Started on", "Ended on")


def csv_header(year: int) -> tuple[str, ...]:
    """The CSV's header for the edition of a financial year: the savings columns name the year."""
    label = year_label(year)
    return (
        *CSV_LEADING,
        f"Estimated savings {label} (£)",
        f"Claimed savings {label} (£)",
        f"Verified savings {label} (£)",
    )


S = TypeVar("S", bound="Select[Any]")


class ArrangementError(ProblemsError):
    """What is wrong, by field, in words for the person who typed it."""


class StaleArrangementError(ArrangementError):
    """The page the change was made on showed an older version of the arrangement."""

    def __init__(self) -> None:
        super().__init__({"version": STALE_MESSAGE})


@dataclass(frozen=True)
class ArrangementDetails:
    """What staff say about an arrangement, apart from its councils. Savings are whole pence a
    year; None means not known (yet)."""

    name: str
    service_area: str
    sharing_type: str
    started_on: date | None
    estimated_annual_savings_pence: int | None
    claimed_annual_savings_pence: int | None = None
    verified_annual_savings_pence: int | None = None

    def columns(self) -> dict[str, Any]:
        """The values as the arrangement's columns hold them (text trimmed)."""
        return {
            "name": " ".join(self.name.split()),
            "service_area": self.service_area,
            "sharing_type": self.sharing_type,
            "started_on": self.started_on,
            "estimated_annual_savings_pence": self.estimated_annual_savings_pence,
            "claimed_annual_savings_pence": self.claimed_annual_savings_pence,
            "verified_annual_savings_pence": self.verified_annual_savings_pence,
        }

    @classmethod
    def of(cls, arrangement: SharedArrangement) -> ArrangementDetails:
        """An arrangement's details as they are now, to fill the form that changes them."""
        return details_of(cls, arrangement)


# Checks --------------------------------------------------------------------------------------------


def can_change(actor: User) -> bool:
    """Whether the user may record and change arrangements: programme officers."""
    return can(actor, Permission.CHECK_APPLICATIONS)


def can_verify(actor: User) -> bool:
    """Whether the user may set an arrangement's verified savings: a programme officer only."""
    return can_change(actor) and actor.has_role(Role.PROGRAMME_OFFICER)


def require_staff(actor: User) -> None:
    if not can_change(actor):
        raise ArrangementError.about("actor", NOT_STAFF_MESSAGE)


def _name_problem(name: str, arrangement: SharedArrangement | None) -> str | None:
    name = " ".join(name.split())
    if not name:
        return "Enter the name of the arrangement"
    if len(name) > NAME_MAX_LENGTH:
        return f"The name must be {NAME_MAX_LENGTH} characters or fewer"
    query = select(SharedArrangement.id).where(func.lower(SharedArrangement.name) == name.lower())
    if arrangement is not None and arrangement.id is not None:
        query = query.where(SharedArrangement.id != arrangement.id)
    if db.session.scalar(query.limit(1)) is not None:
        return f"There is already an arrangement called {name} on the map"
    return None


def savings_problem(pence: int | None, noun: str, *, required: bool) -> str | None:
    """What is wrong with an amount of savings a year, if anything: missing (when required),
    negative, or beyond any real arrangement's."""
    if pence is None:
        return f"Enter {noun}" if required else None
    capital = noun[0].upper() + noun[1:]
    if pence < 0:
        return f"{capital} cannot be negative"
    if pence >= SAVINGS_CEILING_PENCE:
        return f"{capital} must be less than {pounds(SAVINGS_CEILING_PENCE)} a year"
    return None


def _start_problem(started_on: date | None, today: date, arrangement: SharedArrangement | None) -> str | None:
    if started_on is None:
        return "Enter the date the arrangement started"
    if started_on > today:
        return "The start date must be today or in the past"
    if started_on < EARLIEST_START:
        return "The start date must be on or after 1 April 1974"
    if arrangement is not None and arrangement.id is not None:
        if arrangement.ended_on is not None and started_on > arrangement.ended_on:
            return f"The start date must be on or before the day the arrangement ended, {uk_date(arrangement.ended_on)}"
        first = db.session.scalar(
            select(func.min(SharedArrangementYear.year)).where(SharedArrangementYear.arrangement_id == arrangement.id)
        )
        if first is not None and financial_year_of(started_on) > first:
            return (
                f"Savings are recorded for {year_label(first)}, so the start date must be on or before "
                f"{uk_date(financial_year_bounds(first)[1])}"
            )
    return None


def details_problems(
    details: ArrangementDetails,
    *,
    actor: User,
    arrangement: SharedArrangement | None = None,
    today: date | None = None,
) -> dict[str, str]:
    """What is wrong with the details, by field, changing nothing. The verified savings may be set
    or changed only by a programme officer."""
    today = today or date.today()
    checks = {
        "name": _name_problem(details.name, arrangement),
        "service_area": None if details.service_area in SERVICE_AREA_LABELS else "Select the service area",
        "sharing_type": None if details.sharing_type in SHARING_TYPE_LABELS else "Select what the councils share",
        "started_on": _start_problem(details.started_on, today, arrangement),
        "estimated_annual_savings": savings_problem(
            details.estimated_annual_savings_pence, SAVINGS_FIELDS["estimated_annual_savings"], required=True
        ),
        "claimed_annual_savings": savings_problem(
            details.claimed_annual_savings_pence, SAVINGS_FIELDS["claimed_annual_savings"], required=False
        ),
        "verified_annual_savings": savings_problem(
            details.verified_annual_savings_pence, SAVINGS_FIELDS["verified_annual_savings"], required=False
        ),
    }
    problems = {name: message for name, message in checks.items() if message}
    verified_before = arrangement.verified_annual_savings_pence if arrangement is not None else None
    if details.verified_annual_savings_pence != verified_before and not can_verify(actor):
        problems.setdefault("verified_annual_savings", NOT_VERIFIER_MESSAGE)
    return problems


def find_councils(typed: Sequence[str]) -> tuple[list[Council], str | None]:
    """The councils named (each by its name or GSS code; blank entries are skipped), in the order
    given, and what is wrong with the list, if anything: at least two councils, each in the
    register and listed once."""
    wanted = [" ".join(entry.split()) for entry in typed]
    wanted = [entry for entry in wanted if entry]
    if len(wanted) > MAX_COUNCILS:
        return [], f"An arrangement can have at most {MAX_COUNCILS} councils"
    found: list[Council] = []
    unknown: list[tuple[str, str]] = []
    for entry in wanted:
        try:
            found.append(find_council(entry))
        except ExpertPoolError as error:
            unknown.append((entry, error.problems.get("council", str(error))))
    if len(unknown) == 1:
        return found, unknown[0][1]
    if unknown:
        listed = ", ".join(entry for entry, _ in unknown)
        return found, f"These councils are not in the register: {listed}. Enter each council's name or GSS code"
    seen: set[int] = set()
    for council in found:
        if council.id in seen:
            return found, f"{council.name} is listed more than once"
        seen.add(council.id)
    if len(found) < 2:
        return found, "Enter at least two councils, one on each line"
    return found, None


def arrangement_problems(
    details: ArrangementDetails, councils: Sequence[str], *, actor: User, today: date | None = None
) -> dict[str, str]:
    """What `record_arrangement` would refuse, by field, changing nothing: for a form to show every
    problem at once."""
    problems = details_problems(details, actor=actor, today=today)
    _, councils_problem = find_councils(councils)
    if councils_problem:
        problems["councils"] = councils_problem
    return problems


def lock(arrangement: SharedArrangement, expected_version: int | None) -> None:
    """Reload the arrangement's row under a lock, so two changes at once are taken one after the
    other, and refuse a change made from a page that showed an older version."""
    db.session.flush()
    db.session.refresh(arrangement, with_for_update=True)
    if expected_version is not None and arrangement.version != expected_version:
        raise StaleArrangementError()


def _council_codes(arrangement: SharedArrangement) -> list[str]:
    return [link.council.gss_code for link in arrangement.councils]


# Operations ----------------------------------------------------------------------------------------


def first_years(details: ArrangementDetails, today: date, *, actor: User | None) -> list[SharedArrangementYear]:
    """The history an arrangement starts with: a row for each financial year from the one it
    started in to the one `today` is in, each carrying its annual savings. This is the assumption
    the register makes of annual figures given without a year (as migration 0011 made of the
    arrangements recorded before there was a history): they held in every year of the
    arrangement's life until staff record otherwise, year by year."""
    if details.started_on is None:
        return []
    return [
        SharedArrangementYear(
            year=year,
            estimated_savings_pence=details.estimated_annual_savings_pence,
            claimed_savings_pence=details.claimed_annual_savings_pence,
            verified_savings_pence=details.verified_annual_savings_pence,
            recorded_by_id=actor.id if actor is not None else None,
        )
        for year in range(financial_year_of(details.started_on), financial_year_of(today) + 1)
    ]


def _record(
    details: ArrangementDetails,
    councils: Sequence[Council],
    *,
    actor: User,
    introduction: Introduction | None,
    source: str,
    today: date,
) -> SharedArrangement:
    columns = details.columns()
    arrangement = SharedArrangement(
        **columns,
        introduction_id=introduction.id if introduction is not None else None,
        recorded_by_id=actor.id,
        version=1,
        councils=[SharedArrangementCouncil(council_id=council.id, council=council) for council in councils],
        years=first_years(details, today, actor=actor),
    )
    db.session.add(arrangement)
    db.session.flush()
    record_event(
        "arrangement.recorded",
        actor=actor,
        subject_type=SUBJECT,
        subject_id=arrangement.id,
        source=source,
        councils=[council.gss_code for council in councils],
        introduction_id=arrangement.introduction_id,
        years=[year.year for year in arrangement.years],
        **audit_values(columns),
    )
    _suggest_again(arrangement.service_area)
    return arrangement


def _suggest_again(service_area: str) -> None:
    """The councils of a new arrangement may now suit open requests in its service area: work
    their suggestions out again once this is committed."""
    for request in db.session.scalars(partner_suggestions.matchmaking_requests()):
        if service_area in ((request.answers or {}).get("sharing") or {}).get("areas", []):
            send_after_commit("workflows.suggest_partners", request.id)


def record_arrangement(
    details: ArrangementDetails,
    councils: Sequence[str],
    *,
    actor: User,
    today: date | None = None,
    source: str = "form",
) -> SharedArrangement:
    """Put a new arrangement on the map, between two or more councils given by name or GSS code,
    at version 1, with its first history (`first_years`); audited as "arrangement.recorded".
    Raises `ArrangementError` for anything wrong,
    storing nothing."""
    require_staff(actor)
    problems = details_problems(details, actor=actor, today=today)
    found, councils_problem = find_councils(councils)
    if councils_problem:
        problems["councils"] = councils_problem
    if problems:
        raise ArrangementError(problems)
    return _record(details, found, actor=actor, introduction=None, source=source, today=today or date.today())


def agreed(introduction: Introduction) -> bool:
    """Whether the introduction's councils reached an agreement to share (it may be closed since)."""
    if introduction.status is IntroductionStatus.AGREED:
        return True
    return introduction.status is IntroductionStatus.CLOSED and introduction.agreed_at is not None


def default_name(councils: Sequence[Council], service_area: str) -> str:
    names = [council.name for council in councils]
    if not names:
        return f"Shared {SERVICE_AREA_LABELS.get(service_area, service_area).lower()}"[:NAME_MAX_LENGTH]
    joined = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return f"{joined} shared {SERVICE_AREA_LABELS.get(service_area, service_area).lower()}"[:NAME_MAX_LENGTH]


def record_from_introduction(
    introduction: Introduction,
    *,
    actor: User,
    started_on: date | None,
    estimated_annual_savings_pence: int | None,
    service_area: str | None = None,
    sharing_type: str = "services",
    name: str | None = None,
    today: date | None = None,
) -> SharedArrangement:
    """Put on the map the arrangement that an introduction's councils agreed: its councils are the
    introduction's parties that accepted, the service area by default the introduction's first, the
    name by default made from the councils and the service area. An introduction becomes one
    arrangement at most; one that has not reached agreement is refused (problem "introduction").
    Audited as "arrangement.recorded" with the introduction's id."""
    require_staff(actor)
    db.session.flush()
    if introduction.id is not None:
        db.session.refresh(introduction, with_for_update=True)
    if not agreed(introduction):
        raise ArrangementError.about("introduction", "The councils have not reached an agreement to share yet")
    existing = db.session.scalar(
        select(SharedArrangement.name).where(SharedArrangement.introduction_id == introduction.id).limit(1)
    )
    if existing is not None:
        raise ArrangementError.about("introduction", f"This introduction is on the map already, as {existing}")
    councils = [party.council for party in introduction.parties if party.consent is ConsentStatus.ACCEPTED]
    area = service_area or next(iter(introduction.service_areas or []), "")
    details = ArrangementDetails(
        name=name if name is not None and name.strip() else default_name(councils, area),
        service_area=area,
        sharing_type=sharing_type,
        started_on=started_on,
        estimated_annual_savings_pence=estimated_annual_savings_pence,
    )
    problems = details_problems(details, actor=actor, today=today)
    if len(councils) < 2:
        problems["councils"] = "At least two of the introduction's councils must have accepted it"
    if problems:
        raise ArrangementError(problems)
    return _record(
        details, councils, actor=actor, introduction=introduction, source="introduction", today=today or date.today()
    )


def update_arrangement(
    arrangement: SharedArrangement,
    details: ArrangementDetails,
    *,
    actor: User,
    expected_version: int | None,
    today: date | None = None,
) -> dict[str, list[Any]]:
    """Change an arrangement's details; returns what changed (before, after), also kept in the
    audit as "arrangement.updated". Refused as stale when `expected_version` is not the
    arrangement's version now (None skips that check). Nothing changed, nothing is written."""
    require_staff(actor)
    lock(arrangement, expected_version)
    problems = details_problems(details, actor=actor, arrangement=arrangement, today=today)
    if problems:
        raise ArrangementError(problems)
    columns = details.columns()
    changed = changed_values(arrangement, columns)
    for name in changed:
        setattr(arrangement, name, columns[name])
    if not changed:
        return {}
    record_versioned_change(
        arrangement,
        "arrangement.updated",
        actor=actor,
        subject_type=SUBJECT,
        fields=list(changed),
        changes=changed,
    )
    return changed


def add_council(arrangement: SharedArrangement, council: str, *, actor: User, expected_version: int | None) -> Council:
    """Add a council, by name or GSS code, to an arrangement (problem "council" if it cannot be
    found or is in it already); audited as "arrangement.council_added"."""
    require_staff(actor)
    lock(arrangement, expected_version)
    try:
        found = find_council(council)
    except ExpertPoolError as error:
        raise ArrangementError.about("council", error.problems.get("council", str(error))) from None
    if any(link.council_id == found.id for link in arrangement.councils):
        raise ArrangementError.about("council", f"{found.name} is in this arrangement already")
    if len(arrangement.councils) >= MAX_COUNCILS:
        raise ArrangementError.about("council", f"An arrangement can have at most {MAX_COUNCILS} councils")
    arrangement.councils.append(SharedArrangementCouncil(council_id=found.id, council=found))
    record_versioned_change(
        arrangement,
        "arrangement.council_added",
        actor=actor,
        subject_type=SUBJECT,
        council=found.gss_code,
        council_name=found.name,
    )
    return found


def remove_council(
    arrangement: SharedArrangement,
    council: Council,
    *,
    reason: str,
    actor: User,
    expected_version: int | None,
) -> None:
    """Take a council out of an arrangement, with a reason kept in the audit
    ("arrangement.council_removed"). An arrangement keeps at least two councils: to end one of
    two, remove the whole arrangement."""
    require_staff(actor)
    lock(arrangement, expected_version)
    link = next((link for link in arrangement.councils if link.council_id == council.id), None)
    if link is None:
        raise ArrangementError.about("council", f"{council.name} is not in this arrangement")
    problems: dict[str, str] = {}
    if len(arrangement.councils) <= 2:
        problems["council"] = (
            "An arrangement needs at least two councils: to end this one, remove the whole arrangement"
        )
    reason_problem = text_problem(
        reason, named="the reason", limit=REASON_MAX_LENGTH, noun=f"why {council.name} is leaving the arrangement"
    )
    if reason_problem:
        problems["reason"] = reason_problem
    if problems:
        raise ArrangementError(problems)
    arrangement.councils.remove(link)
    record_versioned_change(
        arrangement,
        "arrangement.council_removed",
        actor=actor,
        subject_type=SUBJECT,
        council=council.gss_code,
        council_name=council.name,
        reason=reason.strip(),
    )


def remove_arrangement(
    arrangement: SharedArrangement, *, reason: str, actor: User, expected_version: int | None
) -> None:
    """Take an arrangement off the map, with a reason; the audit event ("arrangement.removed")
    keeps what the arrangement was."""
    require_staff(actor)
    lock(arrangement, expected_version)
    problem = text_problem(
        reason, named="the reason", limit=REASON_MAX_LENGTH, noun="why the arrangement is being removed"
    )
    if problem:
        raise ArrangementError.about("reason", problem)
    snapshot = audit_values(ArrangementDetails.of(arrangement).columns())
    detail = {
        **snapshot,
        "ended_on": audit_value(arrangement.ended_on),
        "years": {
            year.year: [year.estimated_savings_pence, year.claimed_savings_pence, year.verified_savings_pence]
            for year in arrangement.years
        },
        "councils": _council_codes(arrangement),
        "introduction_id": arrangement.introduction_id,
        "reason": reason.strip(),
    }
    arrangement_id = arrangement.id
    db.session.delete(arrangement)
    db.session.flush()
    record_event("arrangement.removed", actor=actor, subject_type=SUBJECT, subject_id=arrangement_id, **detail)


# Reading the register ------------------------------------------------------------------------------


def current_edition(today: date | None = None) -> int:
    """The edition the register shows unless another is chosen: the financial year today is in."""
    return financial_year_of(today or date.today())


def edition_label(year: int) -> str:
    """An edition is named by its financial year: "2026/27 edition"."""
    return f"{year_label(year)} edition"


def live_in(year: int) -> ColumnElement[bool]:
    """Whether an arrangement is in the edition of a financial year: live at any time in that
    year, that is started by its last day and not ended before its first. An arrangement that
    ended stays in the editions of the years it ran, and leaves the later ones."""
    first, last = financial_year_bounds(year)
    return and_(
        SharedArrangement.started_on <= last,
        or_(SharedArrangement.ended_on.is_(None), SharedArrangement.ended_on >= first),
    )


@dataclass(frozen=True)
class RegisterFilter:
    """Which arrangements to show: those of the edition of a financial year (None: the current
    one), of one service area, including a council of a county area (the county or any of its
    districts), including a council in a region. None: any."""

    service_area: str | None = None
    county: Council | None = None
    region: Region | None = None
    year: int | None = None

    @property
    def is_empty(self) -> bool:
        """Whether nothing narrows the edition."""
        return self.service_area is None and self.county is None and self.region is None

    @property
    def edition(self) -> int:
        return self.year if self.year is not None else current_edition()


@dataclass(frozen=True)
class Figures:
    """How many arrangements, and the sums of their savings in a financial year in pence (0 when
    none)."""

    arrangements: int
    estimated_pence: int
    claimed_pence: int
    verified_pence: int


@dataclass(frozen=True)
class AreaFigures:
    """The figures of one region or county area."""

    code: str
    label: str
    figures: Figures


def _filtered(query: S, chosen: RegisterFilter, *, any_edition: bool = False) -> S:
    """The query narrowed to the arrangements the filter chooses: in its edition, unless
    `any_edition`."""
    if not any_edition:
        query = query.where(live_in(chosen.edition))
    if chosen.service_area is not None:
        query = query.where(SharedArrangement.service_area == chosen.service_area)
    if chosen.county is not None:
        in_county = (
            select(SharedArrangementCouncil.arrangement_id)
            .join(Council, Council.id == SharedArrangementCouncil.council_id)
            .where(or_(Council.id == chosen.county.id, Council.parent_id == chosen.county.id))
        )
        query = query.where(SharedArrangement.id.in_(in_county))
    if chosen.region is not None:
        in_region = (
            select(SharedArrangementCouncil.arrangement_id)
            .join(Council, Council.id == SharedArrangementCouncil.council_id)
            .where(Council.region == chosen.region)
        )
        query = query.where(SharedArrangement.id.in_(in_region))
    return query


def _with_year(query: S, year: int) -> S:
    """The query with each arrangement's row of the year joined (an outer join: an arrangement
    whose savings are not recorded for the year is still in its edition)."""
    return query.outerjoin(
        SharedArrangementYear,
        and_(SharedArrangementYear.arrangement_id == SharedArrangement.id, SharedArrangementYear.year == year),
    )


def register_query(chosen: RegisterFilter) -> Select[tuple[SharedArrangement]]:
    """The arrangements the filter chooses, by name, each with its councils loaded in one more
    statement for the whole page (their savings in the year: `savings_in`)."""
    query = (
        select(SharedArrangement)
        .options(selectinload(SharedArrangement.councils).joinedload(SharedArrangementCouncil.council))
        .order_by(SharedArrangement.name, SharedArrangement.id)
    )
    return _filtered(query, chosen)


def savings_in(year: int, arrangement_ids: Sequence[int]) -> dict[int, SharedArrangementYear]:
    """The rows of the year of these arrangements, by arrangement, in one statement."""
    if not arrangement_ids:
        return {}
    rows = db.session.scalars(
        select(SharedArrangementYear).where(
            SharedArrangementYear.year == year, SharedArrangementYear.arrangement_id.in_(arrangement_ids)
        )
    )
    return {row.arrangement_id: row for row in rows}


def _sums() -> tuple[Any, ...]:
    return (
        func.count(SharedArrangement.id),
        func.coalesce(func.sum(SharedArrangementYear.estimated_savings_pence), 0),
        func.coalesce(func.sum(SharedArrangementYear.claimed_savings_pence), 0),
        func.coalesce(func.sum(SharedArrangementYear.verified_savings_pence), 0),
    )


def _figures(count: Any, estimated: Any, claimed: Any, verified: Any) -> Figures:
    return Figures(int(count or 0), int(estimated or 0), int(claimed or 0), int(verified or 0))


def register_totals(chosen: RegisterFilter) -> Figures:
    """How many arrangements the filter chooses in its edition and the totals of their savings in
    that year, summed by the database in one statement."""
    row = db.session.execute(
        _filtered(_with_year(select(*_sums()).select_from(SharedArrangement), chosen.edition), chosen)
    ).one()
    return _figures(*row)


def chosen_ids_of(chosen: RegisterFilter, *, any_edition: bool = False) -> Select[tuple[int]]:
    """The ids of the arrangements the filter chooses (of any edition, with `any_edition`), as a
    subquery for another statement."""
    return _filtered(select(SharedArrangement.id), chosen, any_edition=any_edition)


def figures_by_region(chosen: RegisterFilter) -> list[AreaFigures]:
    """The figures of each region (every region, with none where there is nothing), in one
    statement. An arrangement between councils in several regions counts in each; one with a
    council whose region is not recorded counts under "Region not recorded"."""
    pairs = (
        select(SharedArrangementCouncil.arrangement_id.label("arrangement_id"), Council.region.label("region"))
        .join(Council, Council.id == SharedArrangementCouncil.council_id)
        .where(SharedArrangementCouncil.arrangement_id.in_(chosen_ids_of(chosen)))
        .distinct()
        .subquery()
    )
    rows = db.session.execute(
        _with_year(
            select(pairs.c.region, *_sums())
            .select_from(pairs)
            .join(SharedArrangement, SharedArrangement.id == pairs.c.arrangement_id),
            chosen.edition,
        ).group_by(pairs.c.region)
    ).all()
    found = {row[0]: _figures(*row[1:]) for row in rows}
    empty = Figures(0, 0, 0, 0)
    result = [AreaFigures(region.value, region.label, found.get(region, empty)) for region in Region]
    if None in found:
        result.append(AreaFigures("", "Region not recorded", found[None]))
    return result


def figures_by_county_area(chosen: RegisterFilter) -> list[AreaFigures]:
    """The figures of each county area with an arrangement, by name, in one statement: an
    arrangement counts in a county area when the county or any of its districts is in it (once,
    however many of them are). Councils outside two-tier areas belong to no county area."""
    county_of = case((Council.tier == CouncilTier.COUNTY, Council.id), else_=Council.parent_id)
    pairs = (
        select(SharedArrangementCouncil.arrangement_id.label("arrangement_id"), county_of.label("county_id"))
        .join(Council, Council.id == SharedArrangementCouncil.council_id)
        .where(SharedArrangementCouncil.arrangement_id.in_(chosen_ids_of(chosen)), county_of.is_not(None))
        .distinct()
        .subquery()
    )
    county = aliased(Council)
    rows = db.session.execute(
        _with_year(
            select(county.gss_code, county.name, *_sums())
            .select_from(pairs)
            .join(SharedArrangement, SharedArrangement.id == pairs.c.arrangement_id),
            chosen.edition,
        )
        .join(county, county.id == pairs.c.county_id)
        .group_by(county.id, county.gss_code, county.name)
        .order_by(county.name)
    ).all()
    return [AreaFigures(code, name, _figures(*sums)) for code, name, *sums in rows]


def list_counties() -> list[Council]:
    """The county councils, by name: the county areas the register can be filtered by."""
    return list(db.session.scalars(select(Council).where(Council.tier == CouncilTier.COUNTY).order_by(Council.name)))


def get_county(gss_code: str) -> Council | None:
    """The county council with this GSS code, or None (for any other council too)."""
    return db.session.scalar(
        select(Council).where(Council.gss_code == gss_code.strip().upper(), Council.tier == CouncilTier.COUNTY)
    )


# The CSV export ------------------------------------------------------------------------------------


def register_csv(chosen: RegisterFilter) -> Iterator[str]:
    """The arrangements of the filter's edition that it chooses, as CSV lines, the header first:
    one line per arrangement, its councils joined by "; " with their GSS codes alike, its end date
    if it has ended, and its savings in the edition's year in pounds with pence (blank where not
    recorded). The rows come from the database in batches (a server-side cursor on PostgreSQL) and
    go out one arrangement at a time, so the memory used does not grow with the register. The
    first line starts with a byte order mark, so that a spreadsheet reads the file as UTF-8."""
    yield "\ufeff" + csv_line(csv_header(chosen.edition))
    query = _filtered(
        _with_year(
            select(
                SharedArrangement.id,
                SharedArrangement.name,
                SharedArrangement.service_area,
                SharedArrangement.sharing_type,
                SharedArrangement.started_on,
                SharedArrangement.ended_on,
                SharedArrangementYear.estimated_savings_pence,
                SharedArrangementYear.claimed_savings_pence,
                SharedArrangementYear.verified_savings_pence,
                Council.name,
                Council.gss_code,
            ).select_from(SharedArrangement),
            chosen.edition,
        )
        .join(SharedArrangementCouncil, SharedArrangementCouncil.arrangement_id == SharedArrangement.id)
        .join(Council, Council.id == SharedArrangementCouncil.council_id)
        .order_by(SharedArrangement.name, SharedArrangement.id, SharedArrangementCouncil.id),
        chosen,
    ).execution_options(yield_per=CSV_BATCH)
    rows = db.session.execute(query)
    for _, group in groupby(rows, key=lambda row: row[0]):
        members = list(group)
        first = members[0]
        yield csv_line(
            [
                first[1],
                "; ".join(row[9] for row in members),
                "; ".join(row[10] for row in members),
                SERVICE_AREA_LABELS.get(first[2], first[2]),
                SHARING_TYPE_LABELS.get(first[3], first[3]),
                first[4].isoformat(),
                first[5].isoformat() if first[5] is not None else "",
                csv_pounds(first[6]),
                csv_pounds(first[7]),
                csv_pounds(first[8]),
            ]
        )
