"""Applications, the council's side: the list, one application, starting one, its sections and
partners, submitting, withdrawing, the offer, and a partner council's answer.

Every rule is the workflow's (workflows/applications.py) and every answer is checked by the
form of its section, as on the pages."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from flask import url_for
from pydantic import Field

from grants.api import forms_bridge
from grants.api import queries as api_queries
from grants.api.auth import api_user
from grants.api.pagination import PageQuery, listing, paginate
from grants.api.problems import ApiError, FieldError, found_or_404, pointer_to
from grants.api.queries import Relation, application_for, applications_for, lead_application_for
from grants.api.routing import Reply, operations
from grants.api.schemas import (
    CouncilRef,
    PersonRef,
    RoundRef,
    SchemeRef,
    council_ref,
    person_ref,
    round_ref,
    scheme_ref,
)
from grants.api.types import Body, Id, Out, Pence, Version
from grants.applications import forms, queries
from grants.applications.match_funding_sections import MAX_PARTNERS, PartnersForm
from grants.fields import REASON_MAX, SHORT_MAX
from grants.models import (
    Application,
    ApplicationEvent,
    ApplicationStatus,
    Award,
    PartnerStatus,
    User,
)
from workflows import applications as workflow
from workflows.application_rules import action_label, can_record_payment, can_score, names_actor
from workflows.permissions import Permission

TAG = "Applications"
READ = (Permission.APPLY_FOR_COUNCIL, Permission.VIEW_PROGRAMME)

# Representations ---------------------------------------------------------------------------------


class ApplicationSummary(Out):
    id: int
    reference: str
    title: str
    status: ApplicationStatus
    status_label: str
    version: int
    scheme: SchemeRef
    round: RoundRef
    lead_council: CouncilRef
    amount_requested_pence: int | None
    match_pence: int | None
    submitted_at: datetime | None
    stage_due_on: date | None = Field(description="When the current stage's work is due (working days).")
    updated_at: datetime


class PartnerOut(Out):
    council: CouncilRef
    status: PartnerStatus
    match_share_pence: int
    responded_at: datetime | None


class SectionOut(Out):
    key: str
    label: str
    done: bool
    answers: dict[str, Any] = Field(description="The saved answers by question (see the scheme's sections).")


class RuleResult(Out):
    rule: str
    passed: bool
    detail: str


class PaymentOut(Out):
    id: int
    amount_pence: int
    paid_on: date
    reference: str
    recorded_at: datetime


class AwardOut(Out):
    amount_pence: int
    match_pence: int
    paid_pence: int
    unpaid_pence: int
    approved_at: datetime
    conditions: str
    accepted_at: datetime | None
    signatory_name: str | None
    signatory_role: str | None
    payments: list[PaymentOut]


class ApplicationOut(ApplicationSummary):
    relation: Literal["lead", "partner", "staff"] = Field(
        description="How you stand to it: your council leads it, is a partner in it, or you are staff."
    )
    allowed_actions: list[str] = Field(description="The steps you could take on it now.")
    partners: list[PartnerOut]
    sections: list[SectionOut]
    missing_sections: list[str]
    savings_cashable_pence: int | None
    savings_income_pence: int | None
    savings_avoided_pence: int | None
    match_needed_pence: int
    match_offered_pence: int
    eligibility_passed: bool | None
    eligibility_checked_at: datetime | None
    eligibility_results: list[RuleResult]
    decided_at: datetime | None
    created_at: datetime
    combined_score_tenths: int | None = Field(
        description="Staff only: the mean of the assessors' weighted scores, in tenths of a percent."
    )
    award: AwardOut | None


class EventOut(Out):
    id: int
    action: str
    label: str
    from_status: str | None
    to_status: str | None
    reason: str | None
    occurred_at: datetime
    actor: PersonRef | None = Field(description="Who did it (null for the service, and for assessors to councils).")


def summary_fields(application: Application) -> dict[str, Any]:
    return {
        "id": application.id,
        "reference": application.reference,
        "title": application.title or "",
        "status": application.status,
        "status_label": application.status.label,
        "version": application.version,
        "scheme": scheme_ref(application.round.scheme),
        "round": round_ref(application.round),
        "lead_council": council_ref(application.lead_council),
        "amount_requested_pence": application.amount_requested_pence,
        "match_pence": application.match_pence,
        "submitted_at": application.submitted_at,
        "stage_due_on": application.stage_due_on,
        "updated_at": application.updated_at,
    }


def application_summary(application: Application) -> ApplicationSummary:
    return ApplicationSummary(**summary_fields(application))


def _sections(application: Application) -> list[SectionOut]:
    found = []
    for key, label in workflow.sections_for(application.scheme):
        answers: dict[str, Any] = {}
        if key == "partners":
            answers = {
                "partners": [
                    {"gss_code": p.council.gss_code, "match_share_pence": p.match_share_pence}
                    for p in application.partners
                ]
            }
        elif key in application.answers:
            form = forms.saved_form(application, key)
            answers = forms_bridge.saved_answers(form) if form is not None else {}
        found.append(SectionOut(key=key, label=label, done=key in application.sections_done, answers=answers))
    return found


def award_out(award: Award | None) -> AwardOut | None:
    if award is None:
        return None
    return AwardOut(
        amount_pence=award.amount_pence,
        match_pence=award.match_pence,
        paid_pence=award.paid_pence,
        unpaid_pence=award.unpaid_pence,
        approved_at=award.approved_at,
        conditions=award.conditions,
        accepted_at=award.accepted_at,
        signatory_name=award.signatory_name,
        signatory_role=award.signatory_role,
        payments=[
            PaymentOut(
                id=p.id,
                amount_pence=p.amount_pence,
                paid_on=p.paid_on,
                reference=p.reference,
                recorded_at=p.recorded_at,
            )
            for p in award.payments
        ],
    )


def actions_for(application: Application, user: User, relation: Relation) -> list[str]:
    """The steps the caller could take now: the workflow's moves, and those the pages offer
    beside them (scoring, recording a payment, a partner's answer, changing a section)."""
    if relation == "partner":
        mine = next((p for p in application.partners if p.council_id == user.council_id), None)
        waiting = workflow.editable(application) and mine is not None and mine.status is PartnerStatus.INVITED
        return ["respond_as_partner"] if waiting else []
    found = list(workflow.allowed_actions(application, user))
    if relation == "lead" and workflow.editable(application):
        found.insert(0, "edit")
    if relation == "staff":
        if can_score(application, user):
            found.append("assess")
        if can_record_payment(application, user):
            found.append("record_payment")
    return found


def application_out(application: Application, relation: Relation, user: User) -> ApplicationOut:
    return ApplicationOut(
        **summary_fields(application),
        relation=relation,
        allowed_actions=actions_for(application, user, relation),
        partners=[
            PartnerOut(
                council=council_ref(p.council),
                status=p.status,
                match_share_pence=p.match_share_pence,
                responded_at=p.responded_at,
            )
            for p in application.partners
        ],
        sections=_sections(application),
        missing_sections=workflow.missing_sections(application),
        savings_cashable_pence=application.savings_cashable_pence,
        savings_income_pence=application.savings_income_pence,
        savings_avoided_pence=application.savings_avoided_pence,
        match_needed_pence=workflow.match_needed(application),
        match_offered_pence=workflow.match_offered(application),
        eligibility_passed=application.eligibility_passed,
        eligibility_checked_at=application.eligibility_checked_at,
        eligibility_results=[RuleResult(**r) for r in application.eligibility_results or []],
        decided_at=application.decided_at,
        created_at=application.created_at,
        combined_score_tenths=workflow.combined_score_tenths(application) if relation == "staff" else None,
        award=award_out(application.award),
    )


def found_for(application_id: int) -> tuple[Application, Relation]:
    return found_or_404(application_for(api_user(), application_id))


def own(application_id: int) -> Application:
    """An application the caller's council leads; any other is a 404 (a partner may only look)."""
    return found_or_404(lead_application_for(api_user(), application_id))


def reply_with(application: Application, relation: Relation = "lead", *, status: int | None = None) -> Reply:
    body = application_out(application, relation, api_user())
    headers = {"Location": url_for("api.get_application", application_id=application.id)} if status == 201 else {}
    return Reply(body, status=status, headers=headers)


# The list and one application --------------------------------------------------------------------------


class ApplicationQuery(PageQuery):
    status: ApplicationStatus | None = None
    scheme_id: int | None = Field(None, ge=1, le=2_147_483_647)
    round_id: int | None = Field(None, ge=1, le=2_147_483_647)
    council: str | None = Field(None, max_length=9, description="The lead council's GSS code.")
    q: str | None = Field(None, max_length=100, description="Staff: part of a council's name or a reference.")


read = operations(tag=TAG, permissions=READ)


@read("/applications", summary="List applications", query=ApplicationQuery, **listing(ApplicationSummary))
def list_applications(query: ApplicationQuery) -> Reply:
    """Staff see every submitted application, the work due soonest first; a council officer sees
    their council's own (drafts too) and those it is a partner in, the latest changed first."""
    found = applications_for(
        api_user(),
        status=query.status,
        scheme_id=query.scheme_id,
        round_id=query.round_id,
        council=query.council,
        search=(query.q or "").strip(),
    )
    return paginate(found, query, ApplicationSummary, application_summary)


@read("/applications/<int:application_id>", summary="One application", response=ApplicationOut)
def get_application(application_id: int) -> ApplicationOut:
    """The application with its answers, partners, eligibility check, award and payments, and
    the steps you could take on it now."""
    application, relation = found_for(application_id)
    return application_out(application, relation, api_user())


@read(
    "/applications/<int:application_id>/events",
    summary="The application's timeline",
    query=PageQuery,
    **listing(EventOut),
)
def list_application_events(application_id: int, query: PageQuery) -> Reply:
    """Every step on the application, oldest first: who took it, when and why. Assessors are
    not named to councils."""
    application, relation = found_for(application_id)
    events = api_queries.events_of(application)

    def event_out(event: ApplicationEvent) -> EventOut:
        return EventOut(
            id=event.id,
            action=event.action,
            label=action_label(event.action),
            from_status=event.from_status,
            to_status=event.to_status,
            reason=event.reason,
            occurred_at=event.occurred_at,
            actor=person_ref(event.actor) if names_actor(event, to_staff=relation == "staff") else None,
        )

    return paginate(events, query, EventOut, event_out)


# Starting and filling in ----------------------------------------------------------------------------


class NewApplication(Body):
    round_id: Id = Field(description="The open funding round to apply to.")


step = operations(
    method="POST", tag=TAG, permissions=(Permission.APPLY_FOR_COUNCIL,), response=ApplicationOut, conflicts=True
)


@step("/applications", summary="Start an application", body=NewApplication, status=201, response_headers=("Location",))
def create_application(body: NewApplication) -> Reply:
    """Start a draft for your council in an open round. A scheme that takes one application per
    council in a round refuses a second while the first is in play (409)."""
    user = api_user()
    funding_round = api_queries.get_round(body.round_id)
    if funding_round is None:
        raise ApiError(
            422, "There is no such funding round", [FieldError("There is no such funding round", "/round_id")]
        )
    if user.council is None:
        raise ApiError(403, "Your account is not linked to a council")
    application = workflow.start_application(funding_round, council=user.council, actor=user, today=date.today())
    return reply_with(application, status=201)


class SectionAnswers(Body):
    version: Version
    answers: dict[str, Any] = Field(
        description="Answers by question, as the scheme's sections name them: money in whole pence "
        "(`<question>_pence`), choices by code, yes/no as true or false. Questions not given keep "
        "their saved answers."
    )


class PartnerShare(Body):
    gss_code: str = Field(max_length=9, description="The partner council's GSS code.")
    match_share_pence: Pence


class Partners(Body):
    version: Version
    partners: list[PartnerShare] = Field(max_length=MAX_PARTNERS)


def _save_partners(
    application: Application, shares: list[PartnerShare], version: int, *, under: tuple[str, ...]
) -> None:
    """Set the partners (asking each new one to confirm) and keep the partners section, in the one
    transaction, as the partners page does; the form checks the councils and the match."""
    data: dict[str, Any] = {}
    for n, share in enumerate(shares, start=1):
        data[f"council_{n}"] = share.gss_code.strip().upper()
        data[f"share_{n}"] = share.match_share_pence
    names = {}
    pointers_base = {}
    for n in range(1, MAX_PARTNERS + 1):
        names[f"council_{n}"] = f"council_{n}"
        names[f"share_{n}"] = f"share_{n}"
        pointers_base[f"council_{n}"] = pointer_to(*under, n - 1, "gss_code")
        pointers_base[f"share_{n}"] = pointer_to(*under, n - 1, "match_share_pence")
    form, _ = forms_bridge.bind(PartnersForm, data, names=names)
    form.configure(application)
    forms_bridge.validated(form, pointers_base)
    chosen = form.shares()
    councils = queries.councils_by_gss(list(chosen))
    user = api_user()
    workflow.set_partners(
        application, {councils[c]: p for c, p in chosen.items()}, actor=user, expected_version=version
    )
    workflow.save_section(
        application,
        "partners",
        form.answers(),
        actor=user,
        expected_version=application.version,
        columns=form.columns(),
    )


@step(
    "/applications/<int:application_id>/sections/<key>",
    method="PATCH",
    summary="Save a section's answers",
    body=SectionAnswers,
)
def save_section(application_id: int, key: str, body: SectionAnswers) -> Reply:
    """Change answers in one section of a draft (or of an application sent back for changes).
    The answers given are merged over those saved, and the whole section is checked as the page
    checks it: a problem with an answer is 422, pointing at it."""
    application = own(application_id)
    form_class = forms.form_class_for(application.scheme.kind, key)
    if form_class is None or key not in dict(workflow.sections_for(application.scheme)):
        raise ApiError(404, f"There is no section {key!r} in this application's form")
    if not workflow.editable(application):
        raise ApiError(409, f"An application that is {application.status.label.lower()} cannot be changed")
    if key == "partners":
        given = body.answers.get("partners", [])
        if set(body.answers) - {"partners"} or not isinstance(given, list):
            raise ApiError(
                422, "Give the partners as a list", [FieldError("Give the partners as a list", "/answers/partners")]
            )
        shares = []
        for index, item in enumerate(given):
            try:
                shares.append(PartnerShare.model_validate(item))
            except ValueError:
                message = "Give each partner as {gss_code, match_share_pence}"
                raise ApiError(422, message, [FieldError(message, pointer_to("answers", "partners", index))]) from None
        _save_partners(application, shares, body.version, under=("answers", "partners"))
        return reply_with(application)
    saved = forms.saved_form(application, key)
    current = forms_bridge.saved_answers(saved) if saved is not None and key in application.answers else {}
    merged = {**{k: v for k, v in current.items() if v is not None}, **body.answers}
    form, pointers = forms_bridge.bind(form_class, merged, under=("answers",))
    form.configure(application)
    forms_bridge.validated(form, pointers)
    workflow.save_section(
        application, key, form.answers(), actor=api_user(), expected_version=body.version, columns=form.columns()
    )
    return reply_with(application)


@step("/applications/<int:application_id>/partners", method="PUT", summary="Set the partner councils", body=Partners)
def set_partners(application_id: int, body: Partners) -> Reply:
    """Name the partner councils of a joint bid and each one's share of the match (this is the
    partners section). A partner whose share changes is asked to confirm again; one left out is
    dropped. An empty list is a bid from your council alone."""
    application = own(application_id)
    if not application.scheme.allows_partners:
        raise ApiError(409, "This scheme does not take joint bids")
    if not workflow.editable(application):
        raise ApiError(409, f"An application that is {application.status.label.lower()} cannot be changed")
    _save_partners(application, body.partners, body.version, under=("partners",))
    return reply_with(application)


# Submitting, withdrawing, the offer -----------------------------------------------------------------------


class VersionOnly(Body):
    version: Version


class WithReason(Body):
    version: Version
    reason: str = Field(max_length=REASON_MAX, description="Why (the council or staff will see it).")


@step("/applications/<int:application_id>/submit", summary="Submit the application", body=VersionOnly)
def submit_application(application_id: int, body: VersionOnly) -> Reply:
    """Send a complete application to the LGA: every section done, every partner confirmed, the
    match met, the round open. The eligibility check then runs."""
    application = own(application_id)
    workflow.submit(application, actor=api_user(), expected_version=body.version, today=date.today())
    return reply_with(application)


@step("/applications/<int:application_id>/withdraw", summary="Withdraw the application", body=WithReason)
def withdraw_application(application_id: int, body: WithReason) -> Reply:
    """Withdraw an application before it is decided, saying why."""
    application = own(application_id)
    workflow.transition(application, "withdraw", api_user(), reason=body.reason, expected_version=body.version)
    return reply_with(application)


class AcceptOffer(Body):
    version: Version
    signatory_name: str = Field(max_length=SHORT_MAX, description="Who signs for the council.")
    signatory_role: str = Field(max_length=SHORT_MAX, description="Their job title.")
    confirmed: bool = Field(description="The council accepts the grant on the conditions of the offer.")


@step("/applications/<int:application_id>/offer/accept", summary="Accept the offer", body=AcceptOffer)
def accept_offer(application_id: int, body: AcceptOffer) -> Reply:
    """Accept the grant offered, signed for the council. Work that needs an expert then waits to
    be matched; other work starts delivery."""
    application = own(application_id)
    if application.award is None:
        raise ApiError(409, "This application has no offer")
    form, pointers = forms_bridge.bind(
        forms.AcceptOfferForm,
        {"signatory_name": body.signatory_name, "signatory_role": body.signatory_role, "confirmed": body.confirmed},
    )
    if application.status is not ApplicationStatus.OFFERED:
        raise ApiError(409, "This offer is no longer waiting for an answer")
    forms_bridge.validated(form, pointers)
    workflow.accept_offer(
        application,
        actor=api_user(),
        signatory_name=form.signatory_name.data,
        signatory_role=form.signatory_role.data,
        expected_version=body.version,
    )
    return reply_with(application)


@step("/applications/<int:application_id>/offer/decline", summary="Decline the offer", body=WithReason)
def decline_offer(application_id: int, body: WithReason) -> Reply:
    """Turn the offer down, saying why: the money goes back to the round."""
    application = own(application_id)
    if application.award is None:
        raise ApiError(409, "This application has no offer")
    workflow.decline_offer(application, actor=api_user(), reason=body.reason, expected_version=body.version)
    return reply_with(application)


class PartnerAnswer(Body):
    answer: Literal["confirm", "decline"]
    match_share_pence: Pence = Field(
        description="Your council's share as you read it: if the lead council changed it since, nothing is "
        "answered (409) and you can check the new share."
    )


@step("/applications/<int:application_id>/partner-response", summary="Answer as a partner council", body=PartnerAnswer)
def respond_as_partner(application_id: int, body: PartnerAnswer) -> Reply:
    """Confirm that your council takes part in another council's joint bid, with its share of
    the match, or decline."""
    application, relation = found_for(application_id)
    if relation != "partner":
        raise ApiError(404)
    user = api_user()
    mine = next(p for p in application.partners if p.council_id == user.council_id)
    if not workflow.editable(application):
        raise ApiError(409, "This application is no longer waiting for its partners")
    if body.match_share_pence != mine.match_share_pence:
        raise ApiError(
            409,
            f"{application.lead_council.name} changed your council's share to {mine.match_share_pence} pence "
            "since you read it. Check the share, then answer again.",
        )
    workflow.respond_as_partner(application, actor=user, confirm=body.answer == "confirm")
    return reply_with(application, "partner")
