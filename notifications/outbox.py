"""Queueing emails with the transaction that causes them."""

from __future__ import annotations

import logging
from typing import Any

from flask import render_template
from sqlalchemy import event
from sqlalchemy.orm import Session

from grants.extensions import db

logger = logging.getLogger(__name__)

_PENDING = "pending_emails"


def render_email(template: str, context: dict[str, Any]) -> dict[str, str]:
    """Subject, plain text and HTML of one email from `templates/email/<template>.{txt,html}`.

    The subject is the plain-text template's first line, after "Subject: ".
    """
    text = render_template(f"email/{template}.txt", **context)
    first_line, _, body = text.partition("\n")
    if not first_line.startswith("Subject: "):
        raise ValueError(f"email/{template}.txt must start with a 'Subject: ' line")
    html = render_template(f"email/{template}.html", subject=first_line[9:].strip(), **context)
    return {"subject": first_line[9:].strip(), "text": body.lstrip("\n"), "html": html}


def queue_email(*, to: str, template: str, context: dict[str, Any]) -> None:
    """Render an email now and send it once the current transaction commits."""
    message = {"to": to, "template": template, **render_email(template, context)}
    db.session.info.setdefault(_PENDING, []).append(message)


@event.listens_for(Session, "after_commit")
def _send_after_commit(session: Session) -> None:
    pending = session.info.pop(_PENDING, [])
    if not pending:
        return
    from notifications.tasks import send_email

    for message in pending:
        try:
            send_email.delay(message)
        except Exception:
            # The change itself is committed; a broker outage must not turn it into an error page.
            logger.exception("could not queue the %s email", message["template"])


@event.listens_for(Session, "after_rollback")
def _drop_after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)
