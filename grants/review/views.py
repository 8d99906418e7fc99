"""The staff's side of applications: the queues, one application with everything known about it,
and the steps staff take on it (eligibility, scores, the decision, payments, the offer letter).

Every step is the workflow's: these views turn a form into a call, commit when it succeeds, and
when it is refused show the refusal beside the field it is about."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import date
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from grants.applications.forms import answer_sections
from grants.auth.permissions import requires, signed_in_user
from grants.auth.sessions import fresh_sign_in_required
from grants.extensions import db
from grants.models import Application, ApplicationStatus, User
from grants.review import queries
from grants.review.forms import (
    RECOMMENDATION_LABELS,
    ApproveForm,
    AssessmentForm,
    ConfirmEligibilityForm,
    MarkIneligibleForm,
    PaymentForm,
    RejectForm,
    RequestChangesForm,
    VersionedForm,
    assessment_form,
)
from grants.streaming import csv_download
from workflows import applications
from workflows.application_rules import can_record_payment, can_score
from workflows.applications import IllegalMoveError, StaleApplicationError, WorkflowError
from workflows.csv_export import application_cells, csv_line, csv_pounds, csv_uk_time
from workflows.money import pounds
from workflows.permissions import Permission

bp = Blueprint("review", __name__)


# The forms of the application page, by action, each with a prefix that keeps its field ids
# distinct from the other forms on the same page.
ACTION_FORMS: dict[str, tuple[type[VersionedForm], str]] = {
    "confirm_eligibility": (ConfirmEligibilityForm, "confirm"),
    "mark_ineligible": (MarkIneligibleForm, "ineligible"),
    "request_changes": (RequestChangesForm, "changes"),
    "approve": (ApproveForm, "approve"),
    "reject": (RejectForm, "reject"),
    "payment": (PaymentForm, "payment"),
}

RULE_LABELS = {
    "round_open": "Submitted while the round was open",
    "council_tier": "The council's tier may apply",
    "one_per_council": "One live application per council in the round",
    "amount": "Amount requested",
    "match": "Match funding",
    "partners": "Partner councils confirmed",
}


def humanise(key: str) -> str:
    """ "job_title" → "Job title": a readable name for a stored key the page has no label for."""
    text = key.replace("_", " ").replace("-", " ").strip()
    return text[:1].upper() + text[1:]


def status_label(value: str | None) -> str:
    """The label of a status stored as text in the timeline."""
    if not value:
        return ""
    try:
        return ApplicationStatus(value).label
    except ValueError:
        return humanise(value)


@bp.context_processor
def _review_helpers() -> dict[str, Any]:
    return {
        "status_label": status_label,
        "action_labels": applications.ACTION_LABELS,
        "recommendation_labels": RECOMMENDATION_LABELS,
        "rule_labels": RULE_LABELS,
        "humanise": humanise,
        "percent": percent,
        "today": date.today(),
    }


def percent(tenths: int | None) -> str:
    """Tenths of a percent as the page shows them: 875 → "87.5%"."""
    if tenths is None:
        return ""
    whole, part = divmod(tenths, 10)
    return f"{whole}.{part}%"


# The queues --------------------------------------------------------------------------------------


def _int_arg(args: Mapping[str, str], name: str) -> int | None:
    value = (args.get(name) or "").strip()
    return int(value) if value.isdigit() else None


def filters_from(args: Mapping[str, str]) -> queries.QueueFilters:
    """The queue's filters from the query string; anything unrecognised is ignored."""
    status_value = args.get("status") or ""
    status = next((s for s in queries.VISIBLE_STATUSES if s.value == status_value), None)
    return queries.QueueFilters(
        status=status,
        scheme_id=_int_arg(args, "scheme"),
        round_id=_int_arg(args, "round"),
        search=(args.get("q") or "").strip()[:100],
        overdue=args.get("overdue") == "yes",
    )


@bp.route("")
@requires(Permission.VIEW_PROGRAMME)
def queue() -> str:
    filters = filters_from(request.args)
    today = date.today()
    page = queries.list_queue_page(filters, today)
    current = next((q for q in queries.QUEUES if q.status is filters.status), None)
    return render_template(
        "review/queue.html",
        page=page,
        filters=filters,
        current=current,
        heading=current.label if current else filters.status.label if filters.status else "All",
        counts=queries.queue_counts(filters, today),
        queues=queries.QUEUES,
        schemes=queries.list_schemes(),
        rounds=queries.list_rounds(),
        statuses=queries.VISIBLE_STATUSES,
    )


APPLICATIONS_CSV_HEADER = (
    "Reference",
    "Council",
    "GSS code",
    "Scheme",
    "Round",
    "Status",
    "Title",
    "Amount requested (£)",
    "Match (£)",
    "Submitted at (UK time)",
    "Stage due on",
    "Overdue",
)


