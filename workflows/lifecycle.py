"""The one door every change of status goes through.

A record with a lifecycle (an application, a joint bid's partner, an introduction, an offer of
work to an expert, an outcome report, a matching run) has a table of its moves: the action, the
statuses it starts from, where it goes (None where a rule of the record chooses), the permission
it needs (None for a move the service itself makes, with no one acting) and whether a reason is
required. Its `Lifecycle` holds the table and the record's own rules, and `transition()` is the
door:

1. lock the row (`SELECT … FOR UPDATE`, by refreshing it), so two people acting at once are taken
   one after the other and the second sees the first's change;
2. check the version the person's page was drawn from (none given: not checked);
3. find the move: one that starts from the record's status, that the actor's role permits, and
   that the record's own rule lets this person make (the expert the offer is for, the lead
   council, no one deciding what they applied for or scored);
4. check the reason (required, not too long);
5. let the operation make its own last checks and set its own fields (`before`);
6. set the status, bump the version, and write the audit event (and, for a record on an
   application's timeline, the timeline entry);
7. let the record do what follows from the move (`moved`: a stage's clock, messages).

A refusal raises before anything changes. Operations flush and never commit: the caller owns the
transaction. Nothing else assigns a status (tests/unit/test_one_door.py reads the code to be sure).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, Protocol, TypeVar

from grants.extensions import db
from grants.models import User
from workflows.audit import record_event
from workflows.permissions import Permission, can


class WorkflowError(Exception):
    """A step the rules refuse. The message is for the person who tried it."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class IllegalMoveError(WorkflowError):
    """The move does not exist from this status, or not for this person (409 in the API)."""


class Stateful(Protocol):
    """A record with a lifecycle: its id, status and version. (Typed Any: a mapped column,
    `Mapped[int]`, is not an `int` to the type checker where it checks a type variable's bound.)"""

    id: Any
    status: Any
    version: Any


StatusT = TypeVar("StatusT", bound=enum.Enum)
RecordT = TypeVar("RecordT", bound=Stateful)


@dataclass(frozen=True)
class Move(Generic[StatusT]):
    """One allowed move: the action, the statuses it starts from, where it goes (None: chosen by
    the record's rule, `Lifecycle.choose_target`), the permission it needs (None: the service's
    own move, made with no one acting), and whether a reason is required."""

    action: str
    sources: frozenset[StatusT]
    target: StatusT | None
    permission: Permission | None
    reason_required: bool = False


# A row of a table of moves: (action, the statuses it starts from, the target, permission, reason).
Row = tuple[str, "str | Iterable[StatusT]", "str | None", "Permission | None", bool]


def table(statuses: type[StatusT], rows: Iterable[Row[StatusT]]) -> list[Move[StatusT]]:
    """A record's moves written as a table, a row a move: the action; the statuses it starts from
    (their values separated by spaces, "*" for every status, or the statuses themselves); the
    target's value (None: chosen by the record's rule); the permission (None: the service's own
    move); whether a reason is required. A value that is no status fails as the module loads."""
    found: list[Move[StatusT]] = []
    for action, sources, target, permission, reason_required in rows:
        if sources == "*":
            starts = frozenset(statuses.__members__.values())
        elif isinstance(sources, str):
            starts = frozenset(statuses(value) for value in sources.split())
        else:
            starts = frozenset(sources)
        found.append(Move(action, starts, None if target is None else statuses(target), permission, reason_required))
    return found


@dataclass(frozen=True)
class Change(Generic[RecordT, StatusT]):
    """A move made: the record, the move, from where to where, and the reason given."""

    record: RecordT
    move: Move[StatusT]
    source: StatusT
    target: StatusT
    reason: str | None

    @property
    def action(self) -> str:
        return self.move.action


# The operation's own last checks and fields, once the door's checks have passed and before the
# status changes: given the move and the reason, it may raise (nothing has changed yet), and may
# return detail for the audit event that it learned on the way.
Before = Callable[[Move[StatusT], str | None], Mapping[str, Any] | None]


