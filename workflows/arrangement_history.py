"""The shared-services register's history: each arrangement's savings by financial year (April to
March, named by the calendar year it starts in, as workflows.reporting.periods counts them), the
end of an arrangement, the register's editions and the savings since a year.

- **A year's figures**: savings estimated, claimed by the councils and verified by the LGA, each
  in whole pence and each optional; one row per arrangement and year. Staff record a year the
  arrangement ran (from the year it started to the year it ended, or this one) or correct it;
  only a programme officer sets the verified figure, as for the annual figures.
- **The end**: the last day of the arrangement and why. It stays in the editions of the years it
  ran, with their savings, and leaves the later ones. Savings recorded for years after the one it
  ended in go (the audit event keeps them).
- **An edition** is the register as it stood in a financial year: the arrangements live at any
  time in that year (`workflows.arrangements.live_in`), with that year's savings.
- **The savings since a year** add up the yearly rows from that year to the year of a given day.

Operations flush and never commit. Each checks the version the page was drawn from (the
arrangement's), refuses with an `ArrangementError` by field having stored nothing, writes an audit
event about the arrangement and bumps its version.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, distinct, func, select

from grants.extensions import db
from grants.models import SharedArrangement, SharedArrangementCouncil, SharedArrangementYear, User
from grants.models.base import LabelledEnum
from workflows.arrangements import (
    NOT_VERIFIER_MESSAGE,
    REASON_MAX_LENGTH,
    SUBJECT,
    ArrangementError,
    RegisterFilter,
    can_verify,
    chosen_ids_of,
    lock,
    require_staff,
    savings_problem,
)
from workflows.audit import audit_value, record_versioned_change
from workflows.formatting import uk_date
from workflows.problems import text_problem
from workflows.reporting.periods import financial_year_of, year_label


class Basis(LabelledEnum):
    """Which of the figures a total adds up."""

    ESTIMATED = "estimated", "estimated"
    CLAIMED = "claimed", "claimed by the councils"
    VERIFIED = "verified", "verified by the LGA"


_COLUMNS = {
    Basis.ESTIMATED: SharedArrangementYear.estimated_savings_pence,
    Basis.CLAIMED: SharedArrangementYear.claimed_savings_pence,
    Basis.VERIFIED: SharedArrangementYear.verified_savings_pence,
}

# The names of a year's figures in the forms, the API and the problems about them.
FIGURE_FIELDS = {
    "estimated_savings": "the estimated savings",
    "claimed_savings": "the claimed savings",
    "verified_savings": "the verified savings",
}


@dataclass(frozen=True)
class YearFigures:
    """A year's savings in whole pence; None: not known."""

    estimated_pence: int | None
    claimed_pence: int | None = None
    verified_pence: int | None = None

    def columns(self) -> dict[str, int | None]:
        return {
            "estimated_savings_pence": self.estimated_pence,
            "claimed_savings_pence": self.claimed_pence,
            "verified_savings_pence": self.verified_pence,
        }

    @classmethod
    def of(cls, row: SharedArrangementYear | None) -> YearFigures:
        if row is None:
            return cls(None)
        return cls(row.estimated_savings_pence, row.claimed_savings_pence, row.verified_savings_pence)


# Years -----------------------------------------------------------------------------------------------


def years_run(arrangement: SharedArrangement, today: date | None = None) -> range:
    """The financial years whose savings may be recorded: from the one the arrangement started in
    to the one it ended in, or the one today is in (a year in progress included)."""
    today = today or date.today()
    last = arrangement.ended_on if arrangement.ended_on is not None and arrangement.ended_on < today else today
    return range(financial_year_of(arrangement.started_on), financial_year_of(last) + 1)


def year_row(arrangement: SharedArrangement, year: int) -> SharedArrangementYear | None:
    return next((row for row in arrangement.years if row.year == year), None)


def _years_words(arrangement: SharedArrangement, span: range) -> str:
    if len(span) == 1:
        return f"{year_label(span[0])}, the only year the arrangement has run"
    return f"a year from {year_label(span[0])} to {year_label(span[-1])}, the years the arrangement has run"


