"""Schemes as data: an administrator adds a programme line (its kind, money, eligibility rules,
criteria, service levels) and opens funding rounds for it, and councils can apply at once.

Operations flush and never commit: the caller owns the transaction. Each checks the rules itself,
whatever form the values came through, and raises `SchemeError` naming every field that is
wrong, having changed nothing it would leave half-done: the caller rolls back.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, cast

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.exc import IntegrityError

from grants.extensions import db
from grants.models import (
    Application,
    ApplicationStatus,
    CouncilTier,
    FundingRound,
    Scheme,
    SchemeCriterion,
    SchemeKind,
    User,
)
from workflows.audit import audit_values, changed_values, record_event
from workflows.details import details_of
from workflows.permissions import Permission, can
from workflows.problems import ProblemsError, text_problem

CODE_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
CODE_MAX_LENGTH = 40
NAME_MAX_LENGTH = 120
SUMMARY_MAX_LENGTH = 2000
CRITERION_LABEL_MAX_LENGTH = 200
GUIDANCE_MAX_LENGTH = 2000
ROUND_NAME_MAX_LENGTH = 120

MATCH_RATIO_RANGE = (0, 500)
ASSESSMENTS_RANGE = (1, 5)
SERVICE_LEVEL_RANGE = (1, 60)
WEIGHT_RANGE = (1, 10)
TARGET_COUNCILS_RANGE = (1, 10_000)
# Far beyond any grant programme; keeps a slip of the finger from becoming a trillion-pound round.
MAX_PENCE = 1_000_000_000 * 100

# The stages that have a service level: the ones where the next move is the LGA's or, once an
# offer is made, the council's.
SERVICE_LEVEL_STAGES: tuple[ApplicationStatus, ...] = (
    ApplicationStatus.SUBMITTED,
    ApplicationStatus.IN_ASSESSMENT,
    ApplicationStatus.AWAITING_DECISION,
    ApplicationStatus.OFFERED,
)


class SchemeError(ProblemsError):
    """What is wrong, by field, in words for the person who typed it."""


@dataclass(frozen=True)
class SchemeSettings:
    """Everything an administrator decides about a scheme."""

    code: str
    name: str
    summary: str
    kind: SchemeKind
    fixed_amount_pence: int | None = None
    max_amount_pence: int | None = None
    match_ratio_percent: int = 0
    uses_experts: bool = False
    allows_partners: bool = False
    one_per_council_per_round: bool = False
    eligible_tiers: tuple[CouncilTier, ...] = ()
    assessments_required: int = 2
    service_levels: Mapping[str, int] = field(default_factory=dict)
    is_active: bool = True

    def columns(self) -> dict[str, Any]:
        """The values as the scheme's columns hold them: tiers in the register's order, and
        service levels only for the stages that have one."""
        return {
            "code": self.code.strip(),
            "name": self.name.strip(),
            "summary": self.summary.strip(),
            "kind": self.kind,
            "fixed_amount_pence": self.fixed_amount_pence,
            "max_amount_pence": self.max_amount_pence,
            "match_ratio_percent": self.match_ratio_percent,
            "uses_experts": self.uses_experts,
            "allows_partners": self.allows_partners,
            "one_per_council_per_round": self.one_per_council_per_round,
            "eligible_tiers": [tier.value for tier in CouncilTier if tier in self.eligible_tiers],
            "assessments_required": self.assessments_required,
            "service_levels": {
                s.value: self.service_levels[s.value] for s in SERVICE_LEVEL_STAGES if s.value in self.service_levels
            },
            "is_active": self.is_active,
        }

    @classmethod
    def of(cls, scheme: Scheme) -> SchemeSettings:
        """A scheme's current settings, to fill the form that changes them."""
        return details_of(
            cls,
            scheme,
            eligible_tiers=tuple(CouncilTier(t) for t in scheme.eligible_tiers or []),
            service_levels=dict(scheme.service_levels or {}),
        )


@dataclass(frozen=True)
class CriterionDetails:
    code: str
    label: str
    guidance: str = ""
    weight: int = 1


@dataclass(frozen=True)
class RoundDetails:
    name: str
    opens_on: date
    closes_on: date
    budget_pence: int
    target_councils: int | None = None
    target_savings_pence: int | None = None


# Checks --------------------------------------------------------------------------------------------


