"""Schemes, rounds and applications made through the domain's own operations, for the tests."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from grants.extensions import db
from grants.models import (
    Application,
    Council,
    FundingRound,
    Scheme,
    SchemeCriterion,
    SchemeKind,
    User,
)
from workflows import applications

SERVICE_LEVELS = {"submitted": 5, "in_assessment": 10, "awaiting_decision": 5, "offered": 10}


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
    funding_round = FundingRound(
        scheme=scheme,
        name="2026/27",
        opens_on=date.today() - timedelta(days=30),
        closes_on=date.today() + timedelta(days=60),
        budget_pence=budget_pence,
    )
    db.session.add(funding_round)
    db.session.flush()
    return funding_round


FIXED_GRANT_ANSWERS: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "project": (
        {"title": "Commercial waste review", "service_area": "waste", "problem": "Costs rising", "approach": "Review"},
        {"title": "Commercial waste review"},
    ),
    "expertise": ({"skills": ["commercialisation"], "detail": "Pricing"}, {}),
    "savings": (
        {"cashable": "120000", "income": "80000", "avoided": "0", "months": 12},
        {"savings_cashable_pence": 12_000_000, "savings_income_pence": 8_000_000, "savings_avoided_pence": 0},
    ),
    "contact": (
        {"name": "Priya Shah", "job_title": "Head of Waste", "email": "p@example.gov.uk", "phone": "01473"},
        {},
    ),
    "declaration": ({"chief_officer": "Arthur Charvonia", "job_title": "Chief Executive", "confirmed": True}, {}),
}


def drafted(funding_round: FundingRound, council: Council, officer: User) -> Application:
    """A draft with every section of a fixed-grant form complete."""
    application = applications.start_application(funding_round, council=council, actor=officer, today=date.today())
    for section, (answers, columns) in FIXED_GRANT_ANSWERS.items():
        applications.save_section(
            application, section, answers, actor=officer, expected_version=application.version, columns=columns
        )
    return application


def scored(application: Application, assessor: User, score: int = 4) -> None:
    applications.assess(
        application,
        actor=assessor,
        scores={c.code: (score, "Clear evidence") for c in application.scheme.criteria},
        recommendation="approve",
    )
