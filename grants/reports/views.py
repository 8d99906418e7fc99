"""Programme reporting for LGA staff: the dashboard for the programme, each scheme and each round,
the year quarter by quarter, the Red/Amber/Green rule (administrators change it), and the
quarterly board report, previewed with live figures and issued (frozen) by an approver or an
administrator, as a printable page and a CSV file.

The figures and the rule are the workflow's (workflows/reporting.py); these views choose what a
page is about and draw it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from grants.auth.permissions import requires, signed_in_user
from grants.extensions import db
from grants.form_problems import apply_change
from grants.models import BoardReport, FundingRound
from grants.reports import queries
from grants.reports.forms import IssueForm, RuleForm
from grants.reports.pages import build_page, quarter_view
from grants.streaming import csv_download
from workflows import reporting
from workflows.csv_export import csv_line, csv_pounds
from workflows.permissions import Permission, can
from workflows.reporting import BoardReportError, Level, Period, Quarter, RagStatus, Scope, StaleRuleError

bp = Blueprint("reports", __name__)

# The years a page may be asked about: anything else in an address is no page at all.
YEARS = range(2000, 2101)
RAG_TAGS = {
    RagStatus.GREEN.value: ("Green", "govuk-tag--green"),
    RagStatus.AMBER.value: ("Amber", "govuk-tag--orange"),
    RagStatus.RED.value: ("Red", "govuk-tag--red"),
    RagStatus.NO_TARGET.value: ("No target", "govuk-tag--grey"),
}


@bp.context_processor
def _reporting_helpers() -> dict[str, Any]:
    return {"rag_tags": RAG_TAGS, "year_label": reporting.year_label, "day_words": reporting.day_words}


def _chosen_year(years: list[int], today: date) -> int:
    """The year asked for in the address; otherwise this financial year when something is open in
    it, or the latest year that has rounds."""
    asked = request.args.get("year", type=int)
    if asked is not None and asked in YEARS:
        return asked
    current = reporting.financial_year_of(today)
    if not years or current in years:
        return current
    return max(years)


def _open_data_links() -> dict[str, str]:
    return {
        "page": url_for("open_data.index"),
        "json": url_for("open_data.package"),
        "csv": url_for("open_data.grants_csv"),
    }


# The dashboard ------------------------------------------------------------------------------------------


def _year_page(
    template: str,
    years: list[int],
    *,
    scope: Callable[[int], Scope],
    level: Level,
    key: int,
    breakdown: Level,
    href_for: Callable[[FundingRound, int], str],
    **context: Any,
) -> str:
    """A line of the programme (or the whole of it) in the financial year asked for, with a line
    for each of its parts (`breakdown`) open in that year, and events dated in it."""
    today = date.today()
    year = _chosen_year(years, today)
    first, last = reporting.financial_year_bounds(year)
    rule = reporting.current_rule()
    page = build_page(
        scope(year),
        level=level,
        key=key,
        breakdown=breakdown,
        period=Period(first, last),
        as_of=reporting.as_of_within(today, first, last),
        rule=rule,
        href_for=lambda r: href_for(r, year),
    )
    return render_template(
        template,
        page=page,
        year=year,
        years=years,
        first=first,
        last=last,
        rule=rule,
        open_data=_open_data_links(),
        **context,
    )


@bp.route("")
@requires(Permission.VIEW_PROGRAMME)
def dashboard() -> str:
    """The programme in a financial year: every line with a round open in it, events dated in it."""
    return _year_page(
        "reports/dashboard.html",
        reporting.years_with_rounds(),
        scope=lambda year: Scope(year=year),
        level=Level.PROGRAMME,
        key=reporting.PROGRAMME_KEY,
        breakdown=Level.SCHEME,
        href_for=lambda r, year: url_for(".scheme", scheme_id=r.scheme_id, year=year),
    )


@bp.route("/schemes/<int:scheme_id>")
@requires(Permission.VIEW_PROGRAMME)
def scheme(scheme_id: int) -> str:
    """One programme line in a financial year, with each of its rounds open in that year."""
    found = queries.get_scheme_or_404(scheme_id)
    return _year_page(
        "reports/scheme.html",
        reporting.years_with_rounds(scheme_id),
        scope=lambda year: Scope(year=year, scheme_id=scheme_id),
        level=Level.SCHEME,
        key=scheme_id,
        breakdown=Level.ROUND,
        href_for=lambda r, year: url_for(".funding_round", round_id=r.id),
        scheme=found,
    )


@bp.route("/rounds/<int:round_id>")
@requires(Permission.VIEW_PROGRAMME)
def funding_round(round_id: int) -> str:
    """One round: everything recorded against it, whenever it happened."""
    found = queries.get_round(round_id)
    if found is None:
        abort(404)
    today = date.today()
    rule = reporting.current_rule()
    page = build_page(
        Scope(round_id=round_id),
        level=Level.ROUND,
        key=round_id,
        breakdown=None,
        period=Period(),
        as_of=reporting.as_of_within(today, found.opens_on, found.closes_on),
        rule=rule,
        href_for=lambda r: url_for(".funding_round", round_id=r.id),
    )
    return render_template(
        "reports/round.html",
        funding_round=found,
        page=page,
        year=reporting.financial_year_of(found.opens_on),
        rule=rule,
        today=today,
        open_data=_open_data_links(),
    )


@bp.route("/quarters")
@requires(Permission.VIEW_PROGRAMME)
def quarters() -> str:
    """The financial year quarter by quarter, for the programme or one line."""
    today = date.today()
    years = reporting.years_with_rounds()
    year = _chosen_year(years, today)
    schemes = queries.list_schemes_in_year(year)
    asked = request.args.get("scheme", type=int)
    chosen = next((s for s in schemes if s.id == asked), None)
    rule = reporting.current_rule()
    view = quarter_view(year, chosen.id if chosen else None, today, rule)
    return render_template(
        "reports/quarters.html", view=view, year=year, years=years, schemes=schemes, chosen=chosen, rule=rule
    )


# The rule --------------------------------------------------------------------------------------------


@bp.route("/rule", methods=["GET", "POST"])
@requires(Permission.MANAGE_SCHEMES)
def rule() -> str | Response:
    """An administrator sets the thresholds that turn progress into Red, Amber or Green."""
    row = reporting.get_rag_rule()
    form = (
        RuleForm.showing(reporting.rule_of(row), row.version if row else 0) if request.method == "GET" else RuleForm()
    )
    done, outcome = apply_change(
        form,
        lambda: reporting.save_rule(
            **form.thresholds(), actor=signed_in_user(), expected_version=form.expected_version()
        ),
        form.other_problems,
    )
    if done:
        flash("The rule is saved" if outcome else "Nothing was changed", "success")
        return redirect(url_for(".rule"))
    if isinstance(outcome, StaleRuleError):
        row = reporting.get_rag_rule()
        form = RuleForm.showing(reporting.rule_of(row), row.version if row else 0)
    return render_template("reports/rule.html", form=form, row=row, rule=reporting.rule_of(row))


# Board reports -----------------------------------------------------------------------------------------


def _quarter_or_404(year: int, number: int, today: date) -> Quarter:
    """The quarter in the address, if it is a real one that has started."""
    if year not in YEARS or number not in (1, 2, 3, 4):
        abort(404)
    quarter = Quarter(year, number)
    if not reporting.quarter_has_started(quarter, today):
        abort(404)
    return quarter


def quarters_to_choose(years: list[int], today: date) -> list[Quarter]:
    """Every quarter from the start of the first year with rounds to the one under way, latest first."""
    current = Quarter.containing(today)
    if not years:
        return [current]
    found = []
    quarter = Quarter(min(years[0], current.year), 1)
    while quarter <= current:
        found.append(quarter)
        quarter = quarter.next()
    return found[::-1]


@bp.route("/board")
@requires(Permission.VIEW_PROGRAMME)
def board_index() -> str | Response:
    """Issued reports, and a quarter to preview."""
    today = date.today()
    chosen = request.args.get("quarter", "")
    choices = quarters_to_choose(reporting.years_with_rounds(), today)
    for quarter in choices:
        if chosen == f"{quarter.year}-{quarter.number}":
            return redirect(url_for(".board_preview", year=quarter.year, number=quarter.number))
    page = queries.list_board_reports_page(request.args.get("page", 1, type=int))
    latest: dict[Any, int] = {}
    for report in page.items:
        latest.setdefault(report.quarter_start, report.version)
    return render_template(
        "reports/board_index.html",
        page=page,
        quarters=choices,
        current=Quarter.containing(today),
        latest=latest,
        quarter_of=Quarter.starting,
    )


def _show_board(
    quarter: Quarter,
    *,
    rows: list[dict[str, Any]],
    rule: dict[str, Any],
    report: BoardReport | None,
    versions: list[BoardReport],
    form: IssueForm | None = None,
    status: int = 200,
) -> tuple[str, int]:
    page = render_template(
        "reports/board.html",
        quarter=quarter,
        rows=rows,
        rule=rule,
        report=report,
        versions=versions,
        form=form,
        may_issue=can(signed_in_user(), Permission.ISSUE_BOARD_REPORTS),
        figures_to=date.fromisoformat(rule["figures_to"]),
    )
    return page, status


def _preview(quarter: Quarter, today: date, form: IssueForm | None = None, status: int = 200) -> tuple[str, int]:
    rule = reporting.current_rule()
    rows = reporting.board_rows(quarter, rule, today)
    versions = reporting.versions_of(quarter)
    latest = versions[0].version if versions else 0
    form = form or IssueForm(formdata=None, data={"latest": str(latest)})
    return _show_board(
        quarter,
        rows=rows,
        rule=reporting.rule_record(rule, reporting.figures_to(quarter, today)),
        report=None,
        versions=versions,
        form=form,
        status=status,
    )


@bp.route("/board/<int:year>/q<int:number>")
@requires(Permission.VIEW_PROGRAMME)
def board_preview(year: int, number: int) -> tuple[str, int]:
    """The quarter's report with the figures as they are now, not yet issued."""
    today = date.today()
    return _preview(_quarter_or_404(year, number, today), today)


