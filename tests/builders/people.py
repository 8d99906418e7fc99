"""People: accounts in each role, councils' officers, and experts in the pool (with an account to
sign in to the portal), made through workflows.accounts."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from unittest.mock import patch

from sqlalchemy import select

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
from workflows import accounts, engagements

# Everyone made here signs in with this password.
PASSWORD = "plum-harbour-violin-42"

_HASHES: dict[str, str] = {}


@contextmanager
def hashed_once() -> Iterator[None]:
    """Accounts made to set up a test share one real Argon2 hash per password (each hash takes a
    tenth of a second); signing in still verifies against it. Hashing itself is tested where it
    is the subject: tests/unit/workflows/test_passwords.py and the sign-in, reset and invitation
    tests."""
    real = accounts.hash_password

    def once(password: str) -> str:
        if password not in _HASHES:
            _HASHES[password] = real(password)
        return _HASHES[password]

    with patch.object(accounts, "hash_password", once):
        yield


def account(
    email: str, name: str, roles: set[Role], *, council: Council | None = None, expert: Expert | None = None
) -> User:
    """An active account with the shared password. Flushes; the caller commits."""
    with hashed_once():
        return accounts.create_user(
            email=email, name=name, password=PASSWORD, roles=roles, council=council, expert=expert
        )


def person(role: Role, *, email: str, name: str, council: Council | None) -> User:
    """Someone in one role, committed: a council officer of `council`; an expert with a vetted
    pool record of their own (procurement, in the East of England, two places)."""
    expert = None
    if role is Role.EXPERT:
        expert = Expert(
            name=name,
            email=email,
            day_rate_pence=60_000,
            capacity=2,
            vetting_status=VettingStatus.VETTED,
            specialism_links=[ExpertSpecialism(specialism=Specialism.PROCUREMENT)],
            region_links=[ExpertRegion(region=Region.EAST_OF_ENGLAND)],
        )
        db.session.add(expert)
        db.session.flush()
    user = account(email, name, {role}, council=council if role is Role.COUNCIL_OFFICER else None, expert=expert)
    db.session.commit()
    return user


# The programme's people, by the keys the tests use: Babergh's officer and the staff.
PEOPLE: dict[str, tuple[Role, str, str]] = {
    "officer": (Role.COUNCIL_OFFICER, "priya@babergh.example.gov.uk", "Priya Shah"),
    "programme": (Role.PROGRAMME_OFFICER, "tom@lga.example.gov.uk", "Tom Okafor"),
    "assessor": (Role.ASSESSOR, "hannah@lga.example.gov.uk", "Hannah Lewis"),
    "assessor2": (Role.ASSESSOR, "dev@lga.example.gov.uk", "Dev Patel"),
    "approver": (Role.APPROVER, "margaret@lga.example.gov.uk", "Margaret Doyle"),
}
COUNCIL_EMAIL = PEOPLE["officer"][1]
STAFF_EMAIL = PEOPLE["programme"][1]
ADMINISTRATOR = (Role.ADMINISTRATOR, "ada@lga.example.gov.uk", "Ada Lovell")


def officer_of(council: Council) -> User:
    """The council's first officer, made (officer@<its GSS code>) if it has none."""
    found = db.session.scalar(select(User).where(User.council_id == council.id).order_by(User.id).limit(1))
    if found is not None:
        return found
    return gss_officer(council)


def gss_officer(council: Council) -> User:
    """The council's officer officer@<its GSS code>, made if there is none."""
    email = f"officer@{council.gss_code.lower()}.example.gov.uk"
    found = db.session.scalar(select(User).where(User.email == email))
    if found is not None:
        return found
    return account(email, f"Officer of {council.name}", {Role.COUNCIL_OFFICER}, council=council)


def expert(
    name: str,
    *,
    specialisms: tuple[Specialism, ...] = (Specialism.COMMERCIALISATION,),
    regions: tuple[Region, ...] = (Region.EAST_OF_ENGLAND,),
    capacity: int = 2,
    vetted: bool = True,
    with_account: bool = True,
    kind: ExpertKind = ExpertKind.INDIVIDUAL,
) -> Expert:
    """An expert in the pool, with an account to sign in to the portal unless told otherwise."""
    email = f"{name.split()[0].lower()}@experts.example.org"
    made = Expert(
        name=name,
        email=email,
        day_rate_pence=70_000,
        capacity=capacity,
        vetting_status=VettingStatus.VETTED if vetted else VettingStatus.APPLIED,
        kind=kind,
        specialism_links=[ExpertSpecialism(specialism=s) for s in specialisms],
        region_links=[ExpertRegion(region=r) for r in regions],
    )
    db.session.add(made)
    db.session.flush()
    if with_account:
        account(email, name, {Role.EXPERT}, expert=made)
    db.session.commit()
    return made


def account_of(found: Expert) -> User:
    user = engagements.expert_user(found)
    assert user is not None
    return user
