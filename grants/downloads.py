"""Stored evidence files sent to the browser, only ever as downloads."""

from __future__ import annotations

from pathlib import Path

from flask import Response, send_file

from workflows.uploads import SERVABLE_CONTENT_TYPES, offered_name


def download_response(path: Path, *, download_name: str, content_type: str) -> Response:
    """A response that sends a stored file as a download, never to be shown in the browser.

    Needs a request context. A content type that is not one of the allowed kinds' is sent as
    application/octet-stream; the download name is cleaned as an upload's name is. Raises
    FileNotFoundError when there is no file at `path`.
    """
    if content_type not in SERVABLE_CONTENT_TYPES:
        content_type = "application/octet-stream"
    response = send_file(
        path,
        mimetype=content_type,
        as_attachment=True,
        download_name=offered_name(download_name),
        etag=False,
        max_age=0,
    )
    # Sent as given: Flask would add "charset=utf-8" to text/csv, which a Windows-1252 file is not.
    response.headers["Content-Type"] = content_type
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
