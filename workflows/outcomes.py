"""Delivery and its outcomes: the expert logs days and milestones and completes the work; outcome
reports fall due at the scheme's evaluation points and are reminded of; the expert files each
with the savings they claim and evidence; the council confirms or disputes the figures; a
programme officer verifies them, at other figures if need be, with a reason.

Every figure keeps its history: estimated (in the application), claimed (the report), confirmed
or disputed (the council), verified (the programme officer). Operations flush and never commit:
the caller owns the transaction.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select

from grants.extensions import db
from grants.models import (
    Application,
    ApplicationStatus,
    Engagement,
    EngagementStatus,
    EvidenceFile,
    OutcomeReport,
    ReportStatus,
    Role,
    SchemeKind,
    User,
    WorkLog,
    utcnow,
)
from notifications import queue_email, reminders
from workflows import applications
from workflows.after_commit import remove_if_rolled_back
from workflows.audit import record_event
from workflows.engagements import ENGAGEMENT, expert_user
from workflows.lifecycle import Before, IllegalMoveError, Lifecycle, Move, WorkflowError, table
from workflows.money import pounds
from workflows.permissions import Permission, can
from workflows.uploads import CheckedFile, store
from workflows.working_days import add_working_days, is_working_day

# Working days after a missed due date before the programme officers are told.
ESCALATE_AFTER_WORKING_DAYS = 10
MAX_EVIDENCE_FILES = 10
TEXT_LIMIT = 5000


class OutcomeError(WorkflowError):
    """A step on delivery or a report that the rules refuse; the message is for the person."""


# Every move an outcome report may make. Verifying needs a reason only for other figures than
# those claimed, or for figures the council disputed: `verify` asks for it.
# fmt: off
REPORT_MOVES: list[Move[ReportStatus]] = table(ReportStatus, [
    # action   from                  to          permission                     reason
    # The lead council answers the figures claimed: it agrees, or says why not.
    ("confirm", "submitted",          "confirmed", Permission.APPLY_FOR_COUNCIL,  False),
    ("dispute", "submitted",          "disputed",  Permission.APPLY_FOR_COUNCIL,  True),
    # A programme officer verifies the figures once the council has answered.
    ("verify",  "confirmed disputed", "verified",  Permission.CHECK_APPLICATIONS, False),
])
# fmt: on


class ReportLifecycle(Lifecycle[OutcomeReport, ReportStatus]):
    """An outcome report at the door: only the lead council answers it, only a programme officer
    verifies it; refusals in the outcome pages' words; audited as "outcome_report.confirmed" and
    so on."""

    subject_type = "outcome_report"
    error = OutcomeError
    events = {"confirm": "confirmed", "dispute": "disputed", "verify": "verified"}
    reason_asks = {"dispute": ("Say why the council does not agree with the figures", "reason")}
    reason_limit = TEXT_LIMIT

    def refusal(self, report: OutcomeReport, move: Move[ReportStatus], actor: User | None) -> str | None:
        if move.permission is Permission.CHECK_APPLICATIONS:
            return None if can(actor, move.permission) else "Only a programme officer can verify outcome reports"
        lead = report.engagement.application.lead_council_id
        if move.permission is not None and can(actor, move.permission) and actor and actor.council_id == lead:
            return None
        return "Only the lead council can confirm or dispute the figures"

    def cannot(self, report: OutcomeReport, action: str) -> WorkflowError:
        if action != "verify":
            return OutcomeError(f"This report is {report.status.label.lower()}: it cannot be {self.events[action]} now")
        if report.status is ReportStatus.SUBMITTED:
            return OutcomeError("The council must confirm or dispute the figures before they are verified")
        return OutcomeError("This report has been verified already")


REPORT = ReportLifecycle(REPORT_MOVES)


# Delivery ---------------------------------------------------------------------------------------------


def _the_expert(engagement: Engagement, actor: User) -> None:
    if actor.expert_id != engagement.expert_id:
        raise IllegalMoveError("Only the expert doing the work can do that")


def log_work(
    engagement: Engagement, *, actor: User, worked_on: date, days_tenths: int, milestone: str, today: date
) -> WorkLog:
    """The expert records days worked (in tenths of a day) and the milestone reached."""
    _the_expert(engagement, actor)
    if engagement.status is not EngagementStatus.ACCEPTED:
        raise OutcomeError("Days can be logged only while the work is under way")
    if worked_on > today:
        raise OutcomeError("The date worked must be today or in the past", field="worked_on")
    started = engagement.responded_at.date() if engagement.responded_at else None
    if started is not None and worked_on < started:
        raise OutcomeError(
            f"The date worked cannot be before the work started ({started.day} {started:%B %Y})", field="worked_on"
        )
    if not 1 <= days_tenths <= 100:
        raise OutcomeError("Days worked must be between 0.1 and 10 for one entry", field="days")
    text = milestone.strip()
    if not text:
        raise OutcomeError("Describe the milestone reached or the work done", field="milestone")
    if len(text) > TEXT_LIMIT:
        raise OutcomeError("The milestone must be 5,000 characters or fewer", field="milestone")
    entry = WorkLog(
        engagement=engagement, worked_on=worked_on, days_tenths=days_tenths, milestone=text, logged_by_id=actor.id
    )
    db.session.add(entry)
    db.session.flush()
    record_event(
        "engagement.work_logged",
        actor=actor,
        subject_type="engagement",
        subject_id=engagement.id,
        worked_on=worked_on.isoformat(),
        days_tenths=days_tenths,
    )
    return entry


def complete(engagement: Engagement, *, actor: User, today: date) -> list[tuple[int, date]]:
    """The expert marks the work complete: the outcome reports fall due at the scheme's evaluation
    points, each reminded of. Returns the points and their due dates."""

    def work_logged(move: Move[EngagementStatus], reason: str | None) -> None:
        if not engagement.work:
            raise OutcomeError("Log the days worked before you mark the work complete")
        engagement.completed_at = utcnow()

    ENGAGEMENT.transition(engagement, "complete", actor, before=work_logged)
    applications.note_on_timeline(engagement.application, "delivery_completed", actor, None)
    schedule = report_schedule(engagement, today)
    for month, due_on in schedule:
        _schedule_report_reminders(engagement, month, due_on)
    return schedule


def add_months(start: date, months: int) -> date:
    """The same day `months` later, or the month's last day when it is shorter (31 Jan + 1 month
    is 28 or 29 Feb)."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def due_date(completed_on: date, months: int) -> date:
    """An evaluation point's due date: `months` after completion, moved to the next working day
    when it falls on a weekend or a bank holiday."""
    due = add_months(completed_on, months)
    return due if is_working_day(due) else add_working_days(due, 1)


