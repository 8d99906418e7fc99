"""Calling the API as a person would: with a personal token made through the domain."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from grants.models import User
from tests.builders.api import token_for


class Api:
    """A test client that sends one person's token with every request, under /api/v1."""

    def __init__(self, client: FlaskClient, user: User) -> None:
        self.client = client
        self.user = user
        self.headers = {"Authorization": f"Bearer {token_for(user)}"}

    def get(self, path: str, **kwargs: Any):  # type: ignore[no-untyped-def]
        return self.client.get("/api/v1" + path, headers=self.headers, **kwargs)

    def post(self, path: str, json: Any = None, **kwargs: Any):  # type: ignore[no-untyped-def]
        return self.client.post("/api/v1" + path, json={} if json is None else json, headers=self.headers, **kwargs)

    def patch(self, path: str, json: Any, **kwargs: Any):  # type: ignore[no-untyped-def]
        return self.client.patch("/api/v1" + path, json=json, headers=self.headers, **kwargs)

    def put(self, path: str, json: Any, **kwargs: Any):  # type: ignore[no-untyped-def]
        return self.client.put("/api/v1" + path, json=json, headers=self.headers, **kwargs)


def ok(response, status: int = 200) -> Any:  # type: ignore[no-untyped-def]
    """The response's JSON, once its status is the one expected (else the problem, to read)."""
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True))
    return response.get_json()
