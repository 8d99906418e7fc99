"""Reads behind the administrators' pages: people and their roles, the email outbox, and schemes
with their criteria and rounds."""

from __future__ import annotations

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import func, select
from sqlalchemy.orm import defer, joinedload, selectinload

from grants.extensions import db
from grants.models import (
    Council,
    EmailStatus,
    Expert,
    FundingRound,
    OutboundEmail,
    Role,
    Scheme,
    SchemeCriterion,
    User,
    UserRole,
)
from grants.queries import like_pattern

USERS_PAGE_SIZE = 50
EMAILS_PAGE_SIZE = 50


# People --------------------------------------------------------------------------------------------


def list_users_page(role: Role | None, search: str, page: int | None = None) -> Pagination:
    """People by name, with their roles and council: those holding `role`, and whose name or
    email address contains `search`."""
    query = select(User).options(selectinload(User.role_links), joinedload(User.council)).order_by(User.name)
    if role is not None:
        query = query.where(User.id.in_(select(UserRole.user_id).where(UserRole.role == role)))
    if search:
        pattern = like_pattern(search.lower())
        query = query.where(func.lower(User.name).like(pattern, escape="\\") | User.email.like(pattern, escape="\\"))
    return db.paginate(query, page=page, per_page=USERS_PAGE_SIZE, error_out=False)


def get_user_or_404(user_id: int) -> User:
    return db.get_or_404(User, user_id)


def list_council_choices() -> list[tuple[int, str]]:
    """Every council, as (id, name), by name."""
    return [(i, n) for i, n in db.session.execute(select(Council.id, Council.name).order_by(Council.name))]


def list_expert_choices() -> list[tuple[int, str, str]]:
    """Every expert in the pool, as (id, name, email address), by name."""
    rows = db.session.execute(select(Expert.id, Expert.name, Expert.email).order_by(Expert.name))
    return [(i, n, e) for i, n, e in rows]


def get_council(council_id: int) -> Council | None:
    return db.session.get(Council, council_id)


def get_expert(expert_id: int) -> Expert | None:
    return db.session.get(Expert, expert_id)


# The outbox ----------------------------------------------------------------------------------------


def list_emails_page(status: EmailStatus | None, page: int) -> Pagination:
    """Emails in this status (every email for None), newest first, without the bodies: the list
    never shows them, and they are the bulk of each row. Touching one by mistake raises rather
    than loading each row again."""
    query = select(OutboundEmail).options(
        defer(OutboundEmail.text_body, raiseload=True), defer(OutboundEmail.html_body, raiseload=True)
    )
    if status is not None:
        query = query.where(OutboundEmail.status == status)
    query = query.order_by(OutboundEmail.created_at.desc(), OutboundEmail.id.desc())
    return db.paginate(query, page=page, per_page=EMAILS_PAGE_SIZE, error_out=False)


def get_email_or_404(email_id: int) -> OutboundEmail:
    return db.get_or_404(OutboundEmail, email_id)


# Schemes -------------------------------------------------------------------------------------------


def list_schemes_with_round_counts() -> list[tuple[Scheme, int]]:
    """Every scheme by name, with how many rounds it has had."""
    rows = db.session.execute(
        select(Scheme, func.count(FundingRound.id))
        .outerjoin(FundingRound, FundingRound.scheme_id == Scheme.id)
        .group_by(Scheme.id)
        .order_by(Scheme.name)
    )
    return [(scheme, count) for scheme, count in rows]


def get_scheme_or_404(scheme_id: int) -> Scheme:
    return db.get_or_404(Scheme, scheme_id)


def get_criterion(scheme: Scheme, criterion_id: int) -> SchemeCriterion | None:
    """One of the scheme's criteria; None for another scheme's."""
    criterion = db.session.get(SchemeCriterion, criterion_id)
    return criterion if criterion is not None and criterion.scheme_id == scheme.id else None


def get_round(scheme: Scheme, round_id: int) -> FundingRound | None:
    """One of the scheme's rounds; None for another scheme's."""
    funding_round = db.session.get(FundingRound, round_id)
    return funding_round if funding_round is not None and funding_round.scheme_id == scheme.id else None
