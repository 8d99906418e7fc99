"""The quarterly report to the Improvement and Innovation Board: its rows, and issuing it as the
next frozen version for the quarter."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import (
    Select,
    func,
    select,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from grants.extensions import db
from grants.models import (
    BoardReport,
    Scheme,
    SchemeKind,
    User,
    utcnow,
)
from workflows.applications import IllegalMoveError, reference_prefix
from workflows.audit import record_event
from workflows.permissions import Permission, can
from workflows.problems import ProblemsError
from workflows.reporting.figures import Level, Period, Scope, Standing, Totals, figures, whole_number
from workflows.reporting.periods import Quarter, councils_words, financial_year_bounds, money_words, number_words
from workflows.reporting.rule import Rule, current_rule
from workflows.reporting.targets import Expected, expected_by, list_rounds, progress_of

# Board reports ----------------------------------------------------------------------------------------


class BoardReportError(ProblemsError):
    """The report cannot be issued: said at the top of the page."""


def board_title(quarter: Quarter) -> str:
    return f"Productivity Programme: outputs against targets, {quarter.label}"


def figures_to(quarter: Quarter, today: date) -> date:
    """The last day the quarter's report counts: the quarter's end, or today while it is under way."""
    return min(quarter.end, today)


def quarter_has_started(quarter: Quarter, today: date) -> bool:
    return quarter.start <= today


def line_reference(scheme: Scheme, quarter: Quarter) -> str:
    """ "PE-2026-Q3": the line's initials, the financial year and the quarter."""
    return f"{reference_prefix(scheme)}-{quarter.year}-Q{quarter.number}"


def outputs_in_words(totals: Totals, standing: Standing, matchmaking: bool) -> str:
    """The line's outputs, financial year to date, as the board reads them: "Working with 11
    councils so far this year (target 25) to deliver savings of £7.3 million, as estimated when
    approved. £2.1 million claimed and £1.4 million verified so far (target £25 million). 11
    applications approved, committing £66,000 of a £180,000 budget; £33,000 paid." """
    target_councils = f" (target {number_words(standing.target_councils)})" if standing.target_councils else ""
    target_savings = f" (target {money_words(standing.target_savings_pence)})" if standing.target_savings_pence else ""
    if totals.councils:
        reach = f"Working with {councils_words(totals.councils)} so far this year{target_councils}"
    else:
        reach = f"No councils reached yet this year{target_councils}"
    claims = f"{money_words(totals.claimed_pence)} claimed and {money_words(totals.verified_pence)} verified so far"
    if totals.councils and totals.estimated_pence:
        sentences = [
            f"{reach} to deliver savings of {money_words(totals.estimated_pence)}, as estimated when approved.",
            f"{claims[0].upper()}{claims[1:]}{target_savings}.",
        ]
    else:
        estimated = f"{money_words(totals.estimated_pence)} estimated, " if totals.estimated_pence else ""
        sentences = [f"{reach}.", f"Savings: {estimated}{claims}{target_savings}."]
    if matchmaking and totals.arrangements.count:
        count = totals.arrangements.count
        sentences.append(
            f"The savings include {money_words(totals.arrangements.estimated_pence)} a year estimated from "
            f"{count} new shared arrangement{'' if count == 1 else 's'}."
        )
    if totals.approved:
        grants = f"{totals.approved} application{'' if totals.approved == 1 else 's'} approved"
        sentences.append(
            f"{grants}, committing {money_words(totals.committed_pence)} of a {money_words(standing.budget_pence)} "
            f"budget; {money_words(totals.paid_pence)} paid."
        )
    else:
        sentences.append(f"No application approved yet, from a {money_words(standing.budget_pence)} budget.")
    return " ".join(sentences)


