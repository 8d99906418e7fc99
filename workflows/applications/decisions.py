"""After eligibility: assessment, the decision that commits money against the round's budget,
the council's answer to the offer, and payments. Operations flush and never commit."""

from __future__ import annotations

from datetime import date
from typing import Any, cast

from sqlalchemy import CursorResult, update

from grants.extensions import db
from grants.models import (
    Application,
    ApplicationStatus,
    Assessment,
    Award,
    FundingRound,
    Payment,
    User,
    utcnow,
)
from workflows.applications.moves import (
    APPLICATION,
    IllegalMoveError,
    WorkflowError,
    applied_for,
    lock,
    note_on_timeline,
    transition,
)
from workflows.permissions import Permission, can


class BudgetExceededError(WorkflowError):
    """Approving would commit more than the round has left."""


def assess(
    application: Application,
    *,
    actor: User,
    scores: dict[str, tuple[int, str]],
    recommendation: str,
    comments: str = "",
) -> Assessment:
    """Record one assessor's scores (every criterion 0-5, each with a justification). When the
    scheme's number of assessments is reached the application goes to a decision."""
    lock(application)
    if not can(actor, Permission.ASSESS_APPLICATIONS):
        raise IllegalMoveError("Only an assessor can score applications")
    if application.status is not ApplicationStatus.IN_ASSESSMENT:
        raise IllegalMoveError(f"An application that is {application.status.label.lower()} is not being assessed")
    if applied_for(actor, application):
        raise IllegalMoveError("You cannot score an application you or your council applied for")
    if any(a.assessor_id == actor.id for a in application.assessments):
        raise WorkflowError("You have already scored this application")
    criteria = application.scheme.criteria
    if not criteria:
        raise WorkflowError("This scheme has no assessment criteria")
    if recommendation not in ("approve", "reject", "changes"):
        raise WorkflowError("Choose a recommendation", field="recommendation")
    clean: dict[str, Any] = {}
    for criterion in criteria:
        if criterion.code not in scores:
            raise WorkflowError(f"Score {criterion.label}", field=criterion.code)
        score, justification = scores[criterion.code]
        if not 0 <= score <= 5:
            raise WorkflowError(f"Score {criterion.label} from 0 to 5", field=criterion.code)
        if not justification.strip():
            raise WorkflowError(f"Justify the score for {criterion.label}", field=criterion.code)
        clean[criterion.code] = {"score": score, "justification": justification.strip()}
    total_weight = sum(c.weight for c in criteria)
    weighted = sum(clean[c.code]["score"] * c.weight for c in criteria)
    assessment = Assessment(
        application=application,
        assessor_id=actor.id,
        scores=clean,
        weighted_score_tenths=round(weighted * 1000 / (5 * total_weight)),
        recommendation=recommendation,
        comments=comments.strip(),
    )
    db.session.add(assessment)
    application.version += 1
    note_on_timeline(application, "assess", actor)
    db.session.flush()
    if len(application.assessments) >= application.scheme.assessments_required:
        transition(application, "complete_assessment", actor)
    return assessment


def combined_score_tenths(application: Application) -> int | None:
    """The mean of the assessors' weighted scores, in tenths of a percent."""
    if not application.assessments:
        return None
    return round(sum(a.weighted_score_tenths for a in application.assessments) / len(application.assessments))


def award_amount(application: Application) -> int:
    """What the application was made for (a fixed grant's amount as it was when the draft was
    started: a later change to the scheme does not reach applications already made)."""
    if application.amount_requested_pence is not None:
        return application.amount_requested_pence
    return application.scheme.fixed_amount_pence or 0