def _require_administrator(actor: User) -> None:
    if not can(actor, Permission.MANAGE_SCHEMES):
        raise SchemeError.about("actor", "Only an administrator can change schemes and rounds")


def _in_range(value: int | None, bounds: tuple[int, int]) -> bool:
    return value is not None and bounds[0] <= value <= bounds[1]


def _text_problems(values: Mapping[str, str], limits: Mapping[str, tuple[int, str]]) -> dict[str, str]:
    """Required text with a maximum length: `limits` maps the field to (length, its name)."""
    problems: dict[str, str] = {}
    for name, (limit, noun) in limits.items():
        problem = text_problem(values[name], noun, limit=limit)
        if problem:
            problems[name] = problem
    return problems


def _code_problem(code: str, noun: str) -> str | None:
    code = code.strip()
    if not code:
        return f"Enter {noun}"
    if len(code) > CODE_MAX_LENGTH:
        return f"{noun[0].upper()}{noun[1:]} must be {CODE_MAX_LENGTH} characters or fewer"
    if not CODE_PATTERN.match(code):
        return (
            f"{noun[0].upper()}{noun[1:]} must use only lowercase letters, digits and single hyphens, "
            "like digital-channel-shift"
        )
    return None


def _money_problems(settings: SchemeSettings) -> dict[str, str]:
    """The amounts each kind of scheme needs: a fixed grant its amount; match funding its maximum."""
    problems: dict[str, str] = {}
    fixed, most = settings.fixed_amount_pence, settings.max_amount_pence
    for name, amount, noun in (("fixed_amount", fixed, "The fixed amount"), ("max_amount", most, "The maximum")):
        if amount is not None and not 0 < amount <= MAX_PENCE:
            problems[name] = f"{noun} must be more than £0 and no more than £1,000,000,000"
    if settings.kind is SchemeKind.FIXED_GRANT and fixed is None:
        problems["fixed_amount"] = "Enter the fixed amount every successful council gets"
    if settings.kind is not SchemeKind.FIXED_GRANT and fixed is not None:
        problems["fixed_amount"] = "Leave the fixed amount blank: only a fixed grant has one"
    if settings.kind is SchemeKind.MATCH_FUNDING and most is None:
        problems["max_amount"] = "Enter the most a council can ask for"
    if fixed is not None and most is not None and fixed > most and "max_amount" not in problems:
        problems["max_amount"] = "The maximum cannot be less than the fixed amount"
    return problems


def _rule_problems(settings: SchemeSettings) -> dict[str, str]:
    problems: dict[str, str] = {}
    if not _in_range(settings.match_ratio_percent, MATCH_RATIO_RANGE):
        problems["match_ratio"] = "The match must be between 0% and 500% of the grant"
    elif settings.match_ratio_percent and settings.kind is not SchemeKind.MATCH_FUNDING:
        # Only the match-funding form asks a council for its match: any other kind with one would
        # fail every application's eligibility check.
        problems["match_ratio"] = "Only match funding asks councils for a match: enter 0 for this kind of scheme"
    if not _in_range(settings.assessments_required, ASSESSMENTS_RANGE):
        problems["assessments_required"] = "The number of assessments must be between 1 and 5"
    unknown = set(settings.service_levels) - {s.value for s in SERVICE_LEVEL_STAGES}
    if unknown:
        problems["service_levels"] = "Service levels can be set only for the stages shown"
    for stage in SERVICE_LEVEL_STAGES:
        days = settings.service_levels.get(stage.value)
        if days is not None and not _in_range(days, SERVICE_LEVEL_RANGE):
            problems[f"service_level_{stage.value}"] = (
                f"The service level for “{stage.label}” must be between 1 and 60 working days, or blank"
            )
    return problems


def _code_taken(code: str, scheme: Scheme | None) -> bool:
    query = select(Scheme.id).where(func.lower(Scheme.code) == code.strip().lower())
    if scheme is not None and scheme.id is not None:
        query = query.where(Scheme.id != scheme.id)
    return db.session.scalar(query.limit(1)) is not None


def _has_applications(scheme: Scheme) -> bool:
    if scheme.id is None:
        return False
    query = select(Application.id).join(FundingRound).where(FundingRound.scheme_id == scheme.id).limit(1)
    return db.session.scalar(query) is not None


