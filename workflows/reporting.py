"""Programme reporting: what the programme has achieved against its targets, for the dashboard,
the quarter-by-quarter view and the board report.

What is counted, and how:

- **Councils reached**: the lead council and every confirmed partner council of each approved
  application (offered, or any later stage short of withdrawal), each council counted once in a
  line however many applications it is part of. A council is reached when its award is approved.
- **Applications by status**: every application in the rounds, as it stands now.
- **Money**: each round's budget; committed, the awards of approved applications (an offer the
  council declined gives its money back, so is not counted); paid, the tranches paid.
- **Savings**, by kind (cashable, income generated, costs avoided), at three stages: *estimated*,
  the figures in each approved application, counted when it was approved; *claimed*, the figures
  in every outcome report filed, counted when it was filed; *verified*, the figures a programme
  officer verified, counted when they were verified. A shared-services line (a matchmaking scheme)
  also counts the annual savings of the shared arrangements that started within one of its
  rounds' dates, at the same three stages.

Every figure is a SQL aggregate, grouped by round, by scheme or over the programme, with one
column per period asked for: a page asks a fixed number of statements however much there is.

**Targets and status.** A round may have a target for councils reached and one for savings. A
line's target is the sum of its rounds' targets. Pro rata (the usual rule), what is expected by a
date is each round's target times the share of the round's dates that has passed, added up. The
status compares progress with what is expected: Green at or above the rule's green percentage,
Amber at or above its amber percentage, Red below; with no target there is no status. The
savings status counts **verified** savings only: claims wait for verification.

Operations flush and never commit: the caller owns the transaction.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
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
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from grants.extensions import db
from grants.models import (
    Application,
    ApplicationPartner,
    ApplicationStatus,
    Award,
    BoardReport,
    Engagement,
    FundingRound,
    OutcomeReport,
    PartnerStatus,
    Payment,
    RagRule,
    ReportStatus,
    Scheme,
    SchemeKind,
    SharedArrangement,
    User,
    utcnow,
)
from workflows.applications import IllegalMoveError, reference_prefix
from workflows.audit import record_event
from workflows.formatting import UK, uk_date
from workflows.money import pounds
from workflows.permissions import Permission, can
from workflows.problems import ProblemsError

S = ApplicationStatus

# Approved applications: offered, or any later stage. A declined offer is withdrawn, so it is not.
AWARDED = (S.OFFERED, S.EXPERT_MATCHING, S.IN_DELIVERY, S.OUTCOMES_REPORTED, S.EVALUATED, S.CLOSED)

DEFAULT_GREEN_PERCENT = 100
DEFAULT_AMBER_PERCENT = 80
DEFAULT_PRO_RATA = True
PERCENT_BOUNDS = (1, 1000)
# The rule is one row, always this one, so two administrators saving the first rule at once
# cannot make two.
RULE_ID = 1


# Financial years and quarters ----------------------------------------------------------------------


def financial_year_of(day: date) -> int:
    """The financial year a day falls in, by the calendar year it starts: 1 April 2026 to 31 March
    2027 is 2026."""
    return day.year if day.month >= 4 else day.year - 1


def financial_year_bounds(year: int) -> tuple[date, date]:
    return date(year, 4, 1), date(year + 1, 3, 31)


def year_label(year: int) -> str:
    """2026 → "2026/27"."""
    return f"{year}/{str(year + 1)[2:]}"


_QUARTER_MONTHS = {1: ("April", "June"), 2: ("July", "September"), 3: ("October", "December"), 4: ("January", "March")}


@dataclass(frozen=True, order=True)
class Quarter:
    """A quarter of a financial year: Q1 is April to June, Q4 January to March."""

    year: int
    number: int

    def __post_init__(self) -> None:
        if self.number not in (1, 2, 3, 4):
            raise ValueError("a quarter is numbered 1 to 4")

    @classmethod
    def containing(cls, day: date) -> Quarter:
        year = financial_year_of(day)
        months_in = (day.month - 4) % 12
        return cls(year, months_in // 3 + 1)

    @classmethod
    def starting(cls, day: date) -> Quarter:
        """The quarter that starts on `day`; ValueError when no quarter starts then."""
        found = cls.containing(day)
        if found.start != day:
            raise ValueError("no quarter starts on that day")
        return found

    @property
    def start(self) -> date:
        month = 4 + 3 * (self.number - 1)
        return date(self.year + month // 13, (month - 1) % 12 + 1, 1)

    @property
    def end(self) -> date:
        return self.next().start - timedelta(days=1)

    def next(self) -> Quarter:
        return Quarter(self.year, self.number + 1) if self.number < 4 else Quarter(self.year + 1, 1)

    @property
    def short_label(self) -> str:
        return f"Q{self.number} {year_label(self.year)}"

    @property
    def months(self) -> str:
        """ "October to December 2026"."""
        first, last = _QUARTER_MONTHS[self.number]
        return f"{first} to {last} {self.end.year}"

    @property
    def label(self) -> str:
        return f"Quarter {self.number} of {year_label(self.year)} ({self.months})"


def quarters_of_year(year: int) -> list[Quarter]:
    return [Quarter(year, number) for number in (1, 2, 3, 4)]


def elapsed_fraction(opens_on: date, closes_on: date, as_of: date) -> Fraction:
    """How much of a round's dates has passed by the end of `as_of`: 0 before it opens, 1 from its
    closing day on, otherwise the days so far (counting `as_of`) over the days in the round."""
    if as_of < opens_on:
        return Fraction(0)
    if as_of >= closes_on:
        return Fraction(1)
    return Fraction((as_of - opens_on).days + 1, (closes_on - opens_on).days + 1)


# Words ------------------------------------------------------------------------------------------------


def day_words(day: date) -> str:
    """ "1 December 2026"."""
    return uk_date(day)


def money_words(pence: int | Fraction) -> str:
    """Money as a board reads it: £1 million and more to one decimal place ("£7.3 million",
    "£25 million"), less in whole pounds ("£250,000")."""
    exact = Decimal(pence.numerator) / Decimal(pence.denominator) if isinstance(pence, Fraction) else Decimal(pence)
    if abs(exact) >= 100_000_000:
        millions = (exact / 100_000_000).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        text = f"{millions:f}".removesuffix(".0")
        return f"£{text} million"
    return pounds(int((exact / 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP)) * 100)


def number_words(value: int | Fraction) -> str:
    """A count, or a pro-rata share of one to one decimal place: 25, 16.8."""
    if isinstance(value, Fraction) and value.denominator != 1:
        shown = (Decimal(value.numerator) / Decimal(value.denominator)).quantize(Decimal("0.1"), ROUND_HALF_UP)
        return f"{shown:f}".removesuffix(".0")
    return f"{int(value):,}"


def councils_words(value: int | Fraction) -> str:
    return f"{number_words(value)} council{'' if value == 1 else 's'}"


# The rule ---------------------------------------------------------------------------------------------


class RagStatus(enum.StrEnum):
    GREEN = "green"
    AMBER = "amber"
    RED = "red"
    NO_TARGET = "no_target"

    @property
    def label(self) -> str:
        return {"green": "Green", "amber": "Amber", "red": "Red", "no_target": "No target"}[self.value]


# Worst first: a line's overall status is the worst of its measures'.
_SEVERITY = [RagStatus.RED, RagStatus.AMBER, RagStatus.GREEN]


@dataclass(frozen=True)
class Rule:
    """The thresholds, as percentages of what is expected: Green at or above `green_percent`,
    Amber at or above `amber_percent`, Red below."""

    green_percent: int = DEFAULT_GREEN_PERCENT
    amber_percent: int = DEFAULT_AMBER_PERCENT
    pro_rata: bool = DEFAULT_PRO_RATA

    @property
    def target_words(self) -> str:
        return "the pro-rata target" if self.pro_rata else "the target"

    def in_words(self) -> str:
        """The whole rule in a sentence."""
        basis = (
            "the target multiplied by how much of each round's dates has passed"
            if self.pro_rata
            else "the whole target"
        )
        return (
            f"Green at or above {self.green_percent}% of {basis}; Amber at or above {self.amber_percent}%; "
            f"Red below {self.amber_percent}%. The savings status counts verified savings only."
        )

    def as_record(self) -> dict[str, Any]:
        return {"green_percent": self.green_percent, "amber_percent": self.amber_percent, "pro_rata": self.pro_rata}


def rag_status(progress: int | Fraction, expected: int | Fraction | None, rule: Rule) -> RagStatus:
    """The status of progress against what is expected by now. No target: no status. Nothing
    expected yet (a round not yet open): Green, as no progress is due."""
    if expected is None:
        return RagStatus.NO_TARGET
    if expected <= 0:
        return RagStatus.GREEN
    reached = Fraction(progress) * 100 / Fraction(expected)
    if reached >= rule.green_percent:
        return RagStatus.GREEN
    if reached >= rule.amber_percent:
        return RagStatus.AMBER
    return RagStatus.RED


def percent_reached(progress: int | Fraction, expected: int | Fraction | None) -> int | None:
    """Progress as a whole percentage of what is expected, rounded down; None with nothing expected."""
    if expected is None or expected <= 0:
        return None
    return int(Fraction(progress) * 100 // Fraction(expected))


def worst(statuses: Iterable[RagStatus]) -> RagStatus:
    """The worst status among those with a target; No target when none has one."""
    rated = [s for s in statuses if s is not RagStatus.NO_TARGET]
    return min(rated, key=_SEVERITY.index) if rated else RagStatus.NO_TARGET


class Measure(enum.StrEnum):
    COUNCILS = "councils"
    SAVINGS = "savings"

    @property
    def label(self) -> str:
        return "Councils reached" if self is Measure.COUNCILS else "Verified savings"


@dataclass(frozen=True)
class Assessment:
    """One measure's progress against its target, its status, and the rule in words."""

    measure: Measure
    progress: int
    target: int | None
    expected: Fraction | None
    as_of: date
    rule: Rule
    status: RagStatus = field(init=False)
    percent: int | None = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "status", rag_status(self.progress, self.expected, self.rule))
        object.__setattr__(self, "percent", percent_reached(self.progress, self.expected))

    def _amount(self, value: int | Fraction) -> str:
        return councils_words(value) if self.measure is Measure.COUNCILS else money_words(value)

    @property
    def progress_words(self) -> str:
        return self._amount(self.progress)

    @property
    def target_words(self) -> str:
        return self._amount(self.target) if self.target is not None else "No target"

    @property
    def expected_words(self) -> str:
        return self._amount(self.expected) if self.expected is not None else ""

    def in_words(self) -> str:
        """ "Amber: at or above 80% but below 100% of the pro-rata target (£16.8 million by 1 December
        2026); 82% reached (£13.8 million verified)." """
        rule = self.rule
        if self.status is RagStatus.NO_TARGET:
            return "No target: no target is set, so there is no status."
        done = f"{self.progress_words} {'reached' if self.measure is Measure.COUNCILS else 'verified'}"
        if self.expected is None or self.expected <= 0:
            return f"Green: nothing is due yet under {rule.target_words} on {day_words(self.as_of)}; {done}."
        by = f" by {day_words(self.as_of)}" if rule.pro_rata else ""
        band = {
            RagStatus.GREEN: f"at or above {rule.green_percent}%",
            RagStatus.AMBER: f"at or above {rule.amber_percent}% but below {rule.green_percent}%",
            RagStatus.RED: f"below {rule.amber_percent}%",
        }[self.status]
        return (
            f"{self.status.label}: {band} of {rule.target_words} ({self.expected_words}{by}); "
            f"{self.percent}% reached ({done})."
        )

    def as_record(self) -> dict[str, Any]:
        return {
            "measure": self.measure.value,
            "label": self.measure.label,
            "status": self.status.value,
            "progress": self.progress,
            "target": self.target,
            "rule": self.in_words(),
        }