def applications_csv(filters: queries.QueueFilters, today: date) -> Iterator[str]:
    """The applications the queue's filters choose, as CSV lines in the queue's order, the header
    first. The rows are read in batches, each carrying its council, round and scheme, so the
    statements do not grow with the rows. The byte order mark lets a spreadsheet read UTF-8."""
    yield "\ufeff" + csv_line(APPLICATIONS_CSV_HEADER)
    for found in queries.iter_queue(filters, today):
        yield csv_line(
            [
                *application_cells(found),
                found.status.label,
                found.title,
                csv_pounds(found.amount_requested_pence),
                csv_pounds(found.match_pence),
                csv_uk_time(found.submitted_at),
                found.stage_due_on.isoformat() if found.stage_due_on else "",
                "yes" if found.is_overdue(today) else "no",
            ]
        )


@bp.route("/applications.csv")
@requires(Permission.VIEW_PROGRAMME)
def applications_download() -> Response:
    """The applications the queue's filters choose, as a CSV file sent as it is written."""
    today = date.today()
    return csv_download(applications_csv(filters_from(request.args), today), f"applications-{today.isoformat()}.csv")


# One application ---------------------------------------------------------------------------------


def _application_or_404(application_id: int) -> Application:
    found = queries.get_application(application_id)
    if found is None:
        abort(404)
    return found


def _blank_form(action: str, application: Application) -> VersionedForm:
    form_class, prefix = ACTION_FORMS[action]
    form = form_class(formdata=None, prefix=prefix)
    form.version.data = str(application.version)
    return form


def action_forms(application: Application, user: User) -> dict[str, VersionedForm]:
    """The forms for the steps this person may take on this application now, and no others."""
    allowed = set(applications.allowed_actions(application, user))
    if can_record_payment(application, user):
        allowed.add("payment")
    return {action: _blank_form(action, application) for action in ACTION_FORMS if action in allowed}


def _show(
    application: Application, *, failed: tuple[str, VersionedForm] | None = None, status: int = 200
) -> tuple[str, int]:
    user = signed_in_user()
    forms = action_forms(application, user)
    failed_form = None
    if failed is not None:
        action, failed_form = failed
        failed_form.version.data = str(application.version)  # acting again acts on what is shown
        forms[action] = failed_form
    page = render_template(
        "review/application.html",
        application=application,
        scheme=application.scheme,
        sections=answer_sections(application),
        combined=applications.combined_score_tenths(application),
        award_amount=applications.award_amount(application),
        forms=forms,
        form=failed_form,
        can_score=can_score(application, user),
        user=user,
    )
    return page, status


@bp.route("/applications/<int:application_id>")
@requires(Permission.VIEW_PROGRAMME)
def application(application_id: int) -> tuple[str, int]:
    return _show(_application_or_404(application_id))


# Steps on the application ------------------------------------------------------------------------


def place_error(form: FlaskForm, error: WorkflowError, fallback: str) -> None:
    """Show a refusal beside the field it names, or beside the form's main field."""
    field = form._fields.get(error.field or "") or form._fields[fallback]
    field.errors = [*field.errors, str(error)]


def _refusal_status(error: WorkflowError) -> int:
    return 409 if isinstance(error, IllegalMoveError | StaleApplicationError) else 400


Step = Callable[[Application, User, Any], str]


def _act(application_id: int, action: str, step: Step, fallback: str) -> Response | tuple[str, int]:
    """Run one step from its form: commit and confirm it, or roll back and show why not."""
    application = _application_or_404(application_id)
    form_class, prefix = ACTION_FORMS[action]
    form = form_class(prefix=prefix)
    if not form.validate_on_submit():
        return _show(application, failed=(action, form), status=400)
    try:
        message = step(application, signed_in_user(), form)
    except WorkflowError as error:
        db.session.rollback()
        place_error(form, error, fallback)
        return _show(_application_or_404(application_id), failed=(action, form), status=_refusal_status(error))
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("review.application", application_id=application_id))


def _confirm(application: Application, user: User, form: ConfirmEligibilityForm) -> str:
    applications.confirm_eligibility(
        application, actor=user, reason=form.reason.data, expected_version=form.expected_version()
    )
    return f"{application.reference} is eligible and ready for assessment"


def _mark_ineligible(application: Application, user: User, form: MarkIneligibleForm) -> str:
    applications.transition(
        application, "mark_ineligible", user, reason=form.reason.data, expected_version=form.expected_version()
    )
    return f"{application.reference} is marked as not eligible. The council has been told why."


def _request_changes(application: Application, user: User, form: RequestChangesForm) -> str:
    applications.transition(
        application, "request_changes", user, reason=form.reason.data, expected_version=form.expected_version()
    )
    return f"Changes requested on {application.reference}. The council has been told what to change."


def _approve(application: Application, user: User, form: ApproveForm) -> str:
    award = applications.approve(
        application, actor=user, conditions=form.conditions.data or "", expected_version=form.expected_version()
    )
    return f"{application.reference} is approved: an offer of {pounds(award.amount_pence)} has been made"


