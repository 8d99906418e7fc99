"""Gunicorn settings for the production web server (`make serve` and the Procfile's web process).

Gunicorn names itself in a `Server` header on every response it sends for the app, and has no
setting to leave it off. The service names no software to the people it serves, so this file
removes that header line. Only HTTP/1.x is served: HTTP/2 (the `http_protocols` setting, left
unset) writes its headers elsewhere.
"""

from __future__ import annotations

from collections.abc import Callable

from gunicorn.http import wsgi


def _without_server_header(default_headers: Callable[[wsgi.Response], list[str]]) -> Callable[..., list[str]]:
    """Gunicorn's own header lines for a response, less the one that names the server."""

    def headers(self: wsgi.Response) -> list[str]:
        return [line for line in default_headers(self) if not line.lower().startswith("server:")]

    headers.drops_server_header = True  # type: ignore[attr-defined]
    return headers


# Gunicorn reads this file again when told to reload: the header line is removed only once.
if not getattr(wsgi.Response.default_headers, "drops_server_header", False):
    wsgi.Response.default_headers = _without_server_header(wsgi.Response.default_headers)
