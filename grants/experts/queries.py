"""Reads behind the expert pool's pages: an expert with their availability, the register of
conflicts of interest, and the signed-in expert's own record."""

from __future__ import annotations

import re

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from grants.extensions import db
from grants.models import ConflictOfInterest, Council, Expert, ExpertAvailability, User
from grants.queries import like_pattern

CONFLICTS_PAGE_SIZE = 50


def get_expert_or_404(expert_id: int) -> Expert:
    return db.get_or_404(Expert, expert_id)


def get_own_expert(user: User) -> Expert | None:
    """The expert record of the signed-in expert; None for an account not linked to one."""
    return db.session.get(Expert, user.expert_id) if user.expert_id is not None else None


def get_window(expert: Expert, window_id: int) -> ExpertAvailability | None:
    """One of the expert's windows of availability; None for anyone else's."""
    window = db.session.get(ExpertAvailability, window_id)
    return window if window is not None and window.expert_id == expert.id else None


def list_conflicts_of(expert: Expert) -> list[ConflictOfInterest]:
    """The expert's conflicts of interest, by council."""
    return list(
        db.session.scalars(
            select(ConflictOfInterest)
            .join(ConflictOfInterest.council)
            .where(ConflictOfInterest.expert_id == expert.id)
            .options(joinedload(ConflictOfInterest.council), joinedload(ConflictOfInterest.recorded_by))
            .order_by(Council.name)
        )
    )


def list_conflicts_page(council: str) -> Pagination:
    """The register of conflicts of interest by council and expert: with the council whose GSS
    code `council` is, or with councils whose name contains it (every one, when it is blank)."""
    query = (
        select(ConflictOfInterest)
        .join(ConflictOfInterest.council)
        .join(ConflictOfInterest.expert)
        .options(
            joinedload(ConflictOfInterest.council),
            joinedload(ConflictOfInterest.expert),
            joinedload(ConflictOfInterest.recorded_by),
        )
        .order_by(Council.name, Expert.name)
    )
    if re.fullmatch(r"[EWew]\d{8}", council):
        query = query.where(Council.gss_code == council.upper())
    elif council:
        query = query.where(func.lower(Council.name).like(like_pattern(council.lower()), escape="\\"))
    return db.paginate(query, per_page=CONFLICTS_PAGE_SIZE, error_out=False)


def get_conflict_or_404(conflict_id: int) -> ConflictOfInterest:
    return db.get_or_404(ConflictOfInterest, conflict_id)
