"""The pool of experts (for staff), the experts suggested for approved work, and offering it."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import Field

from grants.api import queries
from grants.api.auth import api_user
from grants.api.engagements import EngagementOut, engagement_reply
from grants.api.pagination import PageQuery, listing, paginate
from grants.api.problems import found_or_404
from grants.api.routing import Reply, operation, operations
from grants.api.schemas import ExpertRef, expert_ref
from grants.api.types import Body, Id, Out
from grants.matching import queries as matching_queries
from grants.models import (
    Application,
    ApplicationStatus,
    Expert,
    ExpertKind,
    Region,
    Specialism,
    VettingStatus,
)
from workflows import engagements
from workflows.permissions import Permission

# The pool ---------------------------------------------------------------------------------------------


class Availability(Out):
    starts_on: date
    ends_on: date | None
    note: str


class ExpertOut(Out):
    id: int
    name: str
    email: str
    organisation: str
    kind: ExpertKind
    vetting_status: VettingStatus
    specialisms: list[Specialism]
    regions: list[Region]
    day_rate_pence: int
    capacity: int = Field(description="Engagements the expert takes on at once.")
    places_in_use: int = Field(description="Offers waiting and engagements in delivery.")
    created_at: datetime


class ExpertDetail(ExpertOut):
    biography: str
    availability: list[Availability]


class ExpertQuery(PageQuery):
    specialism: Specialism | None = None
    region: Region | None = None


def _fields(expert: Expert, in_use: int) -> dict[str, Any]:
    return {
        "id": expert.id,
        "name": expert.name,
        "email": expert.email,
        "organisation": expert.organisation,
        "kind": expert.kind,
        "vetting_status": expert.vetting_status,
        "specialisms": expert.specialisms,
        "regions": expert.regions,
        "day_rate_pence": expert.day_rate_pence,
        "capacity": expert.capacity,
        "places_in_use": in_use,
        "created_at": expert.created_at,
    }


read = operations(tag="Experts", permissions=(Permission.VIEW_EXPERT_POOL,))


@read("/experts", summary="List the experts in the pool", query=ExpertQuery, **listing(ExpertOut))
def list_experts(query: ExpertQuery) -> Reply:
    """The pool by name, filtered by specialism or region."""
    in_use: dict[int, int] = {}

    def load_places(rows: object) -> None:
        in_use.update(queries.count_places_in_use([e.id for e in rows]))  # type: ignore[attr-defined]

    found = queries.experts_page_query(query.specialism, query.region)
    return paginate(
        found, query, ExpertOut, lambda e: ExpertOut(**_fields(e, in_use.get(e.id, 0))), prepare=load_places
    )


@read("/experts/<int:expert_id>", summary="One expert", response=ExpertDetail)
def get_expert(expert_id: int) -> ExpertDetail:
    found = found_or_404(queries.get_expert(expert_id))
    return ExpertDetail(
        **_fields(found, engagements.places_in_use(found.id)),
        biography=found.biography,
        availability=[Availability(starts_on=w.starts_on, ends_on=w.ends_on, note=w.note) for w in found.availability],
    )


# Suggestions and offers ----------------------------------------------------------------------------------


class Suggestion(Out):
    expert: ExpertRef
    score: int = Field(description="How well the expert fits the work, out of 100.")
    reasons: list[str]
    blocked: str | None = Field(description="Why the expert cannot be offered the work, if they cannot.")


class Suggestions(Out):
    application_id: int
    waiting_for_an_expert: bool
    skills_wanted: list[Specialism]
    current_engagement_id: int | None
    ranked: list[Suggestion]
    blocked: list[Suggestion] = Field(
        description="Experts with the skills asked for who cannot be offered it: a conflict of interest "
        "(which may be overridden with a reason) or no free place."
    )


def _matching_application(application_id: int) -> Application:
    """The application, if its scheme uses experts; any other is a 404, as on the matching pages."""
    return found_or_404(matching_queries.get_matching_application(application_id))


@read(
    "/applications/<int:application_id>/expert-suggestions",
    summary="Experts suggested for the work",
    tag="Matching",
    permissions=(Permission.CHECK_APPLICATIONS,),
    response=Suggestions,
)
def get_expert_suggestions(application_id: int) -> Suggestions:
    """The experts who could do an approved application's work, best first, each with the reasons
    for the score; empty until the council accepts the offer, and once an expert is offered it."""
    application = _matching_application(application_id)
    today = date.today()
    waiting = application.status is ApplicationStatus.EXPERT_MATCHING
    current = engagements.live_engagement(application)
    found = engagements.suggestions_for(application, today) if waiting and current is None else None
    fits = [*found.ranked, *found.blocked] if found else []
    experts = queries.list_experts_by_id([f.expert_id for f in fits])

    def suggestion(fit: object) -> Suggestion:
        return Suggestion(
            expert=expert_ref(experts[fit.expert_id]),  # type: ignore[attr-defined]
            score=fit.score,  # type: ignore[attr-defined]
            reasons=list(fit.reasons),  # type: ignore[attr-defined]
            blocked=fit.blocked,  # type: ignore[attr-defined]
        )

    return Suggestions(
        application_id=application.id,
        waiting_for_an_expert=waiting and current is None,
        skills_wanted=sorted(engagements.skills_wanted(application)),
        current_engagement_id=current.id if current else None,
        ranked=[suggestion(f) for f in found.ranked] if found else [],
        blocked=[suggestion(f) for f in found.blocked] if found else [],
    )


class NewOffer(Body):
    expert_id: Id
    override_reason: str | None = Field(
        None, max_length=2000, description="Needed to offer the work to an expert with a conflict of interest."
    )


@operation(
    "/applications/<int:application_id>/engagements",
    "POST",
    summary="Offer the work to an expert",
    tag="Matching",
    permissions=(Permission.CHECK_APPLICATIONS,),
    body=NewOffer,
    status=201,
    conflicts=True,
    response_headers=("Location",),
    response=EngagementOut,
)
def offer_work(application_id: int, body: NewOffer) -> Reply:
    """Offer an approved application's work to an expert in the pool. Refused (409) when the work
    is not waiting for an expert or is offered already, or the expert is not vetted, is of the
    wrong kind or has no free place; a conflict of interest needs `override_reason` (422)."""
    application = _matching_application(application_id)
    engagement = engagements.offer(
        application, body.expert_id, actor=api_user(), today=date.today(), override_reason=body.override_reason
    )
    return engagement_reply(engagement, status=201)
