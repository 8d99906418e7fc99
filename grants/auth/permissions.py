"""Who may do what. Every route declares either the permission it needs or that it is public;
a test walks the URL map and fails on a route that declares neither."""

from __future__ import annotations

import enum
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user

from grants.extensions import login_manager
from grants.models import Role, User

F = TypeVar("F", bound=Callable[..., Any])


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


def requires(*needed: Permission) -> Callable[[F], F]:
    """Let a signed-in user with any one of the permissions through; send an anonymous user to
    sign in, and refuse anyone else with 403."""
    if not needed:
        raise ValueError("requires() needs at least one permission")

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not any(can(current_user, p) for p in needed):
                abort(403)
            return view(*args, **kwargs)

        wrapped.required_permissions = frozenset(needed)  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorator


def public(view: F) -> F:
    """Mark a route as open to everyone, signed in or not."""
    view.is_public = True  # type: ignore[attr-defined]
    return view


def signed_in_user() -> User:
    """The signed-in user as the record itself, not Flask-Login's proxy to it: handing the proxy
    on (to `login_user`, say, which stores what it is given as the current user) would make it
    point at itself. For views behind `requires`, which has already turned anyone else away."""
    user = current_user._get_current_object()
    if not isinstance(user, User):
        raise LookupError("no one is signed in")
    return user
