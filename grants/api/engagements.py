"""Engagements: work offered to an expert and, once accepted, delivered. The expert answers the
offer, logs days and completes the work; staff may withdraw an offer not yet answered. An
expert sees only their own engagements."""

from __future__ import annotations

from datetime import date, datetime

from flask import url_for
from pydantic import Field

from grants.api.auth import api_user
from grants.api.pagination import PageQuery, listing, paginate
from grants.api.problems import found_or_404
from grants.api.queries import engagement_for, engagements_for
from grants.api.routing import Reply, operations
from grants.api.schemas import CouncilRef, ExpertRef, council_ref, expert_ref
from grants.api.types import Body, Out, Version
from grants.models import Application, Engagement, EngagementStatus
from workflows import engagements, outcomes
from workflows.permissions import Permission, can

TAG = "Engagements"
READ = (Permission.CHECK_APPLICATIONS, Permission.USE_EXPERT_PORTAL)


class ApplicationRef(Out):
    id: int
    reference: str
    title: str
    lead_council: CouncilRef


class EngagementSummary(Out):
    id: int
    status: EngagementStatus
    status_label: str
    version: int
    application: ApplicationRef
    expert: ExpertRef
    offered_at: datetime
    expires_on: date = Field(description="The last day to answer the offer.")
    responded_at: datetime | None
    completed_at: datetime | None


class WorkOut(Out):
    id: int
    worked_on: date
    days_tenths: int = Field(description="Days worked, in tenths of a day (half a day is 5).")
    milestone: str
    logged_at: datetime


class ReportPoint(Out):
    due_month: int = Field(description="Months after the work was completed.")
    due_on: date
    report_id: int | None


class EngagementOut(EngagementSummary):
    score: int
    reasons: list[str]
    conflict_override_reason: str | None = Field(description="Staff only.")
    decline_reason: str | None
    days_logged_tenths: int
    work: list[WorkOut]
    report_schedule: list[ReportPoint] = Field(description="The evaluation points, once the work is complete.")
    outcome_report_ids: list[int]
    allowed_actions: list[str]


def application_ref(application: Application) -> ApplicationRef:
    return ApplicationRef(
        id=application.id,
        reference=application.reference,
        title=application.title or "",
        lead_council=council_ref(application.lead_council),
    )


def _summary(engagement: Engagement) -> dict[str, object]:
    return {
        "id": engagement.id,
        "status": engagement.status,
        "status_label": engagement.status.label,
        "version": engagement.version,
        "application": application_ref(engagement.application),
        "expert": expert_ref(engagement.expert),
        "offered_at": engagement.offered_at,
        "expires_on": engagement.expires_on,
        "responded_at": engagement.responded_at,
        "completed_at": engagement.completed_at,
    }


def engagement_summary(engagement: Engagement) -> EngagementSummary:
    return EngagementSummary(**_summary(engagement))  # type: ignore[arg-type]


def _actions(engagement: Engagement) -> list[str]:
    user = api_user()
    mine = user.expert_id is not None and user.expert_id == engagement.expert_id
    found = []
    if mine and engagement.status is EngagementStatus.OFFERED and engagement.expires_on >= date.today():
        found += ["accept", "decline"]
    if mine and engagement.status is EngagementStatus.ACCEPTED:
        found += ["log_work", "complete"]
    if mine and engagement.status in (EngagementStatus.ACCEPTED, EngagementStatus.COMPLETED):
        found.append("file_outcome_report")
    if can(user, Permission.CHECK_APPLICATIONS) and engagement.status is EngagementStatus.OFFERED:
        found.append("withdraw")
    return found


def engagement_out(engagement: Engagement) -> EngagementOut:
    reported = {r.due_month: r.id for r in engagement.reports if r.due_month is not None}
    schedule = outcomes.report_schedule(engagement) if engagement.completed_at else []
    staff = can(api_user(), Permission.CHECK_APPLICATIONS)
    return EngagementOut(
        **_summary(engagement),  # type: ignore[arg-type]
        score=engagement.score,
        reasons=list(engagement.reasons or []),
        conflict_override_reason=engagement.conflict_override_reason if staff else None,
        decline_reason=engagement.decline_reason,
        days_logged_tenths=engagement.days_logged_tenths,
        work=[
            WorkOut(
                id=w.id, worked_on=w.worked_on, days_tenths=w.days_tenths, milestone=w.milestone, logged_at=w.logged_at
            )
            for w in engagement.work
        ],
        report_schedule=[ReportPoint(due_month=m, due_on=d, report_id=reported.get(m)) for m, d in schedule],
        outcome_report_ids=[r.id for r in engagement.reports],
        allowed_actions=_actions(engagement),
    )


