"""The world the workflow's state-machine test acts in: two councils with an officer each, the
programme's staff, two experts with a place each, and a round with money for two and a half
awards, made through the domain's own operations."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from grants.extensions import db
from grants.models import Council, CouncilTier, Region, Role
from tests.builders.engagements import AGENCY_CLAIM, pdf_upload
from tests.builders.people import account, account_of, expert
from tests.builders.rounds import expert_grant_round
from workflows import outcomes
from workflows.uploads import CheckedFile

TODAY = date.today()
GRANT_PENCE = 600_000
# Enough for two £6,000 awards and not three: the three applications each example sets up
# compete for the money when all reach a decision (a declined offer gives its money back).
BUDGET_PENCE = 2 * GRANT_PENCE + 300_000

BABERGH_OFFICER = "Babergh officer"
IPSWICH_OFFICER = "Ipswich officer"
PROGRAMME_OFFICER = "programme officer"
ASSESSOR_HANNAH = "assessor Hannah"
ASSESSOR_DEV = "assessor Dev"
APPROVER_MARGARET = "approver Margaret"
# An approver who also assesses: whether they may decide depends on whether they scored it.
APPROVER_SAM = "approver and assessor Sam"
EXPERT_AMIRA = "expert Amira"
EXPERT_BEN = "expert Ben"
ADMINISTRATOR = "administrator"

OFFICERS = (BABERGH_OFFICER, IPSWICH_OFFICER)
ASSESSORS = (ASSESSOR_HANNAH, ASSESSOR_DEV, APPROVER_SAM)
APPROVERS = (APPROVER_MARGARET, APPROVER_SAM)
EXPERTS = (EXPERT_AMIRA, EXPERT_BEN)
# One place each: two awards in delivery take every place.
CAPACITY = {EXPERT_AMIRA: 1, EXPERT_BEN: 1}
EVERYONE = (
    BABERGH_OFFICER,
    IPSWICH_OFFICER,
    PROGRAMME_OFFICER,
    ASSESSOR_HANNAH,
    ASSESSOR_DEV,
    APPROVER_MARGARET,
    APPROVER_SAM,
    EXPERT_AMIRA,
    EXPERT_BEN,
    ADMINISTRATOR,
)

_STAFF: dict[str, tuple[str, set[Role]]] = {
    PROGRAMME_OFFICER: ("tom@lga.example.gov.uk", {Role.PROGRAMME_OFFICER}),
    ASSESSOR_HANNAH: ("hannah@lga.example.gov.uk", {Role.ASSESSOR}),
    ASSESSOR_DEV: ("dev@lga.example.gov.uk", {Role.ASSESSOR}),
    APPROVER_MARGARET: ("margaret@lga.example.gov.uk", {Role.APPROVER}),
    APPROVER_SAM: ("sam@lga.example.gov.uk", {Role.APPROVER, Role.ASSESSOR}),
    ADMINISTRATOR: ("ada@lga.example.gov.uk", {Role.ADMINISTRATOR}),
}


@dataclass(frozen=True)
class World:
    """Ids of what every example starts from, and where evidence files go."""

    round_id: int
    people: dict[str, int]
    councils: dict[str, int]  # each council officer's council
    experts: dict[str, int]
    evidence_dir: Path


def build_world(evidence_dir: Path) -> World:
    """Make the councils, people, experts and round, committing them (to the test's savepoint)."""
    babergh = Council(gss_code="E07000200", name="Babergh", tier=CouncilTier.DISTRICT, region=Region.EAST_OF_ENGLAND)
    ipswich = Council(gss_code="E07000202", name="Ipswich", tier=CouncilTier.DISTRICT, region=Region.EAST_OF_ENGLAND)
    db.session.add_all([babergh, ipswich])
    db.session.flush()
    people: dict[str, int] = {}
    councils: dict[str, int] = {}
    for name, council in ((BABERGH_OFFICER, babergh), (IPSWICH_OFFICER, ipswich)):
        officer = account(
            f"officer@{council.name.lower()}.example.gov.uk", name, {Role.COUNCIL_OFFICER}, council=council
        )
        people[name] = officer.id
        councils[name] = council.id
    for name, (email, roles) in _STAFF.items():
        people[name] = account(email, name, roles).id
    funding_round = expert_grant_round(budget_pence=BUDGET_PENCE)
    # Councils may have several applications at once, so that more approvals can compete for the
    # money; one evaluation point keeps the path to an evaluated application short.
    funding_round.scheme.one_per_council_per_round = False
    funding_round.scheme.evaluation_months = [3]
    db.session.commit()
    experts: dict[str, int] = {}
    for name in EXPERTS:
        made = expert(name.removeprefix("expert ") + " Pool", capacity=CAPACITY[name])
        experts[name] = made.id
        people[name] = account_of(made).id
    return World(
        round_id=funding_round.id, people=people, councils=councils, experts=experts, evidence_dir=evidence_dir
    )


def a_claim() -> outcomes.Claim:
    """Savings claimed for the last quarter, as an expert's report form gives them: £40,000 a year
    saved on agency staff and £15,000 earned once."""
    return replace(AGENCY_CLAIM, income_pence=1_500_000)


def a_pdf() -> CheckedFile:
    return pdf_upload(max_bytes=10 * 1024 * 1024)
