"""The expert's portal: the offers made to them, answered here, and the work they are doing.

An expert sees only their own offers and engagements: anyone else's is a 404."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Response

from grants.auth.permissions import requires, signed_in_user
from grants.extensions import db
from grants.models import Engagement, EngagementStatus, Expert, SchemeKind
from grants.portal import queries
from grants.portal.forms import AcceptOfferForm, CompleteForm, DeclineOfferForm, ReportForm, WorkForm
from workflows import engagements, outcomes
from workflows.applications import WorkflowError
from workflows.formatting import uk_date
from workflows.permissions import Permission
from workflows.uploads import CheckedFile, UploadError, check_upload

bp = Blueprint("portal", __name__)


def _expert() -> Expert:
    found = queries.get_own_expert(signed_in_user())
    if found is None:
        abort(404)
    return found


def _own_or_404(engagement_id: int) -> Engagement:
    found = engagements.own_engagement(signed_in_user(), engagement_id)
    if found is None:
        abort(404)
    return found


@bp.route("")
@requires(Permission.USE_EXPERT_PORTAL)
def index() -> str:
    expert = _expert()
    everything = queries.list_engagements_of_expert(expert.id)
    return render_template(
        "portal/index.html",
        expert=expert,
        offers=[e for e in everything if e.status is EngagementStatus.OFFERED],
        current=[e for e in everything if e.status is EngagementStatus.ACCEPTED],
        finished=[e for e in everything if e.status is EngagementStatus.COMPLETED],
        past_offers=[
            e
            for e in everything
            if e.status in (EngagementStatus.DECLINED, EngagementStatus.EXPIRED, EngagementStatus.WITHDRAWN)
        ],
        in_use=engagements.places_in_use(expert.id),
        today=date.today(),
    )


def _show_offer(
    engagement: Engagement,
    *,
    accept_form: AcceptOfferForm | None = None,
    decline_form: DeclineOfferForm | None = None,
    status: int = 200,
) -> tuple[str, int]:
    accept_form = accept_form or AcceptOfferForm(formdata=None, prefix="accept")
    decline_form = decline_form or DeclineOfferForm(formdata=None, prefix="decline")
    accept_form.version.data = str(engagement.version)
    decline_form.version.data = str(engagement.version)
    application = engagement.application
    answers = application.answers or {}
    page = render_template(
        "portal/offer.html",
        engagement=engagement,
        application=application,
        project=answers.get("project") or {},
        skills=sorted(s.label for s in engagements.skills_wanted(application)),
        accept_form=accept_form,
        decline_form=decline_form,
        form=decline_form if decline_form.errors else None,
        answerable=engagement.status is EngagementStatus.OFFERED and engagement.expires_on >= date.today(),
    )
    return page, status


@bp.route("/offers/<int:engagement_id>")
@requires(Permission.USE_EXPERT_PORTAL)
def offer(engagement_id: int) -> tuple[str, int]:
    return _show_offer(_own_or_404(engagement_id))


@bp.route("/offers/<int:engagement_id>/accept", methods=["POST"])
@requires(Permission.USE_EXPERT_PORTAL)
def accept(engagement_id: int) -> Response | tuple[str, int]:
    engagement = _own_or_404(engagement_id)
    form = AcceptOfferForm(prefix="accept")
    if not form.validate_on_submit():
        abort(400)
    try:
        engagements.accept(
            engagement, actor=signed_in_user(), today=date.today(), expected_version=form.expected_version()
        )
    except WorkflowError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("portal.offer", engagement_id=engagement_id))
    reference = engagement.application.reference
    db.session.commit()
    flash(f"You have accepted the work on {reference}. The council and the programme team have been told.", "success")
    return redirect(url_for("portal.index"))


@bp.route("/offers/<int:engagement_id>/decline", methods=["POST"])
@requires(Permission.USE_EXPERT_PORTAL)
def decline(engagement_id: int) -> Response | tuple[str, int]:
    engagement = _own_or_404(engagement_id)
    form = DeclineOfferForm(prefix="decline")
    if form.validate_on_submit():
        try:
            engagements.decline(
                engagement,
                actor=signed_in_user(),
                reason=form.reason.data or "",
                today=date.today(),
                expected_version=form.expected_version(),
            )
        except WorkflowError as error:
            db.session.rollback()
            if error.field == "reason":
                form.reason.errors = [*form.reason.errors, str(error)]
                return _show_offer(_own_or_404(engagement_id), decline_form=form, status=400)
            flash(str(error), "error")
            return redirect(url_for("portal.offer", engagement_id=engagement_id))
        reference = engagement.application.reference
        db.session.commit()
        flash(f"You have declined the work on {reference}. The programme team has been told.", "success")
        return redirect(url_for("portal.index"))
    return _show_offer(_own_or_404(engagement_id), decline_form=form, status=400)


# The work under way ---------------------------------------------------------------------------------


def _show_engagement(
    engagement: Engagement, *, work_form: WorkForm | None = None, status: int = 200
) -> tuple[str, int]:
    if engagement.status in (EngagementStatus.OFFERED, EngagementStatus.DECLINED, EngagementStatus.EXPIRED):
        abort(404)
    reported = {r.due_month: r for r in engagement.reports}
    page = render_template(
        "portal/engagement.html",
        engagement=engagement,
        application=engagement.application,
        work_form=work_form or WorkForm(formdata=None),
        complete_form=CompleteForm(),
        form=work_form,
        schedule=outcomes.report_schedule(engagement) if engagement.completed_at else [],
        reported=reported,
        can_report=engagement.status in (EngagementStatus.ACCEPTED, EngagementStatus.COMPLETED),
        today=date.today(),
    )
    return page, status


@bp.route("/engagements/<int:engagement_id>")
@requires(Permission.USE_EXPERT_PORTAL)
def engagement(engagement_id: int) -> tuple[str, int]:
    return _show_engagement(_own_or_404(engagement_id))


@bp.route("/engagements/<int:engagement_id>/work", methods=["POST"])
@requires(Permission.USE_EXPERT_PORTAL)
def log_work(engagement_id: int) -> Response | tuple[str, int]:
    found = _own_or_404(engagement_id)
    form = WorkForm()
    if not form.validate_on_submit():
        return _show_engagement(found, work_form=form, status=400)
    try:
        outcomes.log_work(
            found,
            actor=signed_in_user(),
            worked_on=form.worked_on.data or date.today(),
            days_tenths=form.days_tenths(),
            milestone=form.milestone.data or "",
            today=date.today(),
        )
    except WorkflowError as error:
        db.session.rollback()
        field = form._fields.get(error.field or "") or form.milestone
        field.errors = [*field.errors, str(error)]
        return _show_engagement(_own_or_404(engagement_id), work_form=form, status=400)
    db.session.commit()
    flash("Days logged", "success")
    return redirect(url_for("portal.engagement", engagement_id=engagement_id, _anchor="work"))


@bp.route("/engagements/<int:engagement_id>/complete", methods=["POST"])
@requires(Permission.USE_EXPERT_PORTAL)
def complete(engagement_id: int) -> Response:
    found = _own_or_404(engagement_id)
    if not CompleteForm().validate_on_submit():
        abort(400)
    try:
        schedule = outcomes.complete(found, actor=signed_in_user(), today=date.today())
    except WorkflowError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("portal.engagement", engagement_id=engagement_id))
    db.session.commit()
    points = ", ".join(f"{uk_date(due)} ({months} months)" for months, due in schedule)
    flash(
        f"The work is complete. Outcome reports are due on {points}." if points else "The work is complete.", "success"
    )
    return redirect(url_for("portal.engagement", engagement_id=engagement_id))


@bp.route("/engagements/<int:engagement_id>/reports/new", methods=["GET", "POST"])
@requires(Permission.USE_EXPERT_PORTAL)
def new_report(engagement_id: int) -> Response | tuple[str, int]:
    found = _own_or_404(engagement_id)
    if found.status not in (EngagementStatus.ACCEPTED, EngagementStatus.COMPLETED):
        abort(404)
    points = outcomes.points_to_report(found) if found.status is EngagementStatus.COMPLETED else []
    trial = found.application.scheme.kind is SchemeKind.MATCH_FUNDING
    form = ReportForm()
    form.configure(points, trial=trial)
    if request.method == "GET":
        form.due_month.data = str(points[0]) if points else "interim"
    status = 200
    if form.validate_on_submit():
        evidence, problem = _checked_evidence(request.files.getlist(form.evidence.name))
        if problem:
            form.evidence.errors = [problem]
        else:
            try:
                report = outcomes.file_report(
                    found,
                    actor=signed_in_user(),
                    due_month=form.month(),
                    claim=_claim(form),
                    evidence=evidence,
                    evidence_dir=current_app.config["EVIDENCE_DIR"],
                    today=date.today(),
                )
            except WorkflowError as error:
                db.session.rollback()
                field = form._fields.get(error.field or "") or form.baseline
                field.errors = [*field.errors, str(error)]
            else:
                report_id = report.id
                db.session.commit()
                flash(
                    f"Outcome report filed. {found.application.lead_council.name} will be asked to confirm "
                    "the figures.",
                    "success",
                )
                return redirect(
                    url_for("portal.engagement", engagement_id=engagement_id, _anchor=f"report-{report_id}")
                )
        status = 400
    elif request.method == "POST":
        status = 400
    page = render_template("portal/report_form.html", engagement=found, form=form, trial=trial)
    return page, status


def _checked_evidence(files: list[FileStorage]) -> tuple[list[CheckedFile], str | None]:
    """Each chosen file checked by its content; the first problem, naming the file, if any."""
    chosen = [f for f in files if f and f.filename]
    if not chosen:
        return [], "Select at least one file of evidence"
    if len(chosen) > outcomes.MAX_EVIDENCE_FILES:
        return [], f"Select at most {outcomes.MAX_EVIDENCE_FILES} files"
    checked = []
    for upload in chosen:
        try:
            checked.append(
                check_upload(upload.stream, upload.filename, max_bytes=current_app.config["EVIDENCE_MAX_BYTES"])
            )
        except UploadError as error:
            return [], f"{upload.filename}: {error}"
    return checked, None


def _claim(form: ReportForm) -> outcomes.Claim:
    return outcomes.Claim(
        period_start=form.period_start.data or date.today(),
        period_end=form.period_end.data or date.today(),
        cashable_pence=form.cashable.pence or 0,
        cashable_recurring=form.cashable_recurring.data == "recurring",
        income_pence=form.income.pence or 0,
        income_recurring=form.income_recurring.data == "recurring",
        avoided_pence=form.avoided.pence or 0,
        avoided_recurring=form.avoided_recurring.data == "recurring",
        baseline=form.baseline.data or "",
        method=form.method.data or "",
        trial_results=(form.trial_results.data or "") if "trial_results" in form._fields else "",
    )
