"""The expert pool, kept in the service: staff's pages to add, change and import experts and to keep
the register of conflicts of interest, and the expert's own pages under /experts/me."""

from grants.experts.views import bp

__all__ = ["bp"]
