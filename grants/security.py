"""Response headers that every page carries."""

from __future__ import annotations

import base64
import hashlib

from flask import Flask, Response, request
from flask_login import current_user

# The one inline script a page may run: GOV.UK Frontend's page template
# (govuk_frontend_jinja/templates/template.html) writes it at the start of <body> to mark the page
# as having JavaScript, and it cannot be moved to a file without copying that template. Every
# other script is a file served by the service. tests/integration/test_security_headers.py checks
# that each inline script on every page hashes to a source the policy lists.
GOVUK_JS_ENABLED_SCRIPT = (
    "document.body.className += ' js-enabled' + "
    "('noModule' in HTMLScriptElement.prototype ? ' govuk-frontend-supported' : '');"
)


def script_hash_source(script: str) -> str:
    """The CSP source ('sha256-…') that allows an inline script with exactly this text."""
    digest = hashlib.sha256(script.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


CONTENT_SECURITY_POLICY = (
    "default-src 'self'; "
    f"script-src 'self' {script_hash_source(GOVUK_JS_ENABLED_SCRIPT)}; "
    "style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def init_security_headers(app: Flask) -> None:
    """Add the security headers to every response the app sends."""

    @app.after_request
    def _headers(response: Response) -> Response:
        # A response with a stricter policy of its own (a file download, sandboxed) keeps it.
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        if app.config.get("SESSION_COOKIE_SECURE"):
            response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        # Nothing shown to a signed-in person is kept by the browser or a proxy, nor any API answer
        # (a streamed one, too, which the API's own responses do not pass through).
        signed_in = current_user and current_user.is_authenticated and not request.path.startswith("/static/")
        if signed_in or request.path.startswith("/api/"):
            response.headers["Cache-Control"] = "no-store"
        return response