def _settings_problems(settings: SchemeSettings, scheme: Scheme | None) -> dict[str, str]:
    problems = _text_problems(
        {"name": settings.name, "summary": settings.summary},
        {"name": (NAME_MAX_LENGTH, "the scheme's name"), "summary": (SUMMARY_MAX_LENGTH, "a summary")},
    )
    code_problem = _code_problem(settings.code, "the code")
    if code_problem:
        problems["code"] = code_problem
    elif _code_taken(settings.code, scheme):
        problems["code"] = f"There is already a scheme with the code {settings.code.strip()}"
    problems.update(_money_problems(settings))
    problems.update(_rule_problems(settings))
    if scheme is not None and _has_applications(scheme):
        if settings.kind is not scheme.kind:
            problems["kind"] = "The kind cannot change once councils have applied: their forms depend on it"
        if settings.code.strip() != scheme.code and "code" not in problems:
            problems["code"] = "The code cannot change once councils have applied: their references are made from it"
    return problems


def scheme_problems(settings: SchemeSettings, scheme: Scheme | None = None) -> dict[str, str]:
    """What `create_scheme` (or `update_scheme`, given the scheme) would refuse in these
    settings, by field, changing nothing: for a form to show every problem at once."""
    return _settings_problems(settings, scheme)


def _flush_checking_code(code: str) -> None:
    """Flush; two administrators saving the same new code at once meet the unique index, and the
    second is told as if the check before had caught it."""
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise SchemeError.about("code", f"There is already a scheme with the code {code}") from None


# Schemes -------------------------------------------------------------------------------------------


def create_scheme(settings: SchemeSettings, *, actor: User) -> Scheme:
    """A new scheme, with no criteria or rounds yet: councils cannot apply until a round opens."""
    _require_administrator(actor)
    problems = _settings_problems(settings, None)
    if problems:
        raise SchemeError(problems)
    scheme = Scheme(**settings.columns())
    db.session.add(scheme)
    _flush_checking_code(scheme.code)
    record_event(
        "scheme.created", actor=actor, subject_type="scheme", subject_id=scheme.id, **audit_values(settings.columns())
    )
    return scheme


def update_scheme(scheme: Scheme, settings: SchemeSettings, *, actor: User) -> dict[str, list[Any]]:
    """Change a scheme's settings; returns what changed (before, after), also kept in the audit.
    Applications already made keep their amounts and awards; the new rules apply to what
    happens next."""
    _require_administrator(actor)
    problems = _settings_problems(settings, scheme)
    if problems:
        raise SchemeError(problems)
    changes = changed_values(scheme, settings.columns())
    if not changes:
        return {}
    columns = settings.columns()
    for name in changes:
        setattr(scheme, name, columns[name])
    _flush_checking_code(scheme.code)
    record_event("scheme.updated", actor=actor, subject_type="scheme", subject_id=scheme.id, changes=changes)
    return changes


# Criteria ------------------------------------------------------------------------------------------


def _assessment_under_way(scheme: Scheme) -> bool:
    """Whether assessors are scoring applications to the scheme now: their scores must all be
    against the same criteria, with the same weights."""
    query = (
        select(Application.id)
        .join(FundingRound)
        .where(FundingRound.scheme_id == scheme.id, Application.status == ApplicationStatus.IN_ASSESSMENT)
        .limit(1)
    )
    return db.session.scalar(query) is not None


def _round_still_to_close(scheme: Scheme, today: date) -> bool:
    return any(r.closes_on >= today for r in scheme.rounds)


def _criterion_problems(details: CriterionDetails, others: Sequence[SchemeCriterion]) -> dict[str, str]:
    """What is wrong with a criterion, beside the scheme's `others`."""
    problems = _text_problems({"label": details.label}, {"label": (CRITERION_LABEL_MAX_LENGTH, "the criterion")})
    code_problem = _code_problem(details.code, "the criterion's code")
    if code_problem:
        problems["code"] = code_problem
    elif any(c.code == details.code.strip() for c in others):
        problems["code"] = f"This scheme already has a criterion with the code {details.code.strip()}"
    if len(details.guidance.strip()) > GUIDANCE_MAX_LENGTH:
        problems["guidance"] = "The guidance must be 2,000 characters or fewer"
    if not _in_range(details.weight, WEIGHT_RANGE):
        problems["weight"] = "The weight must be a whole number from 1 to 10"
    return problems


