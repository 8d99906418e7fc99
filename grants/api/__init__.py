"""The JSON API under /api/v1, described by its OpenAPI 3.1 document at /api/v1/openapi.json.

One blueprint, "api"; each module registers the operations of one group of resources on it
(grants/api/routing.py). Callers authenticate with a personal token (grants/api/auth.py) and
the API applies the pages' permissions and the domain's rules (workflows/)."""

from grants.api import (  # noqa: F401 - each module registers its operations
    applications,
    arrangements,
    engagements,
    experts,
    matchmaking,
    meta,
    outcomes,
    reference,
    reports,
    review,
)
from grants.api.routing import bp

__all__ = ["bp"]