def report_schedule(engagement: Engagement, today: date | None = None) -> list[tuple[int, date]]:
    """The evaluation points of the engagement (months after completion) and their due dates."""
    completed_on = engagement.completed_at.date() if engagement.completed_at else (today or utcnow().date())
    months = sorted({int(m) for m in (engagement.application.scheme.evaluation_months or []) if int(m) > 0})
    return [(m, due_date(completed_on, m)) for m in months]


def _schedule_report_reminders(engagement: Engagement, month: int, due_on: date) -> None:
    application = engagement.application
    context = {**applications.named(application), "expert": engagement.expert.name, "month": month}
    people = [(expert_user(engagement.expert), "expert", f"/portal/engagements/{engagement.id}")]
    # One reminder for the council: to the officer who applied, or, if they have left, to the
    # first of the council's officers.
    contacts = applications.council_contacts(application)
    people.append((contacts[0] if contacts else None, "council", f"/applications/{application.id}"))
    for person, who, link in people:
        if person is None:
            continue
        reminders.schedule(
            subject_type="engagement",
            subject_id=engagement.id,
            kind=f"report:{month}:{who}",
            user=person,
            due_on=due_on,
            template="outcome_report_due",
            link=link,
            context={**context, "for_expert": who == "expert"},
            escalate_on=add_working_days(due_on, ESCALATE_AFTER_WORKING_DAYS),
            escalation_template="outcome_report_overdue",
            escalation_link=f"/outcomes/engagements/{engagement.id}",
        )


# Reports --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Claim:
    """What the expert claims for a period, in whole pence, each kind one-off or recurring."""

    period_start: date
    period_end: date
    cashable_pence: int
    cashable_recurring: bool
    income_pence: int
    income_recurring: bool
    avoided_pence: int
    avoided_recurring: bool
    baseline: str
    method: str
    trial_results: str = ""


def points_to_report(engagement: Engagement) -> list[int]:
    """The evaluation points not yet reported, earliest first."""
    done = {r.due_month for r in engagement.reports}
    return [m for m, _ in report_schedule(engagement) if m not in done]