def criterion_problems(
    scheme: Scheme, details: CriterionDetails, criterion: SchemeCriterion | None = None
) -> dict[str, str]:
    """What `add_criterion` (or `update_criterion`, given the criterion) would refuse in these
    details, by field, changing nothing."""
    return _criterion_problems(details, [c for c in scheme.criteria if c is not criterion])


def _refuse_during_assessment(scheme: Scheme, what: str) -> None:
    if _assessment_under_way(scheme):
        raise SchemeError.about(
            "criteria",
            f"You cannot {what} while applications to this scheme are being assessed: every assessor "
            "must score against the same criteria",
        )


def add_criterion(scheme: Scheme, details: CriterionDetails, *, actor: User) -> SchemeCriterion:
    """A published criterion, last in the list."""
    _require_administrator(actor)
    problems = _criterion_problems(details, scheme.criteria)
    if problems:
        raise SchemeError(problems)
    _refuse_during_assessment(scheme, "add a criterion")
    criterion = SchemeCriterion(
        code=details.code.strip(),
        label=details.label.strip(),
        guidance=details.guidance.strip(),
        weight=details.weight,
        position=max((c.position for c in scheme.criteria), default=-1) + 1,
    )
    scheme.criteria.append(criterion)
    db.session.flush()
    record_event(
        "scheme.criterion_added",
        actor=actor,
        subject_type="scheme",
        subject_id=scheme.id,
        criterion=criterion.code,
        label=criterion.label,
        weight=criterion.weight,
    )
    return criterion


def update_criterion(criterion: SchemeCriterion, details: CriterionDetails, *, actor: User) -> dict[str, list[Any]]:
    """Change a criterion. Rewording its label or guidance is always allowed; its code and weight
    are what scores are kept and weighed by, so they are fixed while assessment is under way."""
    _require_administrator(actor)
    scheme = criterion.scheme
    problems = _criterion_problems(details, [c for c in scheme.criteria if c is not criterion])
    if problems:
        raise SchemeError(problems)
    values = {
        "code": details.code.strip(),
        "label": details.label.strip(),
        "guidance": details.guidance.strip(),
        "weight": details.weight,
    }
    changes = changed_values(criterion, values)
    if not changes:
        return {}
    if {"code", "weight"} & changes.keys():
        _refuse_during_assessment(scheme, "change a criterion's code or weight")
    for name in changes:
        setattr(criterion, name, values[name])
    db.session.flush()
    record_event(
        "scheme.criterion_updated",
        actor=actor,
        subject_type="scheme",
        subject_id=scheme.id,
        criterion=criterion.code,
        changes=changes,
    )
    return changes


def remove_criterion(criterion: SchemeCriterion, *, actor: User, today: date) -> None:
    """Take a criterion away. A scheme with a round open or to come keeps at least one."""
    _require_administrator(actor)
    scheme = criterion.scheme
    _refuse_during_assessment(scheme, "remove a criterion")
    if len(scheme.criteria) == 1 and _round_still_to_close(scheme, today):
        raise SchemeError.about(
            "criteria", "This is the scheme's only criterion, and it has a round open or to come: add another first"
        )
    code = criterion.code
    scheme.criteria.remove(criterion)
    db.session.flush()
    record_event("scheme.criterion_removed", actor=actor, subject_type="scheme", subject_id=scheme.id, criterion=code)


def set_criteria(scheme: Scheme, criteria: Sequence[CriterionDetails], *, actor: User, today: date) -> None:
    """Replace the scheme's criteria with these, in this order: a criterion whose code is kept is
    changed in place, the rest are added or removed."""
    _require_administrator(actor)
    codes = [c.code.strip() for c in criteria]
    if len(set(codes)) != len(codes):
        raise SchemeError.about("criteria", "Each criterion needs a code of its own")
    if not criteria and _round_still_to_close(scheme, today):
        raise SchemeError.about("criteria", "A scheme with a round open or to come needs at least one criterion")
    for details in criteria:
        problems = _criterion_problems(details, [])
        if problems:
            raise SchemeError(problems)
    current = {c.code: c for c in scheme.criteria}
    if set(codes) != set(current) or any(current[c.code.strip()].weight != c.weight for c in criteria):
        _refuse_during_assessment(scheme, "change the criteria")
    kept: list[SchemeCriterion] = []
    for position, details in enumerate(criteria):
        criterion = current.get(details.code.strip()) or SchemeCriterion(code=details.code.strip())
        criterion.label = details.label.strip()
        criterion.guidance = details.guidance.strip()
        criterion.weight = details.weight
        criterion.position = position
        kept.append(criterion)
    scheme.criteria[:] = kept
    db.session.flush()
    record_event(
        "scheme.criteria_set",
        actor=actor,
        subject_type="scheme",
        subject_id=scheme.id,
        criteria=[{"code": c.code, "label": c.label, "weight": c.weight} for c in kept],
    )


