"""Who may do what: each role's permissions, and the check every part of the service makes.

The web layer turns these into route guards (grants/auth/permissions.py); the domain asks `can`
before it makes a change on someone's behalf."""

from __future__ import annotations

import enum
from typing import Any

from grants.models import Role, User


class Permission(enum.StrEnum):
    SIGNED_IN = "signed_in"
    APPLY_FOR_COUNCIL = "apply_for_council"
    VIEW_PROGRAMME = "view_programme"
    CHECK_APPLICATIONS = "check_applications"
    ASSESS_APPLICATIONS = "assess_applications"
    DECIDE_APPLICATIONS = "decide_applications"
    VIEW_EXPERT_POOL = "view_expert_pool"
    USE_EXPERT_PORTAL = "use_expert_portal"
    MANAGE_USERS = "manage_users"
    MANAGE_SCHEMES = "manage_schemes"
    VIEW_REGISTER = "view_register"
    MANAGE_MESSAGES = "manage_messages"
    MANAGE_EXPERT_POOL = "manage_expert_pool"
    ISSUE_BOARD_REPORTS = "issue_board_reports"


_STAFF = {Permission.VIEW_PROGRAMME, Permission.VIEW_EXPERT_POOL, Permission.VIEW_REGISTER}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.COUNCIL_OFFICER: frozenset({Permission.APPLY_FOR_COUNCIL}),
    Role.PROGRAMME_OFFICER: frozenset(
        _STAFF | {Permission.CHECK_APPLICATIONS, Permission.MANAGE_MESSAGES, Permission.MANAGE_EXPERT_POOL}
    ),
    Role.ASSESSOR: frozenset(_STAFF | {Permission.ASSESS_APPLICATIONS}),
    Role.APPROVER: frozenset(_STAFF | {Permission.DECIDE_APPLICATIONS, Permission.ISSUE_BOARD_REPORTS}),
    Role.EXPERT: frozenset({Permission.USE_EXPERT_PORTAL}),
    Role.ADMINISTRATOR: frozenset(
        _STAFF
        | {
            Permission.MANAGE_USERS,
            Permission.MANAGE_SCHEMES,
            Permission.MANAGE_MESSAGES,
            Permission.MANAGE_EXPERT_POOL,
            Permission.ISSUE_BOARD_REPORTS,
        }
    ),
}


def permissions_of(user: User) -> frozenset[Permission]:
    """Everything the user's roles allow. An inactive user is allowed nothing."""
    if not user.is_active:
        return frozenset()
    granted: set[Permission] = {Permission.SIGNED_IN}
    for role in user.roles:
        granted |= ROLE_PERMISSIONS[role]
    return frozenset(granted)


def can(user: Any, permission: Permission) -> bool:
    """Whether the user (possibly anonymous) holds the permission."""
    return bool(getattr(user, "is_authenticated", False)) and permission in permissions_of(user)
