"""A council's own applications: starting, filling in, submitting, withdrawing, and answering an
offer; and a partner council's confirmation of a joint bid."""

from grants.applications.views import bp

__all__ = ["bp"]
