"""The Red/Amber/Green rule: how progress against what is expected becomes a status, and the
administrators' one saved rule."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from typing import Any

from sqlalchemy.exc import IntegrityError

from grants.extensions import db
from grants.models import (
    RagRule,
    User,
    utcnow,
)
from workflows.applications import IllegalMoveError
from workflows.audit import record_event
from workflows.permissions import Permission, can
from workflows.problems import ProblemsError
from workflows.reporting.periods import councils_words, day_words, money_words

DEFAULT_GREEN_PERCENT = 100
DEFAULT_AMBER_PERCENT = 80
DEFAULT_PRO_RATA = True
PERCENT_BOUNDS = (1, 1000)
# The rule is one row, always this one, so two administrators saving the first rule at once
# cannot make two.
RULE_ID = 1


# The rule ---------------------------------------------------------------------------------------------


class RagStatus(enum.StrEnum):
    GREEN = "green"
    AMBER = "amber"
    RED = "red"
    NO_TARGET = "no_target"

    @property
    def label(self) -> str:
        return {"green": "Green", "amber": "Amber", "red": "Red", "no_target": "No target"}[self.value]


# Worst first: a line's overall status is the worst of its measures'.
_SEVERITY = [RagStatus.RED, RagStatus.AMBER, RagStatus.GREEN]


@dataclass(frozen=True)
class Rule:
    """The thresholds, as percentages of what is expected: Green at or above `green_percent`,
    Amber at or above `amber_percent`, Red below."""

    green_percent: int = DEFAULT_GREEN_PERCENT
    amber_percent: int = DEFAULT_AMBER_PERCENT
    pro_rata: bool = DEFAULT_PRO_RATA

    @property
    def target_words(self) -> str:
        return "the pro-rata target" if self.pro_rata else "the target"

    def in_words(self) -> str:
        """The whole rule in a sentence."""
        basis = (
            "the target multiplied by how much of each round's dates has passed"
            if self.pro_rata
            else "the whole target"
        )
        return (
            f"Green at or above {self.green_percent}% of {basis}; Amber at or above {self.amber_percent}%; "
            f"Red below {self.amber_percent}%. The savings status counts verified savings only."
        )

    def as_record(self) -> dict[str, Any]:
        return {"green_percent": self.green_percent, "amber_percent": self.amber_percent, "pro_rata": self.pro_rata}


def rag_status(progress: int | Fraction, expected: int | Fraction | None, rule: Rule) -> RagStatus:
    """The status of progress against what is expected by now. No target: no status. Nothing
    expected yet (a round not yet open): Green, as no progress is due."""
    if expected is None:
        return RagStatus.NO_TARGET
    if expected <= 0:
        return RagStatus.GREEN
    reached = Fraction(progress) * 100 / Fraction(expected)
    if reached >= rule.green_percent:
        return RagStatus.GREEN
    if reached >= rule.amber_percent:
        return RagStatus.AMBER
    return RagStatus.RED


def percent_reached(progress: int | Fraction, expected: int | Fraction | None) -> int | None:
    """Progress as a whole percentage of what is expected, rounded down; None with nothing expected."""
    if expected is None or expected <= 0:
        return None
    return int(Fraction(progress) * 100 // Fraction(expected))


def worst(statuses: Iterable[RagStatus]) -> RagStatus:
    """The worst status among those with a target; No target when none has one."""
    rated = [s for s in statuses if s is not RagStatus.NO_TARGET]
    return min(rated, key=_SEVERITY.index) if rated else RagStatus.NO_TARGET


class Measure(enum.StrEnum):
    COUNCILS = "councils"
    SAVINGS = "savings"

    @property
    def label(self) -> str:
        return "Councils reached" if self is Measure.COUNCILS else "Verified savings"


@dataclass(frozen=True)
class Assessment:
    """One measure's progress against its target, its status, and the rule in words."""

    measure: Measure
    progress: int
    target: int | None
    expected: Fraction | None
    as_of: date
    rule: Rule
    status: RagStatus = field(init=False)
    percent: int | None = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "status", rag_status(self.progress, self.expected, self.rule))
        object.__setattr__(self, "percent", percent_reached(self.progress, self.expected))

    def _amount(self, value: int | Fraction) -> str:
        return councils_words(value) if self.measure is Measure.COUNCILS else money_words(value)

    @property
    def progress_words(self) -> str:
        return self._amount(self.progress)

    @property
    def target_words(self) -> str:
        return self._amount(self.target) if self.target is not None else "No target"

    @property
    def expected_words(self) -> str:
        return self._amount(self.expected) if self.expected is not None else ""

    def in_words(self) -> str:
        """ "Amber: at or above 80% but below 100% of the pro-rata target (£16.8 million by 1 December
        2026); 82% reached (£13.8 million verified)." """
        rule = self.rule
        if self.status is RagStatus.NO_TARGET:
            return "No target: no target is set, so there is no status."
        done = f"{self.progress_words} {'reached' if self.measure is Measure.COUNCILS else 'verified'}"
        if self.expected is None or self.expected <= 0:
            return f"Green: nothing is due yet under {rule.target_words} on {day_words(self.as_of)}; {done}."
        by = f" by {day_words(self.as_of)}" if rule.pro_rata else ""
        band = {
            RagStatus.GREEN: f"at or above {rule.green_percent}%",
            RagStatus.AMBER: f"at or above {rule.amber_percent}% but below {rule.green_percent}%",
            RagStatus.RED: f"below {rule.amber_percent}%",
        }[self.status]
        return (
            f"{self.status.label}: {band} of {rule.target_words} ({self.expected_words}{by}); "
            f"{self.percent}% reached ({done})."
        )

    def as_record(self) -> dict[str, Any]:
        return {
            "measure": self.measure.value,
            "label": self.measure.label,
            "status": self.status.value,
            "progress": self.progress,
            "target": self.target,
            "rule": self.in_words(),
        }