def year_problems(
    arrangement: SharedArrangement,
    year: int | None,
    figures: YearFigures,
    *,
    actor: User,
    today: date | None = None,
) -> dict[str, str]:
    """What is wrong with recording these figures for the year, by field, changing nothing: a year
    the arrangement did not run, a figure that is negative or beyond any real one, no figure at
    all, or a verified figure set or changed by someone who is not a programme officer."""
    span = years_run(arrangement, today)
    problems: dict[str, str] = {}
    if year is None:
        problems["year"] = "Choose the financial year"
    elif year not in span:
        problems["year"] = f"Choose {_years_words(arrangement, span)}"
    values = (figures.estimated_pence, figures.claimed_pence, figures.verified_pence)
    for (name, noun), pence in zip(FIGURE_FIELDS.items(), values, strict=True):
        problem = savings_problem(pence, noun, required=False)
        if problem:
            problems[name] = problem
    if all(pence is None for pence in values):
        problems.setdefault("estimated_savings", "Enter the savings for the year: estimated, claimed or verified")
    before = year_row(arrangement, year) if year is not None else None
    verified_before = before.verified_savings_pence if before is not None else None
    if figures.verified_pence != verified_before and not can_verify(actor):
        problems.setdefault("verified_savings", NOT_VERIFIER_MESSAGE)
    return problems


def record_year(
    arrangement: SharedArrangement,
    year: int | None,
    figures: YearFigures,
    *,
    actor: User,
    expected_version: int | None,
    today: date | None = None,
) -> dict[str, list[Any]]:
    """Record an arrangement's savings for a financial year it ran, or correct those recorded;
    returns what changed (before, after), kept in the audit as "arrangement.year_recorded" (a year
    not recorded before) or "arrangement.year_corrected". Refused as stale when `expected_version`
    is not the arrangement's version now (None skips that check). Nothing changed, nothing is
    written."""
    require_staff(actor)
    lock(arrangement, expected_version)
    problems = year_problems(arrangement, year, figures, actor=actor, today=today)
    if problems or year is None:
        raise ArrangementError(problems)
    row = year_row(arrangement, year)
    columns = figures.columns()
    if row is None:
        changed = {name: [None, value] for name, value in columns.items() if value is not None}
        arrangement.years.append(SharedArrangementYear(year=year, recorded_by_id=actor.id, **columns))
        action = "arrangement.year_recorded"
    else:
        changed = {name: [getattr(row, name), value] for name, value in columns.items() if getattr(row, name) != value}
        if not changed:
            return {}
        for name, value in columns.items():
            setattr(row, name, value)
        row.recorded_by_id = actor.id
        action = "arrangement.year_corrected"
    record_versioned_change(
        arrangement,
        action,
        actor=actor,
        subject_type=SUBJECT,
        year=year,
        year_label=year_label(year),
        changes=changed,
    )
    return changed


# The end ---------------------------------------------------------------------------------------------


def end_problems(
    arrangement: SharedArrangement, ended_on: date | None, reason: str, *, today: date | None = None
) -> dict[str, str]:
    """What is wrong with ending the arrangement on this day for this reason, by field, changing
    nothing: the day must be known, not in the future and not before the arrangement started."""
    today = today or date.today()
    problems: dict[str, str] = {}
    if ended_on is None:
        problems["ended_on"] = "Enter the date the arrangement ended"
    elif ended_on > today:
        problems["ended_on"] = "The end date must be today or in the past"
    elif ended_on < arrangement.started_on:
        problems["ended_on"] = (
            f"The end date must be on or after the day the arrangement started, {uk_date(arrangement.started_on)}"
        )
    reason_problem = text_problem(reason, named="the reason", limit=REASON_MAX_LENGTH, noun="why the arrangement ended")
    if reason_problem:
        problems["reason"] = reason_problem
    return problems


def years_after(arrangement: SharedArrangement, ended_on: date) -> list[SharedArrangementYear]:
    """The recorded years after the one the arrangement ended in: ending it on that day removes
    them."""
    last = financial_year_of(ended_on)
    return [row for row in arrangement.years if row.year > last]


