"""Staff steps on an application: the eligibility decision, assessment, the decision (approve,
reject, ask for changes) and payments. Each is the workflow's; the API checks the shape of
what is sent, with the pages' forms where they check more than shape."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import Field
from werkzeug.datastructures import MultiDict

from grants.api.applications import ApplicationOut, WithReason, reply_with
from grants.api.auth import api_user
from grants.api.forms_bridge import form_problems
from grants.api.problems import ApiError, FieldError, found_or_404, pointer_to
from grants.api.queries import staff_application
from grants.api.routing import Reply, operation, operations
from grants.api.schemas import PersonRef, person_ref
from grants.api.types import Body, Out, Pence, Version
from grants.models import Application, Assessment
from grants.review.forms import PaymentForm
from workflows import applications as workflow
from workflows.applications import WorkflowError
from workflows.money import typed_pounds
from workflows.permissions import Permission

TAG = "Review"
CHECK = (Permission.CHECK_APPLICATIONS,)
DECIDE = (Permission.DECIDE_APPLICATIONS,)


def _application(application_id: int) -> Application:
    return found_or_404(staff_application(application_id))


class Eligibility(Body):
    version: Version
    reason: str | None = Field(None, max_length=2000, description="Needed only to override a failed eligibility check.")


step = operations(method="POST", tag=TAG, response=ApplicationOut, conflicts=True)
check = operations(method="POST", tag=TAG, response=ApplicationOut, conflicts=True, permissions=CHECK)
decide = operations(method="POST", tag=TAG, response=ApplicationOut, conflicts=True, permissions=DECIDE)


@check(
    "/applications/<int:application_id>/confirm-eligibility",
    summary="Confirm the application is eligible",
    body=Eligibility,
)
def confirm_eligibility(application_id: int, body: Eligibility) -> Reply:
    """Send a submitted application to assessment once its eligibility check has run; a failed
    check can be overridden with a reason."""
    application = _application(application_id)
    workflow.confirm_eligibility(application, actor=api_user(), reason=body.reason, expected_version=body.version)
    return reply_with(application, "staff")


@check(
    "/applications/<int:application_id>/mark-ineligible",
    summary="Find the application not eligible",
    body=WithReason,
)
def mark_ineligible(application_id: int, body: WithReason) -> Reply:
    """Close a submitted application as not eligible; the council is told why."""
    application = _application(application_id)
    workflow.transition(application, "mark_ineligible", api_user(), reason=body.reason, expected_version=body.version)
    return reply_with(application, "staff")


@step(
    "/applications/<int:application_id>/request-changes",
    summary="Ask the council for changes",
    permissions=(Permission.CHECK_APPLICATIONS, Permission.DECIDE_APPLICATIONS),
    body=WithReason,
)
def request_changes(application_id: int, body: WithReason) -> Reply:
    """Send the application back to the council to change and submit again: at the eligibility
    check (programme officers) or at the decision (approvers)."""
    application = _application(application_id)
    workflow.transition(application, "request_changes", api_user(), reason=body.reason, expected_version=body.version)
    return reply_with(application, "staff")


class Approval(Body):
    version: Version
    conditions: str = Field("", max_length=5000, description="Conditions of the offer, shown in the offer letter.")


@decide(
    "/applications/<int:application_id>/approve",
    summary="Approve: commit the award and make the offer",
    body=Approval,
)
def approve(application_id: int, body: Approval) -> Reply:
    """Approve an application awaiting a decision: the award is committed against the round's
    budget (never beyond it: 409) and offered to the council. Nobody decides an application
    they assessed."""
    application = _application(application_id)
    workflow.approve(application, actor=api_user(), conditions=body.conditions, expected_version=body.version)
    return reply_with(application, "staff")


@decide(
    "/applications/<int:application_id>/reject",
    summary="Reject the application",
    body=WithReason,
)
def reject(application_id: int, body: WithReason) -> Reply:
    """Reject an application awaiting a decision; the council is told why."""
    application = _application(application_id)
    workflow.reject(application, actor=api_user(), reason=body.reason, expected_version=body.version)
    return reply_with(application, "staff")


class NewPayment(Body):
    version: Version
    amount_pence: Pence
    paid_on: date
    reference: str = Field(max_length=80, description="The reference on the finance system.")


@check(
    "/applications/<int:application_id>/payments",
    summary="Record a payment",
    body=NewPayment,
    status=201,
    fields={"amount": "/amount_pence"},
)
def record_payment(application_id: int, body: NewPayment) -> Reply:
    """Record a tranche paid against the accepted award: never more than is unpaid."""
    application = _application(application_id)
    if application.award is None:
        raise ApiError(409, "This application has no award to pay")
    form = PaymentForm(
        formdata=MultiDict(
            [
                ("amount", typed_pounds(body.amount_pence, grouped=False)),
                ("paid_on", str(body.paid_on.day)),
                ("paid_on", str(body.paid_on.month)),
                ("paid_on", f"{body.paid_on.year:04d}"),
                ("reference", body.reference),
            ]
        ),
        meta={"csrf": False},
    )
    if not form.validate():
        raise form_problems(form, {"amount": "/amount_pence", "paid_on": "/paid_on", "reference": "/reference"})
    workflow.check_version(application, body.version)
    workflow.record_payment(
        application.award,
        amount_pence=body.amount_pence,
        paid_on=body.paid_on,
        reference=body.reference,
        actor=api_user(),
    )
    return reply_with(application, "staff", status=201)


# Assessment ------------------------------------------------------------------------------------------


class Score(Body):
    score: int = Field(ge=0, le=5)
    justification: str = Field(max_length=5000)


class NewAssessment(Body):
    scores: dict[str, Score] = Field(
        description="A score from 0 to 5 and a justification for every criterion, by code."
    )
    recommendation: Literal["approve", "reject", "changes"]
    comments: str = Field("", max_length=5000)


class ScoreOut(Out):
    score: int
    justification: str


class AssessmentOut(Out):
    id: int
    assessor: PersonRef | None
    scores: dict[str, ScoreOut]
    weighted_score_tenths: int = Field(description="The weighted score in tenths of a percent (0 to 1000).")
    recommendation: str
    comments: str
    submitted_at: datetime


class AssessmentList(Out):
    data: list[AssessmentOut]
    combined_score_tenths: int | None


def assessment_out(assessment: Assessment) -> AssessmentOut:
    return AssessmentOut(
        id=assessment.id,
        assessor=person_ref(assessment.assessor),
        scores={code: ScoreOut(**value) for code, value in (assessment.scores or {}).items()},
        weighted_score_tenths=assessment.weighted_score_tenths,
        recommendation=assessment.recommendation,
        comments=assessment.comments,
        submitted_at=assessment.submitted_at,
    )


@operation(
    "/applications/<int:application_id>/assessments",
    summary="The application's assessments",
    tag=TAG,
    permissions=(Permission.VIEW_PROGRAMME,),
    response=AssessmentList,
)
def list_assessments(application_id: int) -> AssessmentList:
    """Each assessor's scores, and their mean."""
    application = _application(application_id)
    return AssessmentList(
        data=[assessment_out(a) for a in application.assessments],
        combined_score_tenths=workflow.combined_score_tenths(application),
    )


@step(
    "/applications/<int:application_id>/assessments",
    summary="Score the application",
    permissions=(Permission.ASSESS_APPLICATIONS,),
    body=NewAssessment,
    response=AssessmentOut,
    status=201,
)
def create_assessment(application_id: int, body: NewAssessment) -> Reply:
    """Score an application in assessment against every published criterion. When the scheme's
    number of assessors have scored it, it goes to a decision."""
    application = _application(application_id)
    codes = {c.code for c in application.scheme.criteria}
    unknown = [code for code in body.scores if code not in codes]
    if unknown:
        errors = [FieldError("There is no such criterion", pointer=pointer_to("scores", code)) for code in unknown]
        raise ApiError(422, errors[0].detail, errors)
    try:
        assessment = workflow.assess(
            application,
            actor=api_user(),
            scores={code: (s.score, s.justification) for code, s in body.scores.items()},
            recommendation=body.recommendation,
            comments=body.comments,
        )
    except WorkflowError as error:
        if error.field in codes:
            raise ApiError(
                422, str(error), [FieldError(str(error), pointer=pointer_to("scores", str(error.field)))]
            ) from None
        raise
    return Reply(assessment_out(assessment), status=201)
