"""Reads behind the reporting pages that are not figures (those are the workflow's,
workflows/reporting.py): a scheme or a round to report on, the schemes with rounds in a year, and
the board reports as issued."""

from __future__ import annotations

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from grants.extensions import db
from grants.models import BoardReport, FundingRound, Scheme
from workflows import reporting
from workflows.reporting import Scope

PAGE_SIZE = 25


def get_scheme_or_404(scheme_id: int) -> Scheme:
    return db.get_or_404(Scheme, scheme_id)


def get_round(round_id: int) -> FundingRound | None:
    """A round with its scheme."""
    return db.session.scalar(
        select(FundingRound).options(joinedload(FundingRound.scheme)).where(FundingRound.id == round_id)
    )


def list_schemes_in_year(year: int) -> list[Scheme]:
    """The schemes with a round open in the financial year, by name."""
    return list(
        db.session.scalars(
            select(Scheme)
            .where(Scheme.id.in_(select(FundingRound.scheme_id).where(Scope(year=year).condition())))
            .order_by(Scheme.name)
        )
    )


def list_board_reports_page(page: int | None) -> Pagination:
    """Issued board reports, the latest quarter first and its latest version first."""
    return db.paginate(reporting.list_board_reports(), page=page, per_page=PAGE_SIZE, error_out=False)


def get_board_report(report_id: int) -> BoardReport | None:
    """An issued board report, with who issued it."""
    return db.session.scalar(
        select(BoardReport).options(joinedload(BoardReport.issued_by)).where(BoardReport.id == report_id)
    )
