"""Rules about an application beside its moves (workflows/applications.py): whom the service offers
the steps that are not moves (scoring, recording a payment), and what its timeline says to whom.
The pages and the API ask the same questions here, so they cannot answer them differently."""

from __future__ import annotations

from grants.models import Application, ApplicationEvent, User
from workflows.applications import ACTION_LABELS, allowed_actions
from workflows.permissions import Permission, can

# Steps an assessor takes: the last score also completes the assessment, in the assessor's name.
# Councils are not told who assessed their application.
ASSESSOR_ACTIONS = frozenset({"assess", "complete_assessment"})


def can_score(application: Application, user: User) -> bool:
    """Whether to offer this assessor the scoring step: the application is being assessed and they
    have not scored it yet."""
    already = any(a.assessor_id == user.id for a in application.assessments)
    return "complete_assessment" in allowed_actions(application, user) and not already


def can_record_payment(application: Application, user: User) -> bool:
    """Whether to offer the payment step: to programme staff, once the council has accepted an
    award that is not yet paid in full."""
    award = application.award
    return (
        can(user, Permission.CHECK_APPLICATIONS)
        and award is not None
        and award.accepted_at is not None
        and award.unpaid_pence > 0
    )


def action_label(action: str) -> str:
    """A step on the timeline in words: "request_changes" → "Changes requested"."""
    return ACTION_LABELS.get(action, action.replace("_", " ").capitalize())


def names_actor(event: ApplicationEvent, *, to_staff: bool) -> bool:
    """Whether the timeline names who took this step: staff see everyone; a council is not told
    which assessor scored its application."""
    return to_staff or event.action not in ASSESSOR_ACTIONS