@bp.route("/board/<int:year>/q<int:number>/issue", methods=["POST"])
@requires(Permission.ISSUE_BOARD_REPORTS)
def issue(year: int, number: int) -> Response | tuple[str, int]:
    """Issue the quarter's report as it is now: the next version, frozen."""
    today = date.today()
    quarter = _quarter_or_404(year, number, today)
    form = IssueForm()
    if not form.validate_on_submit():
        return _preview(quarter, today, form=form, status=400)
    try:
        report = reporting.issue_board_report(
            quarter,
            actor=signed_in_user(),
            note=form.note.data or "",
            expected_latest=form.expected_latest(),
            today=today,
        )
    except BoardReportError as error:
        db.session.rollback()
        for message in error.problems.values():
            flash(message, "error")
        return redirect(url_for(".board_preview", year=year, number=number))
    db.session.commit()
    flash(f"Version {report.version} of the report for {quarter.label} is issued. It will not change.", "success")
    return redirect(url_for(".board_report", report_id=report.id))


def _issued_or_404(report_id: int) -> BoardReport:
    found = queries.get_board_report(report_id)
    if found is None:
        abort(404)
    return found


@bp.route("/board/<int:report_id>")
@requires(Permission.VIEW_PROGRAMME)
def board_report(report_id: int) -> tuple[str, int]:
    """An issued report exactly as it was issued."""
    found = _issued_or_404(report_id)
    quarter = Quarter.starting(found.quarter_start)
    return _show_board(quarter, rows=found.rows, rule=found.rule, report=found, versions=reporting.versions_of(quarter))


