"""Experts and applications waiting for them, made through the domain's own operations, for the
tests of matching, offers and outcomes."""

from __future__ import annotations

from datetime import date

from grants.extensions import db
from grants.models import (
    Application,
    ApplicationStatus,
    Expert,
    ExpertRegion,
    ExpertSpecialism,
    Region,
    Role,
    Specialism,
    User,
    VettingStatus,
)
from tests.integration.application_setup import drafted, scored
from workflows import accounts, applications, engagements

TODAY = date.today()


def expert(
    name: str,
    *,
    specialisms: tuple[Specialism, ...] = (Specialism.COMMERCIALISATION,),
    regions: tuple[Region, ...] = (Region.EAST_OF_ENGLAND,),
    capacity: int = 2,
    vetted: bool = True,
    with_account: bool = True,
) -> Expert:
    """An expert in the pool, with an account to sign in to the portal unless told otherwise."""
    email = f"{name.split()[0].lower()}@experts.example.org"
    made = Expert(
        name=name,
        email=email,
        day_rate_pence=70_000,
        capacity=capacity,
        vetting_status=VettingStatus.VETTED if vetted else VettingStatus.APPLIED,
        specialism_links=[ExpertSpecialism(specialism=s) for s in specialisms],
        region_links=[ExpertRegion(region=r) for r in regions],
    )
    db.session.add(made)
    db.session.flush()
    if with_account:
        accounts.create_user(
            email=email, name=name, password="plum-harbour-violin-42", roles={Role.EXPERT}, expert=made
        )
    db.session.commit()
    return made


def account_of(found: Expert) -> User:
    user = engagements.expert_user(found)
    assert user is not None
    return user


def awaiting_expert(people: dict[str, User], councils, funding_round, council: str = "babergh") -> Application:  # type: ignore[no-untyped-def]
    """An application taken by the workflow's own steps to an accepted offer: waiting for an expert."""
    officer = people["officer"]
    if council != "babergh":
        officer = accounts.create_user(
            email=f"officer@{council}.example.gov.uk",
            name=f"Officer of {council}",
            password="plum-harbour-violin-42",
            roles={Role.COUNCIL_OFFICER},
            council=councils[council],
        )
    application = drafted(funding_round, councils[council], officer)
    applications.submit(application, actor=officer, expected_version=None, today=TODAY)
    applications.check_eligibility(application, TODAY)
    applications.confirm_eligibility(application, actor=people["programme"], reason=None, expected_version=None)
    scored(application, people["assessor"])
    scored(application, people["assessor2"])
    applications.approve(application, actor=people["approver"], expected_version=None)
    applications.accept_offer(
        application,
        actor=officer,
        signatory_name="A Signatory",
        signatory_role="Chief Executive",
        expected_version=None,
    )
    db.session.commit()
    assert application.status is ApplicationStatus.EXPERT_MATCHING
    return application
