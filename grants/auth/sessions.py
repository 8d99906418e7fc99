"""How long a signed-in session lasts, and when a step needs the password again.

A session ends after `SESSION_IDLE_MINUTES` without activity: every request of a signed-in
browser records the time in the session, except a page's own background requests (a poll), so
only what the person does keeps the session going. The first request after the limit is treated
as signed out: the session is emptied, and the person's session token is changed so that every
copy of the cookie stops working too.

Steps that move money (`fresh_sign_in_required`) need the password to have been entered within
`REAUTHENTICATE_AFTER_MINUTES`; signing in counts, and so does the confirm-password page.

The API is not affected: it reads a bearer token and never the session.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import current_app, flash, jsonify, redirect, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import logout_user

from grants.auth import queries
from grants.extensions import db
from grants.models import User, utcnow
from workflows import accounts

F = TypeVar("F", bound=Callable[..., Any])

LAST_ACTIVE = "last_active_at"
REAUTHENTICATED = "reauthenticated_at"
# Where Flask-Login keeps the signed-in user's id and session token ("<id>:<token>").
SIGNED_IN_AS = "_user_id"
# Blueprints the idle check leaves alone, as it does static files: the API never reads the session.
UNWATCHED_BLUEPRINTS = {"api"}


def _now() -> int:
    """The time now, in whole seconds since the epoch (UTC)."""
    return int(utcnow().timestamp())


def _minutes_setting(name: str) -> int:
    """A setting in minutes, as seconds."""
    return round(float(current_app.config[name]) * 60)


def idle_limit_seconds() -> int:
    return _minutes_setting("SESSION_IDLE_MINUTES")


def warning_seconds() -> int:
    return _minutes_setting("SESSION_WARNING_MINUTES")


def reauthenticate_seconds() -> int:
    return _minutes_setting("REAUTHENTICATE_AFTER_MINUTES")


def in_words(seconds: int) -> str:
    """A length of time as the messages give it: "30 minutes", "1 minute", "45 seconds"."""
    if seconds % 60:
        return f"{seconds} second{'' if seconds == 1 else 's'}"
    minutes = seconds // 60
    return f"{minutes} minute{'' if minutes == 1 else 's'}"


def timed_out_message() -> str:
    return f"You were signed out after {in_words(idle_limit_seconds())} without activity. Sign in again to continue."


def begin() -> None:
    """Start the clocks of a session that has just signed in: active now, password entered now."""
    now = _now()
    session[LAST_ACTIVE] = now
    session[REAUTHENTICATED] = now


def record_activity() -> None:
    session[LAST_ACTIVE] = _now()


def seconds_left() -> int:
    """How long the signed-in session has before it ends for lack of activity."""
    last = int(session.get(LAST_ACTIVE, 0))
    return max(0, last + idle_limit_seconds() - _now())


def note_password_entered() -> None:
    session[REAUTHENTICATED] = _now()


def record_reauthentication(user: User) -> None:
    """The person has just confirmed their password: note the time in the session and audit it
    (added to the caller's transaction)."""
    note_password_entered()
    accounts.record_reauthentication(user)


def password_is_fresh() -> bool:
    """Whether the password was entered (at sign-in or since) within the allowed minutes."""
    entered = session.get(REAUTHENTICATED)
    if entered is None:
        return False
    return 0 <= _now() - int(entered) <= reauthenticate_seconds()


def background(view: F) -> F:
    """Mark a route that a page calls by itself (a poll): it does not count as activity, so it
    cannot keep an unattended session alive."""
    view.is_background = True  # type: ignore[attr-defined]
    return view


def _is_background_request() -> bool:
    view = current_app.view_functions.get(request.endpoint or "")
    return bool(getattr(view, "is_background", False))


def _wants_json() -> bool:
    return request.accept_mimetypes.best_match(["text/html", "application/json"]) == "application/json"


def _end_idle_session() -> None:
    """Change the person's session token (if the cookie still held the current one), audit the
    time-out and commit, then empty the session."""
    user_id, _, token = str(session.get(SIGNED_IN_AS, "")).partition(":")
    user = queries.get_user(int(user_id)) if user_id.isdigit() else None
    if user is not None and token and user.session_token == token:
        accounts.time_out_session(user, idle_minutes=round(idle_limit_seconds() / 60, 2))
        db.session.commit()
    logout_user()
    session.clear()


def enforce_idle_timeout() -> ResponseReturnValue | None:
    """Before every request: sign out a session idle for longer than the limit (to the sign-in
    page, with a way back to the page asked for; or a JSON 401 for a page's script), otherwise
    record the activity. A session signed in without a recorded activity time counts as idle."""
    if request.endpoint == "static" or request.blueprint in UNWATCHED_BLUEPRINTS or SIGNED_IN_AS not in session:
        return None
    last = session.get(LAST_ACTIVE)
    if last is None or _now() - int(last) > idle_limit_seconds():
        _end_idle_session()
        flash(timed_out_message(), "info")
        if _wants_json():
            return jsonify(signed_in=False), 401
        back = None
        if request.method in {"GET", "HEAD"} and request.endpoint != "auth.sign_in":
            back = request.full_path.rstrip("?")
        return redirect(url_for("auth.sign_in", next=back))
    if not _is_background_request():
        record_activity()
    return None


def fresh_sign_in_required(return_to: str | None = None) -> Callable[[F], F]:
    """Let the view run only if the password was entered recently; otherwise send the person to
    confirm it, and from there back to `return_to` (an endpoint, given the view's own arguments)
    or, for a GET, to the page itself. Nothing the refused request asked for is done. Goes below
    `requires`, which turns away anyone not signed in first."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if password_is_fresh():
                return view(*args, **kwargs)
            if return_to is not None:
                back = url_for(return_to, **(request.view_args or {}))
            elif request.method == "GET":
                back = request.full_path.rstrip("?")
            else:
                back = url_for("main.home")
            return redirect(url_for("auth.confirm_password", next=back), 303)

        wrapped.needs_fresh_sign_in = True  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorator
