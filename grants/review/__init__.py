"""The staff's side of applications: queues, checks, scores, decisions, payments."""

from grants.review.views import bp

__all__ = ["bp"]
