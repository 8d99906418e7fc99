"""The demo's applications as data: for each, the scheme, the council and its officer, the answers
to each section, and how far it gets (devdata/demo/stages.py takes it there), so that staff see
work waiting in every queue and experts can be matched to approved work at once.
"""

from __future__ import annotations

from dataclasses import dataclass

from devdata import answers as forms
from devdata.common import POUND

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
    answers: forms.Answers
    expert_stage: str | None = None
    delivery: Delivery | None = None
    # A joint bid's partner councils: GSS code, the officer (name, email) and the share of the
    # match in pounds. Each officer confirms before the lead council submits.
    partners: tuple[tuple[str, tuple[str, str], int], ...] = ()


def _expert_grant(
    gss_code: str,
    officer: tuple[str, str],
    stage: str,
    project: tuple[str, str, str],
    skills: list[str],
    savings: tuple[int, int, int],
    *,
    expert_stage: str | None = None,
    delivery: Delivery | None = None,
) -> DemoApplication:
    """An application for a Productivity Experts grant: the project (title, service area, problem),
    the skills wanted, and the yearly savings expected in pounds (cashable, income, costs avoided)."""
    title, area, problem = project
    answers = forms.expert_grant(
        title=title,
        area=area,
        problem=problem,
        skills=skills,
        savings=(savings[0] * POUND, savings[1] * POUND, savings[2] * POUND),
        contact=forms.contact(officer[0], "Head of Service", officer[1]),
        declaration=forms.declaration("The Chief Executive"),
    )
    return DemoApplication(
        "productivity-experts", gss_code, officer, stage, answers, expert_stage=expert_stage, delivery=delivery
    )


def _trial(
    gss_code: str,
    officer: tuple[str, str],
    stage: str,
    project: tuple[str, str],
    amount: int,
    *,
    match: int | None = None,
    partners: tuple[tuple[str, str, tuple[str, str], int], ...] = (),
    delivery: Delivery | None = None,
) -> DemoApplication:
    """A bid for Behavioural Insights match funding: the trial (title, theme), the amount in pounds
    and the lead council's match (the amount, unless given), and a joint bid's partners (GSS code,
    council, its officer, and its share of the match in pounds)."""
    title, theme = project
    answers = forms.trial(
        title=title,
        theme=theme,
        description="A randomised trial of a new letter",
        outcomes="Fewer missed payments",
        amount=amount * POUND,
        match=(amount if match is None else match) * POUND,
        contact=forms.contact(officer[0], "Head of Customer Services", officer[1]),
        declaration=forms.declaration("The Chief Executive"),
        partners=[(code, council, share * POUND) for code, council, _, share in partners],
    )
    return DemoApplication(
        "behavioural-insights",
        gss_code,
        officer,
        stage,
        answers,
        delivery=delivery,
        partners=tuple((code, who, share) for code, _, who, share in partners),
    )


