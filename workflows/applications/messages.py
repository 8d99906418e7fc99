"""Whom an application's moves tell, and who hears about an application at its lead council."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from grants.extensions import db
from grants.models import (
    Application,
    Role,
    User,
    UserRole,
)
from notifications import queue_email
from workflows.permissions import Permission, can


def active_users_with(role: Role) -> list[User]:
    return list(
        db.session.scalars(
            select(User).join(UserRole).where(UserRole.role == role, User.is_active.is_(True)).order_by(User.id)
        )
    )


# What each move tells whom: (template, to the applicant, to programme officers).
MESSAGES: dict[str, tuple[str, bool, bool]] = {
    "submit": ("application_submitted", True, True),
    "withdraw": ("application_withdrawn", False, True),
    "mark_ineligible": ("application_ineligible", True, False),
    "request_changes": ("changes_requested", True, False),
    "approve": ("application_offered", True, False),
    "reject": ("application_rejected", True, False),
    "accept_offer": ("offer_accepted", True, True),
    "decline_offer": ("offer_declined", False, True),
}


def send_messages(application: Application, action: str, reason: str | None) -> None:
    if action not in MESSAGES:
        return
    template, to_applicant, to_staff = MESSAGES[action]
    context = message_context(application, reason)
    recipients: list[tuple[User, str]] = []
    if to_applicant:
        recipients += [(person, f"/applications/{application.id}") for person in council_contacts(application)]
    if to_staff:
        recipients += [
            (officer, f"/review/applications/{application.id}") for officer in active_users_with(Role.PROGRAMME_OFFICER)
        ]
    for user, link in recipients:
        queue_email(
            to=user,
            template=template,
            key=f"application:{application.id}:v{application.version}:{action}:{user.id}",
            link=link,
            context={**context, "name": user.name, "for_staff": link.startswith("/review")},
            in_app=True,
        )


def council_contacts(application: Application) -> list[User]:
    """Who hears about the application at its lead council: the officer who applied while they
    can still act for that council; once they have left it (deactivated, or moved to another
    council), every active officer of the lead council, so that the news still reaches someone."""
    applicant = application.created_by
    if (
        applicant.is_active
        and applicant.council_id == application.lead_council_id
        and can(applicant, Permission.APPLY_FOR_COUNCIL)
    ):
        return [applicant]
    return [
        user
        for user in db.session.scalars(
            select(User)
            .where(User.council_id == application.lead_council_id, User.is_active.is_(True))
            .order_by(User.id)
        )
        if can(user, Permission.APPLY_FOR_COUNCIL)
    ]


def named(application: Application) -> dict[str, str]:
    """How every message names an application: its reference, its title and its lead council."""
    return {
        "reference": application.reference,
        "title": application.title or "Untitled application",
        "council": application.lead_council.name,
    }


def message_context(application: Application, reason: str | None) -> dict[str, Any]:
    award = application.award
    return {
        **named(application),
        "scheme": application.scheme.name,
        "round": application.round.name,
        "reason": reason,
        "amount": award.amount_pence if award else application.amount_requested_pence,
        "status": application.status.label,
    }