def approve(application: Application, *, actor: User, conditions: str = "", expected_version: int | None) -> Award:
    """Approve and commit the award against the round's budget, in one step that cannot commit
    more than the budget however many approvers click at once: a guarded UPDATE of the round
    that only succeeds while the money is there."""
    APPLICATION.check(application, "approve", actor, expected_version=expected_version)  # before the budget
    amount = award_amount(application)
    if amount <= 0:
        raise WorkflowError("This application asks for no money")
    committed = db.session.execute(
        update(FundingRound)
        .where(
            FundingRound.id == application.round_id,
            FundingRound.committed_pence + amount <= FundingRound.budget_pence,
        )
        .values(committed_pence=FundingRound.committed_pence + amount)
        .execution_options(synchronize_session=False)
    )
    if not cast(CursorResult[Any], committed).rowcount:
        db.session.refresh(application.round)
        raise BudgetExceededError(
            f"The round has £{application.round.remaining_pence / 100:,.2f} left, and this award needs "
            f"£{amount / 100:,.2f}. Nothing has been committed."
        )
    award = Award(
        application=application,
        round_id=application.round_id,
        amount_pence=amount,
        match_pence=(application.match_pence or 0) + sum(p.match_share_pence for p in application.partners),
        approved_by_id=actor.id,
        conditions=conditions.strip(),
    )
    db.session.add(award)
    transition(application, "approve", actor, expected_version=expected_version)
    application.decided_at = utcnow()
    db.session.refresh(application.round)
    return award


def reject(application: Application, *, actor: User, reason: str, expected_version: int | None) -> None:
    transition(application, "reject", actor, reason=reason, expected_version=expected_version)
    application.decided_at = utcnow()


def accept_offer(
    application: Application, *, actor: User, signatory_name: str, signatory_role: str, expected_version: int | None
) -> None:
    name, role = signatory_name.strip(), signatory_role.strip()
    if not name:
        raise WorkflowError("Enter the name of the person signing for the council", field="signatory_name")
    if not role:
        raise WorkflowError("Enter the signatory's job title", field="signatory_role")
    # The move is checked first: only an offered application may be accepted, and it has its award.
    transition(application, "accept_offer", actor, expected_version=expected_version)
    award = application.award
    assert award is not None
    award.accepted_at = utcnow()
    award.accepted_by_id = actor.id
    award.signatory_name = name[:120]
    award.signatory_role = role[:120]


def decline_offer(application: Application, *, actor: User, reason: str, expected_version: int | None) -> None:
    """The council turns the offer down: the money goes back to the round."""
    transition(application, "decline_offer", actor, reason=reason, expected_version=expected_version)
    award = application.award
    assert award is not None
    db.session.execute(
        update(FundingRound)
        .where(FundingRound.id == award.round_id)
        .values(committed_pence=FundingRound.committed_pence - award.amount_pence)
        .execution_options(synchronize_session=False)
    )


def record_payment(award: Award, *, amount_pence: int, paid_on: date, reference: str, actor: User) -> Payment:
    """A tranche paid; what is paid never exceeds what was awarded (a guarded UPDATE)."""
    if not can(actor, Permission.CHECK_APPLICATIONS):
        raise IllegalMoveError("Only programme staff record payments")
    if award.accepted_at is None:
        raise WorkflowError("The offer has not been accepted yet")
    if amount_pence <= 0:
        raise WorkflowError("Enter an amount more than £0", field="amount")
    paid = db.session.execute(
        update(Award)
        .where(Award.id == award.id, Award.paid_pence + amount_pence <= Award.amount_pence)
        .values(paid_pence=Award.paid_pence + amount_pence)
        .execution_options(synchronize_session=False)
    )
    if not cast(CursorResult[Any], paid).rowcount:
        db.session.refresh(award)
        raise WorkflowError(f"Only £{award.unpaid_pence / 100:,.2f} of this award is unpaid", field="amount")
    payment = Payment(
        award=award,
        amount_pence=amount_pence,
        paid_on=paid_on,
        reference=reference.strip()[:80],
        recorded_by_id=actor.id,
    )
    db.session.add(payment)
    note_on_timeline(award.application, "payment", actor, f"£{amount_pence / 100:,.2f} ({reference.strip()})")
    db.session.flush()
    db.session.refresh(award)
    return payment
