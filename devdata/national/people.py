"""The national dataset's councils and people: every council in the register with two officers,
the programme's staff, and the pool of experts with their accounts."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from devdata.common import POUND
from devdata.national.generator import Generator
from devdata.national.shapes import Council, Expert, Person
from devdata.national.words import FIRMS
from grants import models
from grants.extensions import db
from grants.models import ExpertKind, Region, Role, Specialism
from workflows import council_register

OFFICERS_PER_COUNCIL = 2
STAFF = {Role.PROGRAMME_OFFICER: 8, Role.ASSESSOR: 20, Role.APPROVER: 4, Role.ADMINISTRATOR: 2}
STAFF_ADDRESSES = {
    Role.PROGRAMME_OFFICER: "programme.officer",
    Role.ASSESSOR: "assessor",
    Role.APPROVER: "approver",
    Role.ADMINISTRATOR: "administrator",
}


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def make_councils(g: Generator) -> None:
    """Every council in the register, through `workflows.council_register`'s import, and as held in memory."""
    entries = council_register.register_entries(council_register.ons_records())
    with g.stage("Councils", len(entries)) as tick:
        result = council_register.import_councils(entries)
        tick(result.total)
        g.bulk.rows["councils"] = result.created
        g.councils = [
            Council(c.id, c.gss_code, c.name, c.tier, c.region)
            for c in db.session.scalars(select(models.Council).order_by(models.Council.id))
        ]


def make_people(g: Generator) -> None:
    """The staff, and two officers for every council, each with a role."""
    people: list[tuple[str, Role, int | None, datetime]] = []
    for role, count in STAFF.items():
        for number in range(1, count + 1):
            email = f"{STAFF_ADDRESSES[role]}{number:02d}@lga.example.gov.uk"
            people.append((email, role, None, g.start - timedelta(days=60)))
    domains: set[str] = set()
    for council in g.councils:
        domain = _slug(council.name)
        domain = f"{domain}-{council.gss_code.lower()}" if domain in domains else domain
        domains.add(domain)
        for number in range(1, OFFICERS_PER_COUNCIL + 1):
            joined = g.start - timedelta(days=g.rng.randint(10, 300))
            people.append((f"officer{number}@{domain}.example.gov.uk", Role.COUNCIL_OFFICER, council.id, joined))
    with g.stage("People", 2 * len(people)) as tick:
        first = g.bulk.reserve("users", len(people))
        users, roles = [], []
        for n, (email, role, council_id, joined) in enumerate(people):
            person = Person(first + n, g.name(), email)
            g.people[person.id] = person
            if council_id is None:
                g.staff.setdefault(role, []).append(person)
            else:
                g.officers.setdefault(council_id, []).append(person)
            users.append((person, council_id, None, joined))
            roles.append((person.id, role.value))
        _copy_users(g, users, tick)
        g.bulk.add("user_roles", "user_id role", roles, tick)


def _copy_users(
    g: Generator, users: Sequence[tuple[Person, int | None, int | None, datetime]], tick: Callable[[int], None]
) -> None:
    """Accounts (for a council, for an expert, or for staff), all with the one password hash."""
    rows = [
        (
            person.id,
            person.email,
            person.name,
            g.password_hash,
            council_id,
            expert_id,
            True,
            secrets.token_urlsafe(24),
            joined,
            g.now - timedelta(hours=g.rng.randint(1, 24 * 60)) if g.rng.random() < 0.7 else None,
        )
        for person, council_id, expert_id, joined in users
    ]
    columns = "id email name password_hash council_id expert_id is_active session_token created_at last_signed_in_at"
    g.bulk.copy("users", columns, rows, tick)


