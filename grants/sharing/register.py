"""The register of shared arrangements between councils."""

from grants.sharing import bp

__all__ = ["bp"]
