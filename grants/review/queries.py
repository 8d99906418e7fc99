"""Read-only queries behind the staff pages: the queues and one application with all it holds."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from grants.extensions import db
from grants.main import queries as main_queries
from grants.models import (
    Application,
    ApplicationEvent,
    ApplicationPartner,
    ApplicationStatus,
    Assessment,
    Award,
    Council,
    FundingRound,
    Payment,
    Scheme,
)
from grants.queries import like_pattern
from workflows.csv_export import CSV_BATCH

PAGE_SIZE = 25


@dataclass(frozen=True)
class Queue:
    """A stage of the work, shown as one of the links above the table."""

    key: str
    label: str
    status: ApplicationStatus | None


QUEUES = [
    Queue("submitted", "Eligibility check", ApplicationStatus.SUBMITTED),
    Queue("in_assessment", "In assessment", ApplicationStatus.IN_ASSESSMENT),
    Queue("awaiting_decision", "Awaiting decision", ApplicationStatus.AWAITING_DECISION),
    Queue("changes_requested", "Changes requested", ApplicationStatus.CHANGES_REQUESTED),
    Queue("offered", "Offered", ApplicationStatus.OFFERED),
    Queue("all", "All", None),
]

# Drafts are the council's own unfinished work: staff see an application once it is submitted.
VISIBLE_STATUSES = [status for status in ApplicationStatus if status is not ApplicationStatus.DRAFT]


@dataclass(frozen=True)
class QueueFilters:
    """What the person asked for in the query string, already checked."""

    status: ApplicationStatus | None = None
    scheme_id: int | None = None
    round_id: int | None = None
    search: str = ""
    overdue: bool = False

    def as_args(self) -> dict[str, str]:
        """The filters as query-string arguments, for the pagination and queue links."""
        args = {
            "status": self.status.value if self.status else "",
            "scheme": str(self.scheme_id or ""),
            "round": str(self.round_id or ""),
            "q": self.search,
            "overdue": "yes" if self.overdue else "",
        }
        return {name: value for name, value in args.items() if value}


def _filtered(query: Select[Any], filters: QueueFilters, today: date) -> Select[Any]:
    """Every filter but the status, which the queue counts leave out."""
    query = query.where(Application.status.in_(VISIBLE_STATUSES))
    if filters.round_id is not None:
        query = query.where(Application.round_id == filters.round_id)
    if filters.scheme_id is not None:
        query = query.where(
            Application.round_id.in_(select(FundingRound.id).where(FundingRound.scheme_id == filters.scheme_id))
        )
    if filters.search:
        pattern = like_pattern(filters.search.lower())
        councils = select(Council.id).where(func.lower(Council.name).like(pattern, escape="\\"))
        query = query.where(
            or_(
                Application.lead_council_id.in_(councils),
                func.lower(Application.reference).like(pattern, escape="\\"),
            )
        )
    if filters.overdue:
        query = query.where(Application.stage_due_on < today)
    return query


def queue_query(filters: QueueFilters, today: date) -> Select[tuple[Application]]:
    """One page of a queue in one statement: the rows carry their council, round and scheme.
    The work due soonest comes first, so overdue work is at the top."""
    query = _filtered(select(Application), filters, today)
    if filters.status is not None:
        query = query.where(Application.status == filters.status)
    return query.options(
        joinedload(Application.lead_council),
        joinedload(Application.round).joinedload(FundingRound.scheme),
    ).order_by(Application.stage_due_on.asc().nulls_last(), Application.submitted_at, Application.id)


def list_queue_page(filters: QueueFilters, today: date) -> Pagination:
    return db.paginate(queue_query(filters, today), per_page=PAGE_SIZE, error_out=False)


def iter_queue(filters: QueueFilters, today: date) -> Iterator[Application]:
    """Every application the filters choose, in the queue's order, read in batches, each carrying
    its council, round and scheme, so the statements do not grow with the rows."""
    yield from db.session.scalars(queue_query(filters, today).execution_options(yield_per=CSV_BATCH))


def queue_counts(filters: QueueFilters, today: date) -> dict[str, int]:
    """How many applications each queue holds under the other filters, in one statement."""
    query = _filtered(select(Application.status, func.count()), filters, today).group_by(Application.status)
    by_status = dict(db.session.execute(query).tuples().all())
    counts = {queue.key: by_status.get(queue.status, 0) for queue in QUEUES if queue.status is not None}
    counts["all"] = sum(by_status.values())
    return counts


def list_schemes() -> list[Scheme]:
    return list(db.session.scalars(select(Scheme).order_by(Scheme.name)))


def list_rounds() -> list[FundingRound]:
    return main_queries.list_rounds(by_scheme=True)


def get_application(application_id: int) -> Application | None:
    """The application with everything its page shows, in a fixed handful of statements.

    Everything is loaded by separate SELECT ... IN statements, none joined to the application's
    own row: the workflow locks that row by reloading it FOR UPDATE, and the reload repeats the
    loading options, which PostgreSQL refuses beside an outer join (and would otherwise lock the
    joined rows too)."""
    return db.session.scalar(
        select(Application)
        .where(Application.id == application_id, Application.status != ApplicationStatus.DRAFT)
        .options(
            selectinload(Application.lead_council),
            selectinload(Application.created_by),
            selectinload(Application.round).selectinload(FundingRound.scheme).selectinload(Scheme.criteria),
            # Joined (inner: every partner has a council), so that the statements are the same
            # whether or not the application has partners.
            selectinload(Application.partners).joinedload(ApplicationPartner.council, innerjoin=True),
            # The people on each record are joined into its own statement: FOR UPDATE goes only
            # on the application's statement, so joins are safe here.
            selectinload(Application.events).joinedload(ApplicationEvent.actor),
            selectinload(Application.assessments).joinedload(Assessment.assessor),
            selectinload(Application.award).options(
                joinedload(Award.approved_by),
                joinedload(Award.accepted_by),
                selectinload(Award.payments).joinedload(Payment.recorded_by),
            ),
        )
    )
