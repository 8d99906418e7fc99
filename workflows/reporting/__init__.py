"""Programme reporting: what the programme has achieved against its targets, for the dashboard,
the quarter-by-quarter view and the board report.

What is counted, and how:

- **Councils reached**: the lead council and every confirmed partner council of each approved
  application (offered, or any later stage short of withdrawal), each council counted once in a
  line however many applications it is part of. A council is reached when its award is approved.
- **Applications by status**: every application in the rounds, as it stands now.
- **Money**: each round's budget; committed, the awards of approved applications (an offer the
  council declined gives its money back, so is not counted); paid, the tranches paid.
- **Savings**, by kind (cashable, income generated, costs avoided), at three stages: *estimated*,
  the figures in each approved application, counted when it was approved; *claimed*, the figures
  in every outcome report filed, counted when it was filed; *verified*, the figures a programme
  officer verified, counted when they were verified. A shared-services line (a matchmaking scheme)
  also counts the annual savings of the shared arrangements that started within one of its
  rounds' dates, at the same three stages.

Every figure is a SQL aggregate, grouped by round, by scheme or over the programme, with one
column per period asked for: a page asks a fixed number of statements however much there is.

**Targets and status.** A round may have a target for councils reached and one for savings. A
line's target is the sum of its rounds' targets. Pro rata (the usual rule), what is expected by a
date is each round's target times the share of the round's dates that has passed, added up. The
status compares progress with what is expected: Green at or above the rule's green percentage,
Amber at or above its amber percentage, Red below; with no target there is no status. The
savings status counts **verified** savings only: claims wait for verification.

Operations flush and never commit: the caller owns the transaction.
"""

from __future__ import annotations

from workflows.reporting.board import (
    BoardReportError,
    board_rows,
    board_title,
    figures_to,
    issue_board_report,
    latest_version,
    line_reference,
    list_board_reports,
    outputs_in_words,
    quarter_has_started,
    rule_record,
    versions_of,
)
from workflows.reporting.figures import (
    AWARDED,
    PROGRAMME_KEY,
    ArrangementSavings,
    Figures,
    Level,
    Period,
    Savings,
    Scope,
    Standing,
    Totals,
    figures,
    figures_with_lines,
    whole_number,
)
from workflows.reporting.periods import (
    Quarter,
    councils_words,
    day_words,
    elapsed_fraction,
    financial_year_bounds,
    financial_year_of,
    money_words,
    number_words,
    quarters_of_year,
    year_label,
)
from workflows.reporting.rule import (
    DEFAULT_AMBER_PERCENT,
    DEFAULT_GREEN_PERCENT,
    DEFAULT_PRO_RATA,
    PERCENT_BOUNDS,
    RULE_ID,
    Assessment,
    Measure,
    RagStatus,
    Rule,
    RuleError,
    StaleRuleError,
    current_rule,
    get_rag_rule,
    percent_reached,
    rag_status,
    rule_of,
    rule_problems,
    save_rule,
    worst,
)
from workflows.reporting.targets import (
    Expected,
    Progress,
    as_of_within,
    expected_by,
    key_of,
    list_rounds,
    progress_of,
    years_with_rounds,
)

__all__ = [
    "AWARDED",
    "DEFAULT_AMBER_PERCENT",
    "DEFAULT_GREEN_PERCENT",
    "DEFAULT_PRO_RATA",
    "PERCENT_BOUNDS",
    "PROGRAMME_KEY",
    "RULE_ID",
    "ArrangementSavings",
    "Assessment",
    "BoardReportError",
    "Expected",
    "Figures",
    "Level",
    "Measure",
    "Period",
    "Progress",
    "Quarter",
    "RagStatus",
    "Rule",
    "RuleError",
    "Savings",
    "Scope",
    "StaleRuleError",
    "Standing",
    "Totals",
    "as_of_within",
    "board_rows",
    "board_title",
    "councils_words",
    "current_rule",
    "day_words",
    "elapsed_fraction",
    "expected_by",
    "figures",
    "figures_to",
    "figures_with_lines",
    "financial_year_bounds",
    "financial_year_of",
    "get_rag_rule",
    "issue_board_report",
    "key_of",
    "latest_version",
    "line_reference",
    "list_board_reports",
    "list_rounds",
    "money_words",
    "number_words",
    "outputs_in_words",
    "percent_reached",
    "progress_of",
    "quarter_has_started",
    "quarters_of_year",
    "rag_status",
    "rule_of",
    "rule_problems",
    "rule_record",
    "save_rule",
    "versions_of",
    "whole_number",
    "worst",
    "year_label",
    "years_with_rounds",
]
