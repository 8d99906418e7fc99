"""The API's routes and what each declares: its permission, its query parameters, its body, its
reply and the errors it can answer with. One decorator, `operation`, registers the route on the
blueprint and the same declaration in `OPERATIONS`, from which the OpenAPI document is made, so
the document cannot drift from what the routes do.

Around every view it: authenticates the bearer token (401), checks the permission (403), reads
the query string and the JSON body against their models (400, 415, 422), runs the view, and
commits when the view changed something; a refusal from the domain is rolled back and answered
as a problem (409 for a move that cannot be made now, 422 for a field the rules refuse)."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import wraps
from typing import Any, TypeVar

from flask import Blueprint, Response, request
from pydantic import BaseModel, ValidationError

from grants.api.auth import authenticate_request, check_permissions
from grants.api.problems import ApiError, FieldError, from_problem, pointer_to
from grants.api.types import INT32_MAX
from grants.extensions import db
from workflows.api_tokens import ApiTokenError
from workflows.applications import IllegalMoveError, StaleApplicationError, WorkflowError
from workflows.permissions import Permission
from workflows.problems import ProblemsError

logger = logging.getLogger(__name__)

bp = Blueprint("api", __name__)

F = TypeVar("F", bound=Callable[..., Any])

JSON = "application/json"
# The most a JSON body may hold (evidence files travel inside it, base64-encoded).
BODY_MAX_BYTES = 60 * 1024 * 1024


@dataclass
class Reply:
    """What a view answers with: a body (None for no content), and a status and headers when
    they differ from the operation's."""

    body: BaseModel | None
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Operation:
    """One route as the OpenAPI document describes it."""

    endpoint: str
    rule: str
    method: str
    summary: str
    description: str
    tag: str
    permissions: frozenset[Permission] | None  # None: open to everyone
    body: type[BaseModel] | None
    query: type[BaseModel] | None
    response: type[BaseModel] | None
    status: int
    conflicts: bool  # whether the domain may refuse it as a move not possible now (409)
    media_type: str = JSON
    response_headers: tuple[str, ...] = ()
    # The reply's JSON Schema, for a reply that is not one of the API's models.
    schema: dict[str, Any] | None = None


OPERATIONS: list[Operation] = []


# Reading the request --------------------------------------------------------------------------------


