"""Rounds and their targets: what is expected by a day, and each line's progress against it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from sqlalchemy import (
    func,
    select,
)
from sqlalchemy.orm import joinedload

from grants.extensions import db
from grants.models import (
    FundingRound,
    Scheme,
)
from workflows.reporting.figures import PROGRAMME_KEY, Level, Scope, Standing, Totals
from workflows.reporting.periods import elapsed_fraction, financial_year_of
from workflows.reporting.rule import Assessment, Measure, RagStatus, Rule, worst

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
