"""Administration: people, their roles and their access."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from grants.admin import queries
from grants.admin.forms import DeactivateForm, InviteForm, RolesForm
from grants.auth.permissions import requires
from grants.extensions import db
from grants.fields import ConfirmForm
from grants.form_problems import commit_or_flash
from grants.models import Council, Expert, Role, User
from grants.queries import get_history
from workflows import accounts
from workflows.permissions import Permission

bp = Blueprint("admin", __name__)


def _fill_choices(form: InviteForm | RolesForm) -> None:
    councils = queries.list_council_choices()
    form.council.choices = [SelectChoice("", "Not a council officer")] + [SelectChoice(str(i), n) for i, n in councils]
    experts = queries.list_expert_choices()
    form.expert.choices = [SelectChoice("", "Not an expert")] + [
        SelectChoice(str(i), f"{n} ({e})") for i, n, e in experts
    ]


def _chosen(form: InviteForm | RolesForm) -> tuple[set[Role], Council | None, Expert | None]:
    roles = {Role(value) for value in form.roles.data or []}
    council = queries.get_council(int(form.council.data)) if form.council.data else None
    expert = queries.get_expert(int(form.expert.data)) if form.expert.data else None
    return roles, council, expert


def _show_account_error(form: InviteForm | RolesForm, error: accounts.AccountError) -> None:
    field = getattr(form, error.field, None) if error.field else None
    if field is None:
        field = form.roles
    field.errors = [*field.errors, str(error)]


def _invitation_hours() -> timedelta:
    return timedelta(hours=current_app.config["INVITATION_VALID_HOURS"])


def _on_confirm(user_id: int, step: Callable[[User], object], done: str) -> Response:
    """A one-button step on a person's account, from their page and back to it; `done` says what
    was done, with the person's {name} and {email}."""
    person = queries.get_user_or_404(user_id)
    if ConfirmForm().validate_on_submit():
        commit_or_flash(lambda: step(person), done.format(name=person.name, email=person.email), accounts.AccountError)
    return redirect(url_for("admin.user", user_id=user_id))


@bp.route("/users")
@requires(Permission.MANAGE_USERS)
def users() -> str:
    role_filter = request.args.get("role") or ""
    search = (request.args.get("q") or "").strip()[:100]
    role = Role(role_filter) if role_filter in {r.value for r in Role} else None
    page = queries.list_users_page(role, search)
    return render_template("admin/users.html", page=page, role_filter=role_filter, search=search, roles=list(Role))


@bp.route("/users/invite", methods=["GET", "POST"])
@requires(Permission.MANAGE_USERS)
def invite() -> str | Response:
    form = InviteForm()
    _fill_choices(form)
    if form.validate_on_submit():
        roles, council, expert = _chosen(form)
        try:
            user = accounts.invite_user(
                email=form.email.data or "",
                name=form.name.data or "",
                roles=roles,
                council=council,
                expert=expert,
                actor=current_user,
                valid_for=_invitation_hours(),
                service_url=current_app.config["SERVICE_URL"],
            )
        except accounts.AccountError as error:
            db.session.rollback()
            _fill_choices(form)
            _show_account_error(form, error)
        else:
            db.session.commit()
            flash(f"Invitation sent to {user.email}", "success")
            return redirect(url_for("admin.user", user_id=user.id))
    return render_template("admin/invite.html", form=form)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@requires(Permission.MANAGE_USERS)
def user(user_id: int) -> str | Response:
    person = queries.get_user_or_404(user_id)
    form = RolesForm(
        data={
            "roles": [r.value for r in person.roles],
            "council": str(person.council_id or ""),
            "expert": str(person.expert_id or ""),
        }
        if request.method == "GET"
        else None
    )
    _fill_choices(form)
    if form.validate_on_submit():
        roles, council, expert = _chosen(form)
        try:
            accounts.change_roles(person, roles=roles, council=council, expert=expert, actor=current_user)
        except accounts.AccountError as error:
            db.session.rollback()
            person = queries.get_user_or_404(user_id)
            _fill_choices(form)
            _show_account_error(form, error)
        else:
            db.session.commit()
            flash("Roles saved", "success")
            return redirect(url_for("admin.user", user_id=person.id))
    events, actors = get_history(("user", [person.id]))
    return render_template(
        "admin/user.html",
        person=person,
        form=form,
        events=events,
        actors=actors,
        deactivate_form=DeactivateForm(formdata=None),
        confirm_form=ConfirmForm(formdata=None),
    )


@bp.route("/users/<int:user_id>/deactivate", methods=["GET", "POST"])
@requires(Permission.MANAGE_USERS)
def deactivate(user_id: int) -> str | Response:
    person = queries.get_user_or_404(user_id)
    form = DeactivateForm()
    if form.validate_on_submit():
        commit_or_flash(
            lambda: accounts.deactivate_user(person, actor=current_user, reason=form.reason.data or ""),
            f"{person.name}'s account is deactivated and signed out everywhere",
            accounts.AccountError,
        )
        return redirect(url_for("admin.user", user_id=user_id))
    return render_template("admin/deactivate.html", person=person, form=form)


@bp.route("/users/<int:user_id>/reactivate", methods=["POST"])
@requires(Permission.MANAGE_USERS)
def reactivate(user_id: int) -> Response:
    return _on_confirm(
        user_id, lambda person: accounts.reactivate_user(person, actor=current_user), "{name}'s account is active again"
    )


@bp.route("/users/<int:user_id>/resend-invitation", methods=["POST"])
@requires(Permission.MANAGE_USERS)
def resend_invitation(user_id: int) -> Response:
    return _on_confirm(
        user_id,
        lambda person: accounts.resend_invitation(
            person, actor=current_user, valid_for=_invitation_hours(), service_url=current_app.config["SERVICE_URL"]
        ),
        "A new invitation has been sent to {email}",
    )
