"""Applications in the demo world, at each stage of their life, so that staff see work waiting
in every queue and experts can be matched to approved work at once. Each one is taken through
the stages by the workflow's own operations, as the people of each role would, so its timeline,
audit trail, budget and messages are real.

Idempotent: an application is made only for a demo council that has none in that round.
"""

from __future__ import annotations

import io
import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import select

from grants.extensions import db
from grants.models import Application, Council, Expert, FundingRound, Role, Scheme, User, utcnow
from grants.uploads import check_upload
from workflows import accounts, applications, engagements, outcomes

# How far each demo application gets. "submitted" is left for the eligibility check, which runs
# as a task once the seed is committed, as it would for a council's own submission. "delivered"
# work has had an expert, who completed it and filed the first outcome report (see `Delivery`).
STAGES = ("submitted", "in_assessment", "awaiting_decision", "offered", "expert_matching", "delivered")
# Where the demo expert (expert01) comes in: offered the work, or delivering it.
EXPERT_STAGES = (None, "offered", "delivering")


@dataclass(frozen=True)
class Delivery:
    """Delivered work: the expert (or delivery partner) from the pool who did it, the savings
    claimed in the 3-month outcome report (cashable, income, costs avoided, in pounds), the
    figures a programme officer verified (None: the council has still to confirm the claim), and
    the tranches of the award paid, in pounds."""

    expert_email: str
    claimed: tuple[int, int, int]
    verified: tuple[int, int, int] | None
    paid: tuple[int, ...]
    trial_results: str = ""


@dataclass(frozen=True)
class DemoApplication:
    scheme_code: str
    gss_code: str
    officer: tuple[str, str]  # name and email of the council's officer
    stage: str
    answers: dict[str, tuple[dict[str, Any], dict[str, Any]]]  # section: (answers, typed columns)
    expert_stage: str | None = None
    delivery: Delivery | None = None
    # A joint bid's partner councils: GSS code, the officer (name, email) and the share of the
    # match in pounds. Each officer confirms before the lead council submits.
    partners: tuple[tuple[str, tuple[str, str], int], ...] = ()


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


def _joint_trial(
    title: str, theme: str, amount: int, match: int, partners: list[tuple[str, str, int]], who: tuple[str, str]
) -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
    """A trial bid led by one council with partners (GSS code, name, share of the match in pounds)."""
    answers = _trial(title, theme, amount, who)
    answers["funding"] = (
        {"amount": str(amount), "match": str(match)},
        {"amount_requested_pence": amount * 100, "match_pence": match * 100},
    )
    answers["partners"] = (
        {"partners": [{"gss_code": code, "council": name, "share": f"{share:,}"} for code, name, share in partners]},
        {},
    )
    return answers


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
_LEEDS = _officer("Mark Ellison", "Leeds")
_KENT = _officer("Nadia Brooks", "Kent")
_WILTSHIRE = _officer("Oliver Penn", "Wiltshire")
_LIVERPOOL = _officer("Patricia Doyle", "Liverpool")
_HACKNEY = _officer("Rosa Mendes", "Hackney")
_ISLINGTON = _officer("Sunil Varma", "Islington")

