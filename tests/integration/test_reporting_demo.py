"""The demo world on the dashboard: its figures are those of the demo's own records, counted
here one record at a time, independently of the SQL that draws the dashboard."""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from flask import Flask

from devdata import demo
from grants.extensions import db
from grants.models import (
    Application,
    ApplicationStatus,
    FundingRound,
    OutcomeReport,
    PartnerStatus,
    Payment,
    ReportStatus,
    Role,
    Scheme,
    SchemeKind,
    SharedArrangement,
)
from tests.support.client import sign_in
from workflows import reporting
from workflows.money import pounds

S = ApplicationStatus


@pytest.fixture
def demo_world(app: Flask, data_app: Flask, session, tmp_path: Path) -> Iterator[dict[str, str]]:  # type: ignore[no-untyped-def]
    """The demo world as `make run` loads it (its evidence files under the test's own folder);
    the demo programme officer's sign-in."""
    before = data_app.config["EVIDENCE_DIR"]
    data_app.config["EVIDENCE_DIR"] = tmp_path
    try:
        result = demo.seed_demo(date.today())
        db.session.commit()
    finally:
        data_app.config["EVIDENCE_DIR"] = before
    [officer] = [c for c in result.credentials if c.role is Role.PROGRAMME_OFFICER]
    yield {"email": officer.email, "password": officer.password}


def count_by_hand(rounds: list[FundingRound]) -> dict[str, object]:
    """The figures of these rounds, counted record by record in Python."""
    ids = {r.id for r in rounds}
    made = [a for a in db.session.scalars(db.select(Application)) if a.round_id in ids]
    approved = [a for a in made if a.award is not None and a.status is not S.WITHDRAWN]
    councils = {a.lead_council_id for a in approved} | {
        p.council_id for a in approved for p in a.partners if p.status is PartnerStatus.CONFIRMED
    }
    reports = [r for r in db.session.scalars(db.select(OutcomeReport)) if r.engagement.application.round_id in ids]
    verified = [r for r in reports if r.status is ReportStatus.VERIFIED]
    shared = [
        arrangement
        for arrangement in db.session.scalars(db.select(SharedArrangement))
        if any(
            r.scheme.kind is SchemeKind.MATCHMAKING and r.opens_on <= arrangement.started_on <= r.closes_on
            for r in rounds
        )
    ]
    return {
        "councils": len(councils),
        "statuses": Counter(a.status for a in made),
        "budget": sum(r.budget_pence for r in rounds),
        "committed": sum(a.award.amount_pence for a in approved if a.award),
        "paid": sum(p.amount_pence for p in db.session.scalars(db.select(Payment)) if p.award.round_id in ids),
        "estimated": sum(
            (a.savings_cashable_pence or 0) + (a.savings_income_pence or 0) + (a.savings_avoided_pence or 0)
            for a in approved
        )
        + sum(x.estimated_annual_savings_pence or 0 for x in shared),
        "claimed": sum(r.claimed_total_pence for r in reports)
        + sum(x.claimed_annual_savings_pence or 0 for x in shared),
        "verified": sum(r.verified_total_pence or 0 for r in verified)
        + sum(x.verified_annual_savings_pence or 0 for x in shared),
        "arrangements": len(shared),
    }


def test_the_dashboard_shows_the_demo_worlds_figures(app: Flask, demo_world: dict[str, str]) -> None:
    browser = app.test_client()
    assert sign_in(browser, demo_world["email"], demo_world["password"]).status_code == 302
    year = reporting.financial_year_of(date.today())
    rounds = list(db.session.scalars(db.select(FundingRound)))
    assert {r.scheme.code for r in rounds} == {"productivity-experts", "behavioural-insights", "shared-services"}
    assert all(reporting.financial_year_of(r.opens_on) == year for r in rounds)
    by_hand = count_by_hand(rounds)

    # The demo has approved work, verified savings, payments and a shared arrangement this year.
    assert by_hand["councils"] == 13 and by_hand["arrangements"] == 1
    assert by_hand["verified"] and by_hand["paid"] and by_hand["claimed"]

    body = browser.get("/reports").get_data(as_text=True)
    figures = reporting.figures(
        reporting.Scope(year=year),
        reporting.Level.PROGRAMME,
        [reporting.Period(*reporting.financial_year_bounds(year))],
    )[reporting.PROGRAMME_KEY]
    [totals] = figures.periods
    assert totals.councils == by_hand["councils"]
    assert totals.committed_pence == by_hand["committed"]
    assert totals.paid_pence == by_hand["paid"]
    assert totals.estimated_pence == by_hand["estimated"]
    assert totals.claimed_pence == by_hand["claimed"]
    assert totals.verified_pence == by_hand["verified"]
    assert figures.standing.budget_pence == by_hand["budget"]
    assert {s: n for s, n in figures.standing.by_status.items() if n} == by_hand["statuses"]

    # And the page shows them.
    assert f"<strong>{by_hand['councils']} councils</strong> reached" in body
    for amount in ("budget", "committed", "paid", "estimated", "claimed", "verified"):
        assert pounds(by_hand[amount]) in body, amount  # type: ignore[arg-type]
    statuses: Counter[ApplicationStatus] = by_hand["statuses"]  # type: ignore[assignment]
    for status, count in statuses.items():
        assert f'<th scope="row" class="govuk-table__header">{status.label}</th>' in body
        assert f'<td class="govuk-table__cell govuk-table__cell--numeric">{count}</td>' in body
    assert f"<strong>{sum(statuses.values())}</strong>" in body
    # The targets are the demo rounds': 25 + 10 + 20 councils; £25 million + £10 million.
    assert "of a target of 55 councils" in body and "of a target of £35 million" in body


def test_the_productivity_experts_line_is_measured_against_the_2017_target(
    app: Flask, demo_world: dict[str, str]
) -> None:
    browser = app.test_client()
    assert sign_in(browser, demo_world["email"], demo_world["password"]).status_code == 302
    scheme = db.session.scalar(db.select(Scheme).where(Scheme.code == "productivity-experts"))
    [funding_round] = scheme.rounds
    assert (funding_round.target_councils, funding_round.target_savings_pence) == (25, 2_500_000_000)
    by_hand = count_by_hand([funding_round])

    page = browser.get(f"/reports/schemes/{scheme.id}").get_data(as_text=True)
    assert f"<strong>{by_hand['councils']} councils</strong> reached, of a target of 25 councils" in page
    assert f"<strong>{reporting.money_words(by_hand['verified'])}</strong> verified, of a target of £25 million" in page  # type: ignore[arg-type]
    today = date.today()
    share = reporting.elapsed_fraction(funding_round.opens_on, funding_round.closes_on, today)
    savings = reporting.Assessment(
        reporting.Measure.SAVINGS, by_hand["verified"], 2_500_000_000, 2_500_000_000 * share, today, reporting.Rule()
    )  # type: ignore[arg-type]
    assert html.escape(savings.in_words()) in page

    quarter = reporting.Quarter.containing(today)
    board = browser.get(f"/reports/board/{quarter.year}/q{quarter.number}").get_data(as_text=True)
    assert f"Working with {by_hand['councils']} councils so far this year (target 25)" in board
