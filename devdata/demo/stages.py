"""The demo's applications taken through the stages by the workflow's own operations, as the people
of each role would, so each one's timeline, audit trail, budget and messages are real.

Idempotent: an application is made only for a demo council that has none in that round.
"""

from __future__ import annotations

import io
import secrets
from datetime import date, timedelta
from pathlib import Path

from flask import current_app, has_app_context
from sqlalchemy import select

from devdata.demo.applications import (
    DEMO_APPLICATIONS,
    STAGES,
    THREE_MONTH_BASELINE,
    THREE_MONTH_METHOD,
    Delivery,
    DemoApplication,
)
from devdata.demo.people import DEMO_EXPERT_EMAIL
from grants.extensions import db
from grants.models import Application, Council, Engagement, Expert, FundingRound, Role, Scheme, User, utcnow
from workflows import accounts, applications, engagements, outcomes
from workflows.uploads import check_upload


def _staff(role: Role) -> list[User]:
    return [u for u in applications.active_users_with(role) if u.email.endswith("@lga.example.gov.uk")]


def _unshown_account(
    email: str, name: str, role: Role, *, council: Council | None = None, expert: Expert | None = None
) -> User:
    """A sign-in whose password is shown to no one: its owner resets it to sign in."""
    return accounts.create_user(
        email=email, name=name, password=secrets.token_urlsafe(24), roles={role}, council=council, expert=expert
    )


def _officer_of(council: Council, name: str, email: str) -> User:
    user = db.session.scalar(select(User).where(User.email == email))
    return _unshown_account(email, name, Role.COUNCIL_OFFICER, council=council) if user is None else user


def seed_applications(today: date) -> int:
    """Make the demo applications that are missing; returns how many. Flushes, never commits."""
    programme = _staff(Role.PROGRAMME_OFFICER)
    assessors = _staff(Role.ASSESSOR)
    approvers = _staff(Role.APPROVER)
    if not (programme and len(assessors) >= 2 and approvers):
        return 0
    made = 0
    for spec in DEMO_APPLICATIONS:
        funding_round = db.session.scalar(
            select(FundingRound)
            .join(Scheme)
            .where(Scheme.code == spec.scheme_code, FundingRound.opens_on <= today, FundingRound.closes_on >= today)
            .order_by(FundingRound.opens_on.desc())
            .limit(1)
        )
        council = db.session.scalar(select(Council).where(Council.gss_code == spec.gss_code))
        if funding_round is None or council is None:
            continue
        already = db.session.scalar(
            select(Application.id).where(
                Application.round_id == funding_round.id, Application.lead_council_id == council.id
            )
        )
        if already is not None:
            continue
        officer = _officer_of(council, *spec.officer)
        _take_through(spec, funding_round, council, officer, today, programme[0], assessors, approvers[0])
        made += 1
    return made


def _take_through(
    spec: DemoApplication,
    funding_round: FundingRound,
    council: Council,
    officer: User,
    today: date,
    programme: User,
    assessors: list[User],
    approver: User,
) -> Application:
    application = applications.start_application(funding_round, council=council, actor=officer, today=today)
    for section, (answers, columns) in spec.answers.items():
        if section in dict(applications.sections_for(funding_round.scheme)):
            applications.save_section(
                application, section, answers, actor=officer, expected_version=application.version, columns=columns
            )
    _bring_in_partners(application, spec, officer)
    applications.submit(application, actor=officer, expected_version=None, today=today)
    reached = STAGES.index(spec.stage)
    if reached == 0:
        return application
    applications.check_eligibility(application, today)
    applications.confirm_eligibility(application, actor=programme, reason=None, expected_version=None)
    needed = funding_round.scheme.assessments_required
    scorers = assessors[: needed if reached >= 2 else max(needed - 1, 1)]
    if reached == 1 and needed == 1:
        return application  # one score would finish the assessment: leave it unscored
    for number, assessor in enumerate(scorers):
        applications.assess(
            application,
            actor=assessor,
            scores={
                c.code: (4 - number % 2, "The evidence supports this score") for c in funding_round.scheme.criteria
            },
            recommendation="approve",
        )
    if reached < 3:
        return application
    applications.approve(application, actor=approver, expected_version=None)
    if reached < 4:
        return application
    applications.accept_offer(
        application,
        actor=officer,
        signatory_name="The Chief Executive",
        signatory_role="Chief Executive",
        expected_version=None,
    )
    if spec.expert_stage is not None:
        _bring_in_the_demo_expert(application, spec.expert_stage, programme, today)
    if spec.delivery is not None and reached >= STAGES.index("delivered"):
        _deliver(application, spec.delivery, officer, programme, today)
    return application


