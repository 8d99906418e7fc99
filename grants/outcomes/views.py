"""Programme officers and outcome reports: the reports waiting for verification or for the
council, evaluation points past their due date, one report with its figures and the verify form,
one engagement with its days and its evaluation schedule; and the download of an evidence file,
for everyone entitled to see it.

Every step is the workflow's (workflows/outcomes.py): these views turn a form into a call,
commit when it succeeds, and show a refusal beside the field it is about."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from grants.auth.permissions import requires, signed_in_user
from grants.downloads import download_response
from grants.extensions import db
from grants.models import ApplicationStatus, Engagement, OutcomeReport, ReportStatus, utcnow
from grants.outcomes import queries
from grants.outcomes.forms import VerifyForm
from grants.streaming import csv_download
from workflows import outcomes
from workflows.applications import WorkflowError
from workflows.csv_export import csv_line, csv_pounds
from workflows.money import pounds
from workflows.permissions import Permission
from workflows.uploads import stored_path

bp = Blueprint("outcomes", __name__)
logger = logging.getLogger(__name__)

# How far back the list of verified reports reaches.
RECENT_DAYS = 90
ANSWERED = (ReportStatus.CONFIRMED, ReportStatus.DISPUTED)


def _page_number(name: str) -> int:
    return max(request.args.get(name, 1, type=int) or 1, 1)


# The lists ---------------------------------------------------------------------------------------


@bp.route("")
@requires(Permission.CHECK_APPLICATIONS)
def index() -> str:
    pages = {name: _page_number(name) for name in ("page", "council_page", "verified_page")}
    to_verify = queries.list_waiting_for_verification_page(pages["page"])
    with_council = queries.list_waiting_for_the_council_page(pages["council_page"])
    verified = queries.list_verified_since_page(utcnow() - timedelta(days=RECENT_DAYS), pages["verified_page"])
    return render_template(
        "outcomes/index.html",
        to_verify=to_verify,
        with_council=with_council,
        verified=verified,
        overdue=queries.overdue_points(date.today()),
        pages=pages,
        recent_days=RECENT_DAYS,
    )


REPORTS_CSV_HEADER = (
    "Application reference",
    "Council",
    "Expert",
    "Evaluation point",
    "Period start",
    "Period end",
    "Status",
    "Cashable savings claimed (£)",
    "Cashable savings",
    "Income claimed (£)",
    "Income",
    "Costs avoided claimed (£)",
    "Costs avoided",
    "Cashable savings verified (£)",
    "Income verified (£)",
    "Costs avoided verified (£)",
)


def _one_off_or_recurring(recurring: bool) -> str:
    return "Recurring" if recurring else "One-off"


def reports_csv() -> Iterator[str]:
    """Every outcome report as CSV lines, the oldest filed first, the header first. The reports
    are read in batches, each carrying its application, council and expert, so the statements do
    not grow with the rows. Verified figures are blank until a programme officer verifies them.
    The byte order mark lets a spreadsheet read UTF-8."""
    yield "\ufeff" + csv_line(REPORTS_CSV_HEADER)
    for found in queries.iter_reports():
        application = found.engagement.application
        yield csv_line(
            [
                application.reference,
                application.lead_council.name,
                found.engagement.expert.name,
                f"{found.due_month} months" if found.due_month else "Interim",
                found.period_start.isoformat(),
                found.period_end.isoformat(),
                found.status.label,
                csv_pounds(found.cashable_pence),
                _one_off_or_recurring(found.cashable_recurring),
                csv_pounds(found.income_pence),
                _one_off_or_recurring(found.income_recurring),
                csv_pounds(found.avoided_pence),
                _one_off_or_recurring(found.avoided_recurring),
                csv_pounds(found.verified_cashable_pence),
                csv_pounds(found.verified_income_pence),
                csv_pounds(found.verified_avoided_pence),
            ]
        )


@bp.route("/reports.csv")
@requires(Permission.CHECK_APPLICATIONS)
def reports_download() -> Response:
    """Every outcome report as a CSV file, sent as it is written."""
    return csv_download(reports_csv(), f"outcome-reports-{date.today().isoformat()}.csv")


# One report --------------------------------------------------------------------------------------


def _report_or_404(report_id: int) -> OutcomeReport:
    found = queries.get_report(report_id)
    if found is None:
        abort(404)
    return found


def _show_report(report: OutcomeReport, *, form: VerifyForm | None = None, status: int = 200) -> tuple[str, int]:
    page = render_template(
        "outcomes/report.html",
        report=report,
        engagement=report.engagement,
        application=report.engagement.application,
        figures=outcomes.history(report),
        verify_form=form or VerifyForm.claimed_in(report),
        form=form,
        can_verify=report.status in ANSWERED,
    )
    return page, status


@bp.route("/reports/<int:report_id>")
@requires(Permission.CHECK_APPLICATIONS)
def report(report_id: int) -> tuple[str, int]:
    return _show_report(_report_or_404(report_id))


@bp.route("/reports/<int:report_id>/verify", methods=["POST"])
@requires(Permission.CHECK_APPLICATIONS)
def verify(report_id: int) -> Response | tuple[str, int]:
    """Verify the figures as typed. A refusal about a figure or the reason is shown beside it;
    any other (the report was verified meanwhile, say) at the top of the page as it now is."""
    found = _report_or_404(report_id)
    form = VerifyForm()
    if not form.validate_on_submit():
        if found.status not in ANSWERED:  # the page as it now is has no form to show the errors in
            flash(f"This report is {found.status.label.lower()}: it cannot be verified now", "error")
            return redirect(url_for("outcomes.report", report_id=report_id))
        return _show_report(found, form=form, status=400)
    cashable, income, avoided = form.amounts()
    try:
        outcomes.verify(
            found,
            actor=signed_in_user(),
            cashable_pence=cashable,
            income_pence=income,
            avoided_pence=avoided,
            reason=form.reason.data or "",
        )
    except WorkflowError as error:
        db.session.rollback()
        field = form._fields.get(error.field or "")
        if field is None or field.name == "csrf_token":
            flash(str(error), "error")
            return redirect(url_for("outcomes.report", report_id=report_id))
        field.errors = [*field.errors, str(error)]
        return _show_report(_report_or_404(report_id), form=form, status=400)
    application = found.engagement.application
    message = f"The outcome report on {application.reference} is verified at {pounds(found.verified_total_pence)}."
    if application.status is ApplicationStatus.EVALUATED:
        message += " Every evaluation point is now verified: the application is evaluated."
    message += " The council and the expert have been told."
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("outcomes.report", report_id=report_id))


# One engagement ----------------------------------------------------------------------------------


@bp.route("/engagements/<int:engagement_id>")
@requires(Permission.CHECK_APPLICATIONS)
def engagement(engagement_id: int) -> str:
    found: Engagement | None = queries.get_engagement(engagement_id)
    if found is None:
        abort(404)
    return render_template(
        "outcomes/engagement.html",
        engagement=found,
        application=found.application,
        schedule=outcomes.report_schedule(found) if found.completed_at else [],
        reported={r.due_month: r for r in found.reports if r.due_month is not None},
        today=date.today(),
    )


# Evidence ----------------------------------------------------------------------------------------


@bp.route("/evidence/<int:file_id>")
@requires(Permission.SIGNED_IN)
def evidence(file_id: int) -> Response:
    """Send an evidence file as a download to the expert doing the work, an officer of the lead
    council or programme staff; anyone else is told there is no such file."""
    found = queries.get_evidence_for(signed_in_user(), file_id)
    if found is None:
        abort(404)
    try:
        path = stored_path(Path(current_app.config["EVIDENCE_DIR"]), found.stored_name)
        return download_response(path, download_name=found.original_name, content_type=found.content_type)
    except ValueError:
        logger.error("evidence file %s has a stored name that the service could not have given it", found.id)
    except FileNotFoundError:
        logger.error("evidence file %s is missing from the evidence directory", found.id)
    abort(404)
