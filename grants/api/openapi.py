"""The OpenAPI 3.1 document, made from the registered operations and their pydantic models (whose
JSON Schema 2020-12 is OpenAPI 3.1's own): nothing in it is written twice by hand."""

from __future__ import annotations

import re
from functools import cache
from typing import Any, Literal

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaValue, models_json_schema

from grants.api.routing import JSON, OPERATIONS, Operation
from grants.api.schemas import Problem
from grants.api.types import INT32_MAX
from workflows.permissions import Permission

PREFIX = "/api/v1"
PROBLEM_JSON = "application/problem+json"
REF = "#/components/schemas/{model}"

DESCRIPTION = """\
The Productivity Broker's API: the LGA Productivity Programme's schemes and rounds, councils'
applications and every step of their life, assessments and decisions, the pool of experts, offers
of work and engagements, outcome reports, shared-services matchmaking and introductions, and the
grants as 360Giving open data.

**Authentication.** Make a personal API token on your account page (or ask an operator to run
`flask api-tokens create`), and send it as `Authorization: Bearer <token>`. The API does the
same things your roles let you do on the pages, on the same records: another council's
application, or another expert's engagement, is a 404.

**Errors** are problem details (RFC 9457) sent as `application/problem+json`; where the request
is refused because of what it says, `errors` lists a message for each field, with a JSON pointer
into the body (or the name of the query parameter).

**Changes** to a record that has a `version` send the version you read: if someone changed the
record since, the change is refused with 409 and nothing is saved.

**Lists** come in pages: `page` and `per_page` (at most 100). The reply has `data`, `links` and
`meta`, and the links are also in the `Link` header (RFC 8288).

**Money** is in whole pence (fields ending `_pence`); dates are ISO 8601 (`2026-04-01`) and times
are UTC with an offset.
"""

TAGS = [
    ("Account", "Who you are."),
    ("Councils", "The councils of England and Wales, from the ONS register."),
    ("Schemes", "Grant schemes and their funding rounds."),
    ("Applications", "Councils' applications: drafting, partners, submitting, the offer."),
    ("Review", "Staff steps: eligibility, assessment, decisions, payments."),
    ("Experts", "The LGA's pool of vetted experts."),
    ("Matching", "Experts suggested for approved work, and offers of the work."),
    ("Engagements", "Work offered to experts and delivered by them."),
    ("Outcome reports", "Savings claimed, confirmed by the council and verified by the LGA."),
    ("Matchmaking", "Shared-services requests, suggested partners and introductions."),
    ("Open data", "The programme's grants in the 360Giving Data Standard."),
    ("API", "This document."),
]

_VARIABLE = re.compile(r"<(?:(\w+):)?(\w+)>")


def _path(rule: str) -> str:
    return _VARIABLE.sub(lambda m: "{" + m.group(2) + "}", rule)


def _path_parameters(rule: str) -> list[dict[str, Any]]:
    found = []
    for converter, name in _VARIABLE.findall(rule):
        if converter == "int":
            schema: dict[str, Any] = {"type": "integer", "minimum": 1, "maximum": INT32_MAX}
        else:
            schema = {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,40}$"}
        found.append({"name": name, "in": "path", "required": True, "schema": schema})
    return found


def _without_null(schema: JsonSchemaValue) -> JsonSchemaValue:
    """A query parameter is absent rather than null: drop the null branch pydantic gives an
    optional field."""
    options = schema.get("anyOf")
    if isinstance(options, list):
        kept = [o for o in options if o.get("type") != "null"]
        if len(kept) == 1:
            merged = {k: v for k, v in schema.items() if k != "anyOf"}
            merged.update(kept[0])
            return merged
    return schema


def _query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    schema = model.model_json_schema(ref_template=REF)
    required = set(schema.get("required", []))
    found = []
    for name, prop in schema.get("properties", {}).items():
        prop = _without_null(dict(prop))
        description = prop.pop("description", None)
        prop.pop("title", None)
        parameter: dict[str, Any] = {"name": name, "in": "query", "required": name in required, "schema": prop}
        if description:
            parameter["description"] = description
        if prop.get("type") == "array":
            parameter["style"] = "form"
            parameter["explode"] = True
        found.append(parameter)
    return found


