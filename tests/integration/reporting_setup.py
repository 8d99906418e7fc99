"""Rounds with targets, and applications taken to where reporting counts them (approved, delivered
with an outcome report, verified, paid), through the domain's own operations."""

from __future__ import annotations

import io
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import select

from grants.extensions import db
from grants.models import (
    Application,
    Council,
    FundingRound,
    OutcomeReport,
    Payment,
    Role,
    Scheme,
    SchemeCriterion,
    SchemeKind,
    SharedArrangement,
    User,
)
from tests.integration.application_setup import SERVICE_LEVELS, drafted, scored
from tests.integration.conftest import PASSWORD, hashed_once
from tests.integration.engagement_setup import account_of, expert
from workflows import accounts, applications, arrangements, engagements, outcomes
from workflows.reporting import financial_year_bounds, financial_year_of, year_label
from workflows.uploads import check_upload

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def this_year() -> int:
    return financial_year_of(date.today())


def programme_round(
    code: str,
    name: str,
    *,
    kind: SchemeKind = SchemeKind.FIXED_GRANT,
    year: int | None = None,
    target_councils: int | None = None,
    target_savings_pence: int | None = None,
    budget_pence: int = 18_000_000,
) -> FundingRound:
    """A scheme with one round for the whole of a financial year (this one unless given)."""
    opens, closes = financial_year_bounds(this_year() if year is None else year)
    fixed = kind is SchemeKind.FIXED_GRANT
    scheme = Scheme(
        code=code,
        name=name,
        kind=kind,
        fixed_amount_pence=600_000 if fixed else None,
        max_amount_pence=600_000 if fixed else 3_000_000,
        match_ratio_percent=100 if kind is SchemeKind.MATCH_FUNDING else 0,
        uses_experts=kind is not SchemeKind.MATCHMAKING,
        allows_partners=not fixed,
        one_per_council_per_round=fixed,
        eligible_tiers=[],
        assessments_required=2 if fixed else 1,
        service_levels=SERVICE_LEVELS,
        criteria=[SchemeCriterion(code="fit", label="Fit", weight=1, position=0)],
    )
    funding_round = FundingRound(
        scheme=scheme,
        name=year_label(opens.year),
        opens_on=opens,
        closes_on=closes,
        budget_pence=budget_pence,
        target_councils=target_councils,
        target_savings_pence=target_savings_pence,
    )
    db.session.add(funding_round)
    db.session.commit()
    return funding_round


def officer_of(council: Council) -> User:
    """The council's officer, made if it has none."""
    found = db.session.scalar(select(User).where(User.council_id == council.id).order_by(User.id).limit(1))
    if found is not None:
        return found
    with hashed_once():
        return accounts.create_user(
            email=f"officer@{council.gss_code.lower()}.example.gov.uk",
            name=f"Officer of {council.name}",
            password=PASSWORD,
            roles={Role.COUNCIL_OFFICER},
            council=council,
        )


def approved(people, councils, funding_round: FundingRound, council: str = "babergh") -> Application:  # type: ignore[no-untyped-def]
    """A fixed-grant application approved and accepted on the day it is (estimated savings:
    £120,000 cashable and £80,000 income), waiting for an expert."""
    today = date.today()
    officer = people["officer"] if council == "babergh" else officer_of(councils[council])
    application = drafted(funding_round, councils[council], officer)
    applications.submit(application, actor=officer, expected_version=None, today=today)
    applications.check_eligibility(application, today)
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
    return application


def joint_trial(people, councils, funding_round: FundingRound, lead: str, partner: str) -> Application:  # type: ignore[no-untyped-def]
    """A £20,000 match-funded trial led by one council with another as a confirmed partner,
    approved and accepted."""
    today = date.today()
    officer = officer_of(councils[lead])
    partner_officer = officer_of(councils[partner])
    application = applications.start_application(funding_round, council=councils[lead], actor=officer, today=today)
    sections = {
        "project": ({"title": "Reminder letters", "theme": "revenue_collection", "description": "A letter"}, {}),
        "outcomes": ({"outcomes": "Fewer missed payments", "measures": "A control group"}, {}),
        "funding": (
            {"amount": "20000", "match": "10000"},
            {"amount_requested_pence": 2_000_000, "match_pence": 1_000_000},
        ),
        "partners": ({"partners": [{"gss_code": councils[partner].gss_code, "share": "10,000"}]}, {}),
        "contact": ({"name": "A Person", "email": "a@example.gov.uk"}, {}),
        "declaration": ({"chief_officer": "A Chief", "confirmed": True}, {}),
    }
    for section, (answers, columns) in sections.items():
        applications.save_section(
            application, section, answers, actor=officer, expected_version=application.version, columns=columns
        )
    applications.set_partners(
        application, {councils[partner]: 1_000_000}, actor=officer, expected_version=application.version
    )
    applications.respond_as_partner(application, actor=partner_officer, confirm=True)
    applications.submit(application, actor=officer, expected_version=None, today=today)
    applications.check_eligibility(application, today)
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
    return application


def delivered(
    application: Application,
    people,  # type: ignore[no-untyped-def]
    evidence_dir: Path,
    *,
    expert_name: str,
    claimed: tuple[int, int, int],
    verified: tuple[int, int, int] | None,
    trial_results: str = "",
) -> OutcomeReport:
    """The application's work done by an expert, who files the 3-month report claiming these
    figures (pence); with `verified`, the council confirms and a programme officer verifies them."""
    today = date.today()
    chosen = expert(expert_name)
    user = account_of(chosen)
    engagement = engagements.offer(application, chosen.id, actor=people["programme"], today=today)
    engagements.accept(engagement, actor=user, today=today)
    outcomes.log_work(engagement, actor=user, worked_on=today, days_tenths=10, milestone="Done", today=today)
    outcomes.complete(engagement, actor=user, today=today)
    cashable, income, avoided = claimed
    report = outcomes.file_report(
        engagement,
        actor=user,
        due_month=3,
        claim=outcomes.Claim(
            period_start=today - timedelta(days=90),
            period_end=today,
            cashable_pence=cashable,
            cashable_recurring=False,
            income_pence=income,
            income_recurring=False,
            avoided_pence=avoided,
            avoided_recurring=False,
            baseline="Last year's spending",
            method="Ledger totals",
            trial_results=trial_results,
        ),
        evidence=[check_upload(io.BytesIO(PDF), "ledger.pdf", max_bytes=1024 * 1024)],
        evidence_dir=evidence_dir,
        today=today,
    )
    if verified is not None:
        verify(report, people, verified)
    db.session.commit()
    return report


def verify(report: OutcomeReport, people, figures: tuple[int, int, int]) -> None:  # type: ignore[no-untyped-def]
    """The council confirms the claim and a programme officer verifies these figures."""
    outcomes.confirm(report, actor=report.engagement.application.created_by)
    cashable, income, avoided = figures
    outcomes.verify(
        report,
        actor=people["programme"],
        cashable_pence=cashable,
        income_pence=income,
        avoided_pence=avoided,
        reason="Only what the ledger shows",
    )
    db.session.commit()


def paid(application: Application, people, amount_pence: int, paid_on: date | None = None) -> Payment:  # type: ignore[no-untyped-def]
    award = application.award
    assert award is not None
    payment = applications.record_payment(
        award, amount_pence=amount_pence, paid_on=paid_on or date.today(), reference="PO-1", actor=people["programme"]
    )
    db.session.commit()
    return payment


def arrangement(
    people,  # type: ignore[no-untyped-def]
    councils: list[str],
    started_on: date,
    *,
    name: str,
    estimated: int,
    claimed: int | None = None,
    verified: int | None = None,
) -> SharedArrangement:
    """A shared arrangement on the map, recorded by a programme officer (savings in pence a year)."""
    made = arrangements.record_arrangement(
        arrangements.ArrangementDetails(
            name=name,
            service_area="legal",
            sharing_type="services",
            started_on=started_on,
            estimated_annual_savings_pence=estimated,
            claimed_annual_savings_pence=claimed,
            verified_annual_savings_pence=verified,
        ),
        councils,
        actor=people["programme"],
        today=date.today(),
    )
    db.session.commit()
    return made
