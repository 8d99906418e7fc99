"""Shared-services matchmaking: councils' requests (applications to a matchmaking scheme, made
through the applications endpoints) with the partners suggested for each, and introductions
between councils, each council consenting. A council sees the other councils' contacts only
once every council has accepted, and is never told which council declined."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import url_for
from pydantic import Field

from grants.api import forms_bridge, queries
from grants.api.applications import ApplicationOut, reply_with
from grants.api.auth import api_user
from grants.api.pagination import PageQuery, listing, paginate
from grants.api.problems import ApiError, FieldError, found_or_404
from grants.api.routing import Reply, operations
from grants.api.schemas import CouncilRef, PersonRef, council_ref, person_ref
from grants.api.types import Body, Id, Out, Version
from grants.models import (
    Application,
    ConsentStatus,
    Introduction,
    IntroductionStatus,
    PartnerSuggestion,
)
from grants.sharing.forms import AcceptIntroductionForm
from workflows import introductions as workflow
from workflows import partner_suggestions
from workflows.permissions import Permission, can

TAG = "Matchmaking"

# Requests and suggested partners ----------------------------------------------------------------------


class SuggestedPartner(Out):
    council: CouncilRef
    score: int
    reasons: list[str]
    other_request_id: int | None = Field(description="The council's own open request, when it made one.")


class MatchmakingRequest(Out):
    id: int = Field(description="The application's id.")
    reference: str
    title: str
    status: str
    council: CouncilRef
    submitted_at: datetime | None
    answers: dict[str, Any] = Field(description="What the council wants to share, and where its partners could be.")
    suggestions_count: int
    best_score: int | None


class MatchmakingRequestDetail(MatchmakingRequest):
    is_open: bool
    suggestions: list[SuggestedPartner]


def _request_fields(application: Application, summary: tuple[int, int] | None) -> dict[str, Any]:
    return {
        "id": application.id,
        "reference": application.reference,
        "title": application.title or "",
        "status": application.status.value,
        "council": council_ref(application.lead_council),
        "submitted_at": application.submitted_at,
        "answers": {key: application.answers.get(key) or {} for key in ("sharing", "geography")},
        "suggestions_count": summary[0] if summary else 0,
        "best_score": summary[1] if summary else None,
    }


read = operations(tag=TAG, permissions=(Permission.CHECK_APPLICATIONS,))


@read("/matchmaking-requests", summary="List open matchmaking requests", query=PageQuery, **listing(MatchmakingRequest))
def list_matchmaking_requests(query: PageQuery) -> Reply:
    """Councils' open requests for shared-services partners, the longest waiting first, each with
    how many councils are suggested and the best score."""
    summaries: dict[int, tuple[int, int]] = {}

    def load(rows: Any) -> None:
        summaries.update(partner_suggestions.suggestion_summaries([a.id for a in rows]))

    found = queries.matchmaking_requests()
    return paginate(
        found,
        query,
        MatchmakingRequest,
        lambda a: MatchmakingRequest(**_request_fields(a, summaries.get(a.id))),
        prepare=load,
    )


@read(
    "/matchmaking-requests/<int:application_id>",
    summary="One matchmaking request and its suggested partners",
    response=MatchmakingRequestDetail,
)
def get_matchmaking_request(application_id: int) -> MatchmakingRequestDetail:
    """A request with the councils suggested as partners, best first, each with the reasons for
    its score. A request no longer open has none."""
    application = found_or_404(workflow.matchmaking_request(application_id))
    is_open = partner_suggestions.is_open(application)
    found: list[PartnerSuggestion] = partner_suggestions.visible_suggestions(application.id) if is_open else []
    summary = (len(found), max(s.score for s in found)) if found else None
    return MatchmakingRequestDetail(
        **_request_fields(application, summary),
        is_open=is_open,
        suggestions=[
            SuggestedPartner(
                council=council_ref(s.council),
                score=s.score,
                reasons=list(s.reasons or []),
                other_request_id=s.other_request_id,
            )
            for s in found
        ],
    )


# Introductions ----------------------------------------------------------------------------------------


class Contact(Out):
    name: str
    email: str
    phone: str


class Party(Out):
    council: CouncilRef
    consent: ConsentStatus | None = Field(description="Staff, and the council itself: its answer.")
    answered_at: datetime | None
    decline_reason: str | None = Field(description="Staff only.")
    contact: Contact | None = Field(description="Shared once every council has accepted.")


class IntroductionOut(Out):
    id: int
    status: IntroductionStatus
    status_label: str
    version: int
    service_areas: list[str]
    service_area_labels: list[str]
    note: str
    proposed_at: datetime
    proposed_by: PersonRef | None = Field(description="Staff only.")
    agreed_at: datetime | None
    agreement_summary: str
    closed_at: datetime | None
    funding_application_id: int | None
    parties: list[Party]
    allowed_actions: list[str]


def introduction_out(introduction: Introduction) -> IntroductionOut:
    """The introduction as the caller may see it: staff see every council's answer and reason; a
    council sees its own answer, the other councils' contacts once all have accepted, and not
    who declined."""
    user = api_user()
    staff = can(user, Permission.VIEW_PROGRAMME)
    shared = workflow.contacts_shared(introduction)
    parties = []
    for party in introduction.parties:
        own = party.council_id == user.council_id
        contact = None
        if shared and (staff or own or workflow.party_of(introduction, user.council_id) is not None):
            contact = Contact(name=party.contact_name, email=party.contact_email, phone=party.contact_phone)
        parties.append(
            Party(
                council=council_ref(party.council),
                consent=party.consent if staff or own else None,
                answered_at=party.answered_at if staff or own else None,
                decline_reason=party.decline_reason if staff else None,
                contact=contact,
            )
        )
    return IntroductionOut(
        id=introduction.id,
        status=introduction.status,
        status_label=introduction.status.label,
        version=introduction.version,
        service_areas=list(introduction.service_areas),
        service_area_labels=workflow.service_area_labels(introduction),
        note=introduction.note,
        proposed_at=introduction.proposed_at,
        proposed_by=person_ref(introduction.proposed_by) if staff else None,
        agreed_at=introduction.agreed_at,
        agreement_summary=introduction.agreement_summary,
        closed_at=introduction.closed_at,
        funding_application_id=introduction.funding_application_id,
        parties=parties,
        allowed_actions=workflow.allowed_actions(introduction, user),
    )


def _found(introduction_id: int) -> Introduction:
    """Staff see every introduction; a council officer those their council is part of."""
    return found_or_404(queries.introduction_for(api_user(), introduction_id))


introductions_read = operations(tag=TAG, permissions=(Permission.VIEW_PROGRAMME, Permission.APPLY_FOR_COUNCIL))


class IntroductionQuery(PageQuery):
    status: IntroductionStatus | None = None


@introductions_read("/introductions", summary="List introductions", query=IntroductionQuery, **listing(IntroductionOut))
def list_introductions(query: IntroductionQuery) -> Reply:
    """Staff see every introduction; a council officer those their council is part of. The most
    recently proposed first."""
    return paginate(queries.introductions_for(api_user(), query.status), query, IntroductionOut, introduction_out)


@introductions_read("/introductions/<int:introduction_id>", summary="One introduction", response=IntroductionOut)
def get_introduction(introduction_id: int) -> IntroductionOut:
    return introduction_out(_found(introduction_id))


def _introduction_reply(introduction: Introduction, status: int | None = None) -> Reply:
    headers = {}
    if status == 201:
        headers["Location"] = url_for("api.get_introduction", introduction_id=introduction.id)
    return Reply(introduction_out(introduction), status=status, headers=headers)


class NewIntroduction(Body):
    councils: list[str] = Field(
        min_length=1, max_length=workflow.MAX_COUNCILS, description="The councils, each by GSS code or name."
    )
    service_areas: list[str] = Field(max_length=20, description="The service areas they could share, by code.")
    note: str = Field(max_length=workflow.NOTE_MAX, description="Why these councils should talk to each other.")
    request_id: Id | None = Field(None, description="The matchmaking request the introduction starts from.")


step = operations(
    method="POST", tag=TAG, permissions=(Permission.CHECK_APPLICATIONS,), response=IntroductionOut, conflicts=True
)
council_step = operations(
    method="POST", tag=TAG, permissions=(Permission.APPLY_FOR_COUNCIL,), response=IntroductionOut, conflicts=True
)


@step(
    "/introductions",
    summary="Propose an introduction",
    body=NewIntroduction,
    status=201,
    response_headers=("Location",),
)
def propose_introduction(body: NewIntroduction) -> Reply:
    """Introduce two or more councils to each other for the service areas named, saying why;
    each council's officers are asked to answer."""
    entries = [entry[:200] for entry in body.councils]
    councils, unknown = workflow.find_councils(entries)
    if unknown:
        message = "No single council has the name or GSS code: " + ", ".join(unknown)
        raise ApiError(422, message, [FieldError(message, "/councils")])
    source = None
    if body.request_id is not None:
        source = workflow.matchmaking_request(body.request_id)
        if source is None:
            message = "There is no such matchmaking request"
            raise ApiError(422, message, [FieldError(message, "/request_id")])
    introduction = workflow.propose(
        councils, service_areas=body.service_areas, note=body.note, actor=api_user(), request=source
    )
    return _introduction_reply(introduction, 201)


