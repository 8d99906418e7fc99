"""Report summaries: the board report's lines for a quarter with live figures, and the board
reports as issued (frozen), for the staff who may see the dashboard."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import Field

from grants.api import queries
from grants.api.pagination import PageQuery, listing, paginate
from grants.api.problems import ApiError, FieldError, found_or_404
from grants.api.routing import Reply, operations
from grants.api.types import Id, Out, Query
from grants.models import BoardReport
from workflows import reporting
from workflows.permissions import Permission

TAG = "Reports"
READ = (Permission.VIEW_PROGRAMME,)


class LineFigures(Out):
    councils: int = Field(description="Councils reached this financial year to the report's last day.")
    target_councils: int | None
    approved: int = Field(description="Applications approved this financial year.")
    estimated_pence: int
    claimed_pence: int
    verified_pence: int
    target_savings_pence: int | None
    budget_pence: int
    committed_pence: int
    paid_pence: int
    arrangements: int = Field(description="Shared arrangements started (shared-services lines).")


class MeasureStatus(Out):
    measure: str = Field(description="councils or savings")
    label: str
    status: reporting.RagStatus
    progress: int
    target: int | None
    rule: str = Field(description="The status and the rule that gave it, in words.")


class BoardLine(Out):
    scheme_id: int
    line: str
    rounds: list[str]
    outputs: str = Field(description="The line's outputs in words with figures.")
    figures: LineFigures
    status: reporting.RagStatus = Field(description="The worst of the line's measures.")
    measures: list[MeasureStatus]
    reference: str


class RuleOut(Out):
    green_percent: int
    amber_percent: int
    pro_rata: bool
    words: str


class BoardSummary(Out):
    quarter: str
    year: int = Field(description="The financial year, by the calendar year it starts in.")
    number: int
    starts_on: date
    ends_on: date
    figures_to: date = Field(description="The last day counted: the quarter's end, or today while it is under way.")
    rule: RuleOut
    lines: list[BoardLine]


class IssuedBoardReport(Out):
    id: int
    title: str
    quarter: str
    year: int
    number: int
    version: int
    issued_at: datetime
    issued_by: str
    note: str
    rule: RuleOut
    lines: list[BoardLine]


class QuarterQuery(Query):
    year: int | None = Field(None, ge=2000, le=2100, description="The financial year; this year if not given.")
    quarter: int | None = Field(None, ge=1, le=4, description="1 (April to June) to 4 (January to March).")


def _rule_out(record: dict[str, object], words: str) -> RuleOut:
    return RuleOut(
        green_percent=int(str(record["green_percent"])),
        amber_percent=int(str(record["amber_percent"])),
        pro_rata=bool(record["pro_rata"]),
        words=words,
    )


def _lines(rows: list[dict[str, object]]) -> list[BoardLine]:
    return [BoardLine.model_validate(row) for row in rows]


read = operations(tag=TAG, permissions=READ)


@read(
    "/reports/board-summary",
    summary="The board report's lines for a quarter, with live figures",
    query=QuarterQuery,
    response=BoardSummary,
)
def board_summary(query: QuarterQuery) -> BoardSummary:
    """Each programme line's outputs in words with figures, its Red/Amber/Green status with the
    rule in words, and its reference, from the start of the financial year to the quarter's end
    (or to today while the quarter is under way). Without a quarter: this quarter for this year,
    the last quarter for an earlier year. A quarter that has not started is refused (422)."""
    today = date.today()
    current = reporting.Quarter.containing(today)
    year = query.year or current.year
    quarter = reporting.Quarter(year, query.quarter or (current.number if year == current.year else 4))
    if not reporting.quarter_has_started(quarter, today):
        raise ApiError(
            422,
            detail="That quarter has not started yet.",
            errors=[
                FieldError("The quarter must have started: choose this quarter or an earlier one", parameter="quarter")
            ],
        )
    rule = reporting.current_rule()
    return BoardSummary(
        quarter=quarter.label,
        year=quarter.year,
        number=quarter.number,
        starts_on=quarter.start,
        ends_on=quarter.end,
        figures_to=reporting.figures_to(quarter, today),
        rule=_rule_out(rule.as_record(), rule.in_words()),
        lines=_lines(reporting.board_rows(quarter, rule, today)),
    )


def _issued(report: BoardReport) -> IssuedBoardReport:
    quarter = reporting.Quarter.starting(report.quarter_start)
    return IssuedBoardReport(
        id=report.id,
        title=report.title,
        quarter=quarter.label,
        year=quarter.year,
        number=quarter.number,
        version=report.version,
        issued_at=report.issued_at,
        issued_by=report.issued_by.name,
        note=report.note,
        rule=_rule_out(report.rule, str(report.rule.get("words", ""))),
        lines=_lines(report.rows),
    )


@read("/reports/board-reports", summary="Board reports as issued", query=PageQuery, **listing(IssuedBoardReport))
def list_board_reports(query: PageQuery) -> Reply:
    """Every issued board report, the latest quarter first and its latest version first, each
    exactly as it was issued."""
    return paginate(reporting.list_board_reports(), query, IssuedBoardReport, _issued)


@read("/reports/board-reports/<int:report_id>", summary="One board report as issued", response=IssuedBoardReport)
def board_report(report_id: Id) -> IssuedBoardReport:
    """The report as it was issued: later changes to the data do not alter it."""
    found = found_or_404(queries.get_board_report(report_id))
    return _issued(found)