BOARD_CSV_HEADER = (
    "Programme line",
    "Rounds",
    "Outputs",
    "Status",
    "Councils reached",
    "Target councils",
    "Councils status",
    "Savings estimated (£)",
    "Savings claimed (£)",
    "Savings verified (£)",
    "Target savings (£)",
    "Savings status",
    "Budget (£)",
    "Committed (£)",
    "Paid (£)",
    "Reference",
    "Detail",
)


def board_csv(rows: list[dict[str, Any]], year: int) -> Iterator[str]:
    """A board report's rows as CSV lines, the header first, every cell guarded against being read
    as a formula. The byte order mark lets a spreadsheet read UTF-8."""
    yield "\ufeff" + csv_line(BOARD_CSV_HEADER)
    for row in rows:
        figures = row["figures"]
        measures = {m["measure"]: m for m in row["measures"]}
        target_councils = figures["target_councils"]
        yield csv_line(
            [
                row["line"],
                ", ".join(row["rounds"]),
                row["outputs"],
                RAG_TAGS[row["status"]][0],
                str(figures["councils"]),
                "" if target_councils is None else str(target_councils),
                measures["councils"]["rule"],
                csv_pounds(figures["estimated_pence"]),
                csv_pounds(figures["claimed_pence"]),
                csv_pounds(figures["verified_pence"]),
                csv_pounds(figures["target_savings_pence"]),
                measures["savings"]["rule"],
                csv_pounds(figures["budget_pence"]),
                csv_pounds(figures["committed_pence"]),
                csv_pounds(figures["paid_pence"]),
                row["reference"],
                url_for(".scheme", scheme_id=row["scheme_id"], year=year, _external=True),
            ]
        )


@bp.route("/board/<int:year>/q<int:number>.csv")
@requires(Permission.VIEW_PROGRAMME)
def board_preview_csv(year: int, number: int) -> Response:
    """The quarter's report as it would be issued now, as a CSV file."""
    today = date.today()
    quarter = _quarter_or_404(year, number, today)
    rows = reporting.board_rows(quarter, reporting.current_rule(), today)
    return csv_download(board_csv(rows, quarter.year), f"board-report-{year}-q{number}-preview-{today.isoformat()}.csv")


@bp.route("/board/<int:report_id>.csv")
@requires(Permission.VIEW_PROGRAMME)
def board_report_csv(report_id: int) -> Response:
    """An issued report as a CSV file, exactly as issued."""
    found = _issued_or_404(report_id)
    quarter = Quarter.starting(found.quarter_start)
    filename = f"board-report-{quarter.year}-q{quarter.number}-version-{found.version}.csv"
    return csv_download(board_csv(found.rows, quarter.year), filename)
