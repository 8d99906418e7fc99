"""An application's moves and the door its status changes through: the table of moves
(`MOVES`), the application's lifecycle (`APPLICATION`: who beyond their role may make a move, the
words of a refusal, the target of an accepted offer, the timeline entry of each move, and what
follows it) on the shared door of workflows/lifecycle.py, the timeline, and each stage's clock.

Operations flush and never commit: the caller owns the transaction. Each raises `WorkflowError`
(or a subclass) with a message for the person, having changed nothing it would leave half-done:
the caller rolls back.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

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
from workflows.lifecycle import Change, IllegalMoveError, Lifecycle, Move, WorkflowError, table
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


class StaleApplicationError(WorkflowError):
    """Someone else changed the application since the form was opened."""


# Moves ---------------------------------------------------------------------------------------------

# Every move an application may make. Accepting the offer goes to expert matching where the scheme
# uses experts, else straight to delivery (`choose_target`).
# fmt: off
MOVES: list[Move[ApplicationStatus]] = table(ApplicationStatus, [
    # action               from                        to                   permission                      reason
    ("submit",              "draft changes_requested", "submitted",         Permission.APPLY_FOR_COUNCIL,   False),
    ("withdraw",            BEFORE_DECISION,           "withdrawn",         Permission.APPLY_FOR_COUNCIL,   True),
    ("confirm_eligibility", "submitted",               "in_assessment",     Permission.CHECK_APPLICATIONS,  False),
    ("mark_ineligible",     "submitted",               "ineligible",        Permission.CHECK_APPLICATIONS,  True),
    ("request_changes",     "submitted",               "changes_requested", Permission.CHECK_APPLICATIONS,  True),
    ("complete_assessment", "in_assessment",           "awaiting_decision", Permission.ASSESS_APPLICATIONS, False),
    ("request_changes",     "awaiting_decision",       "changes_requested", Permission.DECIDE_APPLICATIONS, True),
    ("approve",             "awaiting_decision",       "offered",           Permission.DECIDE_APPLICATIONS, False),
    ("reject",              "awaiting_decision",       "rejected",          Permission.DECIDE_APPLICATIONS, True),
    ("accept_offer",        "offered",                 None,                Permission.APPLY_FOR_COUNCIL,   False),
    ("decline_offer",       "offered",                 "withdrawn",         Permission.APPLY_FOR_COUNCIL,   True),
    # The expert offered the work accepts it (workflows/engagements.py checks the offer is theirs).
    ("start_delivery",      "expert_matching",         "in_delivery",       Permission.USE_EXPERT_PORTAL,   False),
    # The expert files the first outcome report (workflows/outcomes.py checks the work is theirs).
    ("report_outcomes",     "in_delivery",             "outcomes_reported", Permission.USE_EXPERT_PORTAL,   False),
    # A programme officer verifies the last outcome report due.
    ("evaluate",            "outcomes_reported",       "evaluated",         Permission.CHECK_APPLICATIONS,  False),
])
# fmt: on

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


class ApplicationLifecycle(Lifecycle[Application, ApplicationStatus]):
    """An application at the door: who beyond their role may act, the words of a refusal, the
    target of an accepted offer, the timeline entry of every move, and what follows a move (the
    new stage's clock, the messages)."""

    subject_type = "application"

    def refusal(self, application: Application, move: Move[ApplicationStatus], actor: User | None) -> str | None:
        if actor is None or move.permission is None or not can(actor, move.permission):
            return "You cannot do that to this application"
        return None if _actor_may(actor, application, move) else "You cannot do that to this application"

    def cannot(self, application: Application, action: str) -> WorkflowError:
        return IllegalMoveError(
            f"An application that is {application.status.label.lower()} cannot be "
            f"{ACTION_LABELS.get(action, action).lower()}"
        )

    def stale(self, application: Application) -> WorkflowError:
        return StaleApplicationError(
            "Someone else changed this application while you were working on it. "
            "Your changes have not been saved: check the application as it is now and try again."
        )

    def choose_target(self, application: Application, move: Move[ApplicationStatus]) -> ApplicationStatus:
        if move.action == "accept_offer":
            return (
                ApplicationStatus.EXPERT_MATCHING if application.scheme.uses_experts else ApplicationStatus.IN_DELIVERY
            )
        return super().choose_target(application, move)

    def record(self, change: ApplicationChange, actor: User | None, detail: Mapping[str, Any]) -> None:
        record_on_timeline(change.record, change.action, actor, change.source, change.target, change.reason)

    def moved(self, change: ApplicationChange, actor: User | None) -> None:
        _start_stage(change.record, change.source)
        send_messages(change.record, change.action, change.reason)


ApplicationChange = Change[Application, ApplicationStatus]
APPLICATION = ApplicationLifecycle(MOVES)


def find_move(application: Application, action: str, actor: User) -> Move[ApplicationStatus]:
    """The move the actor may make, or IllegalMoveError saying why not."""
    return APPLICATION.find_move(application, action, actor)


def _actor_may(actor: User, application: Application, move: Move[ApplicationStatus]) -> bool:
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
    return APPLICATION.allowed_actions(application, actor)


def transition(
    application: Application,
    action: str,
    actor: User,
    *,
    reason: str | None = None,
    expected_version: int | None = None,
) -> ApplicationChange:
    """The one way an application's status changes, through its lifecycle's door: checks the
    move, the actor and the version, then records the change (timeline, audit, version), starts
    the new stage's clock and sends the messages it causes. The action's own rules (money,
    signatures) are the caller's, through the operations of this package, which call this."""
    return APPLICATION.transition(application, action, actor, reason=reason, expected_version=expected_version)


def lock(application: Application) -> None:
    """Reload the application's row under a lock (PostgreSQL), so two people acting at once are
    taken one after the other and the second sees the first's change."""
    APPLICATION.lock(application)


def check_version(application: Application, expected_version: int | None) -> None:
    APPLICATION.check_version(application, expected_version)


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
