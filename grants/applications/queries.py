"""Read-only queries behind a council's applications: its own, those it is a partner in, and the
councils it may bid with."""

from __future__ import annotations

from datetime import date
from typing import Literal

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from grants.extensions import db
from grants.main.queries import list_open_rounds
from grants.models import (
    Application,
    ApplicationEvent,
    ApplicationPartner,
    Council,
    FundingRound,
    Introduction,
    User,
)
from workflows import introductions
from workflows.applications import CLOSED

Relation = Literal["lead", "partner"]

PAGE_SIZE = 25
# The introductions listed on the council's applications page, the most recent first.
INTRODUCTIONS_LISTED = 50


def list_lead_applications_page(council_id: int, page: int) -> Pagination:
    """The council's own applications, the most recently changed first."""
    query = (
        select(Application)
        .where(Application.lead_council_id == council_id)
        .options(joinedload(Application.round).joinedload(FundingRound.scheme))
        .order_by(Application.updated_at.desc(), Application.id.desc())
    )
    return db.paginate(query, page=page, per_page=PAGE_SIZE, error_out=False)


def list_partner_applications_page(council_id: int, page: int) -> Pagination:
    """Other councils' applications that name this council as a partner."""
    query = (
        select(Application)
        .join(ApplicationPartner, ApplicationPartner.application_id == Application.id)
        .where(ApplicationPartner.council_id == council_id)
        .options(
            joinedload(Application.round).joinedload(FundingRound.scheme),
            joinedload(Application.lead_council),
            selectinload(Application.partners),
        )
        .order_by(Application.updated_at.desc(), Application.id.desc())
    )
    return db.paginate(query, page=page, per_page=PAGE_SIZE, error_out=False)


def list_council_introductions(council_id: int) -> list[Introduction]:
    """The introductions the council is part of, the most recent first: the latest few."""
    return list(db.session.scalars(introductions.list_for_council(council_id).limit(INTRODUCTIONS_LISTED)))


def get_round_or_404(round_id: int) -> FundingRound:
    return db.get_or_404(FundingRound, round_id)


def open_rounds(today: date) -> list[FundingRound]:
    return list_open_rounds(today)


def current_in_rounds(council_id: int, round_ids: list[int]) -> dict[int, list[Application]]:
    """The council's applications still in play in each of these rounds, so that the start page
    can point to one already begun rather than let a second be started unawares."""
    if not round_ids:
        return {}
    found = db.session.scalars(
        select(Application)
        .where(
            Application.lead_council_id == council_id,
            Application.round_id.in_(round_ids),
            Application.status.not_in(CLOSED),
        )
        .order_by(Application.id)
    )
    by_round: dict[int, list[Application]] = {}
    for application in found:
        by_round.setdefault(application.round_id, []).append(application)
    return by_round


def get_application(application_id: int) -> Application | None:
    """The application with what its pages show. Loaded by separate selects rather than joins:
    the domain locks the row by refreshing it FOR UPDATE with the same loader options, and
    PostgreSQL refuses FOR UPDATE on the nullable side of an outer join."""
    return db.session.scalar(
        select(Application)
        .where(Application.id == application_id)
        .options(
            selectinload(Application.round).selectinload(FundingRound.scheme),
            selectinload(Application.lead_council),
            selectinload(Application.partners).selectinload(ApplicationPartner.council),
            selectinload(Application.events).selectinload(ApplicationEvent.actor),
        )
    )


def get_application_for(user: User, application_id: int) -> tuple[Application, Relation] | None:
    """The application and how the officer's council stands to it; None for an application the
    council neither leads nor is a partner in, as for one that does not exist."""
    application = get_application(application_id)
    relation = relation_of(user, application) if application is not None else None
    if application is None or relation is None:
        return None
    return application, relation


def relation_of(user: User, application: Application) -> Relation | None:
    """How the officer's council stands to the application: it leads it, it is a partner in it,
    or neither (and then the officer may not know the application exists)."""
    if user.council_id is None:
        return None
    if application.lead_council_id == user.council_id:
        return "lead"
    if any(p.council_id == user.council_id for p in application.partners):
        return "partner"
    return None


def partner_council_choices(lead_council_id: int) -> list[tuple[str, str]]:
    """Every council in the register but the lead, as (GSS code, "Name (code)") for a select."""
    rows = db.session.execute(
        select(Council.gss_code, Council.name).where(Council.id != lead_council_id).order_by(Council.name)
    ).all()
    return [(code, f"{name} ({code})") for code, name in rows]


def councils_by_gss(codes: list[str]) -> dict[str, Council]:
    if not codes:
        return {}
    return {c.gss_code: c for c in db.session.scalars(select(Council).where(Council.gss_code.in_(codes)))}