# Rounds --------------------------------------------------------------------------------------------


def _round_problems(details: RoundDetails, scheme: Scheme, funding_round: FundingRound | None) -> dict[str, str]:
    problems = _text_problems({"name": details.name}, {"name": (ROUND_NAME_MAX_LENGTH, "the round's name")})
    if "name" not in problems and any(
        r.name.strip().lower() == details.name.strip().lower() and r is not funding_round for r in scheme.rounds
    ):
        problems["name"] = f"This scheme already has a round called {details.name.strip()}"
    if details.closes_on < details.opens_on:
        problems["closes_on"] = "The closing date must be the same as or after the opening date"
    if not 0 < details.budget_pence <= MAX_PENCE:
        problems["budget"] = "The budget must be more than £0 and no more than £1,000,000,000"
    if details.target_councils is not None and not _in_range(details.target_councils, TARGET_COUNCILS_RANGE):
        problems["target_councils"] = "The target number of councils must be between 1 and 10,000, or blank"
    savings = details.target_savings_pence
    if savings is not None and not 0 < savings <= MAX_PENCE:
        problems["target_savings"] = "The target savings must be more than £0 and no more than £1,000,000,000, or blank"
    return problems


def round_problems(scheme: Scheme, details: RoundDetails, funding_round: FundingRound | None = None) -> dict[str, str]:
    """What `open_round` (or `update_round`, given the round) would refuse in these details, by
    field, changing nothing."""
    return _round_problems(details, scheme, funding_round)


def _round_values(details: RoundDetails) -> dict[str, Any]:
    return {
        "name": details.name.strip(),
        "opens_on": details.opens_on,
        "closes_on": details.closes_on,
        "budget_pence": details.budget_pence,
        "target_councils": details.target_councils,
        "target_savings_pence": details.target_savings_pence,
    }


def open_round(scheme: Scheme, details: RoundDetails, *, actor: User) -> FundingRound:
    """A funding round of the scheme, with its budget and targets. Assessors need something to
    score against, so a scheme without criteria cannot open one."""
    _require_administrator(actor)
    if not scheme.criteria:
        raise SchemeError.about("criteria", "Add at least one assessment criterion before you open a round")
    problems = _round_problems(details, scheme, None)
    if problems:
        raise SchemeError(problems)
    funding_round = FundingRound(scheme=scheme, committed_pence=0, **_round_values(details))
    db.session.add(funding_round)
    db.session.flush()
    record_event(
        "round.created",
        actor=actor,
        subject_type="funding_round",
        subject_id=funding_round.id,
        scheme_id=scheme.id,
        **audit_values(_round_values(details)),
    )
    return funding_round


def update_round(funding_round: FundingRound, details: RoundDetails, *, actor: User) -> dict[str, list[Any]]:
    """Change a round. Its budget may not fall below what approvals have committed: the change is
    one guarded UPDATE, so an approval committing money at the same moment is counted too."""
    _require_administrator(actor)
    problems = _round_problems(details, funding_round.scheme, funding_round)
    if problems:
        raise SchemeError(problems)
    values = _round_values(details)
    db.session.flush()
    db.session.refresh(funding_round)
    changes = changed_values(funding_round, values)
    if not changes:
        return {}
    saved = db.session.execute(
        update(FundingRound)
        .where(FundingRound.id == funding_round.id, FundingRound.committed_pence <= details.budget_pence)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(funding_round)
    if not cast(CursorResult[Any], saved).rowcount:
        committed = funding_round.committed_pence
        raise SchemeError.about(
            "budget", f"The budget cannot be less than the £{committed / 100:,.2f} already committed to awards"
        )
    record_event(
        "round.updated", actor=actor, subject_type="funding_round", subject_id=funding_round.id, changes=changes
    )
    return changes
