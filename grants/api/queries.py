"""Which records the caller may see, by the pages' rules: staff see the programme (applications
once submitted); a council officer sees their council's applications and those it is a partner
in; an expert sees their own engagements. Anything else is None, and the API answers 404, so it
does not even confirm that another council's record exists."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import selectinload

from grants.applications import queries as council_queries
from grants.extensions import db
from grants.main import queries as main_queries
from grants.models import (
    HOLDS_A_PLACE,
    ApiToken,
    Application,
    ApplicationEvent,
    ApplicationPartner,
    ApplicationStatus,
    BoardReport,
    Council,
    CouncilTier,
    Engagement,
    EngagementStatus,
    Expert,
    FundingRound,
    Introduction,
    IntroductionParty,
    IntroductionStatus,
    OutcomeReport,
    Region,
    ReportStatus,
    Scheme,
    SharedArrangement,
    SharedArrangementCouncil,
    SharedArrangementYear,
    Specialism,
    User,
)
from grants.outcomes import queries as outcome_queries
from grants.review import queries as review_queries
from workflows import arrangements, introductions, partner_suggestions
from workflows.arrangements import RegisterFilter
from workflows.permissions import Permission, can

Relation = Literal["lead", "partner", "staff"]


def application_for(user: User, application_id: int) -> tuple[Application, Relation] | None:
    """The application and how the caller stands to it: their council leads it or is a partner
    in it, or they are staff (who see an application once it is submitted)."""
    if can(user, Permission.APPLY_FOR_COUNCIL) and user.council_id is not None:
        own = council_queries.get_application_for(user, application_id)
        if own is not None:
            return own
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


def engagements_for(
    user: User, *, status: EngagementStatus | None = None, application_id: int | None = None
) -> Select[tuple[Engagement]]:
    """Staff who match experts see every engagement; an expert only their own. The latest offered
    first, in the status and for the application asked for."""
    query = select(Engagement)
    if not can(user, Permission.CHECK_APPLICATIONS):
        query = query.where(Engagement.expert_id == (user.expert_id or -1))
    if status is not None:
        query = query.where(Engagement.status == status)
    if application_id is not None:
        query = query.where(Engagement.application_id == application_id)
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


def reports_for(
    user: User, *, status: ReportStatus | None = None, engagement_id: int | None = None
) -> Select[tuple[OutcomeReport]]:
    """The outcome reports the caller may see (as `report_for`), the latest filed first, in the
    status and for the engagement asked for."""
    query = select(OutcomeReport)
    if status is not None:
        query = query.where(OutcomeReport.status == status)
    if engagement_id is not None:
        query = query.where(OutcomeReport.engagement_id == engagement_id)
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


def get_page(query: Select[Any], page: int, per_page: int) -> Pagination:
    """One page of the query's rows, with the count of them all."""
    return db.paginate(query, page=page, per_page=per_page, error_out=False, count=True)


# Applications ---------------------------------------------------------------------------------------


def events_of(application: Application) -> Select[tuple[ApplicationEvent]]:
    """The application's timeline, oldest first, with who took each step."""
    return (
        select(ApplicationEvent)
        .where(ApplicationEvent.application_id == application.id)
        .options(selectinload(ApplicationEvent.actor))
        .order_by(ApplicationEvent.occurred_at, ApplicationEvent.id)
    )


def get_round(round_id: int, *, with_scheme: bool = False) -> FundingRound | None:
    if not with_scheme:
        return db.session.get(FundingRound, round_id)
    return db.session.scalar(
        select(FundingRound).where(FundingRound.id == round_id).options(selectinload(FundingRound.scheme))
    )


# Experts and matching ---------------------------------------------------------------------------------


def experts_page_query(specialism: Specialism | None, region: Region | None) -> Select[tuple[Expert]]:
    """The pool, filtered as the pool's page filters it, in a stable order for paging."""
    return main_queries.experts_query(specialism, region).order_by(Expert.id)


def count_places_in_use(expert_ids: list[int]) -> dict[int, int]:
    """For each of these experts, the offers waiting and the engagements in delivery."""
    if not expert_ids:
        return {}
    rows = db.session.execute(
        select(Engagement.expert_id, func.count())
        .where(Engagement.expert_id.in_(expert_ids), Engagement.status.in_(HOLDS_A_PLACE))
        .group_by(Engagement.expert_id)
    )
    return dict(rows.tuples().all())


def get_expert(expert_id: int) -> Expert | None:
    """An expert with their availability."""
    return db.session.scalar(select(Expert).where(Expert.id == expert_id).options(selectinload(Expert.availability)))


