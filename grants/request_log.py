"""One log line per request, each with a request id that is also returned to the client; a
further line for every refusal (401, 403, 404 on a known route, 410, 429). Secrets never reach the
log: every line passes through `redact`, and a path that carries a link's secret is logged as its
route's pattern."""

from __future__ import annotations

import contextlib
import json
import logging
import re
import sys
import time
import uuid
from typing import Any

from flask import Flask, Response, g, request
from sqlalchemy import inspect

from grants.models import User
from workflows.api_tokens import SECRET_PREFIX
from workflows.context import current_request_id

_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")

# Extra attributes of a log record that appear in its JSON line.
FIELDS = (
    "event",
    "method",
    "path",
    "status",
    "duration_ms",
    "user_id",
    "remote_addr",
    "action",
    "subject_type",
    "subject_id",
    "actor_id",
    "scope",
)

# What each pattern finds, and what is written in its place.
_SECRETS: tuple[tuple[re.Pattern[str], str], ...] = (
    # The secret in an emailed invitation or password-reset link (not the page that asks for one).
    (re.compile(r"(/(?:invitation|reset-password)/)(?!new\b)[A-Za-z0-9_-]{16,}"), r"\1[redacted]"),
    # The credentials of an Authorization header.
    (re.compile(r"(?i)\b(bearer)\s+[A-Za-z0-9._~+/=-]{8,}"), r"\1 [redacted]"),
    (re.compile(r"\b(Basic)\s+[A-Za-z0-9+/]{16,}={0,2}"), r"\1 [redacted]"),
    # A personal API token.
    (re.compile(re.escape(SECRET_PREFIX) + r"[A-Za-z0-9_-]{16,}"), SECRET_PREFIX + "[redacted]"),
    # A password hash.
    (re.compile(r"\$argon2(?:id|i|d)\$[A-Za-z0-9$=,+/.-]+"), "[redacted hash]"),
    # The password in a URL's credentials (a database or broker address in an error).
    (re.compile(r"(://[^:/\s@]+:)[^@\s/]+@"), r"\1[redacted]@"),
    # A session cookie or a CSRF token, as a cookie or a form would send it.
    (re.compile(r"(?i)\b(session|csrf_token)=[^;&\s'\"]+"), r"\1=[redacted]"),
)

# The view arguments that carry a secret: a path with one is logged as its route's pattern.
_SECRET_ARGUMENTS = frozenset({"secret", "token"})

# Statuses that refuse the caller. A 404 counts only on a route of the service's own (not an
# unknown address, nor a missing static file): there it is the answer for a record that is
# missing or belongs to someone else, which look the same on purpose.
REFUSALS = frozenset({401, 403, 404, 410, 429})


def redact(text: str) -> str:
    """The text with every secret it holds replaced by a marker."""
    for pattern, replacement in _SECRETS:
        text = pattern.sub(replacement, text)
    return text


class JsonFormatter(logging.Formatter):
    """Log records as single-line JSON objects, with secrets redacted."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        request_id = getattr(record, "request_id", None) or current_request_id.get()
        if request_id:
            entry["request_id"] = request_id
        for key in FIELDS:
            if hasattr(record, key):
                value = getattr(record, key)
                entry[key] = redact(value) if isinstance(value, str) else value
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, default=str)


class StdoutHandler(logging.StreamHandler):
    """Writes to stdout. When the stream it holds has been closed (stdout was swapped for a while,
    by a command runner or a test's capture, and that one is gone), it takes up the current
    stdout rather than losing the line."""

    def __init__(self) -> None:
        super().__init__(sys.stdout)

    def emit(self, record: logging.LogRecord) -> None:
        if getattr(self.stream, "closed", False):
            with self.lock or contextlib.nullcontext():
                self.stream = sys.stdout
        super().emit(record)


def configure_logging(app: Flask) -> None:
    """Send the service's logs to stdout as JSON lines."""
    handler = StdoutHandler()
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(app.config.get("LOG_LEVEL", "INFO"))
    # Werkzeug's own access log would repeat ours.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)


def loggable_path() -> str:
    """The request's path, or its route's pattern when the path carries a secret."""
    rule = request.url_rule
    if rule is not None and _SECRET_ARGUMENTS & set(request.view_args or {}):
        return rule.rule
    return redact(request.path)


def current_user_id() -> str | None:
    """Who made the request: the API caller, else the signed-in person (never their session token)."""
    # Read from what the request already loaded, without a query: after a rollback (or with the
    # database gone) loading the person again would fail, and a log line must never do that.
    user = g.get("api_user") or g.get("_login_user")
    if not isinstance(user, User):
        return None
    identity = inspect(user).identity
    return str(identity[0]) if identity else None


def init_request_log(app: Flask) -> None:
    logger = logging.getLogger("grants.request")
    security = logging.getLogger("grants.security")

    @app.before_request
    def _start() -> None:
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming if _SAFE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        g.request_started = time.perf_counter()
        g.request_id_token = current_request_id.set(g.request_id)

    @app.after_request
    def _finish(response: Response) -> Response:
        request_id = g.get("request_id")
        if request_id is None:
            return response
        response.headers["X-Request-ID"] = request_id
        status = response.status_code
        fields = {
            "request_id": request_id,
            "method": request.method,
            "path": loggable_path(),
            "status": status,
            "user_id": current_user_id(),
            "remote_addr": request.remote_addr,
        }
        duration_ms = round((time.perf_counter() - g.request_started) * 1000, 1)
        logger.info("%s %s %s", request.method, fields["path"], status, extra={**fields, "duration_ms": duration_ms})
        if status in REFUSALS and (status != 404 or request.endpoint not in (None, "static")):
            security.warning(
                "refused %s %s with %s", request.method, fields["path"], status, extra={**fields, "event": "refused"}
            )
        return response

    @app.teardown_request
    def _reset(_exc: BaseException | None) -> None:
        token = g.pop("request_id_token", None)
        if token is not None:
            current_request_id.reset(token)
