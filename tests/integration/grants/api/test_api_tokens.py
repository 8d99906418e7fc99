"""Personal API tokens: made on the account page or by a command, shown once, kept hashed,
revoked; the API takes only a live token of an active user."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import time_machine

from grants.extensions import db
from grants.models import ApiToken, AuditEvent, Role, utcnow
from tests.builders.api import token_for
from tests.support.client import csrf_token, post_form, sign_in
from workflows import api_tokens


def _events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == action)))


def test_a_token_is_kept_as_a_hash_and_named_by_its_prefix(make_user):  # type: ignore[no-untyped-def]
    user = make_user(Role.ASSESSOR)
    made = api_tokens.create_token(user, name="  Finance   export ", expires_in_days=30, actor=user)
    db.session.commit()
    assert made.secret.startswith("pb_") and len(made.secret) > 40
    token = db.session.get(ApiToken, made.token.id)
    assert token.token_hash == hashlib.sha256(made.secret.encode()).hexdigest()
    assert made.secret not in {token.token_hash, token.prefix, token.name}
    assert token.prefix == made.secret[:10] and token.name == "Finance export"
    assert timedelta(days=29, hours=23) < token.expires_at - token.created_at <= timedelta(days=30)
    [event] = _events("api_token.created")
    assert event.actor_id == user.id and event.detail["token_id"] == token.id and made.secret not in str(event.detail)


def test_the_api_takes_a_live_token_and_refuses_a_revoked_expired_or_inactive_one(client, make_user):  # type: ignore[no-untyped-def]
    user = make_user(Role.PROGRAMME_OFFICER)
    made = api_tokens.create_token(user, name="Short", expires_in_days=1, actor=user)
    db.session.commit()
    headers = {"Authorization": f"Bearer {made.secret}"}
    assert client.get("/api/v1/me", headers=headers).get_json()["email"] == user.email
    assert db.session.get(ApiToken, made.token.id).last_used_at is not None

    with time_machine.travel(utcnow() + timedelta(days=2)):
        expired = client.get("/api/v1/me", headers=headers)
    assert expired.status_code == 401 and 'error="invalid_token"' in expired.headers["WWW-Authenticate"]

    other = token_for(user)
    accounts_user = db.session.get(type(user), user.id)
    accounts_user.is_active = False
    db.session.commit()
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {other}"}).status_code == 401
    accounts_user.is_active = True
    db.session.commit()

    token = api_tokens.token_of(user, made.token.id)
    api_tokens.revoke_token(token, actor=user)
    db.session.commit()
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {other}"}).status_code == 200
    assert len(_events("api_token.revoked")) == 1


def test_use_is_noted_at_most_once_a_minute(client, make_user):  # type: ignore[no-untyped-def]
    user = make_user(Role.ASSESSOR)
    secret = token_for(user)
    headers = {"Authorization": f"Bearer {secret}"}
    start = utcnow()
    with time_machine.travel(start, tick=False):
        client.get("/api/v1/me", headers=headers)
    first = db.session.scalar(db.select(ApiToken.last_used_at))
    with time_machine.travel(start + timedelta(seconds=30), tick=False):
        client.get("/api/v1/me", headers=headers)
    db.session.expire_all()
    assert db.session.scalar(db.select(ApiToken.last_used_at)) == first
    with time_machine.travel(start + timedelta(seconds=90), tick=False):
        client.get("/api/v1/me", headers=headers)
    db.session.expire_all()
    assert db.session.scalar(db.select(ApiToken.last_used_at)) > first


def test_the_account_page_makes_shows_once_lists_and_revokes_a_token(client, make_user):  # type: ignore[no-untyped-def]
    user = make_user(Role.COUNCIL_OFFICER, email="ana@babergh.example.gov.uk")
    sign_in(client, user.email)
    page = client.get("/account").get_data(as_text=True)
    assert "API tokens" in page and "You have no API tokens" in page

    made = post_form(
        client, "/account/api-tokens", {"name": "Spreadsheet <sync>", "expires": "30"}, token_from="/account"
    )
    html = made.get_data(as_text=True)
    assert made.status_code == 200
    secret = re.search(r'id="new-api-token">(pb_[^<]+)<', html).group(1)
    assert "You will not be able to see this token again" in html
    assert "Spreadsheet &lt;sync&gt;" in html and "<sync>" not in html
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    # The session cookie alone opens nothing in the API.
    assert client.get("/api/v1/me").status_code == 401

    again = client.get("/account").get_data(as_text=True)
    assert secret not in again and secret[:10] in again and "Revoke" in again

    token = db.session.scalar(db.select(ApiToken).where(ApiToken.user_id == user.id))
    revoked = client.post(f"/account/api-tokens/{token.id}/revoke", data={"csrf_token": csrf_token(client, "/account")})
    assert revoked.status_code == 302
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    assert "Revoked" in client.get("/account").get_data(as_text=True)


def test_the_account_page_refuses_a_nameless_token_and_someone_elses_revocation(client, make_user):  # type: ignore[no-untyped-def]
    owner = make_user(Role.ASSESSOR, email="owner@lga.example.gov.uk")
    other = make_user(Role.ASSESSOR, email="other@lga.example.gov.uk")
    token_for(owner)
    sign_in(client, other.email)
    refused = post_form(client, "/account/api-tokens", {"name": " ", "expires": "90"}, token_from="/account")
    assert refused.status_code == 400 and "Enter a name for the token" in refused.get_data(as_text=True)
    token = db.session.scalar(db.select(ApiToken).where(ApiToken.user_id == owner.id))
    response = client.post(
        f"/account/api-tokens/{token.id}/revoke", data={"csrf_token": csrf_token(client, "/account")}
    )
    assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(ApiToken, token.id).revoked_at is None
    # Without the CSRF token a revocation is refused.
    assert client.post(f"/account/api-tokens/{token.id}/revoke").status_code == 400


def test_the_command_creates_lists_and_revokes_a_token(app, client, make_user):  # type: ignore[no-untyped-def]
    user = make_user(Role.APPROVER, email="margaret@lga.example.gov.uk")
    created = app.test_cli_runner().invoke(
        args=["api-tokens", "create", "Margaret@LGA.example.gov.uk", "--name", "Board pack", "--expires-in-days", "7"]
    )
    assert created.exit_code == 0, created.output
    secret = created.output.strip().splitlines()[-1]
    assert secret.startswith("pb_")
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).get_json()["id"] == user.id
    listed = app.test_cli_runner().invoke(args=["api-tokens", "list", user.email])
    assert "Board pack" in listed.output and "active" in listed.output and secret not in listed.output
    token_id = int(listed.output.split("\t")[0])
    revoked = app.test_cli_runner().invoke(args=["api-tokens", "revoke", str(token_id)])
    assert revoked.exit_code == 0
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    unknown = app.test_cli_runner().invoke(args=["api-tokens", "create", "nobody@example.gov.uk", "--name", "x"])
    assert unknown.exit_code != 0 and "No user" in unknown.output