class RuleError(ProblemsError):
    """The rule cannot be saved as typed."""


class StaleRuleError(RuleError):
    def __init__(self) -> None:
        super().__init__(
            {
                "version": "Someone else changed the rule while you were working on it. Your changes have not "
                "been saved: check the rule as it is now and try again."
            }
        )


def get_rag_rule() -> RagRule | None:
    return db.session.get(RagRule, RULE_ID)


def rule_of(row: RagRule | None) -> Rule:
    """The rule as stored, or the defaults when none has been saved."""
    if row is None:
        return Rule()
    return Rule(row.green_percent, row.amber_percent, row.pro_rata)


def current_rule() -> Rule:
    return rule_of(get_rag_rule())


def rule_problems(green_percent: int | None, amber_percent: int | None) -> dict[str, str]:
    """What `save_rule` would refuse in these thresholds, by field."""
    problems = {}
    low, high = PERCENT_BOUNDS
    if green_percent is None or not low <= green_percent <= high:
        problems["green_percent"] = f"The Green threshold must be between {low}% and {high:,}%"
    if amber_percent is None or not low <= amber_percent <= high:
        problems["amber_percent"] = f"The Amber threshold must be between {low}% and {high:,}%"
    elif green_percent is not None and "green_percent" not in problems and amber_percent > green_percent:
        problems["amber_percent"] = "The Amber threshold must be the same as or lower than the Green threshold"
    return problems


