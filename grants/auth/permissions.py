"""Route guards. Every route declares either the permission it needs or that it is public; a test
walks the URL map and fails on a route that declares neither. Who holds which permission is the
domain's rule (workflows/permissions.py)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user

from grants.extensions import login_manager
from grants.models import User
from workflows.permissions import Permission, can

F = TypeVar("F", bound=Callable[..., Any])


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
