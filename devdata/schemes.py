"""The three schemes of the Productivity Programme as data: the demo world's, and the first three
of the national dataset's five. Each is a scheme's settings (`workflows.schemes.SchemeSettings`)
with its criteria (code, label, weight) and, for the demo, its current round's budget and targets."""

from __future__ import annotations

from typing import Any

from devdata.common import POUND
from grants.models import SchemeKind

# Working days allowed in each stage before the work is overdue.
STANDARD_SERVICE_LEVELS = {"submitted": 5, "in_assessment": 10, "awaiting_decision": 5, "offered": 10}

SCHEMES: list[dict[str, Any]] = [
    {
        "code": "productivity-experts",
        "name": "Productivity Experts",
        "summary": (
            "A grant of £6,000 to commission one expert from the LGA's vetted pool for a project that "
            "makes efficiency savings or generates income."
        ),
        "kind": SchemeKind.FIXED_GRANT,
        "fixed_amount_pence": 6_000 * POUND,
        "max_amount_pence": 6_000 * POUND,
        "match_ratio_percent": 0,
        "uses_experts": True,
        "allows_partners": False,
        "one_per_council_per_round": True,
        "eligible_tiers": [],
        "assessments_required": 2,
        "service_levels": STANDARD_SERVICE_LEVELS,
        "criteria": [
            ("savings", "Scale and credibility of the savings or income", 3),
            ("approach", "Quality of the approach and the use of an expert", 2),
            ("commitment", "Senior commitment and capacity to deliver", 1),
        ],
        "round": {
            "budget_pence": 180_000 * POUND,
            "target_councils": 25,
            "target_savings_pence": 25_000_000 * POUND,
        },
    },
    {
        "code": "behavioural-insights",
        "name": "Behavioural Insights match funding",
        "summary": (
            "Up to £30,000, matched at least pound for pound by the council, for a trial that uses "
            "behavioural insights to manage demand. Councils may bid jointly."
        ),
        "kind": SchemeKind.MATCH_FUNDING,
        "fixed_amount_pence": None,
        "max_amount_pence": 30_000 * POUND,
        "match_ratio_percent": 100,
        "uses_experts": True,
        "allows_partners": True,
        "one_per_council_per_round": False,
        "eligible_tiers": [],
        "assessments_required": 2,
        "service_levels": STANDARD_SERVICE_LEVELS,
        "criteria": [
            ("demand", "The demand problem and the evidence for it", 2),
            ("design", "Trial design and how outcomes will be measured", 3),
            ("partnership", "Strength of the partnership and the match", 1),
        ],
        "round": {"budget_pence": 300_000 * POUND, "target_councils": 10, "target_savings_pence": None},
    },
    {
        "code": "shared-services",
        "name": "Shared services matchmaking",
        "summary": (
            "Help to find partner councils to share services or a management team with, and funding for a "
            "shared-service expert or external mediation."
        ),
        "kind": SchemeKind.MATCHMAKING,
        "fixed_amount_pence": None,
        "max_amount_pence": 20_000 * POUND,
        "match_ratio_percent": 0,
        "uses_experts": True,
        "allows_partners": True,
        "one_per_council_per_round": True,
        "eligible_tiers": [],
        "assessments_required": 1,
        "service_levels": STANDARD_SERVICE_LEVELS,
        "criteria": [
            ("fit", "Fit of the services and geography for sharing", 2),
            ("readiness", "Readiness and leadership support", 1),
        ],
        "round": {"budget_pence": 200_000 * POUND, "target_councils": 20, "target_savings_pence": 10_000_000 * POUND},
    },
]