def _bring_in_partners(application: Application, spec: DemoApplication, officer: User) -> None:
    """A joint bid: the lead names its partners, and each partner's officer confirms."""
    if not spec.partners:
        return
    shares = {}
    partner_officers = []
    for gss_code, (name, email), share in spec.partners:
        council = db.session.scalar(select(Council).where(Council.gss_code == gss_code))
        if council is None:
            continue
        shares[council] = share * 100
        partner_officers.append(_officer_of(council, name, email))
    applications.set_partners(application, shares, actor=officer, expected_version=application.version)
    for partner_officer in partner_officers:
        applications.respond_as_partner(application, actor=partner_officer, confirm=True)


def _account_for(expert: Expert) -> User:
    """The expert's sign-in, made if they have none."""
    user = engagements.expert_user(expert)
    return _unshown_account(expert.email, expert.name, Role.EXPERT, expert=expert) if user is None else user


def _accept_and_log(engagement: Engagement, user: User, today: date, days_tenths: int, milestone: str) -> date:
    """The expert accepts the work offered and logs days on it, today: the work happens now,
    whatever day the demo's rounds are dated from. Returns the day worked."""
    engagements.accept(engagement, actor=user, today=today)
    worked_on = utcnow().date()
    outcomes.log_work(
        engagement, actor=user, worked_on=worked_on, days_tenths=days_tenths, milestone=milestone, today=worked_on
    )
    return worked_on


def _evidence_dir() -> Path:
    if has_app_context():
        return Path(current_app.config["EVIDENCE_DIR"])
    raise RuntimeError("the demo files its outcome reports' evidence inside the app")


def _pence(figures: tuple[int, int, int]) -> tuple[int, int, int]:
    cashable, income, avoided = figures
    return cashable * 100, income * 100, avoided * 100


def _deliver(application: Application, delivery: Delivery, officer: User, programme: User, today: date) -> None:
    """The work done and its first outcome: the expert is offered it and accepts, logs days,
    completes it and files the 3-month report with a spreadsheet of evidence; the council confirms
    the figures and a programme officer verifies them; finance pays the award's tranches."""
    expert = db.session.scalar(select(Expert).where(Expert.email == delivery.expert_email))
    if expert is None:
        return
    user = _account_for(expert)
    award = application.award
    assert award is not None
    tranches = iter(delivery.paid)
    first = next(tranches, None)
    if first is not None:
        applications.record_payment(
            award, amount_pence=first * 100, paid_on=today, reference=f"{application.reference}/1", actor=programme
        )
    engagement = engagements.offer(application, expert.id, actor=programme, today=today)
    milestone = "Baseline agreed, options appraised and the changes made with the service"
    worked_on = _accept_and_log(engagement, user, today, 40, milestone)
    outcomes.complete(engagement, actor=user, today=worked_on)
    cashable, income, avoided = _pence(delivery.claimed)
    ledger = (
        "Measure,Baseline (£),Last three months (£)\r\n"
        f"Cashable savings,0,{cashable // 100}\r\nIncome generated,0,{income // 100}\r\n"
        f"Costs avoided,0,{avoided // 100}\r\n"
    ).encode()
    evidence = check_upload(io.BytesIO(ledger), "savings ledger.csv", max_bytes=1024 * 1024)
    report = outcomes.file_report(
        engagement,
        actor=user,
        due_month=3,
        claim=outcomes.Claim(
            period_start=worked_on - timedelta(days=90),
            period_end=worked_on,
            cashable_pence=cashable,
            cashable_recurring=True,
            income_pence=income,
            income_recurring=True,
            avoided_pence=avoided,
            avoided_recurring=False,
            baseline=THREE_MONTH_BASELINE,
            method=THREE_MONTH_METHOD,
            trial_results=delivery.trial_results,
        ),
        evidence=[evidence],
        evidence_dir=_evidence_dir(),
        today=worked_on,
    )
    for number, tranche in enumerate(tranches, start=2):
        applications.record_payment(
            award,
            amount_pence=tranche * 100,
            paid_on=today,
            reference=f"{application.reference}/{number}",
            actor=programme,
        )
    if delivery.verified is None:
        return
    outcomes.confirm(report, actor=officer)
    verified = _pence(delivery.verified)
    outcomes.verify(
        report,
        actor=programme,
        cashable_pence=verified[0],
        income_pence=verified[1],
        avoided_pence=verified[2],
        reason="" if verified == (cashable, income, avoided) else "Only the savings the ledger evidences are verified",
    )


def _bring_in_the_demo_expert(application: Application, stage: str, programme: User, today: date) -> None:
    """Offer the work to the demo expert and, for "delivering", have them accept it and log days."""
    expert = db.session.scalar(select(Expert).where(Expert.email == DEMO_EXPERT_EMAIL))
    user = db.session.scalar(select(User).where(User.expert_id == expert.id)) if expert else None
    if expert is None or user is None:
        return
    engagement = engagements.offer(application, expert.id, actor=programme, today=today)
    if stage != "delivering":
        return
    _accept_and_log(engagement, user, today, 10, "Met both teams; agreed the baseline")
