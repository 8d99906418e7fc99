"""Changing one's own email address: asked for on the account page with the current password,
confirmed from a link sent to the new address."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, flash, redirect, render_template, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import logout_user

from grants.auth.forms import ChangeEmailForm, ConfirmEmailForm
from grants.auth.permissions import public, requires, signed_in_user
from grants.auth.views import bp, link_problem
from grants.extensions import db, limiter
from grants.models import TokenPurpose
from workflows import accounts
from workflows.passwords import verify_password
from workflows.permissions import Permission


@bp.route("/account/email", methods=["GET", "POST"])
@requires(Permission.SIGNED_IN)
@limiter.limit("10 per hour", methods=["POST"])
def change_email() -> ResponseReturnValue:
    user = signed_in_user()
    form = ChangeEmailForm()
    if form.validate_on_submit():
        new_email = accounts.normalise_email(form.email.data or "")
        if not verify_password(user.password_hash, form.password.data or ""):
            form.password.errors = ["Your current password is not right"]
        else:
            try:
                accounts.request_email_change(
                    user,
                    new_email,
                    valid_for=timedelta(hours=current_app.config["EMAIL_CHANGE_VALID_HOURS"]),
                    service_url=current_app.config["SERVICE_URL"],
                )
            except accounts.AccountError as refusal:
                db.session.rollback()
                form.email.errors = [str(refusal)]
            else:
                db.session.commit()
                return render_template("auth/email_change_sent.html", email=new_email)
    return render_template("auth/change_email.html", form=form, user=user)


@bp.route("/account/email/<secret>", methods=["GET", "POST"])
@public
def confirm_email_change(secret: str) -> ResponseReturnValue:
    found = accounts.find_token(secret, TokenPurpose.EMAIL_CHANGE)
    if found.problem is not None:
        return link_problem(found.problem, "email_change")
    new_email = accounts.pending_email(secret)
    form = ConfirmEmailForm()
    if form.validate_on_submit():
        try:
            accounts.confirm_email_change(secret)
        except accounts.AccountError as refusal:
            db.session.rollback()
            return render_template("auth/confirm_email_change.html", form=form, email=new_email, problem=refusal), 409
        db.session.commit()
        logout_user()
        session.clear()
        flash(f"Your email address is now {new_email}. Sign in with it", "success")
        return redirect(url_for("auth.sign_in"))
    return render_template("auth/confirm_email_change.html", form=form, email=new_email, problem=None)