def list_experts_by_id(expert_ids: list[int]) -> dict[int, Expert]:
    return {e.id: e for e in db.session.scalars(select(Expert).where(Expert.id.in_(expert_ids)))}


# Matchmaking -----------------------------------------------------------------------------------------


def matchmaking_requests() -> Select[tuple[Application]]:
    """The open matchmaking requests, the longest waiting first, with their councils."""
    return partner_suggestions.matchmaking_requests().options(selectinload(Application.lead_council))


def introduction_for(user: User, introduction_id: int) -> Introduction | None:
    """Staff see every introduction; a council officer those their council is part of."""
    if can(user, Permission.VIEW_PROGRAMME):
        return db.session.scalar(
            select(Introduction)
            .where(Introduction.id == introduction_id)
            .options(selectinload(Introduction.parties).selectinload(IntroductionParty.council))
        )
    return introductions.get_for_council(user, introduction_id)


def introductions_for(user: User, status: IntroductionStatus | None) -> Select[tuple[Introduction]]:
    """The introductions the caller may see (as `introduction_for`), the most recently proposed
    first, in the status asked for."""
    if can(user, Permission.VIEW_PROGRAMME):
        found = introductions.list_introductions(status)
    else:
        found = introductions.list_for_council(user.council_id or -1)
        if status is not None:
            found = found.where(Introduction.status == status)
    return found.options(selectinload(Introduction.proposed_by))


# Reference data -------------------------------------------------------------------------------------


def councils(tier: CouncilTier | None, search: str) -> Select[tuple[Council]]:
    """The council register by name: of the tier, searched by part of the name or by GSS code."""
    found = select(Council).options(selectinload(Council.parent)).order_by(Council.name, Council.id)
    if tier is not None:
        found = found.where(Council.tier == tier)
    if search:
        found = found.where(
            or_(
                func.lower(Council.name).contains(search.lower(), autoescape=True),
                func.upper(Council.gss_code) == search.upper(),
            )
        )
    return found


def schemes(active: bool | None) -> Select[tuple[Scheme]]:
    """The schemes by name with their criteria; only those taking applications, or only those not,
    when `active` says so."""
    found = select(Scheme).options(selectinload(Scheme.criteria)).order_by(Scheme.name, Scheme.id)
    if active is not None:
        found = found.where(Scheme.is_active.is_(active))
    return found


def get_scheme(scheme_id: int) -> Scheme | None:
    return db.session.scalar(select(Scheme).where(Scheme.id == scheme_id).options(selectinload(Scheme.criteria)))


def rounds(scheme_id: int | None, is_open: bool | None, today: date) -> Select[tuple[FundingRound]]:
    """Funding rounds with their schemes, the latest closing first: of one scheme, and open today
    or not, when asked."""
    found = (
        select(FundingRound)
        .options(selectinload(FundingRound.scheme))
        .order_by(FundingRound.closes_on.desc(), FundingRound.id)
    )
    if scheme_id is not None:
        found = found.where(FundingRound.scheme_id == scheme_id)
    if is_open is True:
        found = found.where(FundingRound.opens_on <= today, FundingRound.closes_on >= today)
    elif is_open is False:
        found = found.where(or_(FundingRound.opens_on > today, FundingRound.closes_on < today))
    return found


def get_board_report(report_id: int) -> BoardReport | None:
    return db.session.get(BoardReport, report_id)


def get_api_token(token_id: int) -> ApiToken | None:
    return db.session.get(ApiToken, token_id)


# The shared services map ------------------------------------------------------------------------------


def arrangement(arrangement_id: int) -> SharedArrangement | None:
    """An arrangement on the map with its councils and its years (the map is read by staff and
    every council alike)."""
    return db.session.scalar(
        select(SharedArrangement)
        .where(SharedArrangement.id == arrangement_id)
        .options(
            selectinload(SharedArrangement.councils).joinedload(SharedArrangementCouncil.council),
            selectinload(SharedArrangement.years),
        )
    )


def arrangements_of(chosen: RegisterFilter) -> Select[tuple[SharedArrangement]]:
    """The arrangements of the filter's edition it chooses, by name, with their councils."""
    return arrangements.register_query(chosen)


def arrangement_savings_in(year: int, arrangement_ids: list[int]) -> dict[int, SharedArrangementYear]:
    """The savings of a financial year of these arrangements, by arrangement, in one statement."""
    return arrangements.savings_in(year, arrangement_ids)


def county_by_code(gss_code: str) -> Council | None:
    """The county council with this GSS code, or None."""
    return arrangements.get_county(gss_code)
