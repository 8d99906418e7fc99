"""A council's own applications: starting, filling in, submitting, withdrawing, and answering an
offer; a partner council's confirmation of a joint bid; outcome reports; and introductions to
other councils."""

from grants.applications import introductions, offers, outcome_reports  # noqa: F401 - each attaches its routes to the blueprint
from grants.applications.views import bp

__all__ = ["bp"]
