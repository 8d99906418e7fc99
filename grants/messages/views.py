"""The signed-in person's own messages: the list, marking them read, and following one."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from grants.auth.permissions import requires, signed_in_user
from grants.extensions import db
from grants.template_helpers import unread_messages
from workflows import messages
from workflows.permissions import Permission

bp = Blueprint("messages", __name__)


@bp.route("")
@requires(Permission.SIGNED_IN)
def index() -> str:
    user = signed_in_user()
    page = messages.messages_page(user, request.args.get("page", 1, type=int) or 1)
    return render_template("messages/index.html", page=page, unread=unread_messages(), summary=messages.summary)


@bp.route("/<int:notification_id>")
@requires(Permission.SIGNED_IN)
def open_message(notification_id: int) -> str | Response:
    """Follow a message to what it is about, marking it read on the way. Only an address in this
    service is followed: anything else is shown, not redirected to, so that a message can never
    send anyone to another site."""
    user = signed_in_user()
    try:
        notification = messages.own_notification(user, notification_id)
        messages.mark_read(user, notification_id)
    except messages.NotificationNotFoundError:
        abort(404)
    db.session.commit()
    if is_own_address(notification.link, current_app.config["SERVICE_URL"]):
        return redirect(notification.link)
    return render_template("messages/message.html", notification=notification)


@bp.route("/<int:notification_id>/read", methods=["POST"])
@requires(Permission.SIGNED_IN)
def mark_read(notification_id: int) -> Response:
    user = signed_in_user()
    try:
        changed = messages.mark_read(user, notification_id)
    except messages.NotificationNotFoundError:
        abort(404)
    db.session.commit()
    if changed:
        flash("Message marked as read", "success")
    else:
        flash("That message had already been marked as read", "info")
    return _back_to_list()


@bp.route("/read-all", methods=["POST"])
@requires(Permission.SIGNED_IN)
def mark_all_read() -> Response:
    user = signed_in_user()
    count = messages.mark_all_read(user)
    db.session.commit()
    if count:
        flash(f"{count} message{'' if count == 1 else 's'} marked as read", "success")
    else:
        flash("You have no unread messages", "info")
    return _back_to_list()


def _back_to_list() -> Response:
    """Return to the page of the list the button was on."""
    page = request.form.get("page", 1, type=int) or 1
    return redirect(url_for("messages.index", page=page) if page > 1 else url_for("messages.index"))


def is_own_address(link: str, service_url: str) -> bool:
    """Whether a stored link points into this service: the same scheme, host and port as the
    service's address, and under its path. A plain prefix test would let
    "https://service.example.evil.test" through."""
    try:
        target, ours = urlsplit(link), urlsplit(service_url)
    except ValueError:
        return False
    if any(ch in link for ch in ("\\", "\r", "\n", "\t")):
        return False
    base_path = ours.path.rstrip("/")
    return (
        target.scheme == ours.scheme
        and target.netloc.lower() == ours.netloc.lower()
        and (target.path == base_path or target.path.startswith(base_path + "/"))
    )
