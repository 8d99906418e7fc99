"""Reads behind the matching pages: the work waiting for an expert, the offers waiting for an
answer, the runs that match a round, one application's experts and engagements, and every
engagement with its days logged and reports filed, filtered and counted."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import BigInteger, ScalarSelect, Select, Subquery, func, select
from sqlalchemy.orm import joinedload, selectinload

from grants.extensions import db
from grants.models import (
    Application,
    ApplicationStatus,
    Engagement,
    EngagementStatus,
    Expert,
    FundingRound,
    MatchRun,
    OutcomeReport,
    Scheme,
    WorkLog,
)
from grants.queries import like_pattern
from workflows import engagements
from workflows.csv_export import CSV_BATCH

PAGE_SIZE = 25
OFFERS_LISTED = 50
RUNS_LISTED = 10


# The queue -------------------------------------------------------------------------------------------


def list_waiting_page(round_id: int | None) -> Pagination:
    """Approved work waiting for an expert (in one round, when given), with its council, round
    and scheme."""
    waiting = engagements.waiting_for_an_expert(round_id).options(
        selectinload(Application.lead_council), selectinload(Application.round).selectinload(FundingRound.scheme)
    )
    return db.paginate(waiting, per_page=PAGE_SIZE, error_out=False, count=True)


def count_waiting_by_round() -> dict[int, int]:
    """How much work waits for an expert in each round."""
    rows = db.session.execute(
        engagements.waiting_for_an_expert()
        .with_only_columns(Application.round_id, func.count())
        .group_by(Application.round_id)
        .order_by(None)
    )
    return {round_id: int(count) for round_id, count in rows}


def list_expert_rounds(*, with_schemes: bool = False) -> list[FundingRound]:
    """The rounds of schemes that use experts, the latest first (with their schemes loaded, when
    a page names them)."""
    query = (
        select(FundingRound)
        .join(Scheme)
        .where(Scheme.uses_experts.is_(True))
        .order_by(FundingRound.opens_on.desc(), Scheme.name)
    )
    if with_schemes:
        query = query.options(joinedload(FundingRound.scheme))
    return list(db.session.scalars(query))


def list_waiting_offers() -> list[Engagement]:
    """Offers not yet answered, the first to expire first, with their application, council and
    expert."""
    return list(
        db.session.scalars(
            select(Engagement)
            .options(
                selectinload(Engagement.application).selectinload(Application.lead_council),
                selectinload(Engagement.expert),
            )
            .where(Engagement.status == EngagementStatus.OFFERED)
            .order_by(Engagement.expires_on, Engagement.id)
            .limit(OFFERS_LISTED)
        )
    )


def list_recent_runs() -> list[MatchRun]:
    return list(db.session.scalars(select(MatchRun).order_by(MatchRun.id.desc()).limit(RUNS_LISTED)))


# One application and one run ------------------------------------------------------------------------


def get_matching_application(application_id: int) -> Application | None:
    """An application whose scheme uses experts. A draft is the council's own until it is
    submitted: staff see it nowhere, so it is None, as for one that does not exist."""
    application = db.session.get(Application, application_id)
    if application is None or application.status is ApplicationStatus.DRAFT or not application.scheme.uses_experts:
        return None
    return application


def list_experts_by_id(expert_ids: Iterable[int]) -> dict[int, Expert]:
    return {e.id: e for e in db.session.scalars(select(Expert).where(Expert.id.in_(list(expert_ids))))}


def list_engagements_of(application: Application) -> list[Engagement]:
    """Every offer of the application's work, the latest first."""
    return list(
        db.session.scalars(
            select(Engagement).where(Engagement.application_id == application.id).order_by(Engagement.id.desc())
        )
    )


def get_engagement_or_404(engagement_id: int) -> Engagement:
    return db.get_or_404(Engagement, engagement_id)


def get_round(round_id: int) -> FundingRound | None:
    return db.session.get(FundingRound, round_id)


def get_run_or_404(run_id: int) -> MatchRun:
    return db.get_or_404(MatchRun, run_id)


def list_applications_by_id(application_ids: Iterable[int], *, with_councils: bool = False) -> dict[int, Application]:
    query = select(Application).where(Application.id.in_(list(application_ids)))
    if with_councils:
        query = query.options(selectinload(Application.lead_council))
    return {a.id: a for a in db.session.scalars(query)}


