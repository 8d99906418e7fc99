"""The reporting tests' world: the programme's lines with rounds and targets, applications approved,
delivered, reported on and verified, and what the board report should say of them."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from grants.models import SchemeKind
from tests.builders.applications import approved
from tests.builders.engagements import delivered
from tests.builders.rounds import programme_round, this_year
from workflows import reporting
from workflows.reporting import Quarter


def board_world(people, councils, evidence_dir: Path) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Two lines with rounds this year, and one whose only round was last year: Productivity
    Experts (a target of 4 councils and £100,000 of savings) with Babergh's and Ipswich's
    applications approved, Babergh's delivered with £30,000 claimed and £25,000 verified;
    Behavioural Insights with none yet."""
    grants = programme_round(
        "productivity-experts", "Productivity Experts", target_councils=4, target_savings_pence=10_000_000
    )
    trials = programme_round("behavioural-insights", "Behavioural Insights", kind=SchemeKind.MATCH_FUNDING)
    programme_round("digital", "Digital channel shift", year=this_year() - 1, target_councils=9)
    babergh = approved(people, councils, grants, "babergh")
    ipswich = approved(people, councils, grants, "ipswich")
    report = delivered(
        babergh, people, evidence_dir, expert_name="Amira Local", claimed=(3_000_000, 0, 0), verified=(2_500_000, 0, 0)
    )
    return {"grants": grants, "trials": trials, "babergh": babergh, "ipswich": ipswich, "report": report}


def expected_statuses() -> tuple[reporting.Assessment, reporting.Assessment]:
    """The Productivity Experts line's two statuses today, by the rule: 2 councils of a target of
    4, £25,000 verified of £100,000, each against the share of the year passed."""
    today = date.today()
    first, last = reporting.financial_year_bounds(this_year())
    share = reporting.elapsed_fraction(first, last, today)
    rule = reporting.Rule()
    return (
        reporting.Assessment(reporting.Measure.COUNCILS, 2, 4, 4 * share, today, rule),
        reporting.Assessment(reporting.Measure.SAVINGS, 2_500_000, 10_000_000, 10_000_000 * share, today, rule),
    )


def current() -> Quarter:
    return Quarter.containing(date.today())