def file_report(
    engagement: Engagement,
    *,
    actor: User,
    due_month: int | None,
    claim: Claim,
    evidence: list[CheckedFile],
    evidence_dir: Path,
    today: date,
) -> OutcomeReport:
    """The expert files an outcome report for an evaluation point (or an interim one, with no
    point), with the evidence. The council is asked to confirm the figures."""
    ENGAGEMENT.lock(engagement)
    _the_expert(engagement, actor)
    if engagement.status not in (EngagementStatus.ACCEPTED, EngagementStatus.COMPLETED):
        raise OutcomeError("Outcome reports can be filed only for work under way or completed")
    problems = _claim_problems(engagement, claim, today)
    if problems:
        field, message = problems[0]
        raise OutcomeError(message, field=field)
    if due_month is not None:
        if engagement.status is not EngagementStatus.COMPLETED:
            raise OutcomeError("Reports for the evaluation points are filed once the work is complete")
        if due_month not in points_to_report(engagement):
            raise OutcomeError("This evaluation point has been reported already, or is not one of this scheme's")
    if len(evidence) > MAX_EVIDENCE_FILES:
        raise OutcomeError(f"Attach at most {MAX_EVIDENCE_FILES} files to one report", field="evidence")
    if not evidence:
        raise OutcomeError("Attach at least one file of evidence for the figures", field="evidence")
    report = OutcomeReport(
        engagement=engagement,
        due_month=due_month,
        period_start=claim.period_start,
        period_end=claim.period_end,
        cashable_pence=claim.cashable_pence,
        cashable_recurring=claim.cashable_recurring,
        income_pence=claim.income_pence,
        income_recurring=claim.income_recurring,
        avoided_pence=claim.avoided_pence,
        avoided_recurring=claim.avoided_recurring,
        baseline=claim.baseline.strip(),
        method=claim.method.strip(),
        trial_results=claim.trial_results.strip(),
        status=ReportStatus.SUBMITTED,
        submitted_by_id=actor.id,
        submitted_at=utcnow(),
    )
    db.session.add(report)
    db.session.flush()
    for checked in evidence:
        stored = store(checked, evidence_dir)
        remove_if_rolled_back(evidence_dir / stored)
        db.session.add(
            EvidenceFile(
                report=report,
                original_name=checked.original_name,
                stored_name=stored,
                content_type=checked.content_type,
                size_bytes=checked.size_bytes,
                sha256=checked.sha256,
                uploaded_by_id=actor.id,
            )
        )
    record_event(
        "outcome_report.filed",
        actor=actor,
        subject_type="outcome_report",
        subject_id=report.id,
        engagement_id=engagement.id,
        due_month=due_month,
        claimed_pence=report.claimed_total_pence,
        evidence=len(evidence),
    )
    application = engagement.application
    if due_month is not None:
        reminders.cancel("engagement", engagement.id, f"report:{due_month}:expert", f"report:{due_month}:council")
    if application.status is ApplicationStatus.IN_DELIVERY:
        applications.transition(application, "report_outcomes", actor, reason=f"Outcome report {report.id} filed")
    else:
        applications.note_on_timeline(application, "outcome_report_filed", actor, None)
    for person in applications.council_contacts(application):
        _tell(report, person, "outcome_report_to_confirm", f"/applications/{application.id}/reports/{report.id}")
    return report


def _claim_problems(engagement: Engagement, claim: Claim, today: date) -> list[tuple[str, str]]:
    problems = []
    if claim.period_end < claim.period_start:
        problems.append(("period_end", "The end of the period must be on or after its start"))
    if claim.period_end > today:
        problems.append(("period_end", "The end of the period must be today or in the past"))
    if min(claim.cashable_pence, claim.income_pence, claim.avoided_pence) < 0:
        problems.append(("cashable", "Amounts must be £0 or more"))
    if not claim.baseline.strip():
        problems.append(("baseline", "Describe the baseline the savings are measured against"))
    if not claim.method.strip():
        problems.append(("method", "Describe how the savings were measured"))
    for name, text in (("baseline", claim.baseline), ("method", claim.method), ("trial_results", claim.trial_results)):
        if len(text.strip()) > TEXT_LIMIT:
            problems.append((name, "This must be 5,000 characters or fewer"))
    if engagement.application.scheme.kind is SchemeKind.MATCH_FUNDING and not claim.trial_results.strip():
        problems.append(("trial_results", "Give the trial's results against the outcomes it set out to measure"))
    return problems


def _answer(report: OutcomeReport, actor: User) -> Before[ReportStatus]:
    """What the council's answer records, once the door has let it through: who answered and
    when, and the reason for disputing."""

    def answer(move: Move[ReportStatus], reason: str | None) -> dict[str, Any] | None:
        report.council_answered_by_id = actor.id
        report.council_answered_at = utcnow()
        if reason is None:
            return None
        report.dispute_reason = reason
        return {"reason": reason}

    return answer


def confirm(report: OutcomeReport, *, actor: User) -> None:
    """The lead council agrees with the figures claimed."""
    REPORT.transition(report, "confirm", actor, before=_answer(report, actor))
    _tell_staff(report, "outcome_report_answered")


def dispute(report: OutcomeReport, *, actor: User, reason: str) -> None:
    """The lead council does not agree with the figures, and says why."""
    REPORT.transition(report, "dispute", actor, reason=reason, before=_answer(report, actor))
    _tell_staff(report, "outcome_report_answered")
    user = expert_user(report.engagement.expert)
    if user is not None:
        _tell(report, user, "outcome_report_disputed", f"/portal/engagements/{report.engagement_id}")