def list_offers_of_run(run: MatchRun) -> list[Engagement]:
    return list(db.session.scalars(select(Engagement).where(Engagement.match_run_id == run.id)))


# Every engagement ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EngagementFilters:
    status: EngagementStatus | None = None
    round_id: int | None = None
    expert: str = ""

    def as_args(self) -> dict[str, str]:
        """The filters as query-string arguments, for pagination links and the download."""
        return {
            "status": self.status.value if self.status else "",
            "round": str(self.round_id) if self.round_id else "",
            "expert": self.expert,
        }

    @property
    def any(self) -> bool:
        return bool(self.status or self.round_id or self.expert)


def _days_logged() -> ScalarSelect[int]:
    return (
        select(func.coalesce(func.sum(WorkLog.days_tenths), 0).cast(BigInteger))
        .where(WorkLog.engagement_id == Engagement.id)
        .scalar_subquery()
    )


def _report_figures() -> Subquery:
    """Per engagement: reports filed, and the savings and income verified so far."""
    verified = (
        func.coalesce(OutcomeReport.verified_cashable_pence, 0)
        + func.coalesce(OutcomeReport.verified_income_pence, 0)
        + func.coalesce(OutcomeReport.verified_avoided_pence, 0)
    )
    return (
        select(
            OutcomeReport.engagement_id.label("engagement_id"),
            func.count().label("filed"),
            func.sum(verified).cast(BigInteger).label("verified_pence"),
        )
        .group_by(OutcomeReport.engagement_id)
        .subquery()
    )


EngagementRow = tuple[Engagement, int, int, int]


def engagements_query(filters: EngagementFilters) -> Select[EngagementRow]:
    """Engagements the filters choose, the most recent offer first, each with its application,
    council, round, scheme and expert, its days logged (in tenths), its reports filed and the
    pence verified from them."""
    reports = _report_figures()
    query = (
        select(
            Engagement,
            _days_logged().label("days_tenths"),
            func.coalesce(reports.c.filed, 0),
            func.coalesce(reports.c.verified_pence, 0),
        )
        .join(Engagement.application)
        .join(Engagement.expert)
        .outerjoin(reports, reports.c.engagement_id == Engagement.id)
        .options(
            joinedload(Engagement.application).joinedload(Application.lead_council),
            joinedload(Engagement.application).joinedload(Application.round).joinedload(FundingRound.scheme),
            joinedload(Engagement.expert),
        )
        .order_by(Engagement.offered_at.desc(), Engagement.id.desc())
    )
    if filters.status is not None:
        query = query.where(Engagement.status == filters.status)
    if filters.round_id is not None:
        query = query.where(Application.round_id == filters.round_id)
    if filters.expert:
        query = query.where(Expert.name.ilike(like_pattern(filters.expert), escape="\\"))
    return query


def count_engagements(filters: EngagementFilters) -> tuple[int, dict[EngagementStatus, int]]:
    """How many engagements the filters choose, and how many of those are in each status
    (ignoring the status filter, so the choices show what each would give)."""
    unfiltered = EngagementFilters(round_id=filters.round_id, expert=filters.expert)
    by_status = (
        engagements_query(unfiltered)
        .with_only_columns(Engagement.status, func.count())
        .group_by(Engagement.status)
        .order_by(None)
    )
    counts = {EngagementStatus(status): int(count) for status, count in db.session.execute(by_status)}
    total = counts.get(filters.status, 0) if filters.status else sum(counts.values())
    return total, counts


def list_engagement_rows(filters: EngagementFilters, page: int) -> list[EngagementRow]:
    """One page of the engagements the filters choose."""
    query = engagements_query(filters).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    return [(found, tenths, filed, verified) for found, tenths, filed, verified in db.session.execute(query)]


def iter_engagement_rows(filters: EngagementFilters) -> Iterator[EngagementRow]:
    """Every engagement the filters choose, in the page's order, read in batches."""
    query = engagements_query(filters).execution_options(yield_per=CSV_BATCH)
    for found, tenths, filed, verified in db.session.execute(query):
        yield found, int(tenths), int(filed), int(verified)
