"""Signing in and out, invitations, password resets and the account page."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import timedelta
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_user, logout_user
from werkzeug.exceptions import TooManyRequests
from werkzeug.wrappers import Response

from grants.auth import queries, sessions, throttle
from grants.auth.forms import (
    ChangePasswordForm,
    ConfirmPasswordForm,
    EmailForm,
    NewApiTokenForm,
    NewPasswordForm,
    RevokeApiTokenForm,
    SignInForm,
    SignOutForm,
)
from grants.auth.permissions import public, requires, signed_in_user
from grants.extensions import db, limiter
from grants.models import TokenPurpose, User, utcnow
from workflows import accounts, api_tokens
from workflows.passwords import hash_password, needs_rehash, verify_password
from workflows.permissions import Permission

bp = Blueprint("auth", __name__)
logger = logging.getLogger(__name__)

# Every page request of a signed-in browser passes the idle check first (grants/auth/sessions.py).
bp.before_app_request(sessions.enforce_idle_timeout)

WRONG_DETAILS = "Enter a correct email address and password"
NOT_CONFIRMED = "The password is not correct"


@bp.app_context_processor
def _session_timeout_settings() -> dict[str, object]:
    """The timings the page's idle warning reads (templates/auth/_session_timeout.html)."""
    return {
        "session_idle_seconds": sessions.idle_limit_seconds(),
        "session_warning_seconds": sessions.warning_seconds(),
    }


