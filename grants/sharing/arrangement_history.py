"""An arrangement's history on the shared services map: staff record or correct its savings in a
financial year, and record that it ended, under the rules in `workflows.arrangement_history`.
The arrangement's page (grants/sharing/arrangements.py) shows the years."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request
from werkzeug.wrappers import Response

from grants.auth.permissions import requires, signed_in_user
from grants.sharing.arrangements import Saved, StaleArrangementError, arrangement_or_404, arrangement_page, save
from grants.sharing.forms import EndArrangementForm, YearForm, year_form_data
from grants.sharing.views import bp
from workflows import arrangement_history as history
from workflows import arrangements as workflow
from workflows.formatting import uk_date
from workflows.permissions import Permission
from workflows.reporting.periods import financial_year_bounds, year_label

__all__ = ["bp"]


@bp.route("/arrangements/<int:arrangement_id>/years/<int:year>", methods=["GET", "POST"])
@requires(Permission.CHECK_APPLICATIONS)
def arrangement_year(arrangement_id: int, year: int) -> str | Response:
    """Record the savings of a financial year the arrangement ran, or correct them; a year it did
    not run has no page. Only a programme officer sees and sets the verified figure."""
    found = arrangement_or_404(arrangement_id)
    if year not in history.years_run(found):
        abort(404)
    user = signed_in_user()
    may_verify = workflow.can_verify(user)
    recorded = history.YearFigures.of(history.year_row(found, year))
    form = YearForm(data=year_form_data(found, recorded)) if request.method == "GET" else YearForm()
    if not may_verify:
        del form.verified_savings

    def figures() -> history.YearFigures:
        return form.figures(verified=form.verified_savings.pence if may_verify else recorded.verified_pence)

    outcome = save(
        form,
        lambda: history.record_year(found, year, figures(), actor=user, expected_version=form.expected_version()),
        lambda: history.year_problems(found, year, figures(), actor=user),
    )
    if isinstance(outcome, Saved):
        flash(f"Savings for {year_label(year)} saved" if outcome.result else "Nothing was changed", "success")
        return redirect(arrangement_page(found.id, "years"))
    if isinstance(outcome, StaleArrangementError):
        form = YearForm(
            formdata=None, data=year_form_data(found, history.YearFigures.of(history.year_row(found, year)))
        )
        if not may_verify:
            del form.verified_savings
    first, last = financial_year_bounds(year)
    return render_template(
        "sharing/arrangement_year.html",
        form=form,
        arrangement=found,
        year=year,
        year_words=f"{year_label(year)} (1 April {first.year} to 31 March {last.year})",
        is_new=recorded == history.YearFigures(None),
    )


@bp.route("/arrangements/<int:arrangement_id>/end", methods=["GET", "POST"])
@requires(Permission.CHECK_APPLICATIONS)
def end_arrangement(arrangement_id: int) -> str | Response:
    """Record the day the arrangement ended and why (or change it, for one that has ended)."""
    found = arrangement_or_404(arrangement_id)
    data = {"version": str(found.version), "ended_on": found.ended_on, "reason": found.end_reason or ""}
    form = EndArrangementForm(data=data) if request.method == "GET" else EndArrangementForm()
    user = signed_in_user()
    outcome = save(
        form,
        lambda: history.end_arrangement(
            found,
            ended_on=form.ended_on.data,
            reason=form.reason.data or "",
            actor=user,
            expected_version=form.expected_version(),
        ),
        lambda: history.end_problems(found, form.ended_on.data, form.reason.data or ""),
    )
    if isinstance(outcome, Saved):
        removed = ", ".join(year_label(year) for year in outcome.result)
        message = f"{found.name} ended on {uk_date(found.ended_on)}" if found.ended_on else "Saved"
        if removed:
            message += f"; the savings recorded for {removed}, after it ended, were removed"
        flash(message, "success")
        return redirect(arrangement_page(found.id))
    if isinstance(outcome, StaleArrangementError):
        form = EndArrangementForm(
            formdata=None, data={**data, "version": str(found.version), "reason": form.reason.data}
        )
    return render_template("sharing/arrangement_end.html", form=form, arrangement=found)
