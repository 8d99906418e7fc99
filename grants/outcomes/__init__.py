"""Programme officers verifying outcome reports, and the evidence filed with them."""

from grants.outcomes.views import bp

__all__ = ["bp"]