def board_rows(quarter: Quarter, rule: Rule, today: date) -> list[dict[str, Any]]:
    """One row per programme line (a scheme with a round open in the quarter's financial year):
    its outputs from the start of the year to the quarter's end (or today, while the quarter is
    under way), its status under the rule and its reference. Plain data, to be frozen as issued."""
    year_start, _ = financial_year_bounds(quarter.year)
    last_day = figures_to(quarter, today)
    scope = Scope(year=quarter.year)
    rounds = list_rounds(scope)
    found = figures(scope, Level.SCHEME, [Period(year_start, last_day)])
    expected = expected_by(rounds, Level.SCHEME, last_day, rule)
    schemes: dict[int, Scheme] = {}
    round_names: dict[int, list[str]] = {}
    for funding_round in rounds:
        schemes.setdefault(funding_round.scheme_id, funding_round.scheme)
        round_names.setdefault(funding_round.scheme_id, []).append(funding_round.name)
    rows = []
    for scheme_id, scheme in schemes.items():
        line = found[scheme_id]
        [totals] = line.periods
        progress = progress_of(line.standing, totals, expected.get(scheme_id, Expected()), last_day, rule)
        matchmaking = scheme.kind is SchemeKind.MATCHMAKING
        rows.append(
            {
                "scheme_id": scheme_id,
                "line": scheme.name,
                "rounds": round_names[scheme_id],
                "outputs": outputs_in_words(totals, line.standing, matchmaking),
                "figures": {
                    "councils": totals.councils,
                    "target_councils": line.standing.target_councils,
                    "approved": totals.approved,
                    "estimated_pence": totals.estimated_pence,
                    "claimed_pence": totals.claimed_pence,
                    "verified_pence": totals.verified_pence,
                    "target_savings_pence": line.standing.target_savings_pence,
                    "budget_pence": line.standing.budget_pence,
                    "committed_pence": totals.committed_pence,
                    "paid_pence": totals.paid_pence,
                    "arrangements": totals.arrangements.count,
                },
                "status": progress.status.value,
                "measures": [a.as_record() for a in progress.assessments],
                "reference": line_reference(scheme, quarter),
            }
        )
    return rows


def rule_record(rule: Rule, last_day: date) -> dict[str, Any]:
    """The rule as it stood, frozen with an issued report."""
    return {
        **rule.as_record(),
        "savings_measure": "verified",
        "figures_to": last_day.isoformat(),
        "words": rule.in_words(),
    }


def latest_version(quarter: Quarter) -> int:
    """The latest version issued for the quarter; 0 when none has been."""
    return whole_number(
        db.session.scalar(select(func.max(BoardReport.version)).where(BoardReport.quarter_start == quarter.start))
    )


def issue_board_report(quarter: Quarter, *, actor: User, note: str, expected_latest: int, today: date) -> BoardReport:
    """Issue the quarter's report: its rows and the rule are frozen as they are now, as the next
    version for the quarter. The page carries the latest version it knew of; if another has been
    issued since (or is being issued at this moment), nothing is issued and the error says so."""
    if not can(actor, Permission.ISSUE_BOARD_REPORTS):
        raise IllegalMoveError("Only an approver or an administrator can issue a board report")
    if not quarter_has_started(quarter, today):
        raise BoardReportError.about("quarter", "A quarter's report can be issued once the quarter has started")
    text = (note or "").strip()
    if len(text) > 2000:
        raise BoardReportError.about("note", "The note must be 2,000 characters or fewer")
    latest = latest_version(quarter)
    if latest != expected_latest:
        raise BoardReportError.about(
            "version",
            f"Version {latest} of the report for {quarter.label} has been issued since you opened this page. "
            "Nothing more has been issued: check it before you issue another.",
        )
    rule = current_rule()
    last_day = figures_to(quarter, today)
    report = BoardReport(
        quarter_start=quarter.start,
        quarter_end=quarter.end,
        version=latest + 1,
        title=board_title(quarter),
        rows=board_rows(quarter, rule, today),
        rule=rule_record(rule, last_day),
        note=text,
        issued_by_id=actor.id,
        issued_at=utcnow(),
    )
    try:
        with db.session.begin_nested():
            db.session.add(report)
    except IntegrityError:
        raise BoardReportError.about(
            "version",
            f"Someone else issued the report for {quarter.label} at the same moment. Nothing more has been "
            "issued: check theirs before you issue another.",
        ) from None
    record_event(
        "board_report.issued",
        actor=actor,
        subject_type="board_report",
        subject_id=report.id,
        quarter_start=quarter.start.isoformat(),
        version=report.version,
        figures_to=last_day.isoformat(),
    )
    return report


def list_board_reports() -> Select[tuple[BoardReport]]:
    """Every issued report, the latest quarter first and its latest version first."""
    return (
        select(BoardReport)
        .options(joinedload(BoardReport.issued_by))
        .order_by(BoardReport.quarter_start.desc(), BoardReport.version.desc())
    )


def versions_of(quarter: Quarter) -> list[BoardReport]:
    return list(
        db.session.scalars(
            select(BoardReport)
            .options(joinedload(BoardReport.issued_by))
            .where(BoardReport.quarter_start == quarter.start)
            .order_by(BoardReport.version.desc())
        )
    )
