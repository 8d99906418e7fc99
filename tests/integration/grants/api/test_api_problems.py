"""Every error inside /api/v1 is a problem (RFC 9457), never a page: unknown routes, methods,
bodies that are not JSON or not sent as JSON, fields the rules refuse (with pointers), a stale
version, a move not possible now."""

from __future__ import annotations

from grants.extensions import db
from grants.models import Role
from tests.builders.rounds import expert_grant_round
from tests.support.api import Api, ok

PROBLEM = "application/problem+json"


def _problem(response, status: int) -> dict:  # type: ignore[no-untyped-def, type-arg]
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    body = response.get_json()
    assert body["status"] == status and body["title"] and body["detail"] and body["instance"].startswith("/api/v1")
    assert body["type"] == "about:blank"
    return body


def test_routing_errors_are_problems_not_pages(client, make_user):  # type: ignore[no-untyped-def]
    api = Api(client, make_user(Role.COUNCIL_OFFICER))
    _problem(api.get("/no-such-thing"), 404)
    _problem(client.get("/api/v1/applications/99999999999999999999", headers=api.headers), 404)
    not_allowed = client.delete("/api/v1/applications", headers=api.headers)
    _problem(not_allowed, 405)
    assert "POST" in not_allowed.headers["Allow"]
    unauthenticated = _problem(client.get("/api/v1/applications"), 401)
    assert "token" in unauthenticated["detail"]
    wrong_scheme = client.get("/api/v1/applications", headers={"Authorization": "Basic abc"})
    _problem(wrong_scheme, 401)
    assert wrong_scheme.headers["WWW-Authenticate"] == 'Bearer realm="api", error="invalid_request"'
    _problem(client.get("/api/v1/me", headers={"Authorization": "Bearer pb_not-a-token"}), 401)
    forbidden = _problem(api.get("/experts"), 403)
    assert forbidden["detail"] == "Your roles do not allow this"


def test_bodies_that_cannot_be_read_are_400_and_415(client, make_user):  # type: ignore[no-untyped-def]
    api = Api(client, make_user(Role.COUNCIL_OFFICER))
    headers = {**api.headers, "Content-Type": "application/json"}
    _problem(client.post("/api/v1/applications", data="{not json", headers=headers), 400)
    _problem(client.post("/api/v1/applications", data="round_id=1", headers={**api.headers}), 415)
    _problem(
        client.post(
            "/api/v1/applications",
            data="round_id=1",
            headers={**api.headers, "Content-Type": "application/x-www-form-urlencoded"},
        ),
        415,
    )


def test_fields_refused_are_422_with_pointers(client, make_user, session):  # type: ignore[no-untyped-def]
    officer = make_user(Role.COUNCIL_OFFICER)
    funding_round = expert_grant_round()
    db.session.commit()
    api = Api(client, officer)
    missing = _problem(api.post("/applications", {}), 422)
    assert missing["errors"] == [{"detail": "This field is required", "pointer": "/round_id"}]
    extra = _problem(api.post("/applications", {"round_id": funding_round.id, "status": "offered"}), 422)
    assert {"detail": "This field is not accepted here", "pointer": "/status"} in extra["errors"]
    wrong = _problem(api.post("/applications", {"round_id": "one"}), 422)
    assert wrong["errors"][0]["pointer"] == "/round_id"
    nul = _problem(api.post("/applications", {"round_id": funding_round.id, "x\u0000": 1}), 422)
    assert "NUL" in nul["errors"][0]["detail"]
    query = _problem(api.get("/applications?per_page=1000"), 422)
    assert query["errors"][0]["parameter"] == "per_page"

    application = ok(api.post("/applications", {"round_id": funding_round.id}), 201)
    path = f"/applications/{application['id']}"
    refused = _problem(
        api.patch(
            f"{path}/sections/contact",
            {"version": application["version"], "answers": {"name": "", "email": "not an email", "colour": "red"}},
        ),
        422,
    )
    assert refused["errors"] == [
        {"detail": "This is not a question in this part of the form", "pointer": "/answers/colour"}
    ]
    refused = _problem(
        api.patch(
            f"{path}/sections/contact", {"version": application["version"], "answers": {"email": "not an email"}}
        ),
        422,
    )
    pointers = {e["pointer"]: e["detail"] for e in refused["errors"]}
    assert pointers["/answers/name"] == "Enter the lead contact's full name"
    assert pointers["/answers/email"].startswith("Enter an email address in the correct format")
    money = _problem(
        api.patch(
            f"{path}/sections/savings", {"version": application["version"], "answers": {"cashable_pence": "lots"}}
        ),
        422,
    )
    assert money["errors"][0]["pointer"] == "/answers/cashable_pence"
    _problem(api.patch(f"{path}/sections/nonsense", {"version": application["version"], "answers": {}}), 404)


def test_a_stale_version_and_a_move_not_possible_now_are_409(client, make_user, session):  # type: ignore[no-untyped-def]
    officer = make_user(Role.COUNCIL_OFFICER)
    funding_round = expert_grant_round()
    db.session.commit()
    api = Api(client, officer)
    application = ok(api.post("/applications", {"round_id": funding_round.id}), 201)
    path = f"/applications/{application['id']}"
    answers = {"title": "Fleet review", "service_area": "waste", "problem": "Costs", "approach": "Review"}
    ok(api.patch(f"{path}/sections/project", {"version": application["version"], "answers": answers}))
    stale = _problem(
        api.patch(f"{path}/sections/project", {"version": application["version"], "answers": answers}), 409
    )
    assert "Someone else changed this application" in stale["detail"]
    current = ok(api.get(path))
    assert current["title"] == "Fleet review"
    incomplete = _problem(api.post(f"{path}/submit", {"version": current["version"]}), 409)
    assert incomplete["detail"].startswith("Complete every section before you submit")
    _problem(
        api.post(
            f"{path}/offer/accept",
            {"version": current["version"], "signatory_name": "A", "signatory_role": "B", "confirmed": True},
        ),
        409,
    )
    # A refusal leaves nothing half-done.
    assert ok(api.get(path))["version"] == current["version"]
