"""People and roles, the outbox, and schemes and rounds: the administrators' pages under /admin."""

from grants.admin import emails, schemes  # noqa: F401 - each attaches its routes to the blueprint
from grants.admin.views import bp

__all__ = ["bp"]