def _safe_next(target: str | None) -> str | None:
    """Only a path on this site: never another host, scheme or protocol-relative URL."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target


def _refuse(retry_after: int) -> None:
    error = TooManyRequests()
    error.retry_after = retry_after
    raise error


def _hold_or_refuse(email: str) -> None:
    """Apply the sign-in throttle to an attempt at this account's password: refuse it with 429
    past the limit, and hold it for a moment after a few failures."""
    state = throttle.check_sign_in(email, request.remote_addr)
    if state.refused:
        logger.warning("password refused: too many failures", extra={"remote_addr": request.remote_addr})
        _refuse(state.retry_after_seconds)
    if state.delay_seconds:
        time.sleep(state.delay_seconds)


@bp.route("/sign-in", methods=["GET", "POST"])
@public
def sign_in() -> str | Response:
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")) or url_for("main.home"))
    form = SignInForm()
    if form.validate_on_submit():
        email = accounts.normalise_email(form.email.data or "")
        _hold_or_refuse(email)
        user = queries.get_user_by_email(email)
        password = form.password.data or ""
        if user is not None and user.is_active and verify_password(user.password_hash, password):
            throttle.clear_account(email)
            if user.password_hash and needs_rehash(user.password_hash):
                user.password_hash = hash_password(password)
            destination = _safe_next(request.args.get("next")) or url_for("main.home")
            session.clear()  # a fresh session: nothing from before sign-in carries over
            login_user(user)
            sessions.begin()
            accounts.record_sign_in(user)
            db.session.commit()
            return redirect(destination)
        if user is None:
            verify_password(None, password)  # the same work whether or not the account exists
        throttle.record_failure(email, request.remote_addr)
        logger.warning("sign-in failed", extra={"remote_addr": request.remote_addr})
        form.email.errors = [WRONG_DETAILS]
    return render_template("auth/sign_in.html", form=form)


@bp.route("/sign-out", methods=["POST"])
@requires(Permission.SIGNED_IN)
def sign_out() -> Response:
    form = SignOutForm()
    if not form.validate_on_submit():
        abort(400)
    user = queries.get_user(current_user.id)
    if user is not None:
        accounts.sign_out_everywhere(user)
        db.session.commit()
    logout_user()
    session.clear()
    flash("You have signed out", "success")
    return redirect(url_for("auth.sign_in"))


@bp.route("/confirm-password", methods=["GET", "POST"])
@requires(Permission.SIGNED_IN)
def confirm_password() -> str | Response:
    """Ask a signed-in person for their password again before a step that needs a recent one,
    then return to the page they came from (a path on this site only)."""
    user = signed_in_user()
    form = ConfirmPasswordForm()
    if form.validate_on_submit():
        _hold_or_refuse(user.email)
        if verify_password(user.password_hash, form.password.data or ""):
            throttle.clear_account(user.email)
            sessions.record_reauthentication(user)
            db.session.commit()
            return redirect(_safe_next(request.args.get("next")) or url_for("main.home"))
        throttle.record_failure(user.email, request.remote_addr)
        logger.warning("password confirmation failed", extra={"remote_addr": request.remote_addr})
        form.password.errors = [NOT_CONFIRMED]
    within = sessions.in_words(sessions.reauthenticate_seconds())
    return render_template("auth/confirm_password.html", form=form, within=within)


@bp.route("/session/status")
@requires(Permission.SIGNED_IN)
@sessions.background
def session_status() -> Response:
    """How long the session has left, for the page's idle warning. Asking does not count as
    activity."""
    return jsonify(signed_in=True, seconds_left=sessions.seconds_left())


@bp.route("/session/extend", methods=["POST"])
@requires(Permission.SIGNED_IN)
def extend_session() -> Response:
    """The warning's "Stay signed in": the session's idle time starts again from now."""
    sessions.record_activity()
    return jsonify(signed_in=True, seconds_left=sessions.seconds_left())


def link_problem(problem: str, purpose: str) -> tuple[str, int]:
    """The page for an emailed link that no longer works (expired, used or unknown): 410 Gone."""
    return render_template("auth/link_problem.html", problem=problem, purpose=purpose), 410


@bp.route("/invitation/<secret>", methods=["GET", "POST"])
@public
def accept_invitation(secret: str) -> ResponseReturnValue:
    found = accounts.find_token(secret, TokenPurpose.INVITATION)
    if found.problem is not None:
        return link_problem(found.problem, "invitation")
    assert found.user is not None
    form = NewPasswordForm(user_inputs=[found.user.email, found.user.name])
    if form.validate_on_submit():
        try:
            user = accounts.accept_invitation(secret, form.password.data or "")
        except accounts.AccountError:
            db.session.rollback()
            return link_problem(accounts.USED, "invitation")
        db.session.commit()
        if current_user.is_authenticated:
            logout_user()
        session.clear()
        login_user(user)
        sessions.begin()
        accounts.record_sign_in(user)
        db.session.commit()
        flash("Your password is set and you are signed in", "success")
        return redirect(url_for("main.home"))
    return render_template("auth/accept_invitation.html", form=form, user=found.user)


def _ask_for_link(purpose: str, send: Callable[..., None], hours_setting: str) -> str:
    """The form that asks for a fresh emailed link. The answer is the same whether or not the
    address has an account, so the page tells nobody who is registered."""
    form = EmailForm()
    if form.validate_on_submit():
        send(
            form.email.data or "",
            valid_for=timedelta(hours=current_app.config[hours_setting]),
            service_url=current_app.config["SERVICE_URL"],
        )
        db.session.commit()
        return render_template("auth/link_sent.html", purpose=purpose, email=form.email.data)
    return render_template("auth/request_link.html", form=form, purpose=purpose)


@bp.route("/invitation/new", methods=["GET", "POST"])
@public
@limiter.limit("10 per hour", methods=["POST"])
def request_invitation() -> str:
    return _ask_for_link("invitation", accounts.request_new_invitation, "INVITATION_VALID_HOURS")


@bp.route("/reset-password", methods=["GET", "POST"])
@public
@limiter.limit("10 per hour", methods=["POST"])
def request_password_reset() -> str:
    return _ask_for_link("password_reset", accounts.request_password_reset, "PASSWORD_RESET_VALID_HOURS")


@bp.route("/reset-password/<secret>", methods=["GET", "POST"])
@public
def reset_password(secret: str) -> ResponseReturnValue:
    found = accounts.find_token(secret, TokenPurpose.PASSWORD_RESET)
    if found.problem is not None:
        return link_problem(found.problem, "password_reset")
    assert found.user is not None
    form = NewPasswordForm(user_inputs=[found.user.email, found.user.name])
    if form.validate_on_submit():
        try:
            accounts.reset_password(secret, form.password.data or "")
        except accounts.AccountError:
            db.session.rollback()
            return link_problem(accounts.USED, "password_reset")
        db.session.commit()
        throttle.clear_account(found.user.email)
        logout_user()
        session.clear()
        flash("Your password has been changed. Sign in with your new password", "success")
        return redirect(url_for("auth.sign_in"))
    return render_template("auth/reset_password.html", form=form)


@bp.route("/account", methods=["GET", "POST"])
@requires(Permission.SIGNED_IN)
def account() -> tuple[str, int] | Response:
    user = signed_in_user()
    form = ChangePasswordForm(user_inputs=[user.email, user.name])
    if form.validate_on_submit():
        if not verify_password(user.password_hash, form.current_password.data or ""):
            form.current_password.errors = ["Your current password is not right"]
        else:
            accounts.change_password(user, form.password.data or "")
            db.session.commit()
            login_user(user)  # the new session token replaces the old one in this browser only
            sessions.note_password_entered()
            flash("Your password has been changed. Other sessions have been signed out", "success")
            return redirect(url_for("auth.account"))
    return _account_page(user, password_form=form)


def _account_page(
    user: User,
    *,
    password_form: ChangePasswordForm | None = None,
    token_form: NewApiTokenForm | None = None,
    new_secret: str | None = None,
    status: int = 200,
) -> tuple[str, int]:
    """The account page: the person's details, their password, and their API tokens. A form
    with errors is the page's `form`, so its errors are summarised at the top."""
    password_form = password_form or ChangePasswordForm(formdata=None)
    token_form = token_form or NewApiTokenForm(formdata=None)
    failed = token_form if token_form.errors else password_form
    page = render_template(
        "auth/account.html",
        form=failed,
        password_form=password_form,
        token_form=token_form,
        revoke_form=RevokeApiTokenForm(),
        tokens=api_tokens.tokens_of(user),
        new_secret=new_secret,
        now=utcnow(),
        user=user,
    )
    return page, status


@bp.route("/account/api-tokens", methods=["POST"])
@requires(Permission.SIGNED_IN)
def create_api_token() -> tuple[str, int]:
    """Make a personal API token and show its secret, this once, on the page itself (never in a
    redirect or a cookie)."""
    user = signed_in_user()
    form = NewApiTokenForm()
    if not form.validate_on_submit():
        return _account_page(user, token_form=form, status=400)
    try:
        made = api_tokens.create_token(
            user, name=form.name.data or "", expires_in_days=form.expires_in_days(), actor=user
        )
    except api_tokens.ApiTokenError as error:
        db.session.rollback()
        form.name.errors = [*form.name.errors, str(error)]
        return _account_page(user, token_form=form, status=400)
    db.session.commit()
    return _account_page(user, new_secret=made.secret)


@bp.route("/account/api-tokens/<int:token_id>/revoke", methods=["POST"])
@requires(Permission.SIGNED_IN)
def revoke_api_token(token_id: int) -> Response:
    user = signed_in_user()
    if not RevokeApiTokenForm().validate_on_submit():
        abort(400)
    token = api_tokens.token_of(user, token_id)
    if token is None:
        abort(404)
    api_tokens.revoke_token(token, actor=user)
    name = token.name
    db.session.commit()
    flash(f"The token '{name}' is revoked: it no longer works", "success")
    return redirect(url_for("auth.account", _anchor="api-tokens"))
