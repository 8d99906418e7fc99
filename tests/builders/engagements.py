"""Work delivered and reported on: an application's work offered to an expert, accepted, days
logged and completed; outcome reports filed with a PDF of evidence, confirmed and verified; and
payments. Through workflows.engagements, workflows.outcomes and workflows.applications."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

from grants.extensions import db
from grants.models import Application, Engagement, Expert, OutcomeReport, Payment, User
from tests.builders.people import account_of, expert
from workflows import applications, engagements, outcomes
from workflows.uploads import CheckedFile, check_upload

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
# £40,000 a year saved on agency staff and £15,000.50 earned once: the outcome pages' claim.
AGENCY_CLAIM = replace(
    CLAIM,
    cashable_pence=4_000_000,
    cashable_recurring=True,
    income_pence=1_500_050,
    baseline="Spending on agency staff in 2025/26",
    method="Ledger totals before and after",
)


def pdf_upload(name: str = "ledger.pdf", *, max_bytes: int = 1024 * 1024) -> CheckedFile:
    """A small PDF as the upload check passes it."""
    return check_upload(io.BytesIO(PDF), name, max_bytes=max_bytes)


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
        evidence=[pdf_upload(evidence_name)],
        evidence_dir=evidence_dir,
        today=TODAY,
    )
    db.session.commit()
    return report


def agency_report(engagement: Engagement, evidence_dir: Path, month: int | None) -> OutcomeReport:
    """The expert files a report for the evaluation point (None: an interim one) with the outcome
    pages' claim and a PDF of evidence."""
    return filed_report(
        engagement, evidence_dir, due_month=month, claim=AGENCY_CLAIM, evidence_name="agency ledger.pdf"
    )


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
    engagement = completed_engagement(
        application, expert(expert_name), offered_by=people["programme"], milestone="Done"
    )
    cashable, income, avoided = claimed
    claim = replace(
        CLAIM, cashable_pence=cashable, income_pence=income, avoided_pence=avoided, trial_results=trial_results
    )
    report = filed_report(engagement, evidence_dir, claim=claim)
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
