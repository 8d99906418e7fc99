"""Applications in the demo world, at each stage of their life, so that staff see work waiting
in every queue and experts can be matched to approved work at once. Each one is taken through
the stages by the workflow's own operations, as the people of each role would, so its timeline,
audit trail, budget and messages are real.

Idempotent: an application is made only for a demo council that has none in that round.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select

from grants.extensions import db
from grants.models import Application, Council, Expert, FundingRound, Role, Scheme, User, utcnow
from workflows import accounts, applications, engagements, outcomes

# How far each demo application gets. "submitted" is left for the eligibility check, which runs
# as a task once the seed is committed, as it would for a council's own submission.
STAGES = ("submitted", "in_assessment", "awaiting_decision", "offered", "expert_matching")
# Where the demo expert (expert01) comes in: offered the work, or delivering it.
EXPERT_STAGES = (None, "offered", "delivering")


@dataclass(frozen=True)
class DemoApplication:
    scheme_code: str
    gss_code: str
    officer: tuple[str, str]  # name and email of the council's officer
    stage: str
    answers: dict[str, tuple[dict[str, Any], dict[str, Any]]]  # section: (answers, typed columns)
    expert_stage: str | None = None


def _contact(name: str, job_title: str, email: str) -> tuple[dict[str, Any], dict[str, Any]]:
    return {"name": name, "job_title": job_title, "email": email, "phone": "0300 123 4567"}, {}


def _declaration(chief_officer: str) -> tuple[dict[str, Any], dict[str, Any]]:
    return {"chief_officer": chief_officer, "job_title": "Chief Executive", "confirmed": True}, {}


def _expert_grant(
    title: str, area: str, problem: str, skills: list[str], savings: tuple[int, int, int], who: tuple[str, str]
) -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
    cashable, income, avoided = savings
    return {
        "project": (
            {"title": title, "service_area": area, "problem": problem, "approach": "An expert reviews and redesigns"},
            {"title": title},
        ),
        "expertise": ({"skills": skills, "detail": "Experience with councils of our size"}, {}),
        "savings": (
            {"cashable": str(cashable), "income": str(income), "avoided": str(avoided), "months": 12},
            {
                "savings_cashable_pence": cashable * 100,
                "savings_income_pence": income * 100,
                "savings_avoided_pence": avoided * 100,
            },
        ),
        "contact": _contact(who[0], "Head of Service", who[1]),
        "declaration": _declaration("The Chief Executive"),
    }


def _trial(
    title: str, theme: str, amount: int, who: tuple[str, str]
) -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
    return {
        "project": (
            {"title": title, "theme": theme, "description": "A randomised trial of a new letter"},
            {"title": title},
        ),
        "outcomes": ({"outcomes": "Fewer missed payments", "measures": "Against a control group"}, {}),
        "funding": (
            {"amount": str(amount), "match": str(amount)},
            {"amount_requested_pence": amount * 100, "match_pence": amount * 100},
        ),
        "partners": ({"partners": []}, {}),
        "contact": _contact(who[0], "Head of Customer Services", who[1]),
        "declaration": _declaration("The Chief Executive"),
    }


def _sharing(areas: list[str], amount: int, who: tuple[str, str]) -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
    return {
        "sharing": ({"what": "services", "areas": areas, "detail": ""}, {"title": "Sharing services"}),
        "geography": ({"reach": "county", "detail": ""}, {}),
        "funding": ({"wanted": "expert", "amount": str(amount)}, {"amount_requested_pence": amount * 100}),
        "contact": _contact(who[0], "Head of Shared Services", who[1]),
        "declaration": _declaration("The Chief Executive"),
    }


def _officer(first: str, council: str) -> tuple[str, str]:
    return f"{first} ({council})", f"officer@{council.lower().replace(' ', '-')}.example.gov.uk"


_YORK = _officer("Amira Hussain", "York")
_OXFORD = _officer("Ben Carter", "Oxford")
_CARDIFF = _officer("Catrin Jones", "Cardiff")
_CORNWALL = _officer("Daniel Trevithick", "Cornwall")
_MANCHESTER = _officer("Esther Okoro", "Manchester")
_BRISTOL = _officer("Finn Walsh", "Bristol")
_BIRMINGHAM = _officer("Grace Patel", "Birmingham")
_NORFOLK = _officer("Harry Long", "Norfolk")
_SHEFFIELD = _officer("Isla Reid", "Sheffield")
_MID_SUFFOLK = _officer("Jack Turner", "Mid Suffolk")
# Ipswich's officer is a demo sign-in (the partner in joint bids), so the council's side of an
# engagement can be tried: confirming the expert's figures.
_IPSWICH = ("Gwen Morris", "council.officer@ipswich.example.gov.uk")

DEMO_APPLICATIONS = [
    DemoApplication(
        "productivity-experts",
        "E06000014",
        _YORK,
        "submitted",
        _expert_grant(
            "Income from garden waste",
            "waste",
            "Garden waste costs more than it earns",
            ["commercialisation"],
            (20_000, 90_000, 0),
            _YORK,
        ),
    ),
    DemoApplication(
        "productivity-experts",
        "E07000178",
        _OXFORD,
        "in_assessment",
        _expert_grant(
            "Procurement savings review",
            "procurement",
            "Contracts renew without challenge",
            ["procurement"],
            (150_000, 0, 20_000),
            _OXFORD,
        ),
    ),
    DemoApplication(
        "productivity-experts",
        "W06000015",
        _CARDIFF,
        "awaiting_decision",
        _expert_grant(
            "Digital council tax",
            "revenues_and_benefits",
            "Most contact is by telephone",
            ["digital"],
            (80_000, 0, 40_000),
            _CARDIFF,
        ),
    ),
    DemoApplication(
        "productivity-experts",
        "E06000052",
        _CORNWALL,
        "offered",
        _expert_grant(
            "Office estate review",
            "property_and_assets",
            "Offices half empty since 2020",
            ["asset_management"],
            (300_000, 50_000, 0),
            _CORNWALL,
        ),
    ),
    DemoApplication(
        "productivity-experts",
        "E08000003",
        _MANCHESTER,
        "expert_matching",
        _expert_grant(
            "Commercial waste growth",
            "waste",
            "Losing trade waste customers",
            ["commercialisation", "waste_and_environment"],
            (0, 250_000, 0),
            _MANCHESTER,
        ),
        expert_stage="offered",
    ),
    DemoApplication(
        "productivity-experts",
        "E07000202",
        _IPSWICH,
        "expert_matching",
        _expert_grant(
            "Shared revenues and benefits service",
            "revenues_and_benefits",
            "Two small teams, one caseload",
            ["shared_services", "finance"],
            (180_000, 0, 30_000),
            _IPSWICH,
        ),
        expert_stage="delivering",
    ),
    DemoApplication(
        "productivity-experts",
        "E06000023",
        _BRISTOL,
        "expert_matching",
        _expert_grant(
            "Home care commissioning",
            "adult_social_care",
            "Home care prices rising fast",
            ["adult_social_care", "procurement"],
            (400_000, 0, 100_000),
            _BRISTOL,
        ),
    ),
    DemoApplication(
        "productivity-experts",
        "E08000025",
        _BIRMINGHAM,
        "expert_matching",
        _expert_grant(
            "Temporary accommodation costs",
            "housing",
            "Spending on bed and breakfast",
            ["housing", "finance"],
            (500_000, 0, 200_000),
            _BIRMINGHAM,
        ),
    ),
    DemoApplication(
        "productivity-experts",
        "E10000020",
        _NORFOLK,
        "expert_matching",
        _expert_grant(
            "Children's placements",
            "childrens_services",
            "Out-of-county placements",
            ["childrens_services"],
            (600_000, 0, 0),
            _NORFOLK,
        ),
    ),
    DemoApplication(
        "behavioural-insights",
        "E08000019",
        _SHEFFIELD,
        "in_assessment",
        _trial("Council tax reminder letters", "revenue_collection", 18_000, _SHEFFIELD),
    ),
    DemoApplication(
        "behavioural-insights",
        "E06000014",
        _YORK,
        "expert_matching",
        _trial("Earlier contact with adult social care", "adult_social_care", 25_000, _YORK),
    ),
    DemoApplication(
        "shared-services",
        "E07000203",
        _MID_SUFFOLK,
        "submitted",
        _sharing(["revenues_and_benefits", "legal"], 15_000, _MID_SUFFOLK),
    ),
    # Mid Suffolk's neighbour in the same county area, sharing revenues and benefits: each is
    # suggested to the other above Maidstone, in another region.
    DemoApplication(
        "shared-services",
        "E07000244",
        _officer("Kate Ellis", "East Suffolk"),
        "submitted",
        _sharing(["revenues_and_benefits", "waste"], 12_000, _officer("Kate Ellis", "East Suffolk")),
    ),
    DemoApplication(
        "shared-services",
        "E07000110",
        _officer("Liam Osei", "Maidstone"),
        "submitted",
        {
            **_sharing(["revenues_and_benefits", "planning"], 10_000, _officer("Liam Osei", "Maidstone")),
            "geography": ({"reach": "anywhere", "detail": ""}, {}),
        },
    ),
]


def _staff(role: Role) -> list[User]:
    return [u for u in applications.active_users_with(role) if u.email.endswith("@lga.example.gov.uk")]


def _officer_of(council: Council, name: str, email: str) -> User:
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None:
        # The demo councils' officers sign in only after a password reset: none is shown.
        user = accounts.create_user(
            email=email, name=name, password=secrets.token_urlsafe(24), roles={Role.COUNCIL_OFFICER}, council=council
        )
    return user


def seed_applications(today: date) -> int:
    """Make the demo applications that are missing; returns how many. Flushes, never commits."""
    programme = _staff(Role.PROGRAMME_OFFICER)
    assessors = _staff(Role.ASSESSOR)
    approvers = _staff(Role.APPROVER)
    if not (programme and len(assessors) >= 2 and approvers):
        return 0
    made = 0
    for spec in DEMO_APPLICATIONS:
        funding_round = db.session.scalar(
            select(FundingRound)
            .join(Scheme)
            .where(Scheme.code == spec.scheme_code, FundingRound.opens_on <= today, FundingRound.closes_on >= today)
            .order_by(FundingRound.opens_on.desc())
            .limit(1)
        )
        council = db.session.scalar(select(Council).where(Council.gss_code == spec.gss_code))
        if funding_round is None or council is None:
            continue
        already = db.session.scalar(
            select(Application.id).where(
                Application.round_id == funding_round.id, Application.lead_council_id == council.id
            )
        )
        if already is not None:
            continue
        officer = _officer_of(council, *spec.officer)
        _take_through(spec, funding_round, council, officer, today, programme[0], assessors, approvers[0])
        made += 1
    return made


def _take_through(
    spec: DemoApplication,
    funding_round: FundingRound,
    council: Council,
    officer: User,
    today: date,
    programme: User,
    assessors: list[User],
    approver: User,
) -> Application:
    application = applications.start_application(funding_round, council=council, actor=officer, today=today)
    for section, (answers, columns) in spec.answers.items():
        if section in dict(applications.sections_for(funding_round.scheme)):
            applications.save_section(
                application, section, answers, actor=officer, expected_version=application.version, columns=columns
            )
    applications.submit(application, actor=officer, expected_version=None, today=today)
    reached = STAGES.index(spec.stage)
    if reached == 0:
        return application
    applications.check_eligibility(application, today)
    applications.confirm_eligibility(application, actor=programme, reason=None, expected_version=None)
    needed = funding_round.scheme.assessments_required
    scorers = assessors[: needed if reached >= 2 else max(needed - 1, 1)]
    if reached == 1 and needed == 1:
        return application  # one score would finish the assessment: leave it unscored
    for number, assessor in enumerate(scorers):
        applications.assess(
            application,
            actor=assessor,
            scores={
                c.code: (4 - number % 2, "The evidence supports this score") for c in funding_round.scheme.criteria
            },
            recommendation="approve",
        )
    if reached < 3:
        return application
    applications.approve(application, actor=approver, expected_version=None)
    if reached < 4:
        return application
    applications.accept_offer(
        application,
        actor=officer,
        signatory_name="The Chief Executive",
        signatory_role="Chief Executive",
        expected_version=None,
    )
    if spec.expert_stage is not None:
        _bring_in_the_demo_expert(application, spec.expert_stage, programme, today)
    return application


def _bring_in_the_demo_expert(application: Application, stage: str, programme: User, today: date) -> None:
    """Offer the work to the demo expert and, for "delivering", have them accept it and log days."""
    from workflows.demo import DEMO_EXPERT_EMAIL

    expert = db.session.scalar(select(Expert).where(Expert.email == DEMO_EXPERT_EMAIL))
    user = db.session.scalar(select(User).where(User.expert_id == expert.id)) if expert else None
    if expert is None or user is None:
        return
    engagement = engagements.offer(application, expert.id, actor=programme, today=today)
    if stage != "delivering":
        return
    engagements.accept(engagement, actor=user, today=today)
    worked_on = utcnow().date()  # the work started now, whatever day the demo's rounds are dated from
    outcomes.log_work(
        engagement,
        actor=user,
        worked_on=worked_on,
        days_tenths=10,
        milestone="Met both teams; agreed the baseline",
        today=worked_on,
    )
