"""Shared services: partner suggestions for matchmaking requests (suggestions.py), introductions
brokered with every council's consent (introductions.py), and the register of shared arrangements
(arrangements.py) with its history (arrangement_history.py). One blueprint, "sharing", at /sharing."""

from grants.sharing import arrangement_history, arrangements, introductions, suggestions  # noqa: F401 - each attaches its routes to the blueprint
from grants.sharing.views import bp

__all__ = ["bp"]
