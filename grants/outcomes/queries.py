"""Read-only queries behind the outcome pages: reports by where they stand, evaluation points
past their due date, one report or engagement with what its page shows, and the evidence files a
person may download."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload, selectinload

from grants.extensions import db
from grants.models import (
    Application,
    ApplicationStatus,
    Engagement,
    EngagementStatus,
    EvidenceFile,
    FundingRound,
    OutcomeReport,
    ReportStatus,
    User,
)
from workflows import outcomes
from workflows.csv_export import CSV_BATCH
from workflows.permissions import Permission, can

PAGE_SIZE = 25

# Applications whose engagement may still owe an outcome report: an evaluated one has every
# evaluation point verified, and a closed one owes nothing.
BEING_EVALUATED = (ApplicationStatus.IN_DELIVERY, ApplicationStatus.OUTCOMES_REPORTED)


def _listed(statuses: Iterable[ReportStatus]) -> Select[tuple[OutcomeReport]]:
    """Reports in these statuses, with the application, council and expert their rows show."""
    engagement = joinedload(OutcomeReport.engagement)
    return (
        select(OutcomeReport)
        .where(OutcomeReport.status.in_(list(statuses)))
        .options(
            engagement.joinedload(Engagement.application).joinedload(Application.lead_council),
            engagement.joinedload(Engagement.expert),
        )
    )


def _page(query: Select[tuple[OutcomeReport]], page: int) -> Pagination:
    return db.paginate(query, page=page, per_page=PAGE_SIZE, error_out=False)


def list_waiting_for_verification_page(page: int) -> Pagination:
    """Reports the council has confirmed or disputed, the longest waiting first."""
    answered = (ReportStatus.CONFIRMED, ReportStatus.DISPUTED)
    return _page(_listed(answered).order_by(OutcomeReport.council_answered_at, OutcomeReport.id), page)


def list_waiting_for_the_council_page(page: int) -> Pagination:
    """Reports filed by the expert that the council has not yet answered, the oldest first."""
    return _page(_listed((ReportStatus.SUBMITTED,)).order_by(OutcomeReport.submitted_at, OutcomeReport.id), page)


def list_verified_since_page(since: datetime, page: int) -> Pagination:
    """Reports verified at or after `since`, the most recent first."""
    query = (
        _listed((ReportStatus.VERIFIED,))
        .where(OutcomeReport.verified_at >= since)
        .order_by(OutcomeReport.verified_at.desc(), OutcomeReport.id.desc())
    )
    return _page(query, page)


def iter_reports() -> Iterator[OutcomeReport]:
    """Every outcome report, the oldest filed first, each with its application, council and
    expert, read in batches so the statements do not grow with the rows."""
    engagement = joinedload(OutcomeReport.engagement)
    query = (
        select(OutcomeReport)
        .options(
            engagement.joinedload(Engagement.application).joinedload(Application.lead_council),
            engagement.joinedload(Engagement.expert),
        )
        .order_by(OutcomeReport.submitted_at, OutcomeReport.id)
        .execution_options(yield_per=CSV_BATCH)
    )
    yield from db.session.scalars(query)


def get_report(report_id: int) -> OutcomeReport | None:
    """One report with what its page shows. Loaded by separate selects, not joins: the workflow
    locks the row by refreshing it FOR UPDATE with the same loader options, which PostgreSQL
    refuses on the nullable side of an outer join."""
    return db.session.scalar(
        select(OutcomeReport)
        .where(OutcomeReport.id == report_id)
        .options(
            selectinload(OutcomeReport.evidence),
            selectinload(OutcomeReport.engagement).selectinload(Engagement.expert),
            selectinload(OutcomeReport.engagement)
            .selectinload(Engagement.application)
            .selectinload(Application.lead_council),
        )
    )


def get_engagement(engagement_id: int) -> Engagement | None:
    """One engagement with its days, its reports and the application they are for."""
    return db.session.scalar(
        select(Engagement)
        .where(Engagement.id == engagement_id)
        .options(
            selectinload(Engagement.expert),
            selectinload(Engagement.work),
            selectinload(Engagement.reports),
            selectinload(Engagement.application).selectinload(Application.lead_council),
            selectinload(Engagement.application).selectinload(Application.round).selectinload(FundingRound.scheme),
        )
    )


@dataclass(frozen=True)
class OverduePoint:
    """An evaluation point whose due date has passed with no report filed for it."""

    engagement: Engagement
    month: int
    due_on: date


def overdue_points(today: date) -> list[OverduePoint]:
    """Every evaluation point due before `today` and not reported, the longest overdue first.

    Only completed work on an application still being evaluated can owe a report, so the
    engagements looked at are those of applications in delivery or with outcomes reported: a
    handful of queries, however long the programme's history."""
    found = db.session.scalars(
        select(Engagement)
        .join(Application, Application.id == Engagement.application_id)
        .where(Engagement.status == EngagementStatus.COMPLETED, Application.status.in_(BEING_EVALUATED))
        .options(
            selectinload(Engagement.expert),
            selectinload(Engagement.reports),
            selectinload(Engagement.application).selectinload(Application.lead_council),
            selectinload(Engagement.application).selectinload(Application.round).selectinload(FundingRound.scheme),
        )
    )
    overdue = []
    for engagement in found:
        unreported = set(outcomes.points_to_report(engagement))
        overdue += [
            OverduePoint(engagement, month, due_on)
            for month, due_on in outcomes.report_schedule(engagement)
            if month in unreported and due_on < today
        ]
    return sorted(overdue, key=lambda point: (point.due_on, point.engagement.id, point.month))


def can_download(user: User, evidence: EvidenceFile) -> bool:
    """Whether the person may download an evidence file: the expert doing the work, an officer of
    the application's lead council, or programme staff. Nobody else learns the file exists."""
    engagement = evidence.report.engagement
    if user.expert_id is not None and user.expert_id == engagement.expert_id:
        return True
    council_id = engagement.application.lead_council_id
    if can(user, Permission.APPLY_FOR_COUNCIL) and user.council_id is not None and user.council_id == council_id:
        return True
    return can(user, Permission.VIEW_PROGRAMME)


def get_evidence_for(user: User, file_id: int) -> EvidenceFile | None:
    """The evidence file if the person may download it; None for anyone else's, as for a file
    that does not exist."""
    evidence = db.session.get(EvidenceFile, file_id)
    if evidence is None or not can_download(user, evidence):
        return None
    return evidence
