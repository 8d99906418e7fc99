"""An application's moves and the one door its status changes through: the table of moves
(`MOVES`), who may make each, `transition()`, the timeline, and the clock of each stage.

Operations flush and never commit: the caller owns the transaction. Each raises `WorkflowError`
(or a subclass) with a message for the person, having changed nothing it would leave half-done:
the caller rolls back.
"""

from __future__ import annotations

from dataclasses import dataclass

from grants.extensions import db
from grants.models import (
    Application,
    ApplicationEvent,
    ApplicationStatus,
    Role,
    User,
    utcnow,
)
from notifications import reminders
from workflows.applications.messages import active_users_with, send_messages
from workflows.audit import record_event
from workflows.permissions import Permission, can
from workflows.working_days import add_working_days

LIVE = frozenset(
    {
        ApplicationStatus.SUBMITTED,
        ApplicationStatus.IN_ASSESSMENT,
        ApplicationStatus.AWAITING_DECISION,
        ApplicationStatus.CHANGES_REQUESTED,
        ApplicationStatus.OFFERED,
    }
)
BEFORE_DECISION = frozenset(
    {
        ApplicationStatus.DRAFT,
        ApplicationStatus.SUBMITTED,
        ApplicationStatus.IN_ASSESSMENT,
        ApplicationStatus.AWAITING_DECISION,
        ApplicationStatus.CHANGES_REQUESTED,
    }
)
CLOSED = frozenset(
    {ApplicationStatus.REJECTED, ApplicationStatus.INELIGIBLE, ApplicationStatus.WITHDRAWN, ApplicationStatus.CLOSED}
)