class AcceptIntroduction(Body):
    version: Version
    contact_name: str = Field(max_length=120)
    contact_email: str = Field(max_length=254)
    contact_phone: str = Field(max_length=40)


@council_step("/introductions/<int:introduction_id>/accept", summary="Accept for your council", body=AcceptIntroduction)
def accept_introduction(introduction_id: int, body: AcceptIntroduction) -> Reply:
    """Accept the introduction for your council, giving the contact the other councils may use
    once every council has accepted."""
    introduction = _found_for_council(introduction_id)
    form, pointers = forms_bridge.bind(
        AcceptIntroductionForm,
        {"contact_name": body.contact_name, "contact_email": body.contact_email, "contact_phone": body.contact_phone},
    )
    forms_bridge.validated(form, pointers)
    workflow.accept(introduction, actor=api_user(), contact=form.contact(), expected_version=body.version)
    return _introduction_reply(introduction)


def _found_for_council(introduction_id: int) -> Introduction:
    return found_or_404(workflow.get_for_council(api_user(), introduction_id))


class Reason(Body):
    version: Version
    reason: str = Field(max_length=workflow.REASON_MAX)


@council_step("/introductions/<int:introduction_id>/decline", summary="Decline for your council", body=Reason)
def decline_introduction(introduction_id: int, body: Reason) -> Reply:
    """Decline for your council, saying why (only LGA staff see the reason; the other councils
    are not told which council declined)."""
    introduction = _found_for_council(introduction_id)
    workflow.decline(introduction, actor=api_user(), reason=body.reason, expected_version=body.version)
    return _introduction_reply(introduction)


