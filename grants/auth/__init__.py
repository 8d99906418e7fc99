"""Signing in and out, invitations, password resets, email changes and the account page."""

from grants.auth import email_change  # noqa: F401 - each attaches its routes to the blueprint
from grants.auth.views import bp

__all__ = ["bp"]
