"""The demo's people: one person per role (their sign-ins are shown once), the pool of experts and
the delivery partners."""

from __future__ import annotations

import random
from dataclasses import dataclass

from sqlalchemy import select

from devdata.common import POUND, new_password
from grants.extensions import db
from grants.models import (
    Council,
    Expert,
    ExpertKind,
    ExpertRegion,
    ExpertSpecialism,
    Region,
    Role,
    Specialism,
    User,
    VettingStatus,
)
from workflows import accounts

DEMO_COUNCIL_GSS = "E07000200"  # Babergh, a district in Suffolk
DEMO_EXPERT_EMAIL = "expert01@experts.example.org"

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


@dataclass(frozen=True)
class DemoCredential:
    role: Role
    email: str
    password: str


def seed_experts(count: int = 40) -> int:
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


def seed_delivery_partners() -> int:
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


def seed_people() -> list[DemoCredential]:
    credentials = []
    council = db.session.scalar(select(Council).where(Council.gss_code == DEMO_COUNCIL_GSS))
    partner = db.session.scalar(select(Council).where(Council.gss_code == PARTNER_COUNCIL_GSS))
    expert = db.session.scalar(select(Expert).where(Expert.email == DEMO_EXPERT_EMAIL))
    for role, name, email in DEMO_PEOPLE:
        if db.session.scalar(select(User.id).where(User.email == email)) is not None:
            continue
        password = new_password()
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