def engagement_reply(engagement: Engagement, *, status: int | None = None) -> Reply:
    headers = {"Location": url_for("api.get_engagement", engagement_id=engagement.id)} if status == 201 else {}
    return Reply(engagement_out(engagement), status=status, headers=headers)


def _found(engagement_id: int) -> Engagement:
    return found_or_404(engagement_for(api_user(), engagement_id))


def _own(engagement_id: int) -> Engagement:
    """The caller's own engagement, as the expert doing the work; anyone else's is a 404."""
    return found_or_404(engagements.own_engagement(api_user(), engagement_id))


class EngagementQuery(PageQuery):
    status: EngagementStatus | None = None
    application_id: int | None = Field(None, ge=1, le=2_147_483_647)


read = operations(tag=TAG, permissions=READ)


@read("/engagements", summary="List engagements", query=EngagementQuery, **listing(EngagementSummary))
def list_engagements(query: EngagementQuery) -> Reply:
    """Staff see every offer and engagement; an expert their own. The latest offered first."""
    found = engagements_for(api_user(), status=query.status, application_id=query.application_id)
    return paginate(found, query, EngagementSummary, engagement_summary)


@read("/engagements/<int:engagement_id>", summary="One engagement", response=EngagementOut)
def get_engagement(engagement_id: int) -> EngagementOut:
    """The engagement with the days logged and its evaluation points."""
    return engagement_out(_found(engagement_id))


class Answer(Body):
    version: Version


class Decline(Body):
    version: Version
    reason: str = Field(max_length=2000, description="Why (the programme team will see it).")


step = operations(
    method="POST", tag=TAG, permissions=(Permission.USE_EXPERT_PORTAL,), response=EngagementOut, conflicts=True
)


@step("/engagements/<int:engagement_id>/accept", summary="Accept the offer of work", body=Answer)
def accept_engagement(engagement_id: int, body: Answer) -> Reply:
    """The expert takes the work on: delivery starts, and the council and staff are told."""
    engagement = _own(engagement_id)
    engagements.accept(engagement, actor=api_user(), today=date.today(), expected_version=body.version)
    return engagement_reply(engagement)


@step("/engagements/<int:engagement_id>/decline", summary="Decline the offer of work", body=Decline)
def decline_engagement(engagement_id: int, body: Decline) -> Reply:
    """The expert turns the work down, saying why; it goes back to the matching queue."""
    engagement = _own(engagement_id)
    engagements.decline(
        engagement, actor=api_user(), reason=body.reason, today=date.today(), expected_version=body.version
    )
    return engagement_reply(engagement)


class Withdraw(Body):
    reason: str = Field(max_length=2000, description="Why (the expert will see it).")


@step(
    "/engagements/<int:engagement_id>/withdraw",
    summary="Withdraw an offer of work",
    permissions=(Permission.CHECK_APPLICATIONS,),
    body=Withdraw,
)
def withdraw_engagement(engagement_id: int, body: Withdraw) -> Reply:
    """Take back an offer not yet answered, saying why: the expert's place is freed."""
    engagement = _found(engagement_id)
    engagements.withdraw(engagement, actor=api_user(), reason=body.reason)
    return engagement_reply(engagement)


class NewWork(Body):
    worked_on: date
    days_tenths: int = Field(ge=1, le=100, description="Days worked in tenths of a day: 0.1 to 10 days in one entry.")
    milestone: str = Field(max_length=5000, description="The milestone reached or the work done.")


@step(
    "/engagements/<int:engagement_id>/work",
    summary="Log days worked",
    body=NewWork,
    status=201,
    fields={"days": "/days_tenths"},
)
def log_work(engagement_id: int, body: NewWork) -> Reply:
    """The expert records days worked on the engagement and the milestone reached."""
    engagement = _own(engagement_id)
    outcomes.log_work(
        engagement,
        actor=api_user(),
        worked_on=body.worked_on,
        days_tenths=body.days_tenths,
        milestone=body.milestone,
        today=date.today(),
    )
    return Reply(engagement_out(engagement), status=201)


@step("/engagements/<int:engagement_id>/complete", summary="Mark the work complete")
def complete_engagement(engagement_id: int) -> Reply:
    """The expert marks the work complete: outcome reports fall due at the scheme's evaluation
    points (in `report_schedule`)."""
    engagement = _own(engagement_id)
    outcomes.complete(engagement, actor=api_user(), today=date.today())
    return engagement_reply(engagement)
