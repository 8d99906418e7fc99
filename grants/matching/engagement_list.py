"""Every engagement in one list, for the programme officers and brokers who follow the work:
filtered by status, round and expert, and downloadable as a CSV file with the same filters.

Each row carries its days logged and reports filed as figures the database adds up, so a page or
a download costs the same few statements however many engagements there are."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date

from flask import render_template, request
from werkzeug.wrappers import Response

from grants.auth.permissions import requires
from grants.matching import queries
from grants.matching.queries import PAGE_SIZE
from grants.matching.views import bp
from grants.models import (
    EngagementStatus,
)
from grants.streaming import csv_download
from workflows.csv_export import application_cells, csv_line, csv_pounds, csv_uk_time
from workflows.permissions import Permission


def filters_from(args: Mapping[str, str]) -> queries.EngagementFilters:
    """The filters from the query string; anything unrecognised is ignored."""
    status = next((s for s in EngagementStatus if s.value == (args.get("status") or "")), None)
    round_text = (args.get("round") or "").strip()
    return queries.EngagementFilters(
        status=status,
        round_id=int(round_text) if round_text.isdigit() else None,
        expert=(args.get("expert") or "").strip()[:100],
    )


def days_text(tenths: int) -> str:
    """Days in tenths as a number of days: 25 → "2.5", 30 → "3"."""
    whole, part = divmod(tenths, 10)
    return f"{whole}.{part}" if part else str(whole)


@bp.route("/engagements")
@requires(Permission.CHECK_APPLICATIONS)
def engagements() -> str:
    filters = filters_from(request.args)
    page_number = max(request.args.get("page", 1, type=int) or 1, 1)
    total, counts = queries.count_engagements(filters)
    rows = queries.list_engagement_rows(filters, page_number)
    rounds = queries.list_expert_rounds(with_schemes=True)
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


def engagements_csv(filters: queries.EngagementFilters) -> Iterator[str]:
    """The engagements the page's filters choose, as CSV lines in the page's order, the header
    first, read from the database in batches. The byte order mark lets a spreadsheet read UTF-8."""
    yield "\ufeff" + csv_line(ENGAGEMENTS_CSV_HEADER)
    for found, tenths, filed, verified in queries.iter_engagement_rows(filters):
        application = found.application
        yield csv_line(
            [
                *application_cells(application),
                found.expert.name,
                found.status.label,
                str(found.score),
                csv_uk_time(found.offered_at),
                found.expires_on.isoformat(),
                csv_uk_time(found.responded_at),
                found.decline_reason or "",
                csv_uk_time(found.completed_at),
                days_text(tenths),
                str(filed),
                csv_pounds(verified),
            ]
        )


@bp.route("/engagements.csv")
@requires(Permission.CHECK_APPLICATIONS)
def engagements_download() -> Response:
    """The engagements the page's filters choose, as a CSV file sent as it is written."""
    return csv_download(engagements_csv(filters_from(request.args)), f"engagements-{date.today().isoformat()}.csv")
