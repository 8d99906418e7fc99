"""The expert's portal: offers of work, engagements, days logged and outcome reports."""

from grants.portal.views import bp

__all__ = ["bp"]
