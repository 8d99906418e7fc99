"""Submitting an application, and the eligibility check that follows it (a task, after the
commit), which a programme officer confirms or overrides with a reason."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from grants.extensions import db
from grants.models import (
    Application,
    ApplicationStatus,
    Introduction,
    PartnerStatus,
    SchemeKind,
    User,
    utcnow,
)
from workflows.after_commit import send_after_commit
from workflows.applications.drafts import match_needed, match_offered, missing_sections
from workflows.applications.moves import LIVE, WorkflowError, note_on_timeline, transition
from workflows.money import pounds


def submit(application: Application, *, actor: User, expected_version: int | None, today: date) -> None:
    missing = missing_sections(application)
    if missing:
        raise WorkflowError("Complete every section before you submit: " + ", ".join(missing))
    waiting = [p.council.name for p in application.partners if p.status is not PartnerStatus.CONFIRMED]
    if waiting:
        raise WorkflowError(
            "Each partner council must confirm before you submit. Still to confirm: " + ", ".join(waiting)
        )
    if match_offered(application) < match_needed(application):
        raise WorkflowError(
            f"Your council's match and your partners' shares add up to {pounds(match_offered(application))}: "
            f"at least {pounds(match_needed(application))} is needed. Change the funding or the partners section"
        )
    if not application.round.is_open_on(today) and application.status is ApplicationStatus.DRAFT:
        raise WorkflowError("This round has closed")
    transition(application, "submit", actor, expected_version=expected_version)
    application.submitted_at = utcnow()
    application.eligibility_passed = None
    application.eligibility_results = []
    application.eligibility_checked_at = None
    send_after_commit("workflows.check_eligibility", application.id)
    if application.scheme.kind is SchemeKind.MATCHMAKING:
        send_after_commit("workflows.suggest_partners", application.id)


@dataclass(frozen=True)
class RuleResult:
    rule: str
    passed: bool
    detail: str


def check_eligibility(application: Application, today: date) -> list[RuleResult]:
    """Check the scheme's rules and record the result; the status does not change: a programme
    officer confirms, or overrides with a reason. Running it again gives the same record."""
    scheme = application.scheme
    results: list[RuleResult] = []
    submitted_on = (application.submitted_at or utcnow()).date()
    funding_round = application.round
    results.append(
        RuleResult(
            "round_open",
            funding_round.opens_on <= submitted_on <= funding_round.closes_on,
            f"Submitted on {submitted_on:%d %B %Y}; the round is open {funding_round.opens_on:%d %B %Y} "
            f"to {funding_round.closes_on:%d %B %Y}",
        )
    )
    if scheme.eligible_tiers:
        tier = application.lead_council.tier.value
        results.append(
            RuleResult(
                "council_tier", tier in scheme.eligible_tiers, f"The lead council is a {tier.replace('_', ' ')} council"
            )
        )
    if scheme.one_per_council_per_round and _made_from_an_introduction(application):
        results.append(
            RuleResult(
                "one_per_council",
                True,
                "Made from an agreed introduction: not held to one application per council",
            )
        )
    elif scheme.one_per_council_per_round:
        others = db.session.scalar(
            select(func.count())
            .select_from(Application)
            .where(
                Application.round_id == application.round_id,
                Application.lead_council_id == application.lead_council_id,
                Application.id != application.id,
                Application.status.in_(LIVE | {ApplicationStatus.EXPERT_MATCHING, ApplicationStatus.IN_DELIVERY}),
            )
        )
        results.append(
            RuleResult(
                "one_per_council",
                not others,
                f"{others or 'No'} other live application(s) from this council in this round",
            )
        )
    amount = application.amount_requested_pence or 0
    if scheme.fixed_amount_pence is not None:
        results.append(
            RuleResult(
                "amount",
                amount == scheme.fixed_amount_pence,
                f"Asked for {pounds(amount)}; the grant is {pounds(scheme.fixed_amount_pence)}",
            )
        )
    elif scheme.max_amount_pence is not None:
        results.append(
            RuleResult(
                "amount",
                0 < amount <= scheme.max_amount_pence,
                f"Asked for {pounds(amount)}; at most {pounds(scheme.max_amount_pence)}",
            )
        )
    if scheme.match_ratio_percent:
        match, needed = match_offered(application), match_needed(application)
        results.append(
            RuleResult("match", match >= needed, f"A match of {pounds(match)}; at least {pounds(needed)} is needed")
        )
    if application.partners:
        unconfirmed = [p.council.name for p in application.partners if p.status is not PartnerStatus.CONFIRMED]
        results.append(
            RuleResult(
                "partners",
                not unconfirmed,
                "All partners confirmed" if not unconfirmed else "Not confirmed: " + ", ".join(unconfirmed),
            )
        )
    application.eligibility_results = [r.__dict__ for r in results]
    application.eligibility_passed = all(r.passed for r in results)
    application.eligibility_checked_at = utcnow()
    note_on_timeline(application, "eligibility_checked", None, "Passed" if application.eligibility_passed else "Failed")
    return results


def _made_from_an_introduction(application: Application) -> bool:
    return (
        db.session.scalar(select(Introduction.id).where(Introduction.funding_application_id == application.id))
        is not None
    )


def confirm_eligibility(
    application: Application, *, actor: User, reason: str | None, expected_version: int | None
) -> None:
    """Move a submitted application to assessment. Overriding a failed check needs a reason."""
    if application.eligibility_passed is None:
        raise WorkflowError("Wait for the eligibility check to finish")
    if application.eligibility_passed is False and not (reason or "").strip():
        raise WorkflowError("The eligibility check failed: give the reason for overriding it", field="reason")
    transition(application, "confirm_eligibility", actor, reason=reason, expected_version=expected_version)