class WorkflowError(Exception):
    """A step the rules refuse. The message is for the person who tried it."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class IllegalMoveError(WorkflowError):
    """The move does not exist from this status, or not for this person (409 in the API)."""


class StaleApplicationError(WorkflowError):
    """Someone else changed the application since the form was opened."""


# Moves ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Move:
    """One allowed move: the action, the statuses it starts from, where it goes (None: decided by
    the scheme, see `_target`), the permission it needs, and whether a reason is required."""

    action: str
    sources: frozenset[ApplicationStatus]
    target: ApplicationStatus | None
    permission: Permission
    reason_required: bool = False


MOVES: list[Move] = [
    Move(
        "submit",
        frozenset({ApplicationStatus.DRAFT, ApplicationStatus.CHANGES_REQUESTED}),
        ApplicationStatus.SUBMITTED,
        Permission.APPLY_FOR_COUNCIL,
    ),
    Move("withdraw", BEFORE_DECISION, ApplicationStatus.WITHDRAWN, Permission.APPLY_FOR_COUNCIL, reason_required=True),
    Move(
        "confirm_eligibility",
        frozenset({ApplicationStatus.SUBMITTED}),
        ApplicationStatus.IN_ASSESSMENT,
        Permission.CHECK_APPLICATIONS,
    ),
    Move(
        "mark_ineligible",
        frozenset({ApplicationStatus.SUBMITTED}),
        ApplicationStatus.INELIGIBLE,
        Permission.CHECK_APPLICATIONS,
        True,
    ),
    Move(
        "request_changes",
        frozenset({ApplicationStatus.SUBMITTED}),
        ApplicationStatus.CHANGES_REQUESTED,
        Permission.CHECK_APPLICATIONS,
        True,
    ),
    Move(
        "complete_assessment",
        frozenset({ApplicationStatus.IN_ASSESSMENT}),
        ApplicationStatus.AWAITING_DECISION,
        Permission.ASSESS_APPLICATIONS,
    ),
    Move(
        "request_changes",
        frozenset({ApplicationStatus.AWAITING_DECISION}),
        ApplicationStatus.CHANGES_REQUESTED,
        Permission.DECIDE_APPLICATIONS,
        True,
    ),
    Move(
        "approve",
        frozenset({ApplicationStatus.AWAITING_DECISION}),
        ApplicationStatus.OFFERED,
        Permission.DECIDE_APPLICATIONS,
    ),
    Move(
        "reject",
        frozenset({ApplicationStatus.AWAITING_DECISION}),
        ApplicationStatus.REJECTED,
        Permission.DECIDE_APPLICATIONS,
        True,
    ),
    Move("accept_offer", frozenset({ApplicationStatus.OFFERED}), None, Permission.APPLY_FOR_COUNCIL),
    Move(
        "decline_offer",
        frozenset({ApplicationStatus.OFFERED}),
        ApplicationStatus.WITHDRAWN,
        Permission.APPLY_FOR_COUNCIL,
        True,
    ),
    # The expert offered the work accepts it (workflows/engagements.py checks the offer is theirs).
    Move(
        "start_delivery",
        frozenset({ApplicationStatus.EXPERT_MATCHING}),
        ApplicationStatus.IN_DELIVERY,
        Permission.USE_EXPERT_PORTAL,
    ),
    # The expert files the first outcome report (workflows/outcomes.py checks the work is theirs).
    Move(
        "report_outcomes",
        frozenset({ApplicationStatus.IN_DELIVERY}),
        ApplicationStatus.OUTCOMES_REPORTED,
        Permission.USE_EXPERT_PORTAL,
    ),
    # A programme officer verifies the last outcome report due.
    Move(
        "evaluate",
        frozenset({ApplicationStatus.OUTCOMES_REPORTED}),
        ApplicationStatus.EVALUATED,
        Permission.CHECK_APPLICATIONS,
    ),
]

ACTION_LABELS = {
    "create": "Started",
    "submit": "Submitted",
    "withdraw": "Withdrawn",
    "confirm_eligibility": "Eligibility confirmed",
    "mark_ineligible": "Found not eligible",
    "request_changes": "Changes requested",
    "complete_assessment": "Assessment complete",
    "approve": "Approved",
    "reject": "Rejected",
    "accept_offer": "Offer accepted",
    "decline_offer": "Offer declined",
    "assess": "Scored by an assessor",
    "partner_confirmed": "Partner confirmed",
    "partner_declined": "Partner declined",
    "eligibility_checked": "Eligibility checked",
    "payment": "Payment recorded",
    "start_delivery": "Expert accepted: delivery started",
    "expert_offered": "Expert offered the work",
    "expert_declined": "Expert declined the work",
    "expert_offer_expired": "Offer to the expert expired",
    "expert_offer_withdrawn": "Offer to the expert withdrawn",
    "delivery_completed": "Expert completed the work",
    "report_outcomes": "First outcome report filed",
    "outcome_report_filed": "Outcome report filed",
    "evaluate": "Every outcome report verified",
}


def find_move(application: Application, action: str, actor: User) -> Move:
    """The move the actor may make, or IllegalMoveError saying why not."""
    candidates = [m for m in MOVES if m.action == action]
    if not candidates:
        raise IllegalMoveError(f"There is no such action as {action!r}")
    from_here = [m for m in candidates if application.status in m.sources]
    if not from_here:
        raise IllegalMoveError(
            f"An application that is {application.status.label.lower()} cannot be "
            f"{ACTION_LABELS.get(action, action).lower()}"
        )
    for move in from_here:
        if can(actor, move.permission) and _actor_may(actor, application, move):
            return move
    raise IllegalMoveError("You cannot do that to this application")


def _actor_may(actor: User, application: Application, move: Move) -> bool:
    """Who, beyond their role: a council officer acts only for the lead council; no one scores
    an application they applied for, nor decides one they applied for or assessed (segregation
    of duties)."""
    if move.permission is Permission.APPLY_FOR_COUNCIL:
        return actor.council_id == application.lead_council_id
    if move.permission is Permission.ASSESS_APPLICATIONS:
        return not applied_for(actor, application)
    if move.permission is Permission.DECIDE_APPLICATIONS:
        return not applied_for(actor, application) and not any(
            a.assessor_id == actor.id for a in application.assessments
        )
    return True


def applied_for(actor: User, application: Application) -> bool:
    """Whether the person is on the applying side: they made the application, or they work for
    its lead council or a partner council. Such a person may neither score nor decide it."""
    if actor.id is not None and actor.id == application.created_by_id:
        return True
    councils = {application.lead_council_id, *(p.council_id for p in application.partners)}
    return actor.council_id is not None and actor.council_id in councils


def allowed_actions(application: Application, actor: User) -> list[str]:
    """The actions the actor could take now (before the checks that need their input)."""
    found: list[str] = []
    for move in MOVES:
        allowed = application.status in move.sources and can(actor, move.permission)
        if allowed and _actor_may(actor, application, move) and move.action not in found:
            found.append(move.action)
    return found


def transition(
    application: Application,
    action: str,
    actor: User,
    *,
    reason: str | None = None,
    expected_version: int | None = None,
) -> ApplicationEvent:
    """The one way an application's status changes: checks the move, the actor and the version,
    then records the change (timeline, audit, version), starts the new stage's clock and sends
    the messages it causes. The action's own rules (money, signatures) are the caller's,
    through the functions below, which call this."""
    lock(application)
    check_version(application, expected_version)
    move = find_move(application, action, actor)
    reason = (reason or "").strip() or None
    if move.reason_required and not reason:
        raise WorkflowError("Give a reason", field="reason")
    if reason and len(reason) > 2000:
        raise WorkflowError("The reason must be 2,000 characters or fewer", field="reason")
    source = application.status
    target = move.target or _target(application, action)
    application.status = target
    application.version += 1
    _start_stage(application, source)
    event = record_on_timeline(application, action, actor, source, target, reason)
    send_messages(application, action, reason)
    return event


def _target(application: Application, action: str) -> ApplicationStatus:
    if action == "accept_offer":
        return ApplicationStatus.EXPERT_MATCHING if application.scheme.uses_experts else ApplicationStatus.IN_DELIVERY
    raise AssertionError(f"no target for {action}")


def lock(application: Application) -> None:
    """Reload the application's row under a lock (PostgreSQL), so two people acting at once are
    taken one after the other and the second sees the first's change."""
    db.session.flush()  # a refresh would otherwise drop changes not yet written
    if application.id is not None:
        db.session.refresh(application, with_for_update=True)


