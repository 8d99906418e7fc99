"""A record's history in words: the lines the expert, scheme and arrangement pages show."""

from __future__ import annotations

from typing import Any

from grants.admin.schemes import EVENTS as SCHEME_EVENTS
from grants.experts.views import EVENTS as EXPERT_EVENTS
from grants.models import AuditEvent
from grants.sharing.arrangements import EVENTS as ARRANGEMENT_EVENTS


def event(action: str, subject_id: int = 1, **detail: Any) -> AuditEvent:
    return AuditEvent(action=action, subject_type="test", subject_id=subject_id, detail=detail)


def test_an_experts_events() -> None:
    summary = EXPERT_EVENTS.summary
    assert summary(event("expert.created", source="import")) == "Added to the pool from a CSV file"
    assert summary(event("expert.created", source="form")) == "Added to the pool"
    changed = event("expert.updated", source="import", changes={"email": {}, "day_rate_pence": {}, "capacity": {}})
    assert summary(changed) == "Details changed from a CSV file (email address, day rate, capacity)"
    window = event("expert.availability_added", starts_on="2026-09-01", ends_on=None)
    assert summary(window) == "Availability added: from 1 September 2026"
    removed = event("conflict.removed", council="E07000200", council_name="Babergh", reason="Left in 2025")
    assert summary(removed) == "Conflict of interest removed: Babergh (E07000200). Reason: Left in 2025"
    recorded = event("conflict.recorded", council="E07000200", council_name="Babergh", reason="Worked there")
    assert summary(recorded) == "Conflict of interest recorded: Babergh (E07000200)"


def test_a_schemes_events() -> None:
    summary = SCHEME_EVENTS.summary
    assert summary(event("round.updated", 7, changes={"budget_pence": {}}), {7: "2026/27"}) == (
        "Round changed: 2026/27 (budget)"
    )
    assert summary(event("round.created", 8, name="2027/28"), {}) == "Round opened: 2027/28"
    assert summary(event("scheme.criterion_removed", criterion="savings"), {}) == "Criterion removed: savings"
    assert summary(event("scheme.updated", changes={"max_amount_pence": {}}), {}) == "Settings changed (max amount)"


def test_an_arrangements_events() -> None:
    summary = ARRANGEMENT_EVENTS.summary
    assert summary(event("arrangement.recorded", source="introduction")) == "Recorded on the map from an introduction"
    changed = event("arrangement.updated", changes={"sharing_type": {}, "estimated_annual_savings_pence": {}})
    assert summary(changed) == "Details changed (what is shared, estimated annual savings)"
    removed = event("arrangement.council_removed", council="E07000202", council_name="Ipswich", reason="Left")
    assert summary(removed) == "Council removed: Ipswich (E07000202). Reason: Left"
