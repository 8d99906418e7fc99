"""The document itself, the caller's own account, and the grants as 360Giving open data."""

from __future__ import annotations

import json

from flask import Response, current_app, stream_with_context, url_for

from grants.api.auth import api_user
from grants.api.openapi import document
from grants.api.routing import operation
from grants.api.schemas import CouncilRef, council_ref
from grants.api.types import Out
from workflows import open_data
from workflows.permissions import Permission, permissions_of


class Me(Out):
    id: int
    name: str
    email: str
    roles: list[str]
    permissions: list[str]
    council: CouncilRef | None
    expert_id: int | None


@operation("/openapi.json", summary="This document (OpenAPI 3.1)", tag="API", public=True, schema={"type": "object"})
def openapi_document() -> Response:
    """The OpenAPI 3.1 document that describes every operation of the API."""
    return Response(json.dumps(document(), ensure_ascii=False), mimetype="application/json")


@operation("/me", summary="The caller", tag="Account", permissions=(Permission.SIGNED_IN,), response=Me)
def me() -> Me:
    """The account the token belongs to: its roles, what they allow, and its council or expert."""
    user = api_user()
    return Me(
        id=user.id,
        name=user.name,
        email=user.email,
        roles=sorted(role.value for role in user.roles),
        permissions=sorted(p.value for p in permissions_of(user)),
        council=council_ref(user.council) if user.council else None,
        expert_id=user.expert_id,
    )


PACKAGE_SCHEMA = {
    "type": "object",
    "description": "A 360Giving data package: its metadata and the grants.",
    "required": ["version", "grants"],
    "properties": {
        "version": {"type": "string"},
        "grants": {"type": "array", "items": {"type": "object"}},
    },
}


@operation(
    "/open-data/360giving",
    summary="The grants as a 360Giving data package",
    tag="Open data",
    public=True,
    schema=PACKAGE_SCHEMA,
)
def open_data_package() -> Response:
    """Every grant a council has accepted, in the 360Giving Data Standard: the same data as the
    published file at /open-data/360giving.json, open to everyone."""
    links = open_data.PackageLinks(
        download_url=url_for("open_data.package", _external=True),
        access_url=url_for("open_data.index", _external=True),
    )
    ids = open_data.Identifiers(current_app.config.get("OPEN_DATA_PREFIX") or open_data.DEFAULT_PREFIX)
    return Response(stream_with_context(open_data.package_json(ids, links)), mimetype="application/json")
