"""The sharing blueprint with the routes of each of its parts attached."""

from grants.sharing import bp, introductions, register, suggestions

__all__ = ["bp", "introductions", "register", "suggestions"]
