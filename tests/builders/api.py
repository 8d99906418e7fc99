"""API tokens, made through the domain."""

from __future__ import annotations

from grants.extensions import db
from grants.models import User
from workflows import api_tokens


def token_for(user: User, name: str = "Test token") -> str:
    made = api_tokens.create_token(user, name=name, expires_in_days=None, actor=user)
    db.session.commit()
    return made.secret