def _bad_strings(value: Any, path: tuple[str | int, ...] = ()) -> list[FieldError]:
    """Strings the database cannot keep: a NUL character, or half of a surrogate pair."""
    found: list[FieldError] = []
    if isinstance(value, str):
        if "\x00" in value:
            found.append(FieldError("Remove the NUL character", pointer=pointer_to(*path)))
        else:
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                found.append(FieldError("The text is not valid Unicode", pointer=pointer_to(*path)))
    elif isinstance(value, dict):
        for key, item in value.items():
            found += _bad_strings(key, (*path, str(key)))
            found += _bad_strings(item, (*path, str(key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _bad_strings(item, (*path, index))
    return found


def _pydantic_errors(error: ValidationError, *, query: bool = False) -> list[FieldError]:
    found = []
    for item in error.errors(include_url=False):
        location = list(item["loc"])
        message = str(item["msg"])
        if item["type"] == "extra_forbidden":
            message = "This field is not accepted here"
        elif item["type"] == "missing":
            message = "This field is required"
        if query:
            found.append(FieldError(message, parameter=str(location[0]) if location else None))
        else:
            found.append(FieldError(message, pointer=pointer_to(*location)))
    return found


def read_query(model: type[BaseModel]) -> BaseModel:
    values: dict[str, Any] = {}
    problems: list[FieldError] = []
    for name, info in model.model_fields.items():
        if name not in request.args:
            continue
        annotation = str(info.annotation)
        raw: Any = request.args.getlist(name) if annotation.startswith("list") else request.args.get(name)
        if any("\x00" in v for v in ([raw] if isinstance(raw, str) else raw)):
            problems.append(FieldError("Remove the NUL character", parameter=name))
        values[name] = raw
    if problems:
        raise ApiError(422, problems[0].detail, problems)
    try:
        return model.model_validate(values)
    except ValidationError as error:
        errors = _pydantic_errors(error, query=True)
        raise ApiError(422, errors[0].detail if errors else "The query is not valid", errors) from None


def read_body(model: type[BaseModel]) -> BaseModel:
    if request.content_length is not None and request.content_length > BODY_MAX_BYTES:
        raise ApiError(413, "The request is too large")
    mimetype = request.mimetype or ""
    if mimetype != JSON and not mimetype.endswith("+json"):
        raise ApiError(415, "Send the body as JSON, with 'Content-Type: application/json'")
    raw = request.get_data(cache=False)
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "The body is not valid JSON") from None
    strings = _bad_strings(data)
    if strings:
        raise ApiError(422, strings[0].detail, strings)
    try:
        return model.model_validate(data)
    except ValidationError as error:
        errors = _pydantic_errors(error)
        raise ApiError(422, errors[0].detail if errors else "The body is not valid", errors) from None


def _check_path(path_args: Mapping[str, Any]) -> None:
    """A path the database could not even look up (an id beyond its integers, a NUL) names
    nothing: 404, as for any other record that is not there."""
    for value in path_args.values():
        if isinstance(value, int) and not 0 <= value <= INT32_MAX:
            raise ApiError(404)
        if isinstance(value, str) and _bad_strings(value):
            raise ApiError(404)


# Refusals from the domain -----------------------------------------------------------------------------


def refusal(error: Exception, fields: Mapping[str, str]) -> ApiError:
    """A domain refusal as a problem: a field's problem is 422 with a pointer to it in the body
    (`fields` maps the domain's field names to the body's, where they differ); a move that cannot
    be made now, a stale version, or a refusal about no field is 409."""
    if isinstance(error, ProblemsError):
        errors = [
            FieldError(message, pointer=fields.get(name, pointer_to(name)) if name else None)
            for name, message in error.problems.items()
        ]
        return ApiError(422, str(error), errors)
    if isinstance(error, IllegalMoveError | StaleApplicationError) or not getattr(error, "field", None):
        return ApiError(409, str(error))
    name = str(getattr(error, "field", ""))
    return ApiError(422, str(error), [FieldError(str(error), pointer=fields.get(name, pointer_to(name)))])


# The decorator ---------------------------------------------------------------------------------------


def _render(result: Reply | BaseModel | Response | None, status: int) -> Response:
    if isinstance(result, Response):
        return result
    reply = result if isinstance(result, Reply) else Reply(result)
    code = reply.status or status
    if reply.body is None:
        response = Response(status=204 if code == 200 else code)
    else:
        response = Response(reply.body.model_dump_json(), status=code, mimetype=JSON)
    for name, value in reply.headers.items():
        response.headers[name] = value
    response.headers["Cache-Control"] = "no-store"
    return response


def operation(
    rule: str,
    method: str = "GET",
    *,
    summary: str,
    tag: str,
    permissions: tuple[Permission, ...] = (),
    public: bool = False,
    body: type[BaseModel] | None = None,
    query: type[BaseModel] | None = None,
    response: type[BaseModel] | None = None,
    status: int = 200,
    conflicts: bool = False,
    fields: Mapping[str, str] | None = None,
    media_type: str = JSON,
    response_headers: tuple[str, ...] = (),
    schema: dict[str, Any] | None = None,
) -> Callable[[F], F]:
    """Register an API route. The view is called with its path variables, and `query` and `body`
    (the validated models) when the operation declares them; it returns a model, a `Reply`, or a
    ready `Response`."""
    if not public and not permissions:
        raise ValueError(f"{rule}: declare the permissions needed, or public=True")
    needed = frozenset(permissions)
    field_pointers = dict(fields or {})
    changes = method != "GET"

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(**path_args: Any) -> Response:
            try:
                if not public:
                    user = authenticate_request()
                    check_permissions(user, needed)
                _check_path(path_args)
                kwargs: dict[str, Any] = dict(path_args)
                if query is not None:
                    kwargs["query"] = read_query(query)
                if body is not None:
                    kwargs["body"] = read_body(body)
                try:
                    result = view(**kwargs)
                except (WorkflowError, ProblemsError, ApiTokenError) as error:
                    db.session.rollback()
                    raise refusal(error, field_pointers) from None
                except ApiError:
                    db.session.rollback()
                    raise
                if changes:
                    db.session.commit()
                return _render(result, status)
            except ApiError as problem:
                return from_problem(problem)

        if public:
            wrapped.is_public = True  # type: ignore[attr-defined]
        else:
            wrapped.required_permissions = needed  # type: ignore[attr-defined]
        bp.add_url_rule(rule, endpoint=view.__name__, view_func=wrapped, methods=[method])
        doc = (view.__doc__ or "").strip()
        OPERATIONS.append(
            Operation(
                endpoint=view.__name__,
                rule=rule,
                method=method,
                summary=summary,
                description=" ".join(doc.split()),
                tag=tag,
                permissions=None if public else needed,
                body=body,
                query=query,
                response=response,
                status=status,
                conflicts=conflicts,
                media_type=media_type,
                response_headers=response_headers,
                schema=schema,
            )
        )
        return wrapped  # type: ignore[return-value]

    return decorator


def operations(**shared: Any) -> Callable[..., Callable[[F], F]]:
    """`operation` for a group of operations that share declarations (their tag, method,
    permissions, reply, whether the domain may refuse them): each operation of the group then
    declares its rule and what is its own, which overrides what the group shares."""

    def declare(rule: str, **own: Any) -> Callable[[F], F]:
        return operation(rule, **{**shared, **own})

    return declare
