"""Errors as problem details (RFC 9457): every error inside /api/v1 is an
`application/problem+json` body with the status, a title, what went wrong, and for a request the
rules refuse, a message for each field named by a JSON pointer into the request body (or the name
of the query parameter)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, TypeVar

from flask import Response, request
from werkzeug.exceptions import HTTPException

T = TypeVar("T")

PROBLEM_JSON = "application/problem+json"
# Problem types are named by status: "about:blank" says no more than the status does.
TYPE_BASE = "about:blank"


@dataclass(frozen=True)
class FieldError:
    """One thing wrong with what was sent: a JSON pointer into the body, or a query parameter."""

    detail: str
    pointer: str | None = None
    parameter: str | None = None

    def as_json(self) -> dict[str, str]:
        found = {"detail": self.detail}
        if self.pointer is not None:
            found["pointer"] = self.pointer
        if self.parameter is not None:
            found["parameter"] = self.parameter
        return found


@dataclass
class ApiError(Exception):
    """Raised anywhere inside an API view to answer with a problem."""

    status: int
    detail: str | None = None
    errors: list[FieldError] = field(default_factory=list)
    title: str | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.detail or self.title or str(self.status)


def found_or_404(found: T | None) -> T:
    """What a lookup found; a 404 problem when it found nothing (or nothing the caller may see)."""
    if found is None:
        raise ApiError(404)
    return found


def pointer_to(*parts: str | int) -> str:
    """A JSON pointer (RFC 6901) to a place in the request body: ("answers", "title") → "/answers/title"."""
    escaped = [str(p).replace("~", "~0").replace("/", "~1") for p in parts]
    return "/" + "/".join(escaped) if escaped else ""


def problem_body(status: int, *, detail: str | None, title: str | None, errors: list[FieldError]) -> dict[str, Any]:
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Error"
    body: dict[str, Any] = {
        "type": TYPE_BASE,
        "title": title or phrase,
        "status": status,
        "detail": detail or phrase,
        "instance": request.path,
    }
    if errors:
        body["errors"] = [e.as_json() for e in errors]
    return body


def problem_response(
    status: int,
    *,
    detail: str | None = None,
    title: str | None = None,
    errors: list[FieldError] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    body = problem_body(status, detail=detail, title=title, errors=errors or [])
    response = Response(json.dumps(body, ensure_ascii=False), status=status, mimetype=PROBLEM_JSON)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    response.headers["Cache-Control"] = "no-store"
    return response


def from_problem(problem: ApiError) -> Response:
    return problem_response(
        problem.status, detail=problem.detail, title=problem.title, errors=problem.errors, headers=problem.headers
    )


# What the service says for each status when the error itself says nothing more useful.
_DETAILS = {
    400: "The request could not be read",
    401: "Send a valid API token as 'Authorization: Bearer <token>'",
    403: "Your roles do not allow this",
    404: "There is nothing here, or you may not see it",
    405: "This method is not allowed here",
    413: "The request is too large",
    415: "Send the body as JSON, with 'Content-Type: application/json'",
    429: "Too many requests: wait, then try again",
    500: "Something went wrong on our side; it has been logged",
    503: "The service is unavailable for a moment; try again soon",
}


def for_http_exception(error: HTTPException) -> Response:
    """A Werkzeug error (an unknown route, a method not allowed, ...) as a problem, keeping the
    headers that matter to a client (Allow, Retry-After)."""
    status = error.code or 500
    headers: dict[str, str] = {}
    for name, value in error.get_headers():
        if name.lower() in {"allow", "retry-after", "www-authenticate"}:
            headers[name] = value
    retry_after = getattr(error, "retry_after", None)
    if retry_after:
        headers["Retry-After"] = str(retry_after)
    return problem_response(status, detail=_DETAILS.get(status), headers=headers)


def for_status(status: int, detail: str | None = None) -> Response:
    return problem_response(status, detail=detail or _DETAILS.get(status))
