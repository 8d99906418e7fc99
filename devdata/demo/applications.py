"""The demo's applications as data: for each, the scheme, the council and its officer, the answers
to each section, and how far it gets (devdata/demo/stages.py takes it there), so that staff see
work waiting in every queue and experts can be matched to approved work at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

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
