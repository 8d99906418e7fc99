"""What the reporting pages show, built from the figures in `workflows.reporting`: a page's
totals with each measure against its target, a table of its lines or rounds, and its charts."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from grants.charts import Bar, Chart, Heading, Marker, bar_chart
from grants.models import ApplicationStatus, FundingRound, SchemeKind
from workflows import reporting
from workflows.money import pounds
from workflows.reporting import (
    Expected,
    Figures,
    Level,
    Period,
    Progress,
    Quarter,
    Rule,
    Scope,
    Standing,
    Totals,
    councils_words,
    day_words,
    money_words,
    number_words,
)


@dataclass(frozen=True)
class Line:
    """One row of a table of lines or rounds: its figures and its progress against its targets."""

    key: int
    name: str
    href: str
    dates: str
    standing: Standing
    totals: Totals
    progress: Progress


@dataclass(frozen=True)
class Summary:
    """A page's figures: where things stand, what happened in the period, progress against the
    targets as at `as_of`, and the charts."""

    standing: Standing
    totals: Totals
    progress: Progress
    as_of: date
    shared_services: bool
    charts: dict[str, Chart]
    statuses: list[tuple[str, int]]


def _markers(
    target: int | None, expected: Fraction | None, as_of: date, rule: Rule, amount: Callable[[Fraction], str]
) -> list[Marker]:
    """A line at the target and, pro rata, one at what it expects by now, each labelled."""
    markers = []
    if target is not None and expected is not None and rule.pro_rata and expected != target:
        markers.append(Marker(f"Expected by {day_words(as_of)}: {amount(expected)}", expected))
    if target is not None:
        markers.append(Marker(f"Target: {amount(Fraction(target))}", target))
    return markers


def status_rows(standing: Standing) -> list[tuple[str, int]]:
    """Each status that has applications, in the order of an application's life."""
    return [
        (status.label, standing.by_status.get(status, 0))
        for status in ApplicationStatus
        if standing.by_status.get(status)
    ]


def summary_charts(prefix: str, standing: Standing, totals: Totals, progress: Progress, rule: Rule) -> dict[str, Chart]:
    as_of = progress.councils.as_of
    councils = bar_chart(
        f"{prefix}-councils",
        "Councils reached against the target",
        "A bar chart of the councils reached, with the target"
        + (" and what is expected by now" if rule.pro_rata else ""),
        [Bar("Councils reached", totals.councils, councils_words(totals.councils), "blue")],
        _markers(standing.target_councils, progress.councils.expected, as_of, rule, councils_words),
    )
    savings = bar_chart(
        f"{prefix}-savings",
        "Savings estimated, claimed and verified against the target",
        "A bar chart of the savings estimated when applications were approved, claimed in outcome reports and "
        "verified by programme officers; the status counts verified savings",
        [
            Bar("Estimated", totals.estimated_pence, pounds(totals.estimated_pence), "blue"),
            Bar("Claimed", totals.claimed_pence, pounds(totals.claimed_pence), "purple"),
            Bar("Verified", totals.verified_pence, pounds(totals.verified_pence), "green"),
        ],
        _markers(standing.target_savings_pence, progress.savings.expected, as_of, rule, money_words),
    )
    money = bar_chart(
        f"{prefix}-money",
        "Money budgeted, committed and paid",
        "A bar chart of the rounds' budgets, the money committed to approved awards and the money paid",
        [
            Bar("Budget", standing.budget_pence, pounds(standing.budget_pence), "grey"),
            Bar("Committed", totals.committed_pence, pounds(totals.committed_pence), "blue"),
            Bar("Paid", totals.paid_pence, pounds(totals.paid_pence), "green"),
        ],
    )
    rows = status_rows(standing)
    statuses = bar_chart(
        f"{prefix}-statuses",
        "Applications by status",
        f"A bar chart of the {standing.applications} applications by where each stands now"
        if rows
        else "There are no applications yet",
        [Bar(label, count, str(count), "blue") for label, count in rows],
    )
    return {"councils": councils, "savings": savings, "money": money, "statuses": statuses}


def _dates(rounds: Sequence[FundingRound]) -> str:
    if not rounds:
        return ""
    first = min(r.opens_on for r in rounds)
    last = max(r.closes_on for r in rounds)
    return f"{day_words(first)} to {day_words(last)}"


@dataclass(frozen=True)
class Page:
    summary: Summary
    lines: list[Line]
    rounds: list[FundingRound]


