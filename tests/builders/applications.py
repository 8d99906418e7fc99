"""Applications at each stage of their life, taken there by the workflow's own steps: drafted,
submitted, assessed, approved (an offer waiting for the council's answer), accepted (waiting for
an expert); joint trials with a confirmed partner; Babergh's behavioural-insights trial."""

from __future__ import annotations

from datetime import date
from typing import Any

from grants.extensions import db
from grants.models import Application, ApplicationStatus, Council, FundingRound, Role, User
from tests.builders.people import account, officer_of
from tests.builders.rounds import behavioural_insights, open_round
from workflows import applications

# Sections and their answers: what the form takes, and the columns it sets.
Answers = dict[str, tuple[dict[str, Any], dict[str, Any]]]

FIXED_GRANT_ANSWERS: Answers = {
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


def answered(application: Application, officer: User, sections: Answers) -> Application:
    """The officer saves each section's answers, in order."""
    for section, (answers, columns) in sections.items():
        applications.save_section(
            application, section, answers, actor=officer, expected_version=application.version, columns=columns
        )
    return application


def drafted(funding_round: FundingRound, council: Council, officer: User) -> Application:
    """A draft with every section of a fixed-grant form complete."""
    application = applications.start_application(funding_round, council=council, actor=officer, today=date.today())
    return answered(application, officer, FIXED_GRANT_ANSWERS)


def scored(application: Application, assessor: User, score: int = 4) -> None:
    applications.assess(
        application,
        actor=assessor,
        scores={c.code: (score, "Clear evidence") for c in application.scheme.criteria},
        recommendation="approve",
    )


def submitted(funding_round: FundingRound, council: Council, officer: User) -> Application:
    """A complete application, submitted and checked for eligibility; committed."""
    application = drafted(funding_round, council, officer)
    applications.submit(application, actor=officer, expected_version=application.version, today=date.today())
    db.session.commit()  # the eligibility check runs once the submission is committed
    db.session.refresh(application)
    if application.eligibility_passed is None:
        applications.check_eligibility(application, date.today())
        db.session.commit()
    return application


def decided(application: Application, people: dict[str, User], *, assessors: int = 2) -> Application:
    """The officer's application submitted, checked, confirmed eligible by the programme officer,
    scored by `assessors` assessors and approved: an offer waiting for the council's answer."""
    today = date.today()
    applications.submit(application, actor=application.created_by, expected_version=None, today=today)
    applications.check_eligibility(application, today)
    applications.confirm_eligibility(application, actor=people["programme"], reason=None, expected_version=None)
    for key in ("assessor", "assessor2")[:assessors]:
        scored(application, people[key])
    applications.approve(application, actor=people["approver"], expected_version=None)
    return application


def accepted(application: Application, *, signatory: str = "A Signatory") -> Application:
    """The council's signatory accepts the offer; committed."""
    applications.accept_offer(
        application,
        actor=application.created_by,
        signatory_name=signatory,
        signatory_role="Chief Executive",
        expected_version=None,
    )
    db.session.commit()
    return application


def awaiting_acceptance(
    people: dict[str, User],
    councils: dict[str, Council],
    funding_round: FundingRound,
    council: str = "babergh",
    *,
    officer: User | None = None,
) -> Application:
    """An application taken by the workflow's own steps to an approved offer: waiting for the
    council's answer. Drafted by `officer`, else by Babergh's officer in `people` or, for another
    council, by an officer made for it. Flushes; the caller commits."""
    if officer is None and council == "babergh":
        officer = people["officer"]
    elif officer is None:
        officer = account(
            f"officer@{council}.example.gov.uk",
            f"Officer of {council}",
            {Role.COUNCIL_OFFICER},
            council=councils[council],
        )
    return decided(drafted(funding_round, councils[council], officer), people)


def awaiting_expert(
    people: dict[str, User],
    councils: dict[str, Council],
    funding_round: FundingRound,
    council: str = "babergh",
    *,
    officer: User | None = None,
) -> Application:
    """An application taken by the workflow's own steps to an accepted offer: waiting for an expert.
    Its officer is chosen as `awaiting_acceptance` chooses."""
    application = accepted(awaiting_acceptance(people, councils, funding_round, council, officer=officer))
    assert application.status is ApplicationStatus.EXPERT_MATCHING
    return application


def approved(people, councils, funding_round: FundingRound, council: str = "babergh") -> Application:  # type: ignore[no-untyped-def]
    """A fixed-grant application approved and accepted on the day it is (estimated savings:
    £120,000 cashable and £80,000 income), waiting for an expert; drafted by Babergh's officer in
    `people`, or by another council's first officer."""
    officer = people["officer"] if council == "babergh" else officer_of(councils[council])
    return awaiting_expert(people, councils, funding_round, council, officer=officer)


TRIAL_ANSWERS: Answers = {
    "project": ({"title": "Council tax letters", "theme": "revenue_collection", "description": "A letter"}, {}),
    "outcomes": ({"outcomes": "Fewer missed payments", "measures": "A control group"}, {}),
    "funding": (
        {"amount": "20000", "match": "20000"},
        {"amount_requested_pence": 2_000_000, "match_pence": 2_000_000},
    ),
    "partners": ({"partners": []}, {}),
    "contact": ({"name": "Priya Shah", "email": "p@example.gov.uk"}, {}),
    "declaration": ({"chief_officer": "Arthur Charvonia", "confirmed": True}, {}),
}


def awaiting_trial(people: dict[str, User], councils) -> Application:  # type: ignore[no-untyped-def]
    """Babergh's behavioural-insights trial (match funding, bidding alone), approved and
    accepted: waiting for a delivery partner."""
    funding_round = open_round(
        behavioural_insights(uses_experts=True),
        name="Phase 2",
        opened_days_ago=10,
        closes_in_days=10,
        budget_pence=30_000_000,
    )
    officer = people["officer"]
    application = applications.start_application(
        funding_round, council=councils["babergh"], actor=officer, today=date.today()
    )
    application = accepted(decided(answered(application, officer, TRIAL_ANSWERS), people, assessors=1))
    assert application.status is ApplicationStatus.EXPERT_MATCHING
    return application


def joint_trial(people, councils, funding_round: FundingRound, lead: str, partner: str) -> Application:  # type: ignore[no-untyped-def]
    """A £20,000 match-funded trial led by one council with another as a confirmed partner,
    approved and accepted."""
    officer = officer_of(councils[lead])
    partner_officer = officer_of(councils[partner])
    application = applications.start_application(
        funding_round, council=councils[lead], actor=officer, today=date.today()
    )
    sections: Answers = {
        "project": ({"title": "Reminder letters", "theme": "revenue_collection", "description": "A letter"}, {}),
        "outcomes": ({"outcomes": "Fewer missed payments", "measures": "A control group"}, {}),
        "funding": (
            {"amount": "20000", "match": "10000"},
            {"amount_requested_pence": 2_000_000, "match_pence": 1_000_000},
        ),
        "partners": ({"partners": [{"gss_code": councils[partner].gss_code, "share": "10,000"}]}, {}),
        "contact": ({"name": "A Person", "email": "a@example.gov.uk"}, {}),
        "declaration": ({"chief_officer": "A Chief", "confirmed": True}, {}),
    }
    answered(application, officer, sections)
    applications.set_partners(
        application, {councils[partner]: 1_000_000}, actor=officer, expected_version=application.version
    )
    applications.respond_as_partner(application, actor=partner_officer, confirm=True)
    return accepted(decided(application, people, assessors=1))
