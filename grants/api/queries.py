"""Which records the caller may see, by the pages' rules: staff see the programme (applications
once submitted); a council officer sees their council's applications and those it is a partner
in; an expert sees their own engagements. Anything else is None, and the API answers 404, so it
does not even confirm that another council's record exists."""

from __future__ import annotations

from datetime import date
from typing import Literal

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import selectinload

from grants.applications import queries as council_queries
from grants.models import (
    Application,
    ApplicationPartner,
    ApplicationStatus,
    Council,
    Engagement,
    FundingRound,
    OutcomeReport,
    User,
)
from grants.outcomes import queries as outcome_queries
from grants.review import queries as review_queries
from workflows.permissions import Permission, can

Relation = Literal["lead", "partner", "staff"]


def application_for(user: User, application_id: int) -> tuple[Application, Relation] | None:
    """The application and how the caller stands to it: their council leads it or is a partner
    in it, or they are staff (who see an application once it is submitted)."""
    if can(user, Permission.APPLY_FOR_COUNCIL) and user.council_id is not None:
        found = council_queries.get_application(application_id)
        relation = council_queries.relation_of(user, found) if found is not None else None
        if found is not None and relation is not None:
            return found, relation
    if can(user, Permission.VIEW_PROGRAMME):
        staff_view = review_queries.get_application(application_id)
        if staff_view is not None:
            return staff_view, "staff"
    return None


def lead_application_for(user: User, application_id: int) -> Application | None:
    """An application the caller's council leads: the only kind it may change."""
    found = application_for(user, application_id)
    if found is None or found[1] != "lead":
        return None
    return found[0]


def staff_application(application_id: int) -> Application | None:
    return review_queries.get_application(application_id)


def applications_for(
    user: User,
    *,
    status: ApplicationStatus | None,
    scheme_id: int | None,
    round_id: int | None,
    council: str | None,
    search: str,
) -> Select[tuple[Application]]:
    """The applications the caller may list, filtered: staff every submitted one (the queue's
    order, the work due soonest first); a council officer their council's own and those it is a
    partner in, the most recently changed first."""
    if can(user, Permission.VIEW_PROGRAMME) and not (can(user, Permission.APPLY_FOR_COUNCIL) and user.council_id):
        # The queue's own query loads each row's council, round and scheme with it.
        query = review_queries.queue_query(
            review_queries.QueueFilters(status=status, scheme_id=scheme_id, round_id=round_id, search=search),
            today=date.today(),
        )
    else:
        partnered = select(ApplicationPartner.application_id).where(ApplicationPartner.council_id == user.council_id)
        query = (
            select(Application)
            .where(or_(Application.lead_council_id == user.council_id, Application.id.in_(partnered)))
            .order_by(Application.updated_at.desc(), Application.id.desc())
            .options(
                selectinload(Application.lead_council),
                selectinload(Application.round).selectinload(FundingRound.scheme),
            )
        )
        if status is not None:
            query = query.where(Application.status == status)
        if round_id is not None:
            query = query.where(Application.round_id == round_id)
        if scheme_id is not None:
            query = query.where(
                Application.round_id.in_(select(FundingRound.id).where(FundingRound.scheme_id == scheme_id))
            )
        if search:
            query = query.where(func.lower(Application.title).contains(search.lower(), autoescape=True))
    if council:
        code = council.strip().upper()
        query = query.where(Application.lead_council_id.in_(select(Council.id).where(Council.gss_code == code)))
    return query


def engagement_for(user: User, engagement_id: int) -> Engagement | None:
    """Staff who match experts see every engagement; an expert only their own."""
    if can(user, Permission.CHECK_APPLICATIONS):
        return outcome_queries.get_engagement(engagement_id)
    if can(user, Permission.USE_EXPERT_PORTAL) and user.expert_id is not None:
        found = outcome_queries.get_engagement(engagement_id)
        if found is not None and found.expert_id == user.expert_id:
            return found
    return None


def engagements_for(user: User) -> Select[tuple[Engagement]]:
    query = select(Engagement)
    if not can(user, Permission.CHECK_APPLICATIONS):
        query = query.where(Engagement.expert_id == (user.expert_id or -1))
    return query.options(
        selectinload(Engagement.expert),
        selectinload(Engagement.application).selectinload(Application.lead_council),
    ).order_by(Engagement.offered_at.desc(), Engagement.id.desc())


def report_for(user: User, report_id: int) -> OutcomeReport | None:
    """Programme officers see every outcome report; the expert the reports on their work; an
    officer of the lead council the reports on its applications."""
    found = outcome_queries.get_report(report_id)
    if found is None:
        return None
    if can(user, Permission.CHECK_APPLICATIONS):
        return found
    engagement = found.engagement
    expert_id, council_id = user.expert_id, user.council_id
    if can(user, Permission.USE_EXPERT_PORTAL) and expert_id is not None and engagement.expert_id == expert_id:
        return found
    council_lead = council_id is not None and engagement.application.lead_council_id == council_id
    if can(user, Permission.APPLY_FOR_COUNCIL) and council_lead:
        return found
    return None


def reports_for(user: User) -> Select[tuple[OutcomeReport]]:
    query = select(OutcomeReport)
    if not can(user, Permission.CHECK_APPLICATIONS):
        # Whose reports they are is on the engagement; programme staff see every report, and their
        # list (and its count) is read from the reports alone.
        query = query.join(Engagement, Engagement.id == OutcomeReport.engagement_id)
        mine = []
        if can(user, Permission.USE_EXPERT_PORTAL) and user.expert_id is not None:
            mine.append(Engagement.expert_id == user.expert_id)
        if can(user, Permission.APPLY_FOR_COUNCIL) and user.council_id is not None:
            mine.append(
                Engagement.application_id.in_(
                    select(Application.id).where(Application.lead_council_id == user.council_id)
                )
            )
        query = query.where(or_(*mine)) if mine else query.where(OutcomeReport.id.is_(None))
    return query.options(
        selectinload(OutcomeReport.evidence),
        selectinload(OutcomeReport.engagement).selectinload(Engagement.expert),
        selectinload(OutcomeReport.engagement)
        .selectinload(Engagement.application)
        .selectinload(Application.lead_council),
    ).order_by(OutcomeReport.submitted_at.desc(), OutcomeReport.id.desc())