def _problem(description: str) -> dict[str, Any]:
    return {"description": description, "content": {PROBLEM_JSON: {"schema": {"$ref": REF.format(model="Problem")}}}}


def _error_responses(op: Operation) -> dict[str, Any]:
    responses: dict[str, Any] = {}
    if op.body is not None:
        responses["400"] = _problem("The body is not valid JSON.")
    if op.permissions is not None:
        responses["401"] = {
            **_problem("No API token was sent, or it is not valid (mistyped, expired or revoked)."),
            "headers": {"WWW-Authenticate": {"schema": {"type": "string"}, "description": "Bearer"}},
        }
        if op.permissions != {Permission.SIGNED_IN}:
            responses["403"] = _problem("Your roles do not allow this.")
    if _VARIABLE.search(op.rule):
        responses["404"] = _problem("No such record, or not one you may see.")
    if op.conflicts:
        responses["409"] = _problem(
            "The record is not in a state that allows this now, or it changed since you read it (a stale version)."
        )
    if op.body is not None:
        responses["413"] = _problem("The body is too large.")
        responses["415"] = _problem("The body is not sent as application/json.")
    if op.body is not None or op.query is not None:
        responses["422"] = _problem("What was sent is not valid: `errors` says what is wrong with each field.")
    return responses


@cache
def document() -> dict[str, Any]:
    bodies = sorted({op.body for op in OPERATIONS if op.body is not None}, key=lambda m: m.__name__)
    replies = sorted(
        {op.response for op in OPERATIONS if op.response is not None} | {Problem}, key=lambda m: m.__name__
    )
    models: list[tuple[type[BaseModel], Literal["validation", "serialization"]]] = [(m, "validation") for m in bodies]
    models += [(m, "serialization") for m in replies]
    refs, definitions = models_json_schema(models, ref_template=REF)
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        entry: dict[str, Any] = {
            "operationId": op.endpoint,
            "summary": op.summary,
            "tags": [op.tag],
        }
        if op.description:
            entry["description"] = op.description
        if op.permissions is None:
            entry["security"] = []
        elif op.permissions != {Permission.SIGNED_IN}:
            entry["x-permissions"] = sorted(p.value for p in op.permissions)
        parameters = _path_parameters(op.rule)
        if op.query is not None:
            parameters += _query_parameters(op.query)
        if parameters:
            entry["parameters"] = parameters
        if op.body is not None:
            entry["requestBody"] = {"required": True, "content": {JSON: {"schema": refs[(op.body, "validation")]}}}
        success: dict[str, Any] = {"description": "Done." if op.method != "GET" else "Found."}
        if op.response is not None:
            success["content"] = {op.media_type: {"schema": refs[(op.response, "serialization")]}}
        elif op.schema is not None:
            success["content"] = {op.media_type: {"schema": op.schema}}
        headers: dict[str, Any] = {}
        if "Link" in op.response_headers:
            headers["Link"] = {"schema": {"type": "string"}, "description": "Links to the other pages (RFC 8288)."}
        if "Location" in op.response_headers:
            headers["Location"] = {"schema": {"type": "string"}, "description": "Where the new record is."}
        if headers:
            success["headers"] = headers
        entry["responses"] = {str(op.status): success, **_error_responses(op)}
        paths.setdefault(_path(op.rule), {})[op.method.lower()] = entry
    return {
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "info": {
            "title": "Productivity Broker API",
            "version": "1.0.0",
            "description": DESCRIPTION,
            "license": {"name": "Open Government Licence v3.0", "identifier": "OGL-UK-3.0"},
        },
        "servers": [{"url": PREFIX}],
        "tags": [{"name": name, "description": text} for name, text in TAGS],
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {
            "schemas": definitions.get("$defs", {}),
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A personal API token, made on your account page.",
                }
            },
        },
    }
