"""The demo world: the council register, one person per role, the three schemes of the
Productivity Programme with a current funding round each, a pool of experts and delivery partners,
and applications at each stage (workflows/demo_applications.py).

Idempotent: a second run adds nothing and changes nothing it made before.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select

from grants.extensions import db
from grants.models import (
    Council,
    Expert,
    ExpertKind,
    ExpertRegion,
    ExpertSpecialism,
    FundingRound,
    Region,
    Role,
    Scheme,
    SchemeCriterion,
    SchemeKind,
    SharedArrangement,
    Specialism,
    User,
    VettingStatus,
)
from workflows import accounts, arrangements, demo_applications
from workflows import council_register as register

POUND = 100

DEMO_COUNCIL_GSS = "E07000200"  # Babergh, a district in Suffolk
DEMO_EXPERT_EMAIL = "expert01@experts.example.org"

# Working days allowed in each stage before the work is overdue.
STANDARD_SERVICE_LEVELS = {"submitted": 5, "in_assessment": 10, "awaiting_decision": 5, "offered": 10}

SCHEMES: list[dict[str, Any]] = [
    {
        "code": "productivity-experts",
        "name": "Productivity Experts",
        "summary": (
            "A grant of £6,000 to commission one expert from the LGA's vetted pool for a project that "
            "makes efficiency savings or generates income."
        ),
        "kind": SchemeKind.FIXED_GRANT,
        "fixed_amount_pence": 6_000 * POUND,
        "max_amount_pence": 6_000 * POUND,
        "match_ratio_percent": 0,
        "uses_experts": True,
        "allows_partners": False,
        "one_per_council_per_round": True,
        "eligible_tiers": [],
        "assessments_required": 2,
        "service_levels": STANDARD_SERVICE_LEVELS,
        "criteria": [
            ("savings", "Scale and credibility of the savings or income", 3),
            ("approach", "Quality of the approach and the use of an expert", 2),
            ("commitment", "Senior commitment and capacity to deliver", 1),
        ],
        "round": {
            "budget_pence": 180_000 * POUND,
            "target_councils": 25,
            "target_savings_pence": 25_000_000 * POUND,
        },
    },
    {
        "code": "behavioural-insights",
        "name": "Behavioural Insights match funding",
        "summary": (
            "Up to £30,000, matched at least pound for pound by the council, for a trial that uses "
            "behavioural insights to manage demand. Councils may bid jointly."
        ),
        "kind": SchemeKind.MATCH_FUNDING,
        "fixed_amount_pence": None,
        "max_amount_pence": 30_000 * POUND,
        "match_ratio_percent": 100,
        "uses_experts": True,
        "allows_partners": True,
        "one_per_council_per_round": False,
        "eligible_tiers": [],
        "assessments_required": 2,
        "service_levels": STANDARD_SERVICE_LEVELS,
        "criteria": [
            ("demand", "The demand problem and the evidence for it", 2),
            ("design", "Trial design and how outcomes will be measured", 3),
            ("partnership", "Strength of the partnership and the match", 1),
        ],
        "round": {"budget_pence": 300_000 * POUND, "target_councils": 10, "target_savings_pence": None},
    },
    {
        "code": "shared-services",
        "name": "Shared services matchmaking",
        "summary": (
            "Help to find partner councils to share services or a management team with, and funding for a "
            "shared-service expert or external mediation."
        ),
        "kind": SchemeKind.MATCHMAKING,
        "fixed_amount_pence": None,
        "max_amount_pence": 20_000 * POUND,
        "match_ratio_percent": 0,
        "uses_experts": True,
        "allows_partners": True,
        "one_per_council_per_round": True,
        "eligible_tiers": [],
        "assessments_required": 1,
        "service_levels": STANDARD_SERVICE_LEVELS,
        "criteria": [
            ("fit", "Fit of the services and geography for sharing", 2),
            ("readiness", "Readiness and leadership support", 1),
        ],
        "round": {"budget_pence": 200_000 * POUND, "target_councils": 20, "target_savings_pence": 10_000_000 * POUND},
    },
]

PARTNER_COUNCIL_GSS = "E07000202"  # Ipswich, Babergh's neighbour, for joint bids

# One person per role, a second assessor (each application is scored by two) and an officer of
# a neighbouring council (to be a partner in a joint bid).
DEMO_PEOPLE = [
    (Role.COUNCIL_OFFICER, "Priya Shah", "council.officer@babergh.example.gov.uk"),
    (Role.PROGRAMME_OFFICER, "Tom Okafor", "programme.officer@lga.example.gov.uk"),
    (Role.ASSESSOR, "Hannah Lewis", "assessor@lga.example.gov.uk"),
    (Role.APPROVER, "Margaret Doyle", "approver@lga.example.gov.uk"),
    (Role.EXPERT, "", DEMO_EXPERT_EMAIL),
    (Role.ADMINISTRATOR, "Sam Patel", "administrator@lga.example.gov.uk"),
    (Role.ASSESSOR, "Dev Mistry", "second.assessor@lga.example.gov.uk"),
    (Role.COUNCIL_OFFICER, "Gwen Morris", "council.officer@ipswich.example.gov.uk"),
]

_FIRST = [
    "Alex",
    "Bethan",
    "Chris",
    "Deborah",
    "Emeka",
    "Fiona",
    "Gareth",
    "Helen",
    "Imran",
    "Julia",
    "Kwame",
    "Laura",
    "Mohammed",
    "Nia",
    "Owen",
    "Philippa",
    "Rajesh",
    "Sarah",
    "Tariq",
    "Una",
    "Victoria",
    "William",
]
_LAST = [
    "Ahmed",
    "Barnes",
    "Clarke",
    "Davies",
    "Evans",
    "Fletcher",
    "Griffiths",
    "Hughes",
    "Iqbal",
    "Jones",
    "Khan",
    "Lloyd",
    "Morgan",
    "Nolan",
    "O'Brien",
    "Price",
    "Quinn",
    "Roberts",
    "Singh",
    "Thomas",
    "Walsh",
]
_FIRMS = [
    "independent consultant",
    "Civic Value Partners",
    "Northpoint Advisory",
    "Public Sector Commercial Ltd",
    "Brightside Behavioural Insights",
    "Shared Futures Consulting",
    "Municipal Digital",
    "Assetwise LLP",
]


# Shared arrangements for the shared services map: councils, service area, what is shared, the
# start date and the annual savings in pounds (estimated, claimed, verified; None: not yet). The
# arrangements are modelled on real ones; the figures are illustrative. The demo programme officer
# records them.
ARRANGEMENTS_RECORDED_BY = "programme.officer@lga.example.gov.uk"
# A start date of None is the first day of the current financial year: an arrangement the
# shared-services round counts this year.
DEMO_ARRANGEMENTS: list[tuple[str, list[str], str, str, date | None, int, int | None, int | None]] = [
    (
        "Babergh and Mid Suffolk shared workforce",
        ["E07000200", "E07000203"],
        "hr",
        "both",
        date(2011, 6, 1),
        3_000_000,
        3_400_000,
        3_150_000,
    ),
    (
        "Anglia Revenues Partnership",
        ["E07000143", "E07000009", "E07000010", "E07000244", "E07000245"],
        "revenues_and_benefits",
        "services",
        date(2003, 4, 1),
        1_500_000,
        1_800_000,
        1_750_000,
    ),
    (
        "Broadland and South Norfolk one team",
        ["E07000144", "E07000149"],
        "customer_services",
        "both",
        date(2019, 1, 1),
        1_700_000,
        1_900_000,
        None,
    ),
    (
        "Tri-borough children's services",
        ["E09000033", "E09000020", "E09000013"],
        "childrens_services",
        "both",
        date(2011, 6, 1),
        8_000_000,
        9_200_000,
        8_700_000,
    ),
    (
        "South London Legal Partnership",
        ["E09000024", "E09000027", "E09000021", "E09000029"],
        "legal",
        "services",
        date(2011, 10, 1),
        600_000,
        720_000,
        None,
    ),
    (
        "Worcestershire Regulatory Services",
        ["E10000034", "E07000234", "E07000235", "E07000236", "E07000237", "E07000238", "E07000239"],
        "environmental_health",
        "services",
        date(2010, 6, 1),
        1_000_000,
        1_100_000,
        1_050_000,
    ),
    (
        "Shared Regulatory Services for Bridgend, Cardiff and the Vale of Glamorgan",
        ["W06000013", "W06000015", "W06000014"],
        "environmental_health",
        "services",
        date(2015, 5, 1),
        1_100_000,
        1_200_000,
        None,
    ),
    (
        "Gwynedd and Anglesey joint planning policy unit",
        ["W06000002", "W06000001"],
        "planning",
        "services",
        date(2011, 4, 1),
        150_000,
        180_000,
        175_000,
    ),
    (
        "York and North Yorkshire shared internal audit",
        ["E06000014", "E10000023"],
        "audit",
        "services",
        date(2009, 4, 1),
        250_000,
        300_000,
        None,
    ),
    (
        "South Hams and West Devon shared workforce",
        ["E07000044", "E07000047"],
        "customer_services",
        "both",
        date(2007, 4, 1),
        2_000_000,
        2_400_000,
        2_300_000,
    ),
    (
        "STAR shared procurement",
        ["E08000007", "E08000009", "E08000005", "E08000008"],
        "procurement",
        "services",
        date(2014, 4, 1),
        1_800_000,
        2_100_000,
        None,
    ),
    (
        "Adur and Worthing shared management team",
        ["E07000223", "E07000229"],
        "ict",
        "management",
        date(2008, 4, 1),
        1_500_000,
        None,
        None,
    ),
    (
        "Rushmoor and Hart building control partnership",
        ["E07000092", "E07000089"],
        "building_control",
        "services",
        None,
        450_000,
        520_000,
        480_000,
    ),
]


_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


@dataclass(frozen=True)
class DemoCredential:
    role: Role
    email: str
    password: str


@dataclass(frozen=True)
class DemoResult:
    councils: register.ImportResult
    schemes_created: int
    rounds_created: int
    experts_created: int
    credentials: list[DemoCredential]
    applications_created: int = 0


def financial_year(today: date) -> tuple[date, date]:
    start_year = today.year if today.month >= 4 else today.year - 1
    return date(start_year, 4, 1), date(start_year + 1, 3, 31)


def _seed_schemes(today: date) -> tuple[int, int]:
    schemes_created = rounds_created = 0
    opens, closes = financial_year(today)
    for spec in SCHEMES:
        scheme = db.session.scalar(select(Scheme).where(Scheme.code == spec["code"]))
        if scheme is None:
            fields = {k: v for k, v in spec.items() if k not in ("round", "criteria")}
            scheme = Scheme(**fields)
            db.session.add(scheme)
            schemes_created += 1
        if not scheme.criteria:
            scheme.criteria = [
                SchemeCriterion(code=code, label=label, weight=weight, position=position)
                for position, (code, label, weight) in enumerate(spec["criteria"])
            ]
        db.session.flush()
        round_name = f"{opens.year}/{str(closes.year)[2:]}"
        existing = db.session.scalar(
            select(FundingRound).where(FundingRound.scheme_id == scheme.id, FundingRound.name == round_name)
        )
        if existing is None:
            db.session.add(
                FundingRound(scheme_id=scheme.id, name=round_name, opens_on=opens, closes_on=closes, **spec["round"])
            )
            rounds_created += 1
    return schemes_created, rounds_created


def _seed_experts(count: int = 40) -> int:
    rng = random.Random(20111)  # noqa: S311 - repeatable demo data, not a secret
    specialisms = list(Specialism)
    regions = list(Region)
    created = 0
    for number in range(1, count + 1):
        email = f"expert{number:02d}@experts.example.org"
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        chosen_specialisms = rng.sample(specialisms, rng.randint(1, 3))
        chosen_regions = rng.sample(regions, rng.randint(1, 3))
        day_rate = rng.randrange(450, 1_050, 25) * POUND
        capacity = rng.choice([1, 1, 2, 2, 3])
        if email == DEMO_EXPERT_EMAIL:
            capacity = 3  # the demo expert is offered work and delivers some at once
        status = VettingStatus.VETTED if number <= 36 else rng.choice([VettingStatus.APPLIED, VettingStatus.SUSPENDED])
        firm = rng.choice(_FIRMS)
        if db.session.scalar(select(Expert.id).where(Expert.email == email)) is not None:
            continue
        db.session.add(
            Expert(
                name=f"{first} {last}",
                email=email,
                organisation=firm,
                biography=(
                    f"{first} has led {', '.join(s.label.lower() for s in chosen_specialisms)} work with councils "
                    f"in {', '.join(r.label for r in chosen_regions)}."
                ),
                day_rate_pence=day_rate,
                capacity=capacity,
                vetting_status=status,
                specialism_links=[ExpertSpecialism(specialism=s) for s in chosen_specialisms],
                region_links=[ExpertRegion(region=r) for r in chosen_regions],
            )
        )
        created += 1
    db.session.flush()
    return created


# Organisations that deliver behavioural-insights trials for councils.
DELIVERY_PARTNERS = [
    ("Brightside Behavioural Insights", "trials@brightside-bi.example.org", [Region.LONDON, Region.SOUTH_EAST]),
    ("Nudge Lab for Councils", "hello@nudgelab.example.org", [Region.NORTH_WEST, Region.YORKSHIRE_AND_THE_HUMBER]),
    ("Civic Trials Unit", "team@civictrials.example.org", [Region.EAST_OF_ENGLAND, Region.EAST_MIDLANDS, Region.WALES]),
]


def _seed_delivery_partners() -> int:
    created = 0
    for name, email, regions in DELIVERY_PARTNERS:
        if db.session.scalar(select(Expert.id).where(Expert.email == email)) is not None:
            continue
        db.session.add(
            Expert(
                name=name,
                email=email,
                organisation=name,
                kind=ExpertKind.DELIVERY_PARTNER,
                biography=f"{name} designs and runs randomised trials of behavioural interventions with councils.",
                day_rate_pence=900 * POUND,
                capacity=3,
                vetting_status=VettingStatus.VETTED,
                specialism_links=[
                    ExpertSpecialism(specialism=Specialism.BEHAVIOURAL_INSIGHTS),
                    ExpertSpecialism(specialism=Specialism.DIGITAL),
                ],
                region_links=[ExpertRegion(region=r) for r in regions],
            )
        )
        created += 1
    db.session.flush()
    return created


def _seed_people() -> list[DemoCredential]:
    credentials = []
    council = db.session.scalar(select(Council).where(Council.gss_code == DEMO_COUNCIL_GSS))
    partner = db.session.scalar(select(Council).where(Council.gss_code == PARTNER_COUNCIL_GSS))
    expert = db.session.scalar(select(Expert).where(Expert.email == DEMO_EXPERT_EMAIL))
    for role, name, email in DEMO_PEOPLE:
        if db.session.scalar(select(User.id).where(User.email == email)) is not None:
            continue
        password = "-".join("".join(secrets.choice(_ALPHABET) for _ in range(6)) for _ in range(4))
        accounts.create_user(
            email=email,
            name=name or (expert.name if expert else "Demo expert"),
            password=password,
            roles={role},
            council=(partner if "ipswich" in email else council) if role is Role.COUNCIL_OFFICER else None,
            expert=expert if role is Role.EXPERT else None,
        )
        credentials.append(DemoCredential(role, email, password))
    return credentials


def _seed_arrangements(today: date) -> int:
    """The demo's shared arrangements, recorded by the demo programme officer through the same
    operation as staff use; one already on the map (by name) is left as it is."""
    officer = db.session.scalar(select(User).where(User.email == ARRANGEMENTS_RECORDED_BY))
    if officer is None:
        return 0
    existing = set(db.session.scalars(select(SharedArrangement.name)))
    created = 0
    for name, codes, area, sharing, started_on, estimated, claimed, verified in DEMO_ARRANGEMENTS:
        if name in existing:
            continue
        details = arrangements.ArrangementDetails(
            name=name,
            service_area=area,
            sharing_type=sharing,
            started_on=started_on or financial_year(today)[0],
            estimated_annual_savings_pence=estimated * POUND,
            claimed_annual_savings_pence=claimed * POUND if claimed is not None else None,
            verified_annual_savings_pence=verified * POUND if verified is not None else None,
        )
        arrangements.record_arrangement(details, codes, actor=officer, today=today, source="demo")
        created += 1
    return created


def seed_demo(today: date) -> DemoResult:
    """Create whatever of the demo world is missing. Flushes, never commits."""
    councils = register.import_councils(register.register_entries(register.ons_records()))
    schemes_created, rounds_created = _seed_schemes(today)
    experts_created = _seed_experts() + _seed_delivery_partners()
    credentials = _seed_people()
    applications_created = demo_applications.seed_applications(today)
    _seed_arrangements(today)
    return DemoResult(councils, schemes_created, rounds_created, experts_created, credentials, applications_created)