THREE_MONTH_BASELINE = "Spending in the twelve months before the work began, from the council's ledger"
THREE_MONTH_METHOD = "Ledger totals for the three months since, against the same months of the baseline year"

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
    # Work already delivered: each expert completed it and filed the 3-month outcome report; the
    # council confirmed the figures and a programme officer verified them (Liverpool's council has
    # still to confirm). The figures are illustrative.
    DemoApplication(
        "productivity-experts",
        "E08000035",
        _LEEDS,
        "delivered",
        _expert_grant(
            "Fleet and transport review",
            "highways_and_transport",
            "Vehicles under-used across services",
            ["procurement", "finance"],
            (1_200_000, 0, 300_000),
            _LEEDS,
        ),
        delivery=Delivery("expert05@experts.example.org", (450_000, 0, 120_000), (400_000, 0, 120_000), (3_000, 3_000)),
    ),
    DemoApplication(
        "productivity-experts",
        "E10000016",
        _KENT,
        "delivered",
        _expert_grant(
            "Home-to-school transport contracts",
            "procurement",
            "Contract prices rising faster than pupil numbers",
            ["procurement"],
            (2_000_000, 0, 500_000),
            _KENT,
        ),
        delivery=Delivery("expert12@experts.example.org", (900_000, 0, 250_000), (900_000, 0, 250_000), (3_000, 3_000)),
    ),
    DemoApplication(
        "productivity-experts",
        "E06000054",
        _WILTSHIRE,
        "delivered",
        _expert_grant(
            "Commercial property portfolio",
            "property_and_assets",
            "Rents below market on many leases",
            ["asset_management", "commercialisation"],
            (0, 1_500_000, 0),
            _WILTSHIRE,
        ),
        delivery=Delivery("expert19@experts.example.org", (0, 600_000, 0), (0, 550_000, 0), (6_000,)),
    ),
    DemoApplication(
        "productivity-experts",
        "E08000012",
        _LIVERPOOL,
        "delivered",
        _expert_grant(
            "Agency staff in social care",
            "adult_social_care",
            "Agency spending up a third in two years",
            ["adult_social_care", "workforce"],
            (1_800_000, 0, 0),
            _LIVERPOOL,
        ),
        delivery=Delivery("expert27@experts.example.org", (700_000, 0, 0), None, (3_000,)),
    ),
    DemoApplication(
        "behavioural-insights",
        "E09000012",
        _HACKNEY,
        "delivered",
        _joint_trial(
            "Online sexual health testing",
            "public_health",
            30_000,
            20_000,
            [("E09000019", "Islington", 10_000)],
            _HACKNEY,
        ),
        delivery=Delivery(
            "trials@brightside-bi.example.org",
            (0, 0, 150_000),
            (0, 0, 120_000),
            (15_000,),
            trial_results="Residents sent a text with a link to order a kit online tested a quarter more often "
            "than the control group, and fewer needed a clinic appointment.",
        ),
        partners=(("E09000019", _ISLINGTON, 10_000),),
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
    _bring_in_partners(application, spec, officer)
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
    if spec.delivery is not None and reached >= STAGES.index("delivered"):
        _deliver(application, spec.delivery, officer, programme, today)
    return application


def _bring_in_partners(application: Application, spec: DemoApplication, officer: User) -> None:
    """A joint bid: the lead names its partners, and each partner's officer confirms."""
    if not spec.partners:
        return
    shares = {}
    partner_officers = []
    for gss_code, (name, email), share in spec.partners:
        council = db.session.scalar(select(Council).where(Council.gss_code == gss_code))
        if council is None:
            continue
        shares[council] = share * 100
        partner_officers.append(_officer_of(council, name, email))
    applications.set_partners(application, shares, actor=officer, expected_version=application.version)
    for partner_officer in partner_officers:
        applications.respond_as_partner(application, actor=partner_officer, confirm=True)


def _account_for(expert: Expert) -> User:
    """The expert's sign-in, made if they have none (its password is not shown to anyone)."""
    user = engagements.expert_user(expert)
    if user is None:
        user = accounts.create_user(
            email=expert.email,
            name=expert.name,
            password=secrets.token_urlsafe(24),
            roles={Role.EXPERT},
            expert=expert,
        )
    return user


def _evidence_dir() -> Path:
    if has_app_context():
        return Path(current_app.config["EVIDENCE_DIR"])
    raise RuntimeError("the demo files its outcome reports' evidence inside the app")


def _pence(figures: tuple[int, int, int]) -> tuple[int, int, int]:
    cashable, income, avoided = figures
    return cashable * 100, income * 100, avoided * 100


def _deliver(application: Application, delivery: Delivery, officer: User, programme: User, today: date) -> None:
    """The work done and its first outcome: the expert is offered it and accepts, logs days,
    completes it and files the 3-month report with a spreadsheet of evidence; the council confirms
    the figures and a programme officer verifies them; finance pays the award's tranches."""
    expert = db.session.scalar(select(Expert).where(Expert.email == delivery.expert_email))
    if expert is None:
        return
    user = _account_for(expert)
    award = application.award
    assert award is not None
    tranches = iter(delivery.paid)
    first = next(tranches, None)
    if first is not None:
        applications.record_payment(
            award, amount_pence=first * 100, paid_on=today, reference=f"{application.reference}/1", actor=programme
        )
    engagement = engagements.offer(application, expert.id, actor=programme, today=today)
    engagements.accept(engagement, actor=user, today=today)
    worked_on = utcnow().date()  # the work happens now, whatever day the demo's rounds are dated from
    outcomes.log_work(
        engagement,
        actor=user,
        worked_on=worked_on,
        days_tenths=40,
        milestone="Baseline agreed, options appraised and the changes made with the service",
        today=worked_on,
    )
    outcomes.complete(engagement, actor=user, today=worked_on)
    cashable, income, avoided = _pence(delivery.claimed)
    ledger = (
        "Measure,Baseline (£),Last three months (£)\r\n"
        f"Cashable savings,0,{cashable // 100}\r\nIncome generated,0,{income // 100}\r\n"
        f"Costs avoided,0,{avoided // 100}\r\n"
    ).encode()
    evidence = check_upload(io.BytesIO(ledger), "savings ledger.csv", max_bytes=1024 * 1024)
    report = outcomes.file_report(
        engagement,
        actor=user,
        due_month=3,
        claim=outcomes.Claim(
            period_start=worked_on - timedelta(days=90),
            period_end=worked_on,
            cashable_pence=cashable,
            cashable_recurring=True,
            income_pence=income,
            income_recurring=True,
            avoided_pence=avoided,
            avoided_recurring=False,
            baseline=THREE_MONTH_BASELINE,
            method=THREE_MONTH_METHOD,
            trial_results=delivery.trial_results,
        ),
        evidence=[evidence],
        evidence_dir=_evidence_dir(),
        today=worked_on,
    )
    for number, tranche in enumerate(tranches, start=2):
        applications.record_payment(
            award,
            amount_pence=tranche * 100,
            paid_on=today,
            reference=f"{application.reference}/{number}",
            actor=programme,
        )
    if delivery.verified is None:
        return
    outcomes.confirm(report, actor=officer)
    verified = _pence(delivery.verified)
    outcomes.verify(
        report,
        actor=programme,
        cashable_pence=verified[0],
        income_pence=verified[1],
        avoided_pence=verified[2],
        reason="" if verified == (cashable, income, avoided) else "Only the savings the ledger evidences are verified",
    )


def _bring_in_the_demo_expert(application: Application, stage: str, programme: User, today: date) -> None:
    """Offer the work to the demo expert and, for "delivering", have them accept it and log days."""
    from devdata.demo.world import DEMO_EXPERT_EMAIL

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
