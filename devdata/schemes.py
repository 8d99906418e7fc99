"""The three schemes of the Productivity Programme as data: the demo world's, and the first three
of the national dataset's five. Each is the settings an administrator would give it
(`workflows.schemes.SchemeSettings`), its criteria, and, for the demo, its current round's budget
and targets."""

from __future__ import annotations

from dataclasses import dataclass

from devdata.common import POUND
from grants.models import SchemeKind
from workflows.schemes import CriterionDetails, SchemeSettings

# Working days allowed in each stage before the work is overdue.
STANDARD_SERVICE_LEVELS = {"submitted": 5, "in_assessment": 10, "awaiting_decision": 5, "offered": 10}


@dataclass(frozen=True)
class RoundTargets:
    """A round's budget and what it aims for (its name and dates are the current financial year's)."""

    budget_pence: int
    target_councils: int
    target_savings_pence: int | None


@dataclass(frozen=True)
class SchemeSpec:
    settings: SchemeSettings
    criteria: tuple[CriterionDetails, ...]
    round: RoundTargets | None = None


SCHEMES = [
    SchemeSpec(
        SchemeSettings(
            code="productivity-experts",
            name="Productivity Experts",
            summary=(
                "A grant of £6,000 to commission one expert from the LGA's vetted pool for a project that "
                "makes efficiency savings or generates income."
            ),
            kind=SchemeKind.FIXED_GRANT,
            fixed_amount_pence=6_000 * POUND,
            max_amount_pence=6_000 * POUND,
            uses_experts=True,
            one_per_council_per_round=True,
            service_levels=STANDARD_SERVICE_LEVELS,
        ),
        criteria=(
            CriterionDetails("savings", "Scale and credibility of the savings or income", weight=3),
            CriterionDetails("approach", "Quality of the approach and the use of an expert", weight=2),
            CriterionDetails("commitment", "Senior commitment and capacity to deliver", weight=1),
        ),
        round=RoundTargets(budget_pence=180_000 * POUND, target_councils=25, target_savings_pence=25_000_000 * POUND),
    ),
    SchemeSpec(
        SchemeSettings(
            code="behavioural-insights",
            name="Behavioural Insights match funding",
            summary=(
                "Up to £30,000, matched at least pound for pound by the council, for a trial that uses "
                "behavioural insights to manage demand. Councils may bid jointly."
            ),
            kind=SchemeKind.MATCH_FUNDING,
            max_amount_pence=30_000 * POUND,
            match_ratio_percent=100,
            uses_experts=True,
            allows_partners=True,
            service_levels=STANDARD_SERVICE_LEVELS,
        ),
        criteria=(
            CriterionDetails("demand", "The demand problem and the evidence for it", weight=2),
            CriterionDetails("design", "Trial design and how outcomes will be measured", weight=3),
            CriterionDetails("partnership", "Strength of the partnership and the match", weight=1),
        ),
        round=RoundTargets(budget_pence=300_000 * POUND, target_councils=10, target_savings_pence=None),
    ),
    SchemeSpec(
        SchemeSettings(
            code="shared-services",
            name="Shared services matchmaking",
            summary=(
                "Help to find partner councils to share services or a management team with, and funding for a "
                "shared-service expert or external mediation."
            ),
            kind=SchemeKind.MATCHMAKING,
            max_amount_pence=20_000 * POUND,
            uses_experts=True,
            allows_partners=True,
            one_per_council_per_round=True,
            assessments_required=1,
            service_levels=STANDARD_SERVICE_LEVELS,
        ),
        criteria=(
            CriterionDetails("fit", "Fit of the services and geography for sharing", weight=2),
            CriterionDetails("readiness", "Readiness and leadership support", weight=1),
        ),
        round=RoundTargets(budget_pence=200_000 * POUND, target_councils=20, target_savings_pence=10_000_000 * POUND),
    ),
]
