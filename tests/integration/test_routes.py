"""Every route declares who may use it; nothing is open by accident."""

from __future__ import annotations

import re

import pytest

from grants.models import Role
from tests.builders.api import token_for
from tests.support.client import sign_in
from workflows.permissions import ROLE_PERMISSIONS, Permission

# Pages anyone may open, signed in or not.
PUBLIC_ENDPOINTS = {
    "static",
    "main.index",
    "main.health",
    "main.accessibility",
    "main.privacy",
    "main.cookies",
    "auth.sign_in",
    "auth.accept_invitation",
    "auth.request_invitation",
    "auth.request_password_reset",
    "auth.reset_password",
    "auth.confirm_email_change",
    "open_data.index",
    "open_data.package",
    "open_data.grants_csv",
    "api.openapi_document",
    "api.open_data_package",
}

API = "/api/"


def _sample_url(rule) -> str:  # type: ignore[no-untyped-def]
    """The rule's path with each variable filled in."""
    return re.sub(r"<(?:(\w+):)?(\w+)>", lambda m: "1" if m.group(1) == "int" else "E07000200", rule.rule)


def test_every_route_declares_a_permission_or_is_listed_as_public(app):
    undeclared, public_not_listed = [], []
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if getattr(view, "is_public", False) or rule.endpoint == "static":
            if rule.endpoint not in PUBLIC_ENDPOINTS:
                public_not_listed.append(rule.endpoint)
        elif not getattr(view, "required_permissions", None):
            undeclared.append(rule.endpoint)
    assert undeclared == [], f"routes with no permission check: {undeclared}"
    assert public_not_listed == [], f"public routes not in the reviewed list: {public_not_listed}"


def test_no_listed_public_endpoint_is_stale(app):
    assert {rule.endpoint for rule in app.url_map.iter_rules()} >= PUBLIC_ENDPOINTS


def test_every_protected_route_sends_an_anonymous_visitor_to_sign_in(app, client):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        method = "GET" if "GET" in rule.methods else next(iter(rule.methods - {"OPTIONS", "HEAD"}))
        response = client.open(_sample_url(rule), method=method)
        if rule.rule.startswith(API):
            # The API answers an anonymous caller with 401 and a problem, never a sign-in page.
            assert response.status_code == 401, rule.rule
            assert response.mimetype == "application/problem+json", rule.rule
            assert response.headers["WWW-Authenticate"].startswith("Bearer"), rule.rule
        elif method == "POST":
            # Without a CSRF token a POST stops at 400 before anything else; with one it must
            # still be refused, which the permission decorator does by redirecting.
            assert response.status_code in {400, 302}, rule.rule
        else:
            assert response.status_code == 302, rule.rule
            assert response.headers["Location"].startswith("/sign-in"), rule.rule


@pytest.mark.parametrize("role", list(Role))
def test_each_role_gets_403_from_every_page_its_permissions_do_not_cover(app, client, make_user, role):
    user = make_user(role)
    sign_in(client, user.email)
    # The API takes a token, never the session: it refuses the signed-in browser with 401.
    bearer = {"Authorization": f"Bearer {token_for(user)}"}
    granted = ROLE_PERMISSIONS[role] | {Permission.SIGNED_IN}
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        needed = getattr(view, "required_permissions", None)
        in_api = rule.rule.startswith(API)
        if not needed or ("GET" not in rule.methods and not in_api):
            continue
        method = "GET" if "GET" in rule.methods else next(iter(rule.methods - {"OPTIONS", "HEAD"}))
        if in_api:
            assert client.open(_sample_url(rule), method=method).status_code == 401, rule.rule
        status = client.open(_sample_url(rule), method=method, headers=bearer if in_api else {}).status_code
        if needed & granted:
            assert status != 403, f"{role} refused {rule.rule}"
        else:
            assert status == 403, f"{role} reached {rule.rule} ({status})"