def end_arrangement(
    arrangement: SharedArrangement,
    *,
    ended_on: date | None,
    reason: str,
    actor: User,
    expected_version: int | None,
    today: date | None = None,
) -> list[int]:
    """Record that the arrangement ended on a day, and why; an arrangement that has ended may be
    given another end date the same way. It stays in the editions of the years it ran and leaves
    later ones. The savings recorded for years after the one it ended in are removed, and returned
    (their years); the audit event ("arrangement.ended") keeps them, the end and the reason."""
    require_staff(actor)
    lock(arrangement, expected_version)
    problems = end_problems(arrangement, ended_on, reason, today=today)
    if problems or ended_on is None:
        raise ArrangementError(problems)
    removed = years_after(arrangement, ended_on)
    kept = {
        row.year: [row.estimated_savings_pence, row.claimed_savings_pence, row.verified_savings_pence]
        for row in removed
    }
    before = arrangement.ended_on
    for row in removed:
        arrangement.years.remove(row)
    arrangement.ended_on = ended_on
    arrangement.end_reason = reason.strip()
    record_versioned_change(
        arrangement,
        "arrangement.ended",
        actor=actor,
        subject_type=SUBJECT,
        changes={"ended_on": [audit_value(before), audit_value(ended_on)]},
        reason=reason.strip(),
        removed_years=kept,
    )
    return sorted(kept)


# Editions and the savings since a year ---------------------------------------------------------------


def first_year() -> int | None:
    """The first financial year with savings recorded for any arrangement, or None."""
    return db.session.scalar(select(func.min(SharedArrangementYear.year)))


def editions(today: date | None = None) -> list[int]:
    """The editions there are, the latest first: from the year the earliest arrangement started to
    the current financial year."""
    current = financial_year_of(today or date.today())
    earliest = db.session.scalar(select(func.min(SharedArrangement.started_on)))
    first = min(financial_year_of(earliest), current) if earliest is not None else current
    return list(range(current, first - 1, -1))


@dataclass(frozen=True)
class Cumulative:
    """The savings of the years from `since_year` to `through_year` (financial years, both
    included), by basis, in pence, with how many arrangements and councils they came from."""

    since_year: int
    through_year: int
    estimated_pence: int
    claimed_pence: int
    verified_pence: int
    arrangements: int
    councils: int

    def pence(self, basis: Basis) -> int:
        return {
            Basis.ESTIMATED: self.estimated_pence,
            Basis.CLAIMED: self.claimed_pence,
            Basis.VERIFIED: self.verified_pence,
        }[basis]

    @property
    def since_label(self) -> str:
        """ "2012/13"."""
        return year_label(self.since_year)

    @property
    def label(self) -> str:
        """ "2012/13 to 2026/27"."""
        if self.since_year == self.through_year:
            return year_label(self.since_year)
        return f"{year_label(self.since_year)} to {year_label(self.through_year)}"


def cumulative_figures(since_year: int, through: date, chosen: RegisterFilter | None = None) -> Cumulative:
    """The savings since a financial year to a day: the sum of the yearly rows from `since_year`
    through the financial year `through` falls in, with the number of arrangements that have a row
    among them and of the councils of those arrangements, in one statement. With `chosen`, only
    the arrangements its filter chooses (its service area, county area and region; an arrangement
    of any edition in the years counts).

    A year in progress counts in full as recorded: its row holds what the arrangement saves in
    the whole year (for a year in progress, usually the estimate), not a share pro rata to the
    day. A year before `since_year` does not count, however much of it the arrangement ran."""
    through_year = financial_year_of(through)
    in_years: ColumnElement[bool] = SharedArrangementYear.year.between(since_year, through_year)
    counted = select(SharedArrangementYear.arrangement_id).where(in_years)
    if chosen is not None:
        chosen_ids = chosen_ids_of(chosen, any_edition=True)
        in_years = in_years & SharedArrangementYear.arrangement_id.in_(chosen_ids)
        counted = counted.where(SharedArrangementYear.arrangement_id.in_(chosen_ids))
    councils = (
        select(func.count(distinct(SharedArrangementCouncil.council_id)))
        .where(SharedArrangementCouncil.arrangement_id.in_(counted))
        .scalar_subquery()
    )
    row = db.session.execute(
        select(
            *(func.coalesce(func.sum(column), 0) for column in _COLUMNS.values()),
            func.count(distinct(SharedArrangementYear.arrangement_id)),
            councils,
        ).where(in_years)
    ).one()
    estimated, claimed, verified, arrangements, council_count = (int(value or 0) for value in row)
    return Cumulative(since_year, through_year, estimated, claimed, verified, arrangements, council_count)


def cumulative_savings(since_year: int, through: date, basis: Basis | str) -> int:
    """The savings of every arrangement from the financial year `since_year` through the
    financial year of `through`, on one basis (estimated, claimed or verified), in pence: what a
    board line such as "shared-services savings since 2012" reports. How the years count is
    `cumulative_figures`'."""
    return cumulative_figures(since_year, through).pence(Basis(basis))
