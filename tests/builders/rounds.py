"""Schemes and their rounds: the Productivity Experts fixed grant, Behavioural Insights match
funding, shared services matchmaking, and a scheme's round for a whole financial year."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from grants.extensions import db
from grants.models import FundingRound, Scheme, SchemeCriterion, SchemeKind
from workflows.reporting import financial_year_bounds, financial_year_of, year_label

SERVICE_LEVELS = {"submitted": 5, "in_assessment": 10, "awaiting_decision": 5, "offered": 10}


def open_round(
    scheme: Scheme,
    *,
    name: str = "2026/27",
    opened_days_ago: int = 30,
    closes_in_days: int = 60,
    budget_pence: int,
) -> FundingRound:
    """A round of the scheme, open from `opened_days_ago` days ago until `closes_in_days` days from
    today (a negative number: it has closed). Flushes; the caller commits."""
    today = date.today()
    funding_round = FundingRound(
        scheme=scheme,
        name=name,
        opens_on=today - timedelta(days=opened_days_ago),
        closes_on=today + timedelta(days=closes_in_days),
        budget_pence=budget_pence,
    )
    db.session.add(funding_round)
    db.session.flush()
    return funding_round


def expert_grant_round(*, budget_pence: int = 180_000_00, code: str = "productivity-experts") -> FundingRound:
    """The Productivity Experts scheme (a fixed £6,000) with a round open today."""
    scheme = Scheme(
        code=code,
        name="Productivity Experts",
        summary="A grant of £6,000 for an expert from the pool.",
        kind=SchemeKind.FIXED_GRANT,
        fixed_amount_pence=600_000,
        max_amount_pence=600_000,
        match_ratio_percent=0,
        uses_experts=True,
        allows_partners=False,
        one_per_council_per_round=True,
        eligible_tiers=[],
        assessments_required=2,
        service_levels=SERVICE_LEVELS,
        criteria=[
            SchemeCriterion(code="savings", label="Scale of the savings", weight=3, position=0),
            SchemeCriterion(code="approach", label="Quality of the approach", weight=2, position=1),
        ],
    )
    return open_round(scheme, budget_pence=budget_pence)


def behavioural_insights(*, criterion: tuple[str, str] = ("design", "Trial design"), **changes: Any) -> Scheme:
    """The Behavioural Insights scheme: match funding of up to £30,000, matched pound for pound,
    joint bids, one assessment, with one criterion; `changes` set other columns."""
    code, label = criterion
    values: dict[str, Any] = {
        "code": "behavioural-insights",
        "name": "Behavioural Insights",
        "kind": SchemeKind.MATCH_FUNDING,
        "max_amount_pence": 3_000_000,
        "match_ratio_percent": 100,
        "allows_partners": True,
        "assessments_required": 1,
        "service_levels": {},
        **changes,
    }
    return Scheme(**values, criteria=[SchemeCriterion(code=code, label=label, weight=1, position=0)])


def matchmaking(*, criterion: str = "Fit", **changes: Any) -> Scheme:
    """The shared services matchmaking scheme (funding for an expert or mediation, joint bids, one
    application per council in a round), with one criterion; `changes` set other columns."""
    values: dict[str, Any] = {
        "code": "shared-services",
        "name": "Shared services matchmaking",
        "kind": SchemeKind.MATCHMAKING,
        "max_amount_pence": 2_000_000,
        "match_ratio_percent": 0,
        "uses_experts": True,
        "allows_partners": True,
        "one_per_council_per_round": True,
        "eligible_tiers": [],
        "assessments_required": 1,
        "service_levels": {},
        **changes,
    }
    return Scheme(**values, criteria=[SchemeCriterion(code="fit", label=criterion, weight=1, position=0)])


def shared_services_round(*, open_today: bool = True) -> FundingRound:
    """The shared services matchmaking scheme with a round open today, or one that has closed."""
    return open_round(
        matchmaking(criterion="Fit of the services and geography"),
        opened_days_ago=90,
        closes_in_days=60 if open_today else -1,
        budget_pence=20_000_000,
    )


def this_year() -> int:
    return financial_year_of(date.today())


def programme_round(
    code: str,
    name: str,
    *,
    kind: SchemeKind = SchemeKind.FIXED_GRANT,
    year: int | None = None,
    target_councils: int | None = None,
    target_savings_pence: int | None = None,
    budget_pence: int = 18_000_000,
) -> FundingRound:
    """A scheme with one round for the whole of a financial year (this one unless given), with
    targets; committed."""
    opens, closes = financial_year_bounds(this_year() if year is None else year)
    fixed = kind is SchemeKind.FIXED_GRANT
    scheme = Scheme(
        code=code,
        name=name,
        kind=kind,
        fixed_amount_pence=600_000 if fixed else None,
        max_amount_pence=600_000 if fixed else 3_000_000,
        match_ratio_percent=100 if kind is SchemeKind.MATCH_FUNDING else 0,
        uses_experts=kind is not SchemeKind.MATCHMAKING,
        allows_partners=not fixed,
        one_per_council_per_round=fixed,
        eligible_tiers=[],
        assessments_required=2 if fixed else 1,
        service_levels=SERVICE_LEVELS,
        criteria=[SchemeCriterion(code="fit", label="Fit", weight=1, position=0)],
    )
    funding_round = FundingRound(
        scheme=scheme,
        name=year_label(opens.year),
        opens_on=opens,
        closes_on=closes,
        budget_pence=budget_pence,
        target_councils=target_councils,
        target_savings_pence=target_savings_pence,
    )
    db.session.add(funding_round)
    db.session.commit()
    return funding_round
