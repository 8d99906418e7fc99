"""The register of conflicts of interest: an expert with a conflict with a council is never matched
to that council's work without a reason on record."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import func, literal, or_, select

from grants.extensions import db
from grants.models import (
    ConflictOfInterest,
    Council,
    Expert,
    User,
)
from workflows.audit import record_event
from workflows.experts.pool import (
    ExpertPoolError,
    flush_checking,
    is_the_expert,
    require_pool_manager,
)
from workflows.problems import text_problem

REASON_MAX_LENGTH = 2000

GSS_CODE = re.compile(r"^[EW]\d{8}$", re.IGNORECASE)

NAME_WITH_CODE = re.compile(r"^(?P<name>.*?)\s*\((?P<code>[EW]\d{8})\)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class ConflictDetails:
    """A conflict as typed: the council by its name or GSS code, and why."""

    council: str
    reason: str


# Conflicts of interest -----------------------------------------------------------------------------


def find_council(text: str) -> Council:
    """The council in the register with this GSS code or exactly this name (any case), or with
    the code in "Babergh (E07000200)". Raises `ExpertPoolError` about "council", suggesting
    councils whose names are close."""
    typed = " ".join(text.split())
    if not typed:
        raise ExpertPoolError.about("council", "Enter the council's name or GSS code")
    with_code = NAME_WITH_CODE.match(typed)
    code = with_code.group("code") if with_code else typed if GSS_CODE.match(typed) else None
    if code is not None:
        council = db.session.scalar(select(Council).where(Council.gss_code == code.upper()))
        if council is None:
            raise ExpertPoolError.about("council", f"There is no council with the GSS code {code.upper()}")
        return council
    named = list(db.session.scalars(select(Council).where(func.lower(Council.name) == typed.lower()).limit(5)))
    if len(named) == 1:
        return named[0]
    if named:
        raise ExpertPoolError.about(
            "council", f"More than one council is called {typed}: enter the GSS code of the one you mean"
        )
    close = _councils_like(typed)
    if close:
        suggestions = ", ".join(f"{c.name} ({c.gss_code})" for c in close)
        raise ExpertPoolError.about("council", f"No council is called {typed}. Did you mean {suggestions}?")
    raise ExpertPoolError.about(
        "council", f"No council called {typed} is in the register. Enter its name or GSS code, like E07000200"
    )


def _councils_like(typed: str) -> list[Council]:
    """Up to five councils whose name contains what was typed, or is contained in it (so that
    "Babergh District Council" finds Babergh)."""
    escaped = typed.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    name = func.lower(Council.name)
    query = (
        select(Council)
        .where(
            or_(
                name.like(f"%{escaped}%", escape="\\"),
                literal(typed.lower()).contains(name),
            )
        )
        .order_by(Council.name)
        .limit(5)
    )
    return list(db.session.scalars(query))


def _conflict_exists(expert: Expert, council: Council) -> bool:
    query = select(ConflictOfInterest.id).where(
        ConflictOfInterest.expert_id == expert.id, ConflictOfInterest.council_id == council.id
    )
    return db.session.scalar(query.limit(1)) is not None


def _duplicate_message(expert: Expert, council: Council) -> str:
    return f"{expert.name} already has a conflict of interest with {council.name}"


def conflict_problems(expert: Expert, details: ConflictDetails) -> dict[str, str]:
    """What `record_conflict` or `declare_conflict` would refuse, by field, changing nothing."""
    problems: dict[str, str] = {}
    try:
        council = find_council(details.council)
    except ExpertPoolError as error:
        problems.update(error.problems)
    else:
        if _conflict_exists(expert, council):
            problems["council"] = _duplicate_message(expert, council)
    reason_problem = text_problem(
        details.reason, named="the reason", limit=REASON_MAX_LENGTH, noun="the reason for the conflict of interest"
    )
    if reason_problem:
        problems["reason"] = reason_problem
    return problems


def _add_conflict(expert: Expert, details: ConflictDetails, *, actor: User, declared: bool) -> ConflictOfInterest:
    problems = conflict_problems(expert, details)
    if problems:
        raise ExpertPoolError(problems)
    council = find_council(details.council)
    conflict = ConflictOfInterest(
        expert_id=expert.id,
        council_id=council.id,
        reason=details.reason.strip(),
        declared_by_expert=declared,
        recorded_by_id=actor.id,
    )
    db.session.add(conflict)
    flush_checking("council", _duplicate_message(expert, council))
    record_event(
        "conflict.declared" if declared else "conflict.recorded",
        actor=actor,
        subject_type="expert",
        subject_id=expert.id,
        conflict_id=conflict.id,
        council=council.gss_code,
        council_name=council.name,
        reason=conflict.reason,
    )
    return conflict


def record_conflict(expert: Expert, details: ConflictDetails, *, actor: User) -> ConflictOfInterest:
    """A conflict of interest staff know of: the expert will not be matched to the council."""
    require_pool_manager(actor)
    return _add_conflict(expert, details, actor=actor, declared=False)


def declare_conflict(expert: Expert, details: ConflictDetails, *, actor: User) -> ConflictOfInterest:
    """A conflict of interest the expert declares themself."""
    if not is_the_expert(actor, expert):
        raise ExpertPoolError.about("actor", "Only the expert can declare their own conflict of interest")
    return _add_conflict(expert, details, actor=actor, declared=True)


def remove_conflict(conflict: ConflictOfInterest, *, reason: str, actor: User) -> None:
    """Take a conflict off the register, by staff, with a reason kept in the audit trail with what
    the conflict was."""
    require_pool_manager(actor)
    problem = text_problem(
        reason, named="the reason", limit=REASON_MAX_LENGTH, noun="why the conflict of interest is being removed"
    )
    if problem:
        raise ExpertPoolError.about("reason", problem)
    detail = {
        "conflict_id": conflict.id,
        "council": conflict.council.gss_code,
        "council_name": conflict.council.name,
        "conflict_reason": conflict.reason,
        "declared_by_expert": conflict.declared_by_expert,
        "reason": reason.strip(),
    }
    expert_id = conflict.expert_id
    db.session.delete(conflict)
    db.session.flush()
    record_event("conflict.removed", actor=actor, subject_type="expert", subject_id=expert_id, **detail)


def has_conflict(expert_id: int, council_id: int) -> bool:
    """Whether the register has a conflict of interest between the expert and the council."""
    query = select(ConflictOfInterest.id).where(
        ConflictOfInterest.expert_id == expert_id, ConflictOfInterest.council_id == council_id
    )
    return db.session.scalar(query.limit(1)) is not None


def conflicted_expert_ids(council_ids: Collection[int]) -> set[int]:
    """The experts with a conflict of interest with any of these councils (a lead and its partners)."""
    if not council_ids:
        return set()
    query = select(ConflictOfInterest.expert_id).where(ConflictOfInterest.council_id.in_(list(council_ids)))
    return set(db.session.scalars(query))
