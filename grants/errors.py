"""Error pages, in the service's own design, that give nothing away."""

from __future__ import annotations

import contextlib
import logging

from flask import Flask, g, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError
from redis.exceptions import RedisError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from grants.api import problems
from grants.extensions import db, login_manager
from grants.request_log import current_user_id, loggable_path

logger = logging.getLogger(__name__)

PAGES = {
    400: "errors/400.html",
    403: "errors/403.html",
    404: "errors/404.html",
    405: "errors/404.html",
    413: "errors/413.html",
    429: "errors/429.html",
    500: "errors/500.html",
    503: "errors/503.html",
}


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/health"


def _in_api() -> bool:
    return request.path == "/api" or request.path.startswith("/api/")


def _render(status: int, **context: object) -> tuple[str, int]:
    return render_template(PAGES.get(status, "errors/500.html"), status=status, **context), status


def _failed(status: int) -> ResponseReturnValue:
    """The service's own failure: a problem inside the API, the error page elsewhere."""
    return problems.for_status(status) if _in_api() else _render(status)


def init_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(error: CSRFError) -> ResponseReturnValue:
        # The description says what was wrong ("missing", "expired"); it never holds the token.
        logger.warning(
            "refused a form without a valid CSRF token: %s",
            error.description,
            extra={
                "event": "csrf_refused",
                "method": request.method,
                "path": loggable_path(),
                "user_id": current_user_id(),
            },
        )
        return _render(400, reason="csrf")

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> ResponseReturnValue:
        status = error.code or 500
        if _in_api():
            return problems.for_http_exception(error)
        if _wants_json():
            return jsonify(title=error.name, status=status), status
        response = _render(status)
        if status == 429:
            retry_after = getattr(error, "retry_after", None)
            if retry_after:
                return response[0], status, {"Retry-After": str(retry_after)}
        return response

    @app.errorhandler(OperationalError)
    def _database_down(error: OperationalError) -> ResponseReturnValue:
        logger.error("database unavailable: %s", error.orig)
        g.database_down = True
        # Nothing rendered from here on may look the signed-in person up again: the page is
        # drawn as for someone signed out (base.html checks database_down too).
        g._login_user = login_manager.anonymous_user()
        with contextlib.suppress(OperationalError):
            db.session.rollback()
        return _failed(503)

    @app.errorhandler(RedisError)
    def _counters_down(error: RedisError) -> ResponseReturnValue:
        # The sign-in and link counters live in Redis. Without them an attempt cannot be counted,
        # so it is refused (a clean 503) rather than let through unthrottled.
        logger.error("rate-limit counters unavailable: %s", type(error).__name__)
        db.session.rollback()
        return _failed(503)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> ResponseReturnValue:
        logger.exception("unhandled error")
        db.session.rollback()
        return _failed(500)
