"""Programme reporting for LGA staff: the dashboard, the year quarter by quarter, the
Red/Amber/Green rule and the quarterly board report. One blueprint, "reports", at /reports."""

from grants.reports.views import bp

__all__ = ["bp"]
