"""Matchmaking through the API: open requests with their suggested partners, and introductions
with each council's consent: contacts shared only once all accept, a decline never attributed,
an agreement, and the joint application for funding made from it."""

from __future__ import annotations

import pytest

from grants.extensions import db
from grants.models import Role
from tests.builders.rounds import shared_services_round
from tests.builders.sharing import submitted_request
from tests.support.api import Api, ok

CONTACT = {
    "contact_name": "Priya Shah",
    "contact_email": "priya@babergh.example.gov.uk",
    "contact_phone": "01473 825 700",
}


@pytest.fixture
def ipswich(make_user):  # type: ignore[no-untyped-def]
    return make_user(Role.COUNCIL_OFFICER, email="sam@ipswich.example.gov.uk", council="ipswich", name="Sam")


def test_an_introduction_from_proposal_to_a_joint_application(client, people, councils, ipswich, make_user):  # type: ignore[no-untyped-def]
    funding_round = shared_services_round()
    request = submitted_request(funding_round, councils["babergh"], people["officer"])
    db.session.commit()
    staff = Api(client, people["programme"])
    babergh = Api(client, people["officer"])
    other = Api(client, ipswich)
    camden = Api(client, make_user(Role.COUNCIL_OFFICER, email="rosa@camden.example.gov.uk", council="camden"))

    assert ok(staff.get(f"/matchmaking-requests/{request.id}"))["council"]["name"] == "Babergh"
    unknown = staff.post(
        "/introductions", {"councils": ["Babergh", "Nowhere"], "service_areas": ["waste"], "note": "Talk"}
    )
    assert unknown.status_code == 422 and unknown.get_json()["errors"][0]["pointer"] == "/councils"
    made = staff.post(
        "/introductions",
        {
            "councils": ["E07000200", "ipswich"],
            "service_areas": ["waste"],
            "note": "Neighbours with the same contractor",
            "request_id": request.id,
        },
    )
    introduction = ok(made, 201)
    path = f"/introductions/{introduction['id']}"
    assert made.headers["Location"].endswith(path)
    assert camden.get(path).status_code == 404 and ok(camden.get("/introductions"))["data"] == []

    seen = ok(babergh.get(path))
    assert seen["allowed_actions"] == ["accept", "decline"] and seen["proposed_by"] is None
    bad_phone = babergh.post(f"{path}/accept", {"version": seen["version"], **CONTACT, "contact_phone": "call me"})
    assert bad_phone.status_code == 422 and bad_phone.get_json()["errors"][0]["pointer"] == "/contact_phone"
    accepted = ok(babergh.post(f"{path}/accept", {"version": seen["version"], **CONTACT}))
    assert accepted["status"] == "proposed" and all(p["contact"] is None for p in accepted["parties"])
    theirs = ok(other.get(path))
    assert [p["consent"] for p in theirs["parties"]] == [None, "waiting"]  # Babergh's answer is its own
    both = ok(other.post(f"{path}/accept", {"version": theirs["version"], **CONTACT, "contact_name": "Sam Jones"}))
    assert both["status"] == "accepted"
    assert {p["contact"]["name"] for p in both["parties"]} == {"Priya Shah", "Sam Jones"}

    discussed = ok(staff.post(f"{path}/start-discussion", {"version": both["version"]}))
    no_summary = staff.post(f"{path}/agreement", {"version": discussed["version"], "summary": ""})
    assert no_summary.status_code == 422 and no_summary.get_json()["errors"][0]["pointer"] == "/summary"
    agreed = ok(
        staff.post(
            f"{path}/agreement", {"version": discussed["version"], "summary": "A shared waste contract from April"}
        )
    )
    assert agreed["status"] == "agreed" and "apply_for_funding" not in agreed["allowed_actions"]

    funding = other.post(f"{path}/funding-application", {"version": agreed["version"]})
    application = ok(funding, 201)
    assert application["lead_council"]["name"] == "Ipswich" and application["status"] == "draft"
    assert [p["council"]["name"] for p in application["partners"]] == ["Babergh"]
    assert other.post(f"{path}/funding-application", {"version": agreed["version"] + 1}).status_code == 409
    assert ok(staff.get(path))["funding_application_id"] == application["id"]


def test_a_decline_is_not_attributed_to_the_council_that_made_it(client, people, councils, ipswich):  # type: ignore[no-untyped-def]
    staff = Api(client, people["programme"])
    introduction = ok(
        staff.post(
            "/introductions",
            {"councils": ["Babergh", "Ipswich"], "service_areas": ["legal"], "note": "Both need lawyers"},
        ),
        201,
    )
    path = f"/introductions/{introduction['id']}"
    babergh = Api(client, people["officer"])
    ok(babergh.post(f"{path}/decline", {"version": introduction["version"], "reason": "We have a partner already"}))
    theirs = ok(Api(client, ipswich).get(path))
    assert theirs["status"] == "declined"
    assert [p["consent"] for p in theirs["parties"]] == [None, "waiting"]
    assert all(p["decline_reason"] is None for p in theirs["parties"])
    staff_view = ok(staff.get(path))
    assert staff_view["parties"][0]["decline_reason"] == "We have a partner already"
    closed = staff.post(f"{path}/close", {"version": staff_view["version"]})
    assert closed.status_code == 409
    assert ok(staff.get("/introductions?status=declined"))["meta"]["total"] == 1
