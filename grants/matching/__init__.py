"""Staff matching experts to approved work."""

from grants.matching import engagement_list  # noqa: F401 - each attaches its routes to the blueprint
from grants.matching.views import bp

__all__ = ["bp"]
