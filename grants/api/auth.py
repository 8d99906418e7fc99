"""Who is calling the API: the owner of the personal token sent as `Authorization: Bearer
<token>`. The session cookie is never read here, so a page in someone's browser cannot call the
API on their behalf (which is why the API needs no CSRF token)."""

from __future__ import annotations

from flask import g, request

from grants.api.problems import ApiError
from grants.extensions import db
from grants.models import User
from workflows import api_tokens
from workflows.permissions import Permission, can

CHALLENGE = 'Bearer realm="api"'


def _refuse(detail: str, error: str | None = None) -> ApiError:
    challenge = CHALLENGE + (f', error="{error}"' if error else "")
    return ApiError(401, detail, headers={"WWW-Authenticate": challenge})


def authenticate_request() -> User:
    """The caller, from their bearer token; a 401 problem for a missing or unusable one."""
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.strip().partition(" ")
    if not header:
        raise _refuse("Send your API token as 'Authorization: Bearer <token>'. Make one on your account page.")
    if scheme.lower() != "bearer" or not secret.strip():
        raise _refuse("Send your API token as 'Authorization: Bearer <token>'", "invalid_request")
    found = api_tokens.authenticate(secret.strip())
    if found is None:
        db.session.rollback()
        raise _refuse("The API token is not valid: it may be mistyped, expired or revoked", "invalid_token")
    if found.noted:
        db.session.commit()
    g.api_user = found.user
    return found.user


def api_user() -> User:
    """The caller of the API view being run (after `authenticate_request`)."""
    user = g.get("api_user")
    if not isinstance(user, User):
        raise LookupError("no API caller")
    return user


def check_permissions(user: User, needed: frozenset[Permission]) -> None:
    """A 403 problem unless the caller holds one of the permissions."""
    if not any(can(user, permission) for permission in needed):
        raise ApiError(403, "Your roles do not allow this")
