"""Every engagement in one list, for the programme officers and brokers who follow the work:
filtered by status, round and expert, and downloadable as a CSV file with the same filters.

Each row carries its days logged and reports filed as figures the database adds up, so a page or
a download costs the same few statements however many engagements there are."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date

from flask import render_template, request, stream_with_context
from sqlalchemy import BigInteger, ScalarSelect, Select, Subquery, func, select
from sqlalchemy.orm import joinedload
from werkzeug.wrappers import Response

from grants.auth.permissions import requires
from grants.extensions import db
from grants.matching.views import PAGE_SIZE, bp
from grants.models import (
    Application,
    Engagement,
    EngagementStatus,
    Expert,
    FundingRound,
    OutcomeReport,
    Scheme,
    WorkLog,
)
from grants.streaming import in_chunks
from workflows.csv_export import CSV_BATCH, csv_line, csv_pounds, csv_uk_time
from workflows.permissions import Permission


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


def filters_from(args: Mapping[str, str]) -> EngagementFilters:
    """The filters from the query string; anything unrecognised is ignored."""
    status = next((s for s in EngagementStatus if s.value == (args.get("status") or "")), None)
    round_text = (args.get("round") or "").strip()
    return EngagementFilters(
        status=status,
        round_id=int(round_text) if round_text.isdigit() else None,
        expert=(args.get("expert") or "").strip()[:100],
    )


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


def engagements_query(filters: EngagementFilters) -> Select[tuple[Engagement, int, int, int]]:
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
        escaped = filters.expert.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(Expert.name.ilike(f"%{escaped}%", escape="\\"))
    return query


def _counts(filters: EngagementFilters) -> tuple[int, dict[EngagementStatus, int]]:
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


def days_text(tenths: int) -> str:
    """Days in tenths as a number of days: 25 → "2.5", 30 → "3"."""
    whole, part = divmod(tenths, 10)
    return f"{whole}.{part}" if part else str(whole)


@bp.route("/engagements")
@requires(Permission.CHECK_APPLICATIONS)
def engagements() -> str:
    filters = filters_from(request.args)
    page_number = max(request.args.get("page", 1, type=int) or 1, 1)
    total, counts = _counts(filters)
    rows = list(db.session.execute(engagements_query(filters).limit(PAGE_SIZE).offset((page_number - 1) * PAGE_SIZE)))
    rounds = list(
        db.session.scalars(
            select(FundingRound)
            .join(Scheme)
            .where(Scheme.uses_experts.is_(True))
            .options(joinedload(FundingRound.scheme))
            .order_by(FundingRound.opens_on.desc(), Scheme.name)
        )
    )
    return render_template(
        "matching/engagements.html",
        rows_found=rows,
        total=total,
        counts=counts,
        filters=filters,
        rounds=rounds,
        statuses=list(EngagementStatus),
        page=Page(page_number, total),
        days_text=days_text,
    )


@dataclass(frozen=True)
class Page:
    """Which page of the list is shown, with what the pagination links need."""

    page: int
    total: int

    @property
    def pages(self) -> int:
        return max((self.total + PAGE_SIZE - 1) // PAGE_SIZE, 1)

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1

    def iter_pages(self, **_: int) -> Iterator[int | None]:
        """The first and last page, and the pages either side of this one, with None for a gap."""
        shown = sorted({1, self.pages, *range(max(self.page - 1, 1), min(self.page + 2, self.pages) + 1)})
        previous = 0
        for number in shown:
            if number > previous + 1:
                yield None
            yield number
            previous = number


ENGAGEMENTS_CSV_HEADER = (
    "Application reference",
    "Council",
    "GSS code",
    "Scheme",
    "Round",
    "Expert",
    "Status",
    "Match score",
    "Offered at (UK time)",
    "Offer expires on",
    "Answered at (UK time)",
    "Reason declined",
    "Completed at (UK time)",
    "Days logged",
    "Outcome reports filed",
    "Savings and income verified (£)",
)


def engagements_csv(filters: EngagementFilters) -> Iterator[str]:
    """The engagements the page's filters choose, as CSV lines in the page's order, the header
    first, read from the database in batches. The byte order mark lets a spreadsheet read UTF-8."""
    yield "\ufeff" + csv_line(ENGAGEMENTS_CSV_HEADER)
    query = engagements_query(filters).execution_options(yield_per=CSV_BATCH)
    for found, tenths, filed, verified in db.session.execute(query):
        application = found.application
        yield csv_line(
            [
                application.reference,
                application.lead_council.name,
                application.lead_council.gss_code,
                application.round.scheme.name,
                application.round.name,
                found.expert.name,
                found.status.label,
                str(found.score),
                csv_uk_time(found.offered_at),
                found.expires_on.isoformat(),
                csv_uk_time(found.responded_at),
                found.decline_reason or "",
                csv_uk_time(found.completed_at),
                days_text(int(tenths)),
                str(int(filed)),
                csv_pounds(int(verified)),
            ]
        )


@bp.route("/engagements.csv")
@requires(Permission.CHECK_APPLICATIONS)
def engagements_download() -> Response:
    """The engagements the page's filters choose, as a CSV file sent as it is written."""
    body = in_chunks(engagements_csv(filters_from(request.args)))
    response = Response(stream_with_context(body), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="engagements-{date.today().isoformat()}.csv"'
    return response
