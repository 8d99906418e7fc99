"""The email outbox for staff: what has been sent, what is waiting, and what failed and may be
sent again."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from grants.admin import queries
from grants.admin.views import bp
from grants.auth.permissions import requires
from grants.extensions import db
from grants.fields import ConfirmForm
from grants.models import EmailStatus
from grants.queries import get_history
from workflows import messages
from workflows.permissions import Permission

ALL = "all"
# The filter's choices in the order shown; failed first, since that is what staff act on.
STATUS_FILTERS = [EmailStatus.FAILED, EmailStatus.PENDING, EmailStatus.SENDING, EmailStatus.SENT]


def _chosen_status() -> EmailStatus | None:
    """The status asked for; None for every status. Anything unknown shows the failed ones."""
    value = request.args.get("status") or EmailStatus.FAILED.value
    if value == ALL:
        return None
    try:
        return EmailStatus(value)
    except ValueError:
        return EmailStatus.FAILED


@bp.route("/emails")
@requires(Permission.MANAGE_MESSAGES)
def emails() -> str:
    status = _chosen_status()
    page = queries.list_emails_page(status, request.args.get("page", 1, type=int) or 1)
    return render_template(
        "admin/emails.html",
        page=page,
        status=status,
        status_value=status.value if status else ALL,
        statuses=STATUS_FILTERS,
        counts=messages.count_by_status(),
    )


@bp.route("/emails/<int:email_id>")
@requires(Permission.MANAGE_MESSAGES)
def email(email_id: int) -> str:
    outbound = queries.get_email_or_404(email_id)
    events, actors = get_history(("outbound_email", [email_id]))
    return render_template(
        "admin/email.html",
        email=outbound,
        events=events,
        actors=actors,
        confirm_form=ConfirmForm(formdata=None),
    )


@bp.route("/emails/<int:email_id>/resend", methods=["POST"])
@requires(Permission.MANAGE_MESSAGES)
def resend_email(email_id: int) -> Response:
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        outbound = messages.resend_email(email_id, actor=current_user)
    except messages.EmailNotFoundError:
        abort(404)
    except messages.ResendRefusedError as refusal:
        db.session.rollback()
        flash(str(refusal), "error")
        return redirect(url_for("admin.email", email_id=email_id))
    address = outbound.to_address
    db.session.commit()
    flash(f"The email to {address} will be sent again", "success")
    return redirect(url_for("admin.email", email_id=email_id))
