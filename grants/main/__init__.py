"""Start pages, the programme's lists, public pages and /health."""

from grants.main.views import bp

__all__ = ["bp"]