def build_page(
    scope: Scope,
    *,
    level: Level,
    key: int,
    breakdown: Level | None,
    period: Period,
    as_of: date,
    rule: Rule,
    href_for: Callable[[FundingRound], str],
) -> Page:
    """The page's own figures (at `level`, under `key`) and, with `breakdown`, a line for each of
    its schemes or rounds. A fixed number of statements, whatever the data."""
    rounds = reporting.list_rounds(scope)
    parts: dict[int, Figures] = {}
    # A page whose scope is its own line alone (the programme's, one scheme's) sums its lines'
    # figures instead of counting its rows a second time.
    if breakdown is not None and (level is Level.PROGRAMME or (level is Level.SCHEME and scope.scheme_id == key)):
        own, parts = reporting.figures_with_lines(scope, breakdown, [period])
    else:
        own = reporting.figures(scope, level, [period]).get(key) or Figures(Standing(), [Totals()])
        if breakdown is not None:
            parts = reporting.figures(scope, breakdown, [period])
    expected = reporting.expected_by(rounds, level, as_of, rule).get(key, Expected())
    [totals] = own.periods
    progress = reporting.progress_of(own.standing, totals, expected, as_of, rule)
    summary = Summary(
        standing=own.standing,
        totals=totals,
        progress=progress,
        as_of=as_of,
        shared_services=any(r.scheme.kind is SchemeKind.MATCHMAKING for r in rounds),
        charts=summary_charts(level.value, own.standing, totals, progress, rule),
        statuses=status_rows(own.standing),
    )
    lines: list[Line] = []
    if breakdown is not None:
        expected_parts = reporting.expected_by(rounds, breakdown, as_of, rule)
        seen: dict[int, list[FundingRound]] = {}
        for funding_round in rounds:
            seen.setdefault(reporting.key_of(funding_round, breakdown), []).append(funding_round)
        for part_key, its_rounds in seen.items():
            part = parts.get(part_key) or Figures(Standing(), [Totals()])
            [part_totals] = part.periods
            first = its_rounds[0]
            name = first.scheme.name if breakdown is Level.SCHEME else f"{first.scheme.name} {first.name}"
            lines.append(
                Line(
                    key=part_key,
                    name=name,
                    href=href_for(first),
                    dates=_dates(its_rounds),
                    standing=part.standing,
                    totals=part_totals,
                    progress=reporting.progress_of(
                        part.standing, part_totals, expected_parts.get(part_key, Expected()), as_of, rule
                    ),
                )
            )
    return Page(summary=summary, lines=lines, rounds=rounds)


# Quarter by quarter --------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuarterRow:
    quarter: Quarter
    started: bool
    as_of: date
    in_quarter: Totals
    to_date: Totals
    progress: Progress | None


@dataclass(frozen=True)
class QuarterView:
    rows: list[QuarterRow]
    standing: Standing
    charts: dict[str, Chart]


def quarter_view(year: int, scheme_id: int | None, today: date, rule: Rule) -> QuarterView:
    """The financial year quarter by quarter: what happened in each quarter, the year to its end,
    and the status at its end (today, for the quarter under way). One statement per kind of
    figure, whatever the number of quarters or records."""
    scope = Scope(year=year, scheme_id=scheme_id)
    year_start, _ = reporting.financial_year_bounds(year)
    quarters = reporting.quarters_of_year(year)
    started = [q for q in quarters if q.start <= today]
    periods = [Period(q.start, q.end) for q in started] + [Period(year_start, q.end) for q in started]
    rounds = reporting.list_rounds(scope)
    found = reporting.figures(scope, Level.PROGRAMME, periods)[reporting.PROGRAMME_KEY]
    rows = []
    for index, quarter in enumerate(quarters):
        if quarter not in started:
            rows.append(QuarterRow(quarter, False, quarter.end, Totals(), Totals(), None))
            continue
        as_of = min(quarter.end, today)
        to_date = found.periods[len(started) + index]
        expected = reporting.expected_by(rounds, Level.PROGRAMME, as_of, rule).get(reporting.PROGRAMME_KEY, Expected())
        rows.append(
            QuarterRow(
                quarter=quarter,
                started=True,
                as_of=as_of,
                in_quarter=found.periods[index],
                to_date=to_date,
                progress=reporting.progress_of(found.standing, to_date, expected, as_of, rule),
            )
        )
    return QuarterView(rows=rows, standing=found.standing, charts=_quarter_charts(rows, found.standing, rule))


def _quarter_charts(rows: list[QuarterRow], standing: Standing, rule: Rule) -> dict[str, Chart]:
    shown = [row for row in rows if row.started and row.progress is not None]
    savings_rows: list[Bar | Heading] = []
    councils_rows: list[Bar | Heading] = []
    for row in shown:
        assert row.progress is not None
        heading = f"{row.quarter.short_label}, to {day_words(row.as_of)}"
        savings_rows += [
            Heading(heading),
            Bar("Claimed so far", row.to_date.claimed_pence, pounds(row.to_date.claimed_pence), "purple"),
            Bar("Verified so far", row.to_date.verified_pence, pounds(row.to_date.verified_pence), "green"),
        ]
        councils_rows += [
            Heading(heading),
            Bar("Councils reached", row.to_date.councils, councils_words(row.to_date.councils), "blue"),
        ]
        savings_expected = row.progress.savings.expected
        if savings_expected is not None:
            savings_rows.append(Bar("Expected by then", savings_expected, money_words(savings_expected), "grey"))
        councils_expected = row.progress.councils.expected
        if councils_expected is not None:
            councils_rows.append(
                Bar("Expected by then", councils_expected, f"{number_words(councils_expected)} councils", "grey")
            )
    target = standing.target_savings_pence
    target_councils = standing.target_councils
    return {
        "savings": bar_chart(
            "quarters-savings",
            "Savings claimed and verified by the end of each quarter",
            "A bar chart of the savings claimed and verified from the start of the year to the end of each quarter"
            + (", with what the target expects by then" if target else ""),
            savings_rows,
            [Marker(f"Target for the year: {money_words(target)}", target)] if target else [],
        ),
        "councils": bar_chart(
            "quarters-councils",
            "Councils reached by the end of each quarter",
            "A bar chart of the councils reached from the start of the year to the end of each quarter"
            + (", with what the target expects by then" if target_councils else ""),
            councils_rows,
            [Marker(f"Target for the year: {councils_words(target_councils)}", target_councils)]
            if target_councils
            else [],
        ),
    }