def save_rule(
    *, green_percent: int, amber_percent: int, pro_rata: bool, actor: User, expected_version: int
) -> dict[str, list[Any]]:
    """An administrator sets the thresholds. The page carries the version it showed (0 for the
    defaults, before anyone has saved a rule); a save over a newer version is refused. The first
    save creates the rule's one row. Returns what changed, as [before, after]; records it."""
    if not can(actor, Permission.MANAGE_SCHEMES):
        raise IllegalMoveError("Only an administrator can change the rule")
    problems = rule_problems(green_percent, amber_percent)
    if problems:
        raise RuleError(problems)
    db.session.flush()
    row = db.session.get(RagRule, RULE_ID, with_for_update=True, populate_existing=True)
    before = rule_of(row)
    if (row.version if row is not None else 0) != expected_version:
        raise StaleRuleError()
    wanted = {"green_percent": green_percent, "amber_percent": amber_percent, "pro_rata": pro_rata}
    changes = {name: [getattr(before, name), value] for name, value in wanted.items() if getattr(before, name) != value}
    if row is None:
        try:
            with db.session.begin_nested():
                row = RagRule(id=RULE_ID, version=1, updated_by_id=actor.id, **wanted)
                db.session.add(row)
        except IntegrityError:
            raise StaleRuleError() from None
    elif changes:
        for name, value in wanted.items():
            setattr(row, name, value)
        row.version += 1
        row.updated_by_id = actor.id
        row.updated_at = utcnow()
    else:
        return {}
    db.session.flush()
    record_event("rag_rule.updated", actor=actor, subject_type="rag_rule", subject_id=row.id, changes=changes)
    return changes


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