def _sharing(
    gss_code: str, officer: tuple[str, str], stage: str, areas: list[str], amount: int, *, reach: str = "county"
) -> DemoApplication:
    """A request for shared services matchmaking: the service areas to share, how far afield, and
    the funding asked for an expert, in pounds."""
    answers = forms.sharing(
        what="services",
        areas=areas,
        title="Sharing services",
        reach=reach,
        wanted="expert",
        amount=amount * POUND,
        contact=forms.contact(officer[0], "Head of Shared Services", officer[1]),
        declaration=forms.declaration("The Chief Executive"),
    )
    return DemoApplication("shared-services", gss_code, officer, stage, answers)


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
    _expert_grant(
        "E06000014",
        _YORK,
        "submitted",
        ("Income from garden waste", "waste", "Garden waste costs more than it earns"),
        ["commercialisation"],
        (20_000, 90_000, 0),
    ),
    _expert_grant(
        "E07000178",
        _OXFORD,
        "in_assessment",
        ("Procurement savings review", "procurement", "Contracts renew without challenge"),
        ["procurement"],
        (150_000, 0, 20_000),
    ),
    _expert_grant(
        "W06000015",
        _CARDIFF,
        "awaiting_decision",
        ("Digital council tax", "revenues_and_benefits", "Most contact is by telephone"),
        ["digital"],
        (80_000, 0, 40_000),
    ),
    _expert_grant(
        "E06000052",
        _CORNWALL,
        "offered",
        ("Office estate review", "property_and_assets", "Offices half empty since 2020"),
        ["asset_management"],
        (300_000, 50_000, 0),
    ),
    _expert_grant(
        "E08000003",
        _MANCHESTER,
        "expert_matching",
        ("Commercial waste growth", "waste", "Losing trade waste customers"),
        ["commercialisation", "waste_and_environment"],
        (0, 250_000, 0),
        expert_stage="offered",
    ),
    _expert_grant(
        "E07000202",
        _IPSWICH,
        "expert_matching",
        ("Shared revenues and benefits service", "revenues_and_benefits", "Two small teams, one caseload"),
        ["shared_services", "finance"],
        (180_000, 0, 30_000),
        expert_stage="delivering",
    ),
    _expert_grant(
        "E06000023",
        _BRISTOL,
        "expert_matching",
        ("Home care commissioning", "adult_social_care", "Home care prices rising fast"),
        ["adult_social_care", "procurement"],
        (400_000, 0, 100_000),
    ),
    _expert_grant(
        "E08000025",
        _BIRMINGHAM,
        "expert_matching",
        ("Temporary accommodation costs", "housing", "Spending on bed and breakfast"),
        ["housing", "finance"],
        (500_000, 0, 200_000),
    ),
    _expert_grant(
        "E10000020",
        _NORFOLK,
        "expert_matching",
        ("Children's placements", "childrens_services", "Out-of-county placements"),
        ["childrens_services"],
        (600_000, 0, 0),
    ),
    # Work already delivered: each expert completed it and filed the 3-month outcome report; the
    # council confirmed the figures and a programme officer verified them (Liverpool's council has
    # still to confirm). The figures are illustrative.
    _expert_grant(
        "E08000035",
        _LEEDS,
        "delivered",
        ("Fleet and transport review", "highways_and_transport", "Vehicles under-used across services"),
        ["procurement", "finance"],
        (1_200_000, 0, 300_000),
        delivery=Delivery("expert05@experts.example.org", (450_000, 0, 120_000), (400_000, 0, 120_000), (3_000, 3_000)),
    ),
    _expert_grant(
        "E10000016",
        _KENT,
        "delivered",
        ("Home-to-school transport contracts", "procurement", "Contract prices rising faster than pupil numbers"),
        ["procurement"],
        (2_000_000, 0, 500_000),
        delivery=Delivery("expert12@experts.example.org", (900_000, 0, 250_000), (900_000, 0, 250_000), (3_000, 3_000)),
    ),
    _expert_grant(
        "E06000054",
        _WILTSHIRE,
        "delivered",
        ("Commercial property portfolio", "property_and_assets", "Rents below market on many leases"),
        ["asset_management", "commercialisation"],
        (0, 1_500_000, 0),
        delivery=Delivery("expert19@experts.example.org", (0, 600_000, 0), (0, 550_000, 0), (6_000,)),
    ),
    _expert_grant(
        "E08000012",
        _LIVERPOOL,
        "delivered",
        ("Agency staff in social care", "adult_social_care", "Agency spending up a third in two years"),
        ["adult_social_care", "workforce"],
        (1_800_000, 0, 0),
        delivery=Delivery("expert27@experts.example.org", (700_000, 0, 0), None, (3_000,)),
    ),
    _trial(
        "E09000012",
        _HACKNEY,
        "delivered",
        ("Online sexual health testing", "public_health"),
        30_000,
        match=20_000,
        partners=(("E09000019", "Islington", _ISLINGTON, 10_000),),
        delivery=Delivery(
            "trials@brightside-bi.example.org",
            (0, 0, 150_000),
            (0, 0, 120_000),
            (15_000,),
            trial_results="Residents sent a text with a link to order a kit online tested a quarter more often "
            "than the control group, and fewer needed a clinic appointment.",
        ),
    ),
    _trial("E08000019", _SHEFFIELD, "in_assessment", ("Council tax reminder letters", "revenue_collection"), 18_000),
    _trial(
        "E06000014", _YORK, "expert_matching", ("Earlier contact with adult social care", "adult_social_care"), 25_000
    ),
    _sharing("E07000203", _MID_SUFFOLK, "submitted", ["revenues_and_benefits", "legal"], 15_000),
    # Mid Suffolk's neighbour in the same county area, sharing revenues and benefits: each is
    # suggested to the other above Maidstone, in another region.
    _sharing(
        "E07000244", _officer("Kate Ellis", "East Suffolk"), "submitted", ["revenues_and_benefits", "waste"], 12_000
    ),
    _sharing(
        "E07000110",
        _officer("Liam Osei", "Maidstone"),
        "submitted",
        ["revenues_and_benefits", "planning"],
        10_000,
        reach="anywhere",
    ),
]