class Lifecycle(Generic[RecordT, StatusT]):
    """A record's moves and its own rules, and the door its status changes through. A record's
    lifecycle is a subclass that says what differs: the words of its refusals, who beyond their
    role may act, how a target is chosen, what its audit event records and what follows."""

    # The audit event's subject type; an event is named "<subject type>.<event>".
    subject_type: ClassVar[str]
    # The class of the record's own refusals (a reason missing, a version gone stale).
    error: ClassVar[type[WorkflowError]] = WorkflowError
    # By action, the audit event's name where it is not the action's own ("accept": "accepted").
    events: ClassVar[Mapping[str, str]] = {}
    # By action, what a missing reason says and the field it is about.
    reason_asks: ClassVar[Mapping[str, tuple[str, str]]] = {}
    reason_limit: ClassVar[int | None] = 2000
    too_long: ClassVar[str] = "The reason must be {limit:,} characters or fewer"

    def __init__(self, moves: Iterable[Move[StatusT]]) -> None:
        self.moves: tuple[Move[StatusT], ...] = tuple(moves)

    # The record's own rules: a subclass overrides what differs -------------------------------------

    def refusal(self, record: RecordT, move: Move[StatusT], actor: User | None) -> str | None:
        """Why the actor may not make the move, or None if they may. By default, their role's
        permission; a move with none is the service's own, made with no one acting."""
        if move.permission is None:
            return None if actor is None else "Only the service itself can do that"
        return None if can(actor, move.permission) else "You cannot do that"

    def cannot(self, record: RecordT, action: str) -> WorkflowError:
        """The refusal of an action that has no move from the record's status."""
        return IllegalMoveError(f"This cannot be done now: it is {_words(record.status)}")

    def stale(self, record: RecordT) -> WorkflowError:
        """The refusal of a change from a page drawn before someone else's change."""
        return self.error("Someone else changed this while you had it open: check it as it is now and try again")

    def choose_target(self, record: RecordT, move: Move[StatusT]) -> StatusT:
        """Where a move with no fixed target goes."""
        raise AssertionError(f"{move.action} has no target and no rule to choose one")

    def clean(self, reason: str | None) -> str | None:
        return (reason or "").strip() or None

    def limit_for(self, move: Move[StatusT]) -> int | None:
        """The most characters the move's reason may have (None: no limit)."""
        return self.reason_limit

    def lock(self, record: RecordT) -> None:
        """Reload the record's row under a lock (PostgreSQL), so two people acting at once are
        taken one after the other and the second sees the first's change."""
        db.session.flush()  # a refresh would otherwise drop changes not yet written
        if record.id is not None:
            db.session.refresh(record, with_for_update=True)

    def record(self, change: Change[RecordT, StatusT], actor: User | None, detail: Mapping[str, Any]) -> None:
        """Write the audit event of the change (a subclass adds the timeline entry)."""
        record_event(
            f"{self.subject_type}.{self.events.get(change.action, change.action)}",
            actor=actor,
            subject_type=self.subject_type,
            subject_id=change.record.id,
            **detail,
        )

    def moved(self, change: Change[RecordT, StatusT], actor: User | None) -> None:
        """What follows from the move, once made: a stage's clock, messages (by default, nothing)."""

    # The door ---------------------------------------------------------------------------------------

    def find_move(self, record: RecordT, action: str, actor: User | None) -> Move[StatusT]:
        """The move the actor may make now, or IllegalMoveError (or the record's refusal) saying
        why not: no such action, none from this status, or not for this person."""
        candidates = [m for m in self.moves if m.action == action]
        if not candidates:
            raise IllegalMoveError(f"There is no such action as {action!r}")
        from_here = [m for m in candidates if record.status in m.sources]
        if not from_here:
            raise self.cannot(record, action)
        refusals = [self.refusal(record, move, actor) for move in from_here]
        for move, refused in zip(from_here, refusals, strict=True):
            if refused is None:
                return move
        raise IllegalMoveError(str(refusals[0]))

    def allowed_actions(self, record: RecordT, actor: User | None) -> list[str]:
        """The actions the actor could take now (before the checks that need their input)."""
        found: list[str] = []
        for move in self.moves:
            if move.action not in found and record.status in move.sources and self.refusal(record, move, actor) is None:
                found.append(move.action)
        return found

    def check_version(self, record: RecordT, expected_version: int | None) -> None:
        if expected_version is not None and record.version != expected_version:
            raise self.stale(record)

    def check(
        self, record: RecordT, action: str, actor: User | None, *, expected_version: int | None = None
    ) -> Move[StatusT]:
        """Lock the row, check the version and find the move, changing nothing: for an operation
        that must refuse before its own costly step (committing money, say), then goes through
        `transition`."""
        self.lock(record)
        self.check_version(record, expected_version)
        return self.find_move(record, action, actor)

    def check_reason(self, move: Move[StatusT], reason: str | None) -> None:
        message, field = self.reason_asks.get(move.action, ("Give a reason", "reason"))
        if move.reason_required and not reason:
            raise self.error(message, field=field)
        limit = self.limit_for(move)
        if reason and limit is not None and len(reason) > limit:
            raise self.error(self.too_long.format(limit=limit), field=field)

    def transition(
        self,
        record: RecordT,
        action: str,
        actor: User | None,
        *,
        reason: str | None = None,
        expected_version: int | None = None,
        before: Before[StatusT] | None = None,
        detail: Mapping[str, Any] | None = None,
    ) -> Change[RecordT, StatusT]:
        """The one way the record's status changes (see the module's docstring for the steps).
        `detail` goes into the audit event, with whatever `before` returns."""
        move = self.check(record, action, actor, expected_version=expected_version)
        reason = self.clean(reason)
        self.check_reason(move, reason)
        learned = before(move, reason) if before is not None else None
        source = record.status
        target = move.target if move.target is not None else self.choose_target(record, move)
        record.status = target
        record.version += 1
        change = Change(record, move, source, target, reason)
        self.record(change, actor, {**(detail or {}), **(learned or {})})
        self.moved(change, actor)
        return change


def _words(status: enum.Enum) -> str:
    label = getattr(status, "label", None)
    return str(label if isinstance(label, str) else status.value).lower()
