"""Messages shown to each signed-in person in the service."""

from grants.messages.views import bp

__all__ = ["bp"]