class Versioned(Body):
    version: Version


@step(
    "/introductions/<int:introduction_id>/start-discussion",
    summary="Record that the councils are in discussion",
    body=Versioned,
)
def start_introduction_discussion(introduction_id: int, body: Versioned) -> Reply:
    introduction = _found(introduction_id)
    workflow.start_discussion(introduction, actor=api_user(), expected_version=body.version)
    return _introduction_reply(introduction)


class Agreement(Body):
    version: Version
    summary: str = Field(max_length=workflow.SUMMARY_MAX, description="What the councils agreed.")


@step("/introductions/<int:introduction_id>/agreement", summary="Record what the councils agreed", body=Agreement)
def record_introduction_agreement(introduction_id: int, body: Agreement) -> Reply:
    """Every council is told, and may then apply for the scheme's funding together."""
    introduction = _found(introduction_id)
    workflow.record_agreement(introduction, actor=api_user(), summary=body.summary, expected_version=body.version)
    return _introduction_reply(introduction)


class Close(Body):
    version: Version
    reason: str | None = Field(None, max_length=workflow.REASON_MAX, description="Needed unless the councils agreed.")


@step("/introductions/<int:introduction_id>/close", summary="Close the introduction", body=Close)
def close_introduction(introduction_id: int, body: Close) -> Reply:
    introduction = _found(introduction_id)
    workflow.close(introduction, actor=api_user(), reason=body.reason, expected_version=body.version)
    return _introduction_reply(introduction)


@council_step(
    "/introductions/<int:introduction_id>/funding-application",
    summary="Apply for funding from the agreement",
    body=Versioned,
    response=ApplicationOut,
    status=201,
    response_headers=("Location",),
)
def apply_for_introduction_funding(introduction_id: int, body: Versioned) -> Reply:
    """Start the joint application for the scheme's funding from an agreed introduction: your
    council leads it and the others are asked to confirm as partners."""
    introduction = _found_for_council(introduction_id)
    application = workflow.apply_for_funding(
        introduction, actor=api_user(), today=date.today(), expected_version=body.version
    )
    return reply_with(application, status=201)
