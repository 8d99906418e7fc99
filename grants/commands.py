"""`flask` commands for operators: the council register, users and offers (the commands that make
development data are in devdata/commands.py)."""

from __future__ import annotations

from datetime import date, datetime

import click
from flask import Flask
from flask.cli import AppGroup

from grants.api.commands import api_tokens_cli
from grants.extensions import db
from grants.main import queries as main_queries
from grants.models import Role
from grants.outbox_commands import outbox_cli
from workflows import accounts, council_register
from workflows.passwords import password_problem

councils_cli = AppGroup("councils", help="The council register.")
users_cli = AppGroup("users", help="People who sign in.")
offers_cli = AppGroup("offers", help="Offers of work to experts.")


@councils_cli.command("import")
def import_councils_command() -> None:
    """Import every English and Welsh council from the ONS lookup (safe to run again)."""
    result = council_register.import_councils(council_register.register_entries(council_register.ons_records()))
    db.session.commit()
    click.echo(
        f"Council register: {result.total} councils ({result.created} added, "
        f"{result.updated} updated, {result.unchanged} unchanged)."
    )


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", "roles", required=True, multiple=True, type=click.Choice([r.value for r in Role]))
@click.option("--council", "council_gss", help="GSS code of the council (council officers only).")
@click.password_option(help="Asked for when not given.")
def create_user_command(email: str, name: str, roles: tuple[str, ...], council_gss: str | None, password: str) -> None:
    """Create a user who can sign in at once: the first administrator of a new installation."""
    problem = password_problem(password, user_inputs=[email, name])
    if problem:
        raise click.BadParameter(problem, param_hint="password")
    council = None
    if council_gss:
        council = main_queries.get_council_by_gss(council_gss)
        if council is None:
            raise click.BadParameter(f"no council has the GSS code {council_gss}", param_hint="--council")
    try:
        user = accounts.create_user(
            email=email, name=name, password=password, roles={Role(r) for r in roles}, council=council
        )
    except accounts.AccountError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"Created {user.email} with the roles: {', '.join(sorted(r.label for r in user.roles))}.")


@offers_cli.command("expire")
@click.option(
    "--on",
    "on_date",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Expire as if today were this date (YYYY-MM-DD), to see what the hourly sweep will do then.",
)
def expire_offers_command(on_date: datetime | None) -> None:
    """Expire the offers past their last day and offer the work to the next-best expert (what
    the beat does every hour)."""
    from workflows import engagements

    today = on_date.date() if on_date else date.today()
    expired = engagements.expire_offers(today)
    db.session.commit()
    click.echo(f"{len(expired)} {'offer' if len(expired) == 1 else 'offers'} expired as at {today.isoformat()}.")


def register_commands(app: Flask) -> None:
    app.cli.add_command(councils_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(offers_cli)
    app.cli.add_command(outbox_cli)
    app.cli.add_command(api_tokens_cli)