class RuleError(ProblemsError):
    """The rule cannot be saved as typed."""


class StaleRuleError(RuleError):
    def __init__(self) -> None:
        super().__init__(
            {
                "version": "Someone else changed the rule while you were working on it. Your changes have not "
                "been saved: check the rule as it is now and try again."
            }
        )


def get_rag_rule() -> RagRule | None:
    return db.session.get(RagRule, RULE_ID)


def rule_of(row: RagRule | None) -> Rule:
    """The rule as stored, or the defaults when none has been saved."""
    if row is None:
        return Rule()
    return Rule(row.green_percent, row.amber_percent, row.pro_rata)


def current_rule() -> Rule:
    return rule_of(get_rag_rule())


def rule_problems(green_percent: int | None, amber_percent: int | None) -> dict[str, str]:
    """What `save_rule` would refuse in these thresholds, by field."""
    problems = {}
    low, high = PERCENT_BOUNDS
    if green_percent is None or not low <= green_percent <= high:
        problems["green_percent"] = f"The Green threshold must be between {low}% and {high:,}%"
    if amber_percent is None or not low <= amber_percent <= high:
        problems["amber_percent"] = f"The Amber threshold must be between {low}% and {high:,}%"
    elif green_percent is not None and "green_percent" not in problems and amber_percent > green_percent:
        problems["amber_percent"] = "The Amber threshold must be the same as or lower than the Green threshold"
    return problems


def save_rule(
    *, green_percent: int, amber_percent: int, pro_rata: bool, actor: User, expected_version: int
) -> dict[str, list[Any]]:
    """An administrator sets the thresholds. The page carries the version it showed (0 for the
    defaults, before anyone has saved a rule); a save over a newer version is refused. The first
    save creates the rule's one row. Returns what changed, as [before, after]; records it."""
    if not can(actor, Permission.MANAGE_SCHEMES):
        raise IllegalMoveError("Only an administrator can change the rule")
    problems = rule_problems(green_percent, amber_percent)
    if problems:
        raise RuleError(problems)
    db.session.flush()
    row = db.session.get(RagRule, RULE_ID, with_for_update=True, populate_existing=True)
    before = rule_of(row)
    if (row.version if row is not None else 0) != expected_version:
        raise StaleRuleError()
    wanted = {"green_percent": green_percent, "amber_percent": amber_percent, "pro_rata": pro_rata}
    changes = {name: [getattr(before, name), value] for name, value in wanted.items() if getattr(before, name) != value}
    if row is None:
        try:
            with db.session.begin_nested():
                row = RagRule(id=RULE_ID, version=1, updated_by_id=actor.id, **wanted)
                db.session.add(row)
        except IntegrityError:
            raise StaleRuleError() from None
    elif changes:
        for name, value in wanted.items():
            setattr(row, name, value)
        row.version += 1
        row.updated_by_id = actor.id
        row.updated_at = utcnow()
    else:
        return {}
    db.session.flush()
    record_event("rag_rule.updated", actor=actor, subject_type="rag_rule", subject_id=row.id, changes=changes)
    return changes
