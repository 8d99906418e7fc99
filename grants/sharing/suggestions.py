"""Suggested partner councils for a matchmaking request, for the broker."""

from grants.sharing import bp

__all__ = ["bp"]
