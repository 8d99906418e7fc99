"""What is counted: every figure a SQL aggregate, grouped by round, by scheme or over the programme,
with one column per period asked for (the package's docstring says what each figure counts)."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    distinct,
    func,
    literal_column,
    select,
    true,
    union_all,
)

from grants.extensions import db
from grants.models import (
    Application,
    ApplicationPartner,
    ApplicationStatus,
    Award,
    Engagement,
    FundingRound,
    OutcomeReport,
    PartnerStatus,
    Payment,
    ReportStatus,
    Scheme,
    SchemeKind,
    SharedArrangement,
)
from workflows.formatting import UK
from workflows.reporting.periods import financial_year_bounds

# Approved applications: offered, or any later stage. A declined offer is withdrawn, so it is not.
AWARDED = (
    ApplicationStatus.OFFERED,
    ApplicationStatus.EXPERT_MATCHING,
    ApplicationStatus.IN_DELIVERY,
    ApplicationStatus.OUTCOMES_REPORTED,
    ApplicationStatus.EVALUATED,
    ApplicationStatus.CLOSED,
)


# What is counted ---------------------------------------------------------------------------------------


class Level(enum.StrEnum):
    """How the figures are grouped: one set per round, per scheme, or one for the programme."""

    ROUND = "round"
    SCHEME = "scheme"
    PROGRAMME = "programme"


# The key of the programme's one set of figures.
PROGRAMME_KEY = 0


@dataclass(frozen=True)
class Scope:
    """The rounds the figures are about: those open at any time in a financial year, those of a
    scheme, one round; or these together."""

    year: int | None = None
    scheme_id: int | None = None
    round_id: int | None = None

    def condition(self) -> ColumnElement[bool]:
        conditions: list[ColumnElement[bool]] = []
        if self.year is not None:
            first, last = financial_year_bounds(self.year)
            conditions += [FundingRound.opens_on <= last, FundingRound.closes_on >= first]
        if self.scheme_id is not None:
            conditions.append(FundingRound.scheme_id == self.scheme_id)
        if self.round_id is not None:
            conditions.append(FundingRound.id == self.round_id)
        return and_(true(), *conditions)


@dataclass(frozen=True)
class Period:
    """The days, in UK time, within which dated events count; either end may be open."""

    start: date | None = None
    end: date | None = None


def _uk_midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UK).astimezone(UTC)


def _on_days(column: Any, period: Period) -> ColumnElement[bool]:
    """A date column within the period."""
    conditions = []
    if period.start is not None:
        conditions.append(column >= period.start)
    if period.end is not None:
        conditions.append(column <= period.end)
    return and_(true(), *conditions)


def _at_times(column: Any, period: Period) -> ColumnElement[bool]:
    """A UTC time column within the period's UK days."""
    conditions = []
    if period.start is not None:
        conditions.append(column >= _uk_midnight(period.start))
    if period.end is not None:
        conditions.append(column < _uk_midnight(period.end + timedelta(days=1)))
    return and_(true(), *conditions)


@dataclass(frozen=True)
class Savings:
    cashable_pence: int = 0
    income_pence: int = 0
    avoided_pence: int = 0

    @property
    def total_pence(self) -> int:
        return self.cashable_pence + self.income_pence + self.avoided_pence


@dataclass(frozen=True)
class ArrangementSavings:
    """Shared arrangements counted for a shared-services line: how many, and their annual savings."""

    count: int = 0
    estimated_pence: int = 0
    claimed_pence: int = 0
    verified_pence: int = 0


@dataclass(frozen=True)
class Totals:
    """What happened within one period."""

    councils: int = 0
    approved: int = 0
    committed_pence: int = 0
    paid_pence: int = 0
    estimated: Savings = Savings()
    claimed: Savings = Savings()
    verified: Savings = Savings()
    reports_filed: int = 0
    reports_verified: int = 0
    arrangements: ArrangementSavings = ArrangementSavings()

    @property
    def estimated_pence(self) -> int:
        """Every saving estimated, shared arrangements' too."""
        return self.estimated.total_pence + self.arrangements.estimated_pence

    @property
    def claimed_pence(self) -> int:
        return self.claimed.total_pence + self.arrangements.claimed_pence

    @property
    def verified_pence(self) -> int:
        return self.verified.total_pence + self.arrangements.verified_pence