def check_version(application: Application, expected_version: int | None) -> None:
    if expected_version is not None and application.version != expected_version:
        raise StaleApplicationError(
            "Someone else changed this application while you were working on it. "
            "Your changes have not been saved: check the application as it is now and try again."
        )


def record_on_timeline(
    application: Application,
    action: str,
    actor: User | None,
    source: ApplicationStatus | None,
    target: ApplicationStatus | None,
    reason: str | None,
) -> ApplicationEvent:
    event = ApplicationEvent(
        application=application,
        actor_id=actor.id if actor else None,
        action=action,
        from_status=source.value if source else None,
        to_status=target.value if target else None,
        reason=reason,
        version=application.version if target is not None else None,
    )
    db.session.add(event)
    record_event(
        f"application.{action}",
        actor=actor,
        subject_type="application",
        subject_id=application.id,
        from_status=source.value if source else None,
        to_status=target.value if target else None,
        reason=reason,
        version=application.version,
    )
    return event


def note_on_timeline(application: Application, action: str, actor: User | None, reason: str | None = None) -> None:
    """Record a step that does not change the status (an expert offered, say) on the timeline and
    in the audit trail."""
    record_on_timeline(application, action, actor, None, None, reason)


def _start_stage(application: Application, left: ApplicationStatus) -> None:
    """Start the new stage's clock: due after the scheme's service level in working days. Work
    still there the working day after is escalated once to the approvers (a reminder)."""
    now = utcnow()
    application.stage_entered_at = now
    days = application.scheme.service_level_days(application.status.value)
    application.stage_due_on = add_working_days(now.date(), days) if days else None
    reminders.cancel("application", application.id, f"overdue:{left.value}")
    if application.stage_due_on is None:
        return
    approvers = active_users_with(Role.APPROVER)
    if not approvers:
        return
    reminders.schedule(
        subject_type="application",
        subject_id=application.id,
        kind=f"overdue:{application.status.value}",
        user=approvers[0],
        due_on=add_working_days(application.stage_due_on, 1),
        template="stage_overdue",
        link=f"/review/applications/{application.id}",
        context={
            "reference": application.reference,
            "title": application.title,
            "council": application.lead_council.name,
            "stage": application.status.label,
            "due": application.stage_due_on.isoformat(),
        },
    )
