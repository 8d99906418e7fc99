"""A test client used as a person's browser: forms posted with the CSRF token of the page that
shows them, signing in and out."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from grants.models import User
from tests.builders.people import PASSWORD


def csrf_token(client: FlaskClient, path: str) -> str:
    page = client.get(path)
    found = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page.get_data(as_text=True))
    assert found, f"no CSRF token on {path} (status {page.status_code})"
    return found.group(1)


def post_form(client: FlaskClient, path: str, data: dict[str, object], *, token_from: str | None = None):  # type: ignore[no-untyped-def]
    """Post a form the way a browser does: with the CSRF token from the page that shows it."""
    return client.post(path, data={"csrf_token": csrf_token(client, token_from or path), **data})


def sign_in(client: FlaskClient, email: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    return post_form(client, "/sign-in", {"email": email, "password": password})


def signed_in(app: Flask, email: str) -> FlaskClient:
    """A browser of its own, signed in as the person."""
    browser = app.test_client()
    assert sign_in(browser, email).status_code == 302
    return browser


def sign_out(client: FlaskClient) -> None:
    """Sign out, if signed in."""
    if client.get("/home").status_code == 200:
        post_form(client, "/sign-out", {}, token_from="/home")


def signed_in_as(client: FlaskClient, user: User) -> FlaskClient:
    """The same browser, signed out of whoever it was and signed in as the user."""
    sign_out(client)
    assert sign_in(client, user.email).status_code == 302
    return client
