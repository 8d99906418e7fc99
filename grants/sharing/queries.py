"""Reads behind the shared-services pages: the open matchmaking requests, introductions, and the
register of shared arrangements. The lists and figures themselves are the workflow's
(workflows/partner_suggestions.py, introductions.py, arrangements.py); these take a page of them,
or one record, for a page."""

from __future__ import annotations

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import select

from grants.extensions import db
from grants.models import Council, Introduction, IntroductionStatus, SharedArrangement, SharedArrangementYear
from workflows import arrangements, introductions, partner_suggestions
from workflows.arrangements import RegisterFilter

PAGE_SIZE = 25


def list_matchmaking_requests_page(per_page: int) -> Pagination:
    """The open matchmaking requests, the longest waiting first."""
    return db.paginate(partner_suggestions.matchmaking_requests(), per_page=per_page, error_out=False, count=True)


def list_introductions_page(status: IntroductionStatus | None, page: int) -> Pagination:
    """Introductions in this status (every one, for None), the most recently proposed first."""
    return db.paginate(introductions.list_introductions(status), page=page, per_page=PAGE_SIZE, error_out=False)


def get_council(council_id: int) -> Council | None:
    return db.session.get(Council, council_id)


def get_introduction_or_404(introduction_id: int) -> Introduction:
    return db.get_or_404(Introduction, introduction_id)


def get_arrangement_from(introduction: Introduction) -> SharedArrangement | None:
    """The arrangement recorded from the introduction, if one was."""
    return db.session.scalar(
        select(SharedArrangement).where(SharedArrangement.introduction_id == introduction.id).limit(1)
    )


def list_register_page(chosen: RegisterFilter) -> Pagination:
    """The arrangements on the map that the filter chooses."""
    return db.paginate(arrangements.register_query(chosen), per_page=PAGE_SIZE, error_out=False)


def get_arrangement_or_404(arrangement_id: int) -> SharedArrangement:
    return db.get_or_404(SharedArrangement, arrangement_id)


def get_savings_in(year: int, arrangement_ids: list[int]) -> dict[int, SharedArrangementYear]:
    """The savings of a financial year of these arrangements (a page of the register), by
    arrangement, in one statement."""
    return arrangements.savings_in(year, arrangement_ids)