def _whole(value: Any) -> int:
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
        counted[_whole(row[0])] = (_whole(row[1]), {s: _whole(n) for s, n in zip(statuses, row[2:], strict=True)})
    found = {}
    for row in db.session.execute(rounds):
        if not row[1]:
            continue
        total, by_status = counted.get(_whole(row[0]), (0, {}))
        found[_whole(row[0])] = Standing(
            rounds=_whole(row[1]),
            budget_pence=_whole(row[2]),
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
    scope, each counted once in a line even where its rounds overlap."""
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
        values = [_whole(v) for v in row[1:]]
        found[_whole(row[0])] = [tuple(values[i * width : (i + 1) * width]) for i in range(count)]
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


# Rounds and targets -----------------------------------------------------------------------------------


def list_rounds(scope: Scope) -> list[FundingRound]:
    """The rounds in scope with their schemes, by scheme name and opening date."""
    return list(
        db.session.scalars(
            select(FundingRound)
            .join(Scheme, Scheme.id == FundingRound.scheme_id)
            .options(joinedload(FundingRound.scheme))
            .where(scope.condition())
            .order_by(Scheme.name, FundingRound.opens_on, FundingRound.id)
        )
    )


def years_with_rounds(scheme_id: int | None = None) -> list[int]:
    """Every financial year from the first some round (of the scheme, if given) is open in to the
    last, earliest first."""
    query = select(func.min(FundingRound.opens_on), func.max(FundingRound.closes_on))
    if scheme_id is not None:
        query = query.where(FundingRound.scheme_id == scheme_id)
    first, last = db.session.execute(query).one()
    if first is None or last is None:
        return []
    return list(range(financial_year_of(first), financial_year_of(last) + 1))


def key_of(funding_round: FundingRound, level: Level) -> int:
    if level is Level.ROUND:
        return funding_round.id
    if level is Level.SCHEME:
        return funding_round.scheme_id
    return PROGRAMME_KEY


@dataclass(frozen=True)
class Expected:
    """What each measure's targets expect by a date, summed over the rounds of a line; None where
    no round has that target."""

    councils: Fraction | None = None
    savings_pence: Fraction | None = None


def expected_by(rounds: Sequence[FundingRound], level: Level, as_of: date, rule: Rule) -> dict[int, Expected]:
    """Per key: each round's targets, times the share of its dates passed by `as_of` when the rule
    is pro rata, added up."""
    councils: dict[int, Fraction] = {}
    savings: dict[int, Fraction] = {}
    for funding_round in rounds:
        key = key_of(funding_round, level)
        share = elapsed_fraction(funding_round.opens_on, funding_round.closes_on, as_of) if rule.pro_rata else 1
        if funding_round.target_councils:
            councils[key] = councils.get(key, Fraction(0)) + funding_round.target_councils * Fraction(share)
        if funding_round.target_savings_pence:
            savings[key] = savings.get(key, Fraction(0)) + funding_round.target_savings_pence * Fraction(share)
    return {key: Expected(councils.get(key), savings.get(key)) for key in {*councils, *savings}}


@dataclass(frozen=True)
class Progress:
    """A line's two measures, each against its target."""

    councils: Assessment
    savings: Assessment

    @property
    def status(self) -> RagStatus:
        return worst([self.councils.status, self.savings.status])

    @property
    def assessments(self) -> list[Assessment]:
        return [self.councils, self.savings]


def progress_of(standing: Standing, totals: Totals, expected: Expected, as_of: date, rule: Rule) -> Progress:
    return Progress(
        councils=Assessment(
            Measure.COUNCILS, totals.councils, standing.target_councils, expected.councils, as_of, rule
        ),
        savings=Assessment(
            Measure.SAVINGS, totals.verified_pence, standing.target_savings_pence, expected.savings_pence, as_of, rule
        ),
    )


def as_of_within(day: date, first: date, last: date) -> date:
    return min(max(day, first), last)


# Board reports ----------------------------------------------------------------------------------------


class BoardReportError(ProblemsError):
    """The report cannot be issued: said at the top of the page."""


def board_title(quarter: Quarter) -> str:
    return f"Productivity Programme: outputs against targets, {quarter.label}"


def figures_to(quarter: Quarter, today: date) -> date:
    """The last day the quarter's report counts: the quarter's end, or today while it is under way."""
    return min(quarter.end, today)


def quarter_has_started(quarter: Quarter, today: date) -> bool:
    return quarter.start <= today


def line_reference(scheme: Scheme, quarter: Quarter) -> str:
    """ "PE-2026-Q3": the line's initials, the financial year and the quarter."""
    return f"{reference_prefix(scheme)}-{quarter.year}-Q{quarter.number}"


def outputs_in_words(totals: Totals, standing: Standing, matchmaking: bool) -> str:
    """The line's outputs, financial year to date, as the board reads them: "Working with 11
    councils so far this year (target 25) to deliver savings of £7.3 million, as estimated when
    approved. £2.1 million claimed and £1.4 million verified so far (target £25 million). 11
    applications approved, committing £66,000 of a £180,000 budget; £33,000 paid." """
    target_councils = f" (target {number_words(standing.target_councils)})" if standing.target_councils else ""
    target_savings = f" (target {money_words(standing.target_savings_pence)})" if standing.target_savings_pence else ""
    if totals.councils:
        reach = f"Working with {councils_words(totals.councils)} so far this year{target_councils}"
    else:
        reach = f"No councils reached yet this year{target_councils}"
    claims = f"{money_words(totals.claimed_pence)} claimed and {money_words(totals.verified_pence)} verified so far"
    if totals.councils and totals.estimated_pence:
        sentences = [
            f"{reach} to deliver savings of {money_words(totals.estimated_pence)}, as estimated when approved.",
            f"{claims[0].upper()}{claims[1:]}{target_savings}.",
        ]
    else:
        estimated = f"{money_words(totals.estimated_pence)} estimated, " if totals.estimated_pence else ""
        sentences = [f"{reach}.", f"Savings: {estimated}{claims}{target_savings}."]
    if matchmaking and totals.arrangements.count:
        count = totals.arrangements.count
        sentences.append(
            f"The savings include {money_words(totals.arrangements.estimated_pence)} a year estimated from "
            f"{count} new shared arrangement{'' if count == 1 else 's'}."
        )
    if totals.approved:
        grants = f"{totals.approved} application{'' if totals.approved == 1 else 's'} approved"
        sentences.append(
            f"{grants}, committing {money_words(totals.committed_pence)} of a {money_words(standing.budget_pence)} "
            f"budget; {money_words(totals.paid_pence)} paid."
        )
    else:
        sentences.append(f"No application approved yet, from a {money_words(standing.budget_pence)} budget.")
    return " ".join(sentences)


def board_rows(quarter: Quarter, rule: Rule, today: date) -> list[dict[str, Any]]:
    """One row per programme line (a scheme with a round open in the quarter's financial year):
    its outputs from the start of the year to the quarter's end (or today, while the quarter is
    under way), its status under the rule and its reference. Plain data, to be frozen as issued."""
    year_start, _ = financial_year_bounds(quarter.year)
    last_day = figures_to(quarter, today)
    scope = Scope(year=quarter.year)
    rounds = list_rounds(scope)
    found = figures(scope, Level.SCHEME, [Period(year_start, last_day)])
    expected = expected_by(rounds, Level.SCHEME, last_day, rule)
    schemes: dict[int, Scheme] = {}
    round_names: dict[int, list[str]] = {}
    for funding_round in rounds:
        schemes.setdefault(funding_round.scheme_id, funding_round.scheme)
        round_names.setdefault(funding_round.scheme_id, []).append(funding_round.name)
    rows = []
    for scheme_id, scheme in schemes.items():
        line = found[scheme_id]
        [totals] = line.periods
        progress = progress_of(line.standing, totals, expected.get(scheme_id, Expected()), last_day, rule)
        matchmaking = scheme.kind is SchemeKind.MATCHMAKING
        rows.append(
            {
                "scheme_id": scheme_id,
                "line": scheme.name,
                "rounds": round_names[scheme_id],
                "outputs": outputs_in_words(totals, line.standing, matchmaking),
                "figures": {
                    "councils": totals.councils,
                    "target_councils": line.standing.target_councils,
                    "approved": totals.approved,
                    "estimated_pence": totals.estimated_pence,
                    "claimed_pence": totals.claimed_pence,
                    "verified_pence": totals.verified_pence,
                    "target_savings_pence": line.standing.target_savings_pence,
                    "budget_pence": line.standing.budget_pence,
                    "committed_pence": totals.committed_pence,
                    "paid_pence": totals.paid_pence,
                    "arrangements": totals.arrangements.count,
                },
                "status": progress.status.value,
                "measures": [a.as_record() for a in progress.assessments],
                "reference": line_reference(scheme, quarter),
            }
        )
    return rows


def rule_record(rule: Rule, last_day: date) -> dict[str, Any]:
    """The rule as it stood, frozen with an issued report."""
    return {
        **rule.as_record(),
        "savings_measure": "verified",
        "figures_to": last_day.isoformat(),
        "words": rule.in_words(),
    }


def latest_version(quarter: Quarter) -> int:
    """The latest version issued for the quarter; 0 when none has been."""
    return _whole(
        db.session.scalar(select(func.max(BoardReport.version)).where(BoardReport.quarter_start == quarter.start))
    )


def issue_board_report(quarter: Quarter, *, actor: User, note: str, expected_latest: int, today: date) -> BoardReport:
    """Issue the quarter's report: its rows and the rule are frozen as they are now, as the next
    version for the quarter. The page carries the latest version it knew of; if another has been
    issued since (or is being issued at this moment), nothing is issued and the error says so."""
    if not can(actor, Permission.ISSUE_BOARD_REPORTS):
        raise IllegalMoveError("Only an approver or an administrator can issue a board report")
    if not quarter_has_started(quarter, today):
        raise BoardReportError.about("quarter", "A quarter's report can be issued once the quarter has started")
    text = (note or "").strip()
    if len(text) > 2000:
        raise BoardReportError.about("note", "The note must be 2,000 characters or fewer")
    latest = latest_version(quarter)
    if latest != expected_latest:
        raise BoardReportError.about(
            "version",
            f"Version {latest} of the report for {quarter.label} has been issued since you opened this page. "
            "Nothing more has been issued: check it before you issue another.",
        )
    rule = current_rule()
    last_day = figures_to(quarter, today)
    report = BoardReport(
        quarter_start=quarter.start,
        quarter_end=quarter.end,
        version=latest + 1,
        title=board_title(quarter),
        rows=board_rows(quarter, rule, today),
        rule=rule_record(rule, last_day),
        note=text,
        issued_by_id=actor.id,
        issued_at=utcnow(),
    )
    try:
        with db.session.begin_nested():
            db.session.add(report)
    except IntegrityError:
        raise BoardReportError.about(
            "version",
            f"Someone else issued the report for {quarter.label} at the same moment. Nothing more has been "
            "issued: check theirs before you issue another.",
        ) from None
    record_event(
        "board_report.issued",
        actor=actor,
        subject_type="board_report",
        subject_id=report.id,
        quarter_start=quarter.start.isoformat(),
        version=report.version,
        figures_to=last_day.isoformat(),
    )
    return report


def list_board_reports() -> Select[tuple[BoardReport]]:
    """Every issued report, the latest quarter first and its latest version first."""
    return (
        select(BoardReport)
        .options(joinedload(BoardReport.issued_by))
        .order_by(BoardReport.quarter_start.desc(), BoardReport.version.desc())
    )


def versions_of(quarter: Quarter) -> list[BoardReport]:
    return list(
        db.session.scalars(
            select(BoardReport)
            .options(joinedload(BoardReport.issued_by))
            .where(BoardReport.quarter_start == quarter.start)
            .order_by(BoardReport.version.desc())
        )
    )
