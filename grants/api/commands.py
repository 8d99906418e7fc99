"""`flask api-tokens`: personal API tokens for an existing user, made, listed and revoked by an
operator."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from grants.api import queries as api_queries
from grants.auth import queries as auth_queries
from grants.extensions import db
from grants.models import User, utcnow
from workflows import accounts, api_tokens

api_tokens_cli = AppGroup("api-tokens", help="Personal API tokens.")


def _user(email: str) -> User:
    user = auth_queries.get_user_by_email(accounts.normalise_email(email))
    if user is None:
        raise click.ClickException(f"No user has the email address {email}")
    return user


@api_tokens_cli.command("create")
@click.argument("email")
@click.option("--name", required=True, help="What the token is for, so its owner can tell it apart.")
@click.option("--expires-in-days", type=click.IntRange(1, api_tokens.MAX_EXPIRY_DAYS), help="Omit for no expiry.")
def create_command(email: str, name: str, expires_in_days: int | None) -> None:
    """Make a token for the user with this email address and print its secret, this once."""
    user = _user(email)
    try:
        made = api_tokens.create_token(user, name=name, expires_in_days=expires_in_days, actor=None)
    except api_tokens.ApiTokenError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    expiry = made.token.expires_at.isoformat() if made.token.expires_at else "never"
    click.echo(f"Token {made.token.id} '{made.token.name}' for {user.email} (expires: {expiry}).")
    click.echo("The secret is shown this once; keep it somewhere safe:")
    click.echo(made.secret)


@api_tokens_cli.command("list")
@click.argument("email")
def list_command(email: str) -> None:
    """List the user's tokens: id, prefix, name, created, last used, expiry and whether revoked."""
    user = _user(email)
    now = utcnow()
    tokens = api_tokens.tokens_of(user)
    if not tokens:
        click.echo(f"{user.email} has no API tokens.")
    for token in tokens:
        if token.revoked_at is not None:
            state = f"revoked {token.revoked_at.isoformat()}"
        elif token.expires_at is not None and token.expires_at <= now:
            state = "expired"
        else:
            state = "active"
        click.echo(
            f"{token.id}\t{token.prefix}…\t{token.name}\tcreated {token.created_at.isoformat()}\t"
            f"last used {token.last_used_at.isoformat() if token.last_used_at else 'never'}\t"
            f"expires {token.expires_at.isoformat() if token.expires_at else 'never'}\t{state}"
        )


@api_tokens_cli.command("revoke")
@click.argument("token_id", type=int)
def revoke_command(token_id: int) -> None:
    """Revoke the token with this id: it stops working at once."""
    token = api_queries.get_api_token(token_id)
    if token is None:
        raise click.ClickException(f"There is no API token {token_id}")
    api_tokens.revoke_token(token, actor=None)
    db.session.commit()
    click.echo(f"Token {token.id} '{token.name}' is revoked.")
