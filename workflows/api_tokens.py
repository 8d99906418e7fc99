"""Personal API tokens: made by their owner (on the account page or by an operator's command),
shown once, kept only as a SHA-256 hash, used as `Authorization: Bearer <secret>`, and revoked.

The secret is 32 random bytes, so a hash lookup is as safe as comparing secrets in constant time:
nobody can learn a secret from how long a wrong guess takes to be refused. Operations flush and
never commit: the caller owns the transaction."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from grants.extensions import db
from grants.models import ApiToken, User, utcnow
from workflows import accounts
from workflows.audit import record_event

SECRET_PREFIX = "pb_"  # noqa: S105 - marks a secret as this service's, and is no secret
# What the owner sees to tell their tokens apart: the fixed prefix and a few characters more.
DISPLAY_PREFIX_LENGTH = 10
NAME_MAX = 100
MAX_EXPIRY_DAYS = 366
# Recording every use would write on every request; once a minute is enough to say "last used".
LAST_USED_EVERY = timedelta(minutes=1)
ACTIVE_TOKENS_MAX = 20


class ApiTokenError(ValueError):
    """A request about a token that the rules refuse; the message is for the person."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class NewToken:
    """A token just made, with its secret: shown to its owner this once and never again."""

    token: ApiToken
    secret: str


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def create_token(user: User, *, name: str, expires_in_days: int | None, actor: User | None) -> NewToken:
    """Make a token for the user, named so they can tell it from their others, valid for the days
    given (or until revoked). `actor` is who made it: the user themselves, or None for an
    operator's command."""
    clean = " ".join((name or "").split())
    if not clean:
        raise ApiTokenError("Enter a name for the token", field="name")
    if len(clean) > NAME_MAX:
        raise ApiTokenError(f"The name must be {NAME_MAX} characters or fewer", field="name")
    if expires_in_days is not None and not 1 <= expires_in_days <= MAX_EXPIRY_DAYS:
        raise ApiTokenError(f"A token can last from 1 to {MAX_EXPIRY_DAYS} days", field="expires_in_days")
    if not user.is_active:
        raise ApiTokenError("This account is not active")
    if len(active_tokens(user)) >= ACTIVE_TOKENS_MAX:
        raise ApiTokenError(f"You have {ACTIVE_TOKENS_MAX} tokens already: revoke one you no longer use first")
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    token = ApiToken(
        user_id=user.id,
        name=clean,
        prefix=secret[:DISPLAY_PREFIX_LENGTH],
        token_hash=hash_secret(secret),
        created_at=now,
        expires_at=now + timedelta(days=expires_in_days) if expires_in_days is not None else None,
    )
    db.session.add(token)
    db.session.flush()
    record_event(
        "api_token.created",
        actor=actor,
        subject_type="user",
        subject_id=user.id,
        token_id=token.id,
        name=clean,
        prefix=token.prefix,
        expires_at=token.expires_at.isoformat() if token.expires_at else None,
    )
    return NewToken(token, secret)


def revoke_token(token: ApiToken, *, actor: User | None) -> None:
    """Stop the token working from now on. Revoking one already revoked changes nothing."""
    if token.revoked_at is not None:
        return
    token.revoked_at = utcnow()
    record_event(
        "api_token.revoked",
        actor=actor,
        subject_type="user",
        subject_id=token.user_id,
        token_id=token.id,
        name=token.name,
        prefix=token.prefix,
    )


@dataclass(frozen=True)
class Authenticated:
    user: User
    # Whether the use was written down (the caller commits it).
    noted: bool


def authenticate(secret: str, *, now: datetime | None = None) -> Authenticated | None:
    """The active user whose live token this is; None for anything else (unknown, revoked,
    expired, or an inactive user's). Notes the use, at most once a minute."""
    if not secret.startswith(SECRET_PREFIX) or len(secret) > 200:
        return None
    now = now or utcnow()
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_secret(secret)))
    if token is None or token.revoked_at is not None:
        return None
    if token.expires_at is not None and token.expires_at <= now:
        return None
    user = accounts.user_with_roles(token.user_id)
    if user is None or not user.is_active:
        return None
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_EVERY:
        return Authenticated(user, noted=False)
    # A guarded update, so that two requests at once write it once.
    db.session.execute(
        update(ApiToken)
        .where(
            ApiToken.id == token.id,
            ApiToken.last_used_at.is_(None) | (ApiToken.last_used_at <= now - LAST_USED_EVERY),
        )
        .values(last_used_at=now)
        .execution_options(synchronize_session=False)
    )
    return Authenticated(user, noted=True)


def tokens_of(user: User) -> list[ApiToken]:
    """Every token the user has made, the newest first."""
    return list(
        db.session.scalars(
            select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


def active_tokens(user: User, *, now: datetime | None = None) -> list[ApiToken]:
    now = now or utcnow()
    return [t for t in tokens_of(user) if t.revoked_at is None and (t.expires_at is None or t.expires_at > now)]


def token_of(user: User, token_id: int) -> ApiToken | None:
    """The user's own token; anyone else's is None."""
    return db.session.scalar(select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user.id))
