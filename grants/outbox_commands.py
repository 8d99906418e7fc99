"""`flask outbox` commands for operators: how the email outbox stands, and sending on emails whose
delivery task went missing."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from grants.models import EmailStatus
from grants.status_tags import status_words
from notifications import outbox
from workflows import messages

outbox_cli = AppGroup("outbox", help="The email outbox.")

_SHOWN = (EmailStatus.PENDING, EmailStatus.SENDING, EmailStatus.SENT, EmailStatus.FAILED)


@outbox_cli.command("replay")
def replay_command() -> None:
    """Hand to the workers again every email left waiting or half-sent: the sweep the scheduler
    runs each minute, for when the scheduler or the broker has been down."""
    handed = outbox.replay_stuck()
    click.echo(f"{handed} email{'' if handed == 1 else 's'} enqueued again.")


@outbox_cli.command("status")
def status_command() -> None:
    """How many emails are in each state. Failed ones can be sent again from the Emails page."""
    counts = messages.count_by_status()
    width = max(len(status_words(status)) for status in _SHOWN)
    for status in _SHOWN:
        click.echo(f"{status_words(status):<{width}}  {counts[status]:>7}")
    click.echo(f"{'Total':<{width}}  {sum(counts.values()):>7}")