@dataclass(frozen=True)
class Standing:
    """What the rounds are and where their applications stand now, whatever the period."""

    rounds: int = 0
    budget_pence: int = 0
    target_councils: int | None = None
    target_savings_pence: int | None = None
    applications: int = 0
    by_status: dict[ApplicationStatus, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Figures:
    """One round's, scheme's or the programme's figures: where it stands, and one `Totals` per
    period asked for, in the order asked."""

    standing: Standing
    periods: list[Totals]


def _key(level: Level, round_id: Any, scheme_id: Any) -> Any:
    if level is Level.ROUND:
        return round_id
    if level is Level.SCHEME:
        return scheme_id
    return literal_column(str(PROGRAMME_KEY))


def _grouped(query: Select[Any], key: Any, level: Level) -> Select[Any]:
    # The programme's figures are one row over everything: grouping by a constant is not portable.
    return query if level is Level.PROGRAMME else query.group_by(key)


def whole_number(value: Any) -> int:
    return int(value or 0)


def _optional(value: Any) -> int | None:
    return int(value) if value is not None else None


def _sum_if(condition: ColumnElement[bool], value: Any) -> Any:
    return func.coalesce(func.sum(case((condition, value), else_=0)), 0)


def _count_if(condition: ColumnElement[bool], value: Any) -> Any:
    return func.count(case((condition, value)))


def _standing(scope: Scope, level: Level) -> dict[int, Standing]:
    key = _key(level, FundingRound.id, FundingRound.scheme_id)
    rounds = _grouped(
        select(
            key,
            func.count(FundingRound.id),
            func.sum(FundingRound.budget_pence),
            func.sum(FundingRound.target_councils),
            func.sum(FundingRound.target_savings_pence),
        ).where(scope.condition()),
        key,
        level,
    )
    statuses = list(ApplicationStatus)
    apps_key = _key(level, FundingRound.id, FundingRound.scheme_id)
    applications = _grouped(
        select(
            apps_key,
            func.count(Application.id),
            *[func.count(case((Application.status == status, Application.id))) for status in statuses],
        )
        .join(FundingRound, FundingRound.id == Application.round_id)
        .where(scope.condition()),
        apps_key,
        level,
    )
    counted: dict[int, tuple[int, dict[ApplicationStatus, int]]] = {}
    for row in db.session.execute(applications):
        counted[whole_number(row[0])] = (
            whole_number(row[1]),
            {s: whole_number(n) for s, n in zip(statuses, row[2:], strict=True)},
        )
    found = {}
    for row in db.session.execute(rounds):
        if not row[1]:
            continue
        total, by_status = counted.get(whole_number(row[0]), (0, {}))
        found[whole_number(row[0])] = Standing(
            rounds=whole_number(row[1]),
            budget_pence=whole_number(row[2]),
            target_councils=_optional(row[3]),
            target_savings_pence=_optional(row[4]),
            applications=total,
            by_status=by_status,
        )
    return found


def _awards(scope: Scope, level: Level, periods: Sequence[Period]) -> dict[int, list[tuple[int, ...]]]:
    key = _key(level, FundingRound.id, FundingRound.scheme_id)
    columns = []
    for period in periods:
        within = _at_times(Award.approved_at, period)
        columns += [
            _count_if(within, Award.id),
            _sum_if(within, Award.amount_pence),
            _sum_if(within, func.coalesce(Application.savings_cashable_pence, 0)),
            _sum_if(within, func.coalesce(Application.savings_income_pence, 0)),
            _sum_if(within, func.coalesce(Application.savings_avoided_pence, 0)),
        ]
    query = _grouped(
        select(key, *columns)
        .select_from(Award)
        .join(Application, Application.id == Award.application_id)
        .join(FundingRound, FundingRound.id == Application.round_id)
        .where(scope.condition(), Application.status.in_(AWARDED)),
        key,
        level,
    )
    return _by_period(query, 5, len(periods))


def _councils(scope: Scope, level: Level, periods: Sequence[Period]) -> dict[int, list[tuple[int, ...]]]:
    approved = (FundingRound.id.label("round_id"), FundingRound.scheme_id.label("scheme_id"))
    leads = (
        select(*approved, Application.lead_council_id.label("council_id"), Award.approved_at.label("approved_at"))
        .select_from(Award)
        .join(Application, Application.id == Award.application_id)
        .join(FundingRound, FundingRound.id == Application.round_id)
        .where(scope.condition(), Application.status.in_(AWARDED))
    )
    partners = (
        select(*approved, ApplicationPartner.council_id.label("council_id"), Award.approved_at.label("approved_at"))
        .select_from(ApplicationPartner)
        .join(Application, Application.id == ApplicationPartner.application_id)
        .join(Award, Award.application_id == Application.id)
        .join(FundingRound, FundingRound.id == Application.round_id)
        .where(
            scope.condition(),
            Application.status.in_(AWARDED),
            ApplicationPartner.status == PartnerStatus.CONFIRMED,
        )
    )
    reached = union_all(leads, partners).subquery("reached")
    key = _key(level, reached.c.round_id, reached.c.scheme_id)
    columns = [
        func.count(distinct(case((_at_times(reached.c.approved_at, period), reached.c.council_id))))
        for period in periods
    ]
    return _by_period(_grouped(select(key, *columns), key, level), 1, len(periods))


def _payments(scope: Scope, level: Level, periods: Sequence[Period]) -> dict[int, list[tuple[int, ...]]]:
    key = _key(level, FundingRound.id, FundingRound.scheme_id)
    columns = [_sum_if(_on_days(Payment.paid_on, period), Payment.amount_pence) for period in periods]
    query = _grouped(
        select(key, *columns)
        .select_from(Payment)
        .join(Award, Award.id == Payment.award_id)
        .join(FundingRound, FundingRound.id == Award.round_id)
        .where(scope.condition()),
        key,
        level,
    )
    return _by_period(query, 1, len(periods))


def _reports(scope: Scope, level: Level, periods: Sequence[Period]) -> dict[int, list[tuple[int, ...]]]:
    key = _key(level, FundingRound.id, FundingRound.scheme_id)
    verified = OutcomeReport.status == ReportStatus.VERIFIED
    columns = []
    for period in periods:
        filed = _at_times(OutcomeReport.submitted_at, period)
        checked = and_(verified, _at_times(OutcomeReport.verified_at, period))
        columns += [
            _count_if(filed, OutcomeReport.id),
            _sum_if(filed, OutcomeReport.cashable_pence),
            _sum_if(filed, OutcomeReport.income_pence),
            _sum_if(filed, OutcomeReport.avoided_pence),
            _count_if(checked, OutcomeReport.id),
            _sum_if(checked, func.coalesce(OutcomeReport.verified_cashable_pence, 0)),
            _sum_if(checked, func.coalesce(OutcomeReport.verified_income_pence, 0)),
            _sum_if(checked, func.coalesce(OutcomeReport.verified_avoided_pence, 0)),
        ]
    query = _grouped(
        select(key, *columns)
        .select_from(OutcomeReport)
        .join(Engagement, Engagement.id == OutcomeReport.engagement_id)
        .join(Application, Application.id == Engagement.application_id)
        .join(FundingRound, FundingRound.id == Application.round_id)
        .where(scope.condition()),
        key,
        level,
    )
    return _by_period(query, 8, len(periods))


def _arrangements(scope: Scope, level: Level, periods: Sequence[Period]) -> dict[int, list[tuple[int, ...]]]:
    """Shared arrangements that started within the dates of a round of a matchmaking scheme in
    scope, each counted once in a line even where its rounds overlap, with their annual savings:
    the yearly run rate a new arrangement brings, not its history by financial year
    (workflows/arrangement_history.py), whose first year is often a part year."""
    pair_key = _key(level, FundingRound.id, FundingRound.scheme_id)
    pairs = (
        select(pair_key.label("line"), SharedArrangement.id.label("arrangement_id"))
        .select_from(SharedArrangement)
        .join(
            FundingRound,
            and_(
                SharedArrangement.started_on >= FundingRound.opens_on,
                SharedArrangement.started_on <= FundingRound.closes_on,
            ),
        )
        .join(Scheme, Scheme.id == FundingRound.scheme_id)
        .where(scope.condition(), Scheme.kind == SchemeKind.MATCHMAKING)
        .distinct()
        .subquery("counted")
    )
    columns = []
    for period in periods:
        within = _on_days(SharedArrangement.started_on, period)
        columns += [
            _count_if(within, SharedArrangement.id),
            _sum_if(within, func.coalesce(SharedArrangement.estimated_annual_savings_pence, 0)),
            _sum_if(within, func.coalesce(SharedArrangement.claimed_annual_savings_pence, 0)),
            _sum_if(within, func.coalesce(SharedArrangement.verified_annual_savings_pence, 0)),
        ]
    query = (
        select(pairs.c.line, *columns)
        .select_from(pairs)
        .join(SharedArrangement, SharedArrangement.id == pairs.c.arrangement_id)
        .group_by(pairs.c.line)
    )
    return _by_period(query, 4, len(periods))


def _by_period(query: Select[Any], width: int, count: int) -> dict[int, list[tuple[int, ...]]]:
    """Each row's key, and its columns cut into one tuple of `width` per period."""
    found = {}
    for row in db.session.execute(query):
        values = [whole_number(v) for v in row[1:]]
        found[whole_number(row[0])] = [tuple(values[i * width : (i + 1) * width]) for i in range(count)]
    return found


def figures(scope: Scope, level: Level, periods: Sequence[Period]) -> dict[int, Figures]:
    """The figures of the rounds in scope, by round, by scheme or for the programme (key 0), each
    dated figure counted within each period. Seven statements, whatever the data."""
    return _assemble(
        level,
        periods,
        standing=_standing(scope, level),
        awards=_awards(scope, level, periods),
        councils=_councils(scope, level, periods),
        payments=_payments(scope, level, periods),
        reports=_reports(scope, level, periods),
        arrangements=_arrangements(scope, level, periods),
    )


def figures_with_lines(scope: Scope, lines: Level, periods: Sequence[Period]) -> tuple[Figures, dict[int, Figures]]:
    """The figures of everything in scope taken as one (the programme's, or one scheme's when the
    scope is that scheme), and those of its lines (by scheme, or by round).

    The figures that add up (rounds, budgets, targets, applications, awards, payments, reports)
    are counted once, by line, and summed for the whole: one pass over the rows instead of two.
    Councils reached and shared arrangements do not add up (a council in two schemes is reached
    once; an arrangement may fall within rounds of two lines), so they are counted for the whole
    on their own. Nine statements, whatever the data."""
    standing = _standing(scope, lines)
    awards = _awards(scope, lines, periods)
    payments = _payments(scope, lines, periods)
    reports = _reports(scope, lines, periods)
    parts = _assemble(
        lines,
        periods,
        standing=standing,
        awards=awards,
        councils=_councils(scope, lines, periods),
        payments=payments,
        reports=reports,
        arrangements=_arrangements(scope, lines, periods),
    )
    whole = _assemble(
        Level.PROGRAMME,
        periods,
        standing={PROGRAMME_KEY: _summed_standing(standing.values())} if standing else {},
        awards=_summed(awards.values()),
        councils=_councils(scope, Level.PROGRAMME, periods),
        payments=_summed(payments.values()),
        reports=_summed(reports.values()),
        arrangements=_arrangements(scope, Level.PROGRAMME, periods),
    )
    return whole[PROGRAMME_KEY], parts


def _summed(lines: Iterable[list[tuple[int, ...]]]) -> dict[int, list[tuple[int, ...]]]:
    """The lines' figures added up, period by period and column by column, under the programme's key."""
    found = list(lines)
    if not found:
        return {}
    return {PROGRAMME_KEY: [tuple(map(sum, zip(*periods, strict=True))) for periods in zip(*found, strict=True)]}


def _summed_optional(values: Iterable[int | None]) -> int | None:
    """A total of targets, as SQL's SUM makes it: None when no line has one."""
    given = [v for v in values if v is not None]
    return sum(given) if given else None


def _summed_standing(lines: Iterable[Standing]) -> Standing:
    found = list(lines)
    by_status: dict[ApplicationStatus, int] = {}
    for line in found:
        for status, count in line.by_status.items():
            by_status[status] = by_status.get(status, 0) + count
    return Standing(
        rounds=sum(line.rounds for line in found),
        budget_pence=sum(line.budget_pence for line in found),
        target_councils=_summed_optional(line.target_councils for line in found),
        target_savings_pence=_summed_optional(line.target_savings_pence for line in found),
        applications=sum(line.applications for line in found),
        by_status=by_status,
    )


def _assemble(
    level: Level,
    periods: Sequence[Period],
    *,
    standing: dict[int, Standing],
    awards: dict[int, list[tuple[int, ...]]],
    councils: dict[int, list[tuple[int, ...]]],
    payments: dict[int, list[tuple[int, ...]]],
    reports: dict[int, list[tuple[int, ...]]],
    arrangements: dict[int, list[tuple[int, ...]]],
) -> dict[int, Figures]:
    """Each line's `Figures` from the counts of each kind, by line and period."""
    if level is Level.PROGRAMME and not standing:
        standing = {PROGRAMME_KEY: Standing()}
    found = {}
    for key, stands in standing.items():
        totals = []
        for index in range(len(periods)):
            approved, committed, est_c, est_i, est_a = awards.get(key, [(0,) * 5] * len(periods))[index]
            filed, cl_c, cl_i, cl_a, checked, ve_c, ve_i, ve_a = reports.get(key, [(0,) * 8] * len(periods))[index]
            shared = arrangements.get(key, [(0,) * 4] * len(periods))[index]
            totals.append(
                Totals(
                    councils=councils.get(key, [(0,)] * len(periods))[index][0],
                    approved=approved,
                    committed_pence=committed,
                    paid_pence=payments.get(key, [(0,)] * len(periods))[index][0],
                    estimated=Savings(est_c, est_i, est_a),
                    claimed=Savings(cl_c, cl_i, cl_a),
                    verified=Savings(ve_c, ve_i, ve_a),
                    reports_filed=filed,
                    reports_verified=checked,
                    arrangements=ArrangementSavings(*shared),
                )
            )
        found[key] = Figures(standing=stands, periods=totals)
    return found
