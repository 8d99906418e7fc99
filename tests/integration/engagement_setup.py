"""Experts, applications waiting for them, and work delivered and reported on, made through the
domain's own operations, for the tests of matching, offers and outcomes."""

from __future__ import annotations

import io
from datetime import date, timedelta
from pathlib import Path

from grants.extensions import db
from grants.models import (
    Application,
    ApplicationStatus,
    Council,
    Engagement,
    Expert,
    ExpertKind,
    ExpertRegion,
    ExpertSpecialism,
    FundingRound,
    OutcomeReport,
    Region,
    Role,
    Scheme,
    SchemeCriterion,
    SchemeKind,
    Specialism,
    User,
    VettingStatus,
)
from tests.integration.application_setup import drafted, scored
from tests.integration.conftest import PASSWORD, hashed_once
from workflows import accounts, applications, engagements, outcomes
from workflows.uploads import check_upload

TODAY = date.today()
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
# A one-off saving of £10,000 over the last three months, with nothing else claimed.
CLAIM = outcomes.Claim(
    period_start=TODAY - timedelta(days=90),
    period_end=TODAY,
    cashable_pence=1_000_000,
    cashable_recurring=False,
    income_pence=0,
    income_recurring=False,
    avoided_pence=0,
    avoided_recurring=False,
    baseline="Last year's spending",
    method="Ledger totals",
)


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
        with hashed_once():
            accounts.create_user(email=email, name=name, password=PASSWORD, roles={Role.EXPERT}, expert=made)
    db.session.commit()
    return made


def account_of(found: Expert) -> User:
    user = engagements.expert_user(found)
    assert user is not None
    return user


def awaiting_acceptance(
    people: dict[str, User],
    councils: dict[str, Council],
    funding_round: FundingRound,
    council: str = "babergh",
    *,
    officer: User | None = None,
) -> Application:
    """An application taken by the workflow's own steps to an approved offer: waiting for the
    council's answer. Drafted by `officer`, else by Babergh's officer in `people` or, for another
    council, by an officer made for it. Flushes; the caller commits."""
    if officer is None and council == "babergh":
        officer = people["officer"]
    elif officer is None:
        with hashed_once():
            officer = accounts.create_user(
                email=f"officer@{council}.example.gov.uk",
                name=f"Officer of {council}",
                password=PASSWORD,
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
    return application


def awaiting_expert(
    people: dict[str, User],
    councils: dict[str, Council],
    funding_round: FundingRound,
    council: str = "babergh",
    *,
    officer: User | None = None,
) -> Application:
    """An application taken by the workflow's own steps to an accepted offer: waiting for an expert.
    Its officer is chosen as `awaiting_acceptance` chooses."""
    application = awaiting_acceptance(people, councils, funding_round, council, officer=officer)
    applications.accept_offer(
        application,
        actor=application.created_by,
        signatory_name="A Signatory",
        signatory_role="Chief Executive",
        expected_version=None,
    )
    db.session.commit()
    assert application.status is ApplicationStatus.EXPERT_MATCHING
    return application


def completed_engagement(
    application: Application,
    chosen: Expert,
    *,
    offered_by: User,
    days_tenths: int = 10,
    milestone: str = "Started",
) -> Engagement:
    """The application's work offered to the expert, accepted, days logged and marked complete:
    its outcome reports can be filed."""
    user = account_of(chosen)
    engagement = engagements.offer(application, chosen.id, actor=offered_by, today=TODAY)
    engagements.accept(engagement, actor=user, today=TODAY)
    outcomes.log_work(
        engagement, actor=user, worked_on=TODAY, days_tenths=days_tenths, milestone=milestone, today=TODAY
    )
    outcomes.complete(engagement, actor=user, today=TODAY)
    db.session.commit()
    return engagement


def filed_report(
    engagement: Engagement,
    evidence_dir: Path,
    *,
    due_month: int | None = 3,
    claim: outcomes.Claim = CLAIM,
    evidence_name: str = "ledger.pdf",
) -> OutcomeReport:
    """The engagement's expert files the report for an evaluation point (None: an interim one)
    with one PDF of evidence, stored in `evidence_dir`."""
    report = outcomes.file_report(
        engagement,
        actor=account_of(engagement.expert),
        due_month=due_month,
        claim=claim,
        evidence=[check_upload(io.BytesIO(PDF), evidence_name, max_bytes=1024 * 1024)],
        evidence_dir=evidence_dir,
        today=TODAY,
    )
    db.session.commit()
    return report


def awaiting_trial(people: dict[str, User], councils) -> Application:  # type: ignore[no-untyped-def]
    """Babergh's behavioural-insights trial (match funding, bidding alone), approved and
    accepted: waiting for a delivery partner."""
    scheme = Scheme(
        code="behavioural-insights",
        name="Behavioural Insights",
        kind=SchemeKind.MATCH_FUNDING,
        max_amount_pence=3_000_000,
        match_ratio_percent=100,
        uses_experts=True,
        allows_partners=True,
        assessments_required=1,
        service_levels={},
        criteria=[SchemeCriterion(code="design", label="Trial design", weight=1, position=0)],
    )
    funding_round = FundingRound(
        scheme=scheme,
        name="Phase 2",
        opens_on=TODAY - timedelta(days=10),
        closes_on=TODAY + timedelta(days=10),
        budget_pence=30_000_000,
    )
    db.session.add(funding_round)
    db.session.flush()
    officer = people["officer"]
    application = applications.start_application(funding_round, council=councils["babergh"], actor=officer, today=TODAY)
    for section, (answers, columns) in {
        "project": ({"title": "Council tax letters", "theme": "revenue_collection", "description": "A letter"}, {}),
        "outcomes": ({"outcomes": "Fewer missed payments", "measures": "A control group"}, {}),
        "funding": (
            {"amount": "20000", "match": "20000"},
            {"amount_requested_pence": 2_000_000, "match_pence": 2_000_000},
        ),
        "partners": ({"partners": []}, {}),
        "contact": ({"name": "Priya Shah", "email": "p@example.gov.uk"}, {}),
        "declaration": ({"chief_officer": "Arthur Charvonia", "confirmed": True}, {}),
    }.items():
        applications.save_section(
            application, section, answers, actor=officer, expected_version=application.version, columns=columns
        )
    applications.submit(application, actor=officer, expected_version=None, today=TODAY)
    applications.check_eligibility(application, TODAY)
    applications.confirm_eligibility(application, actor=people["programme"], reason=None, expected_version=None)
    scored(application, people["assessor"])
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
