"""The outcome reports on a council's application: the figures the expert claimed, which the lead
council confirms or disputes."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from werkzeug.wrappers import Response

from grants.applications.views import (
    attempt,
    bp,
    own_application,
)
from grants.auth.permissions import requires, signed_in_user
from grants.models import (
    Application,
    OutcomeReport,
    ReportStatus,
)
from grants.outcomes import queries as outcome_queries
from grants.outcomes.forms import ConfirmFiguresForm, DisputeFiguresForm
from workflows import outcomes
from workflows.permissions import Permission

# Outcome reports --------------------------------------------------------------------------------------


def _own_report(application_id: int, report_id: int) -> tuple[Application, OutcomeReport]:
    """An outcome report on an application the officer's council leads; anyone else's is a 404."""
    application = own_application(application_id)
    report = outcome_queries.get_report(report_id)
    if report is None or report.engagement.application_id != application.id:
        abort(404)
    return application, report


def _report_page(
    application: Application,
    report: OutcomeReport,
    *,
    dispute_form: DisputeFiguresForm | None = None,
    status: int = 200,
) -> tuple[str, int]:
    page = render_template(
        "applications/report.html",
        application=application,
        report=report,
        figures=outcomes.history(report),
        confirm_form=ConfirmFiguresForm(formdata=None),
        dispute_form=dispute_form or DisputeFiguresForm(formdata=None),
        form=dispute_form,
        can_answer=report.status is ReportStatus.SUBMITTED,
    )
    return page, status


def _to_report(application_id: int, report_id: int, message: str, category: str) -> Response:
    flash(message, category)
    return redirect(url_for("applications.report", application_id=application_id, report_id=report_id))


@bp.route("/<int:application_id>/reports/<int:report_id>")
@requires(Permission.APPLY_FOR_COUNCIL)
def report(application_id: int, report_id: int) -> tuple[str, int]:
    application, found = _own_report(application_id, report_id)
    return _report_page(application, found)


@bp.route("/<int:application_id>/reports/<int:report_id>/confirm", methods=["POST"])
@requires(Permission.APPLY_FOR_COUNCIL)
def confirm_report(application_id: int, report_id: int) -> Response:
    _, found = _own_report(application_id, report_id)
    if not ConfirmFiguresForm().validate_on_submit():
        abort(400)
    user = signed_in_user()
    error = attempt(lambda: outcomes.confirm(found, actor=user))
    if error is not None:
        return _to_report(application_id, report_id, str(error), "error")
    return _to_report(
        application_id,
        report_id,
        "You have confirmed the figures. A programme officer at the LGA will now verify them.",
        "success",
    )


@bp.route("/<int:application_id>/reports/<int:report_id>/dispute", methods=["POST"])
@requires(Permission.APPLY_FOR_COUNCIL)
def dispute_report(application_id: int, report_id: int) -> Response | tuple[str, int]:
    _, found = _own_report(application_id, report_id)
    form = DisputeFiguresForm()
    if form.validate_on_submit():
        user = signed_in_user()
        error = attempt(lambda: outcomes.dispute(found, actor=user, reason=form.reason.data or ""))
        if error is None:
            return _to_report(
                application_id,
                report_id,
                "You have disputed the figures. The expert and the programme team have been told why.",
                "success",
            )
        if error.field != "reason":
            return _to_report(application_id, report_id, str(error), "error")
        form.reason.errors = [*form.reason.errors, str(error)]
    elif found.status is not ReportStatus.SUBMITTED:  # the page as it now is has no form to show the errors in
        return _to_report(application_id, report_id, "The council has already answered on this report", "error")
    application, found = _own_report(application_id, report_id)
    return _report_page(application, found, dispute_form=form, status=400)
