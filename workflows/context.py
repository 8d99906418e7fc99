"""Who and what the current unit of work belongs to, set by the web layer or a task."""

from __future__ import annotations

from contextvars import ContextVar

current_request_id: ContextVar[str | None] = ContextVar("current_request_id", default=None)