def make_experts(g: Generator) -> None:
    """The pool: one in twelve a delivery partner, most vetted, each with specialisms, regions and
    perhaps windows of availability, and an account; about one in five has a conflict of interest
    with a council. The first two dozen are vetted from the start: enough for a small dataset."""
    count = g.targets.experts
    with g.stage("Experts", 7 * count) as tick:
        first, first_user = g.bulk.reserve("experts", count), g.bulk.reserve("users", count)
        for n in range(count):
            partner = n % 12 == 0
            founding = n < 24 or g.rng.random() < 0.6
            joined = (
                g.moment_between(g.start - timedelta(days=200), g.start)
                if founding
                else g.moment_between(g.start, g.now - timedelta(days=30))
            )
            if partner:
                user = Person(
                    first_user + n, f"{g.rng.choice(FIRMS)} {n + 1}", f"partner{n + 1:04d}@delivery.example.org"
                )
                skills: tuple[Specialism, ...] = (Specialism.BEHAVIOURAL_INSIGHTS, Specialism.DIGITAL)
            else:
                user = Person(first_user + n, g.name(), f"expert{n + 1:04d}@experts.example.org")
                skills = tuple(g.rng.sample(list(Specialism), g.rng.randint(1, 3)))
            g.people[user.id] = user
            g.experts.append(
                Expert(
                    id=first + n,
                    user=user,
                    kind=ExpertKind.DELIVERY_PARTNER if partner else ExpertKind.INDIVIDUAL,
                    vetted=n < 24 or g.rng.random() < 0.9,
                    capacity=g.rng.randint(3, 8) if partner else g.rng.choice((1, 1, 2, 2, 3)),
                    specialisms=skills,
                    regions=tuple(g.rng.sample(list(Region), g.rng.randint(1, 3))),
                    joined=joined,
                )
            )
        g.bulk.copy(
            "experts",
            "id name email organisation biography day_rate_pence capacity vetting_status kind created_at version",
            [_expert_row(g, e) for e in g.experts],
            tick,
        )
        specialisms = [(e.id, s.value) for e in g.experts for s in e.specialisms]
        g.bulk.add("expert_specialisms", "expert_id specialism", specialisms, tick)
        regions = [(e.id, r.value) for e in g.experts for r in e.regions]
        g.bulk.add("expert_regions", "expert_id region", regions, tick)
        g.bulk.add("expert_availability", "expert_id starts_on ends_on note", _availability(g), tick)
        _copy_users(g, [(e.user, None, e.id, e.joined) for e in g.experts], tick)
        g.bulk.add("user_roles", "user_id role", [(e.user.id, Role.EXPERT.value) for e in g.experts], tick)
        g.bulk.add(
            "conflicts_of_interest",
            "expert_id council_id reason declared_by_expert recorded_by_id recorded_at",
            _conflicts(g),
            tick,
        )


def _expert_row(g: Generator, e: Expert) -> tuple[Any, ...]:
    partner = e.kind is ExpertKind.DELIVERY_PARTNER
    return (
        e.id,
        e.user.name,
        e.user.email,
        e.user.name if partner else g.rng.choice(FIRMS),
        f"Has led {', '.join(s.label.lower() for s in e.specialisms)} work with councils.",
        g.rng.randrange(450, 1_100, 25) * POUND,
        e.capacity,
        "vetted" if e.vetted else g.rng.choice(("applied", "suspended")),
        e.kind.value,
        e.joined,
        1,
    )


def _availability(g: Generator) -> list[tuple[int, date, date | None, str]]:
    """Windows for two experts in five (the rest have not said, so count as available): most are
    open now, some after an earlier window that ended."""
    windows: list[tuple[int, date, date | None, str]] = []
    for e in g.experts:
        if g.rng.random() >= 0.4:
            continue
        starts = e.joined.date()
        if g.rng.random() < 0.25:
            ended = starts + timedelta(days=g.rng.randint(60, 400))
            windows.append((e.id, starts, ended, "Between other contracts"))
            starts = ended + timedelta(days=g.rng.randint(20, 90))
        ends = None if g.rng.random() < 0.7 else g.today + timedelta(days=g.rng.randint(60, 720))
        windows.append((e.id, min(starts, g.today), ends, "Available for council work"))
    return windows


def _conflicts(g: Generator) -> list[tuple[Any, ...]]:
    rows = []
    for e in g.experts:
        council = g.rng.choice(g.councils)
        if g.rng.random() >= 0.2 or (e.id, council.id) in g.conflicts:
            continue
        g.conflicts.add((e.id, council.id))
        declared = g.rng.random() < 0.7
        recorded_by = None if declared else g.rng.choice(g.staff[Role.PROGRAMME_OFFICER]).id
        recorded_at = min(e.joined + timedelta(days=g.rng.randint(0, 30)), g.now)
        rows.append((e.id, council.id, f"Worked for {council.name} until recently", declared, recorded_by, recorded_at))
    return rows
