"""Introductions between councils, each with its consent."""

from grants.sharing import bp

__all__ = ["bp"]