def verify(
    report: OutcomeReport,
    *,
    actor: User,
    cashable_pence: int,
    income_pence: int,
    avoided_pence: int,
    reason: str,
) -> None:
    """A programme officer verifies the figures once the council has answered: as claimed, or at
    other figures with a reason. When the last evaluation point is verified, the application is
    evaluated."""
    figures = [cashable_pence, income_pence, avoided_pence]

    def check_the_figures(move: Move[ReportStatus], why: str | None) -> dict[str, Any]:
        if min(figures) < 0:
            raise OutcomeError("Amounts must be £0 or more", field="cashable")
        changed = figures != [report.cashable_pence, report.income_pence, report.avoided_pence]
        if (changed or report.status is ReportStatus.DISPUTED) and not why:
            raise OutcomeError(
                "Give the reason for verifying figures other than those claimed"
                if changed
                else "The council disputed these figures: give the reason for verifying them",
                field="reason",
            )
        report.verified_cashable_pence, report.verified_income_pence, report.verified_avoided_pence = figures
        report.verification_reason = why
        report.verified_by_id = actor.id
        report.verified_at = utcnow()
        claimed = [report.cashable_pence, report.income_pence, report.avoided_pence]
        return {"claimed": claimed, "verified": figures, "reason": why}

    REPORT.transition(report, "verify", actor, reason=reason, before=check_the_figures)
    engagement = report.engagement
    application = engagement.application
    user = expert_user(engagement.expert)
    if user is not None:
        _tell(report, user, "outcome_report_verified", f"/portal/engagements/{engagement.id}")
    for person in applications.council_contacts(application):
        _tell(report, person, "outcome_report_verified", f"/applications/{application.id}/reports/{report.id}")
    if (
        engagement.status is EngagementStatus.COMPLETED
        and not points_to_report(engagement)
        # Interim reports, outside the schedule, do not hold the evaluation up.
        and all(r.status is ReportStatus.VERIFIED for r in engagement.reports if r.due_month is not None)
        and application.status is ApplicationStatus.OUTCOMES_REPORTED
    ):
        applications.transition(application, "evaluate", actor, reason="Every outcome report verified")


# Figures -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FigureHistory:
    """One kind of saving through its stages; None where a stage has not been reached."""

    kind: str
    estimated_pence: int | None
    claimed_pence: int
    recurring: bool
    confirmed_pence: int | None
    verified_pence: int | None


def history(report: OutcomeReport) -> list[FigureHistory]:
    application = report.engagement.application
    confirmed = report.status in (ReportStatus.CONFIRMED, ReportStatus.VERIFIED) and report.dispute_reason is None
    rows = [
        ("Cashable savings", application.savings_cashable_pence, report.cashable_pence, report.cashable_recurring,
         report.verified_cashable_pence),
        ("Income generated", application.savings_income_pence, report.income_pence, report.income_recurring,
         report.verified_income_pence),
        ("Costs avoided", application.savings_avoided_pence, report.avoided_pence, report.avoided_recurring,
         report.verified_avoided_pence),
    ]  # fmt: skip
    return [
        FigureHistory(kind, estimated, claimed, recurring, claimed if confirmed else None, verified)
        for kind, estimated, claimed, recurring, verified in rows
    ]


# Messages ------------------------------------------------------------------------------------------


def _context(report: OutcomeReport) -> dict[str, Any]:
    engagement = report.engagement
    application = engagement.application
    return {
        **applications.named(application),
        "expert": engagement.expert.name,
        "month": report.due_month,
        "claimed": pounds(report.claimed_total_pence),
        "verified": pounds(report.verified_total_pence) if report.verified_total_pence is not None else None,
        "status": report.status.label,
        "dispute_reason": report.dispute_reason,
        "verification_reason": report.verification_reason,
    }


def _tell(report: OutcomeReport, user: User, template: str, link: str) -> None:
    queue_email(
        to=user,
        template=template,
        key=f"outcome_report:{report.id}:v{report.version}:{template}:{user.id}",
        link=link,
        context={**_context(report), "name": user.name},
        in_app=True,
    )


def _tell_staff(report: OutcomeReport, template: str) -> None:
    for officer in applications.active_users_with(Role.PROGRAMME_OFFICER):
        _tell(report, officer, template, f"/outcomes/reports/{report.id}")


def reports_for_application(application: Application) -> list[OutcomeReport]:
    return list(
        db.session.scalars(
            select(OutcomeReport)
            .join(Engagement)
            .where(Engagement.application_id == application.id)
            .order_by(OutcomeReport.period_start, OutcomeReport.id)
        )
    )
