"""Each application's life, from the draft to where it stands now, move by move: the state the
steps share, and the moves themselves (devdata/national/applying.py and delivery.py take the
steps)."""

from __future__ import annotations

from datetime import datetime

from devdata.national.generator import Generator
from devdata.national.shapes import Application, Event, Person
from grants.models import ApplicationStatus, ExpertKind, Role
from workflows.applications import MOVES

_TARGETS = {(move.action, source.value): move.target for move in MOVES for source in move.sources}


class Life:
    """What every step of a life needs: the dataset being made, its clock and random numbers, the
    staff who act, the pools of vetted experts, and the moves on the timeline."""

    def __init__(self, generator: Generator) -> None:
        self.g = generator
        self.rng = generator.rng
        self.now = generator.now
        self.programme = generator.staff[Role.PROGRAMME_OFFICER]
        self.assessors = generator.staff[Role.ASSESSOR]
        self.approvers = generator.staff[Role.APPROVER]
        self.pools = {kind: [e for e in generator.experts if e.vetted and e.kind is kind] for kind in ExpertKind}

    def move(self, a: Application, at: datetime, action: str, actor: Person | None, reason: str | None = None) -> None:
        """A change of status as `applications.transition` makes it, and only a move MOVES allows:
        the version goes up and the event records it."""
        if (action, a.status) not in _TARGETS:
            raise AssertionError(f"{action} is not a move from {a.status}")
        target = _TARGETS[(action, a.status)] or (
            ApplicationStatus.EXPERT_MATCHING if a.scheme.settings.uses_experts else ApplicationStatus.IN_DELIVERY
        )
        a.version += 1
        a.events.append(
            Event(at, action, actor.id if actor else None, a.status, target.value, reason, a.version, a.version)
        )
        a.status = target.value
        a.stage_entered_at = a.changed_at = at

    @staticmethod
    def note(a: Application, at: datetime, action: str, actor_id: int | None, reason: str | None = None) -> None:
        a.events.append(Event(at, action, actor_id, None, None, reason, None, a.version))

    @staticmethod
    def bump(a: Application, at: datetime) -> None:
        a.version += 1
        a.changed_at = at