def _reject(application: Application, user: User, form: RejectForm) -> str:
    applications.reject(
        application, actor=user, reason=form.reason.data or "", expected_version=form.expected_version()
    )
    return f"{application.reference} is rejected. The council has been told why."


def _record_payment(application: Application, user: User, form: PaymentForm) -> str:
    if application.award is None:
        raise IllegalMoveError("This application has no award to pay")
    applications.check_version(application, form.expected_version())
    payment = applications.record_payment(
        application.award,
        amount_pence=form.amount_pence(),
        paid_on=form.paid_on.data or date.today(),
        reference=form.reference.data or "",
        actor=user,
    )
    return f"Payment of {pounds(payment.amount_pence, always_pence=True)} recorded against {application.reference}"


@bp.route("/applications/<int:application_id>/confirm-eligibility", methods=["POST"])
@requires(Permission.CHECK_APPLICATIONS)
def confirm_eligibility(application_id: int) -> Response | tuple[str, int]:
    return _act(application_id, "confirm_eligibility", _confirm, "reason")


@bp.route("/applications/<int:application_id>/mark-ineligible", methods=["POST"])
@requires(Permission.CHECK_APPLICATIONS)
def mark_ineligible(application_id: int) -> Response | tuple[str, int]:
    return _act(application_id, "mark_ineligible", _mark_ineligible, "reason")


@bp.route("/applications/<int:application_id>/request-changes", methods=["POST"])
@requires(Permission.CHECK_APPLICATIONS, Permission.DECIDE_APPLICATIONS)
def request_changes(application_id: int) -> Response | tuple[str, int]:
    return _act(application_id, "request_changes", _request_changes, "reason")


@bp.route("/applications/<int:application_id>/approve", methods=["POST"])
@requires(Permission.DECIDE_APPLICATIONS)
@fresh_sign_in_required("review.application")
def approve(application_id: int) -> Response | tuple[str, int]:
    return _act(application_id, "approve", _approve, "conditions")


@bp.route("/applications/<int:application_id>/reject", methods=["POST"])
@requires(Permission.DECIDE_APPLICATIONS)
@fresh_sign_in_required("review.application")
def reject(application_id: int) -> Response | tuple[str, int]:
    return _act(application_id, "reject", _reject, "reason")


@bp.route("/applications/<int:application_id>/payments", methods=["POST"])
@requires(Permission.CHECK_APPLICATIONS)
@fresh_sign_in_required("review.application")
def record_payment(application_id: int) -> Response | tuple[str, int]:
    return _act(application_id, "payment", _record_payment, "amount")


# Scoring -----------------------------------------------------------------------------------------


def _show_assessment(application: Application, form: AssessmentForm, status: int = 200) -> tuple[str, int]:
    page = render_template(
        "review/assess.html",
        application=application,
        scheme=application.scheme,
        sections=answer_sections(application),
        form=form,
    )
    return page, status


@bp.route("/applications/<int:application_id>/assess", methods=["GET", "POST"])
@requires(Permission.ASSESS_APPLICATIONS)
def assess(application_id: int) -> Response | tuple[str, int]:
    application = _application_or_404(application_id)
    user = signed_in_user()
    if request.method == "GET" and not can_score(application, user):
        flash("You cannot score this application: it is not waiting for your scores.", "info")
        return redirect(url_for("review.application", application_id=application_id))
    form = assessment_form(application.scheme.criteria)()
    if not form.validate_on_submit():
        return _show_assessment(application, form, 400 if form.errors else 200)
    try:
        applications.assess(
            application,
            actor=user,
            scores=form.scores(),
            recommendation=form.recommendation.data or "",
            comments=form.comments.data or "",
        )
    except WorkflowError as error:
        db.session.rollback()
        place_error(form, _on_field(error, form), "recommendation")
        return _show_assessment(_application_or_404(application_id), form, _refusal_status(error))
    db.session.commit()
    moved_on = application.status is ApplicationStatus.AWAITING_DECISION
    flash(
        f"Your scores for {application.reference} are saved."
        + (" Every assessor has now scored it: it is ready for a decision." if moved_on else ""),
        "success",
    )
    return redirect(url_for("review.application", application_id=application_id))


def _on_field(error: WorkflowError, form: AssessmentForm) -> WorkflowError:
    """The error named by the form field it belongs beside (criteria are named by code in the
    workflow and by position in the form)."""
    field = form.field_for(error.field)
    return type(error)(str(error), field=field.short_name if field is not None else None)


# The offer letter --------------------------------------------------------------------------------


@bp.route("/applications/<int:application_id>/offer-letter")
@requires(Permission.VIEW_PROGRAMME)
def offer_letter(application_id: int) -> str:
    application = _application_or_404(application_id)
    if application.award is None:
        abort(404)
    return render_template("review/offer_letter.html", application=application, award=application.award)
