"""Read-only queries behind the start pages and the programme's lists."""

from __future__ import annotations

from datetime import date, datetime

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, func, select, text
from sqlalchemy.orm import joinedload, selectinload

from grants.extensions import db
from grants.models import (
    Council,
    CouncilTier,
    Expert,
    ExpertRegion,
    ExpertSpecialism,
    FundingRound,
    Region,
    Scheme,
    Specialism,
    User,
    VettingStatus,
    WorkerHeartbeat,
)
from grants.queries import like_pattern


def list_open_rounds(today: date) -> list[FundingRound]:
    return list(
        db.session.scalars(
            select(FundingRound)
            .join(FundingRound.scheme)
            .where(Scheme.is_active, FundingRound.opens_on <= today, FundingRound.closes_on >= today)
            .options(joinedload(FundingRound.scheme))
            .order_by(Scheme.name, FundingRound.closes_on)
        )
    )


def list_rounds(*, by_scheme: bool = False) -> list[FundingRound]:
    """Every round with its scheme: the latest closing first, or by scheme and the latest opened
    first within each."""
    order = (Scheme.name, FundingRound.opens_on.desc()) if by_scheme else (FundingRound.closes_on.desc(), Scheme.name)
    return list(
        db.session.scalars(
            select(FundingRound).join(FundingRound.scheme).options(joinedload(FundingRound.scheme)).order_by(*order)
        )
    )


def pool_summary() -> dict[str, int]:
    rows = db.session.execute(select(Expert.vetting_status, func.count()).group_by(Expert.vetting_status)).all()
    counts = {status.value: 0 for status in VettingStatus}
    counts.update({status.value: n for status, n in rows})
    return counts


def experts_query(specialism: Specialism | None, region: Region | None) -> Select[tuple[Expert]]:
    """The pool by name, with the specialism and in the region asked for (either may be None)."""
    query = select(Expert).order_by(Expert.name)
    if specialism is not None:
        query = query.where(
            Expert.id.in_(select(ExpertSpecialism.expert_id).where(ExpertSpecialism.specialism == specialism))
        )
    if region is not None:
        query = query.where(Expert.id.in_(select(ExpertRegion.expert_id).where(ExpertRegion.region == region)))
    return query


def list_experts_page(specialism: Specialism | None, region: Region | None, per_page: int) -> Pagination:
    return db.paginate(experts_query(specialism, region), per_page=per_page, error_out=False)


def councils_query(tier: CouncilTier | None, search: str) -> Select[tuple[Council]]:
    query = select(Council).options(joinedload(Council.parent)).order_by(Council.name)
    if tier is not None:
        query = query.where(Council.tier == tier)
    if search:
        query = query.where(func.lower(Council.name).like(like_pattern(search.lower()), escape="\\"))
    return query


def list_councils_page(tier: CouncilTier | None, search: str, per_page: int) -> Pagination:
    """The register by name: councils of the tier, whose names contain `search`."""
    return db.paginate(councils_query(tier, search), per_page=per_page, error_out=False)


def council_counts_by_tier() -> dict[CouncilTier, int]:
    rows = db.session.execute(select(Council.tier, func.count()).group_by(Council.tier)).all()
    return {tier: count for tier, count in rows}  # noqa: C416 - rows are Row objects, not tuples


def get_council_by_gss(gss_code: str) -> Council | None:
    return db.session.scalar(select(Council).where(Council.gss_code == gss_code.upper()))


def get_council_for(user: User, gss_code: str) -> Council | None:
    """The council with this GSS code if the user may see it: staff see every council, a council
    officer only their own. None otherwise, so that the view answers 404 either way."""
    council = db.session.scalar(
        select(Council)
        .where(Council.gss_code == gss_code.upper())
        .options(joinedload(Council.parent), selectinload(Council.districts))
    )
    if council is None:
        return None
    if user.is_staff or council.id == user.council_id:
        return council
    return None


def list_council_people(council: Council) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .where(User.council_id == council.id, User.is_active)
            .options(selectinload(User.role_links))
            .order_by(User.name)
        )
    )


def get_expert(expert_id: int) -> Expert | None:
    return db.session.get(Expert, expert_id)


def get_expert_or_404(expert_id: int) -> Expert:
    return db.get_or_404(Expert, expert_id)


def database_answers() -> None:
    """Ask the database the simplest question; it raises when the database cannot answer."""
    db.session.execute(text("SELECT 1"))


def last_worker_heartbeat() -> datetime | None:
    """When a worker last ran the heartbeat task, if one ever has."""
    return db.session.scalar(select(WorkerHeartbeat.last_seen_at).order_by(WorkerHeartbeat.last_seen_at.desc()))


def count_users_awaiting_invitation() -> int:
    return (
        db.session.scalar(select(func.count()).select_from(User).where(User.password_hash.is_(None), User.is_active))
        or 0
    )
