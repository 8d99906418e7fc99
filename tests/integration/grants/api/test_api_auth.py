"""The API applies the pages' permissions on the same records: a role without the permission is
refused (403); another council's application, a draft to staff, or another expert's engagement
is not found (404), whatever the request."""

from __future__ import annotations

from datetime import date

import pytest

from grants.extensions import db
from grants.models import Role
from tests.builders.applications import drafted
from tests.builders.people import account_of, expert
from tests.builders.rounds import expert_grant_round
from tests.support.api import Api, ok
from workflows import applications, engagements


@pytest.fixture
def camden(make_user):  # type: ignore[no-untyped-def]
    return make_user(Role.COUNCIL_OFFICER, email="rosa@camden.example.gov.uk", council="camden")


def test_another_councils_application_is_not_found_whatever_the_request(client, people, councils, camden):  # type: ignore[no-untyped-def]
    draft = drafted(expert_grant_round(), councils["babergh"], people["officer"])
    db.session.commit()
    other = Api(client, camden)
    path = f"/applications/{draft.id}"
    assert other.get(path).status_code == 404
    assert other.get(f"{path}/events").status_code == 404
    assert other.patch(f"{path}/sections/project", {"version": draft.version, "answers": {}}).status_code == 404
    assert other.post(f"{path}/submit", {"version": draft.version}).status_code == 404
    assert other.post(f"{path}/withdraw", {"version": draft.version, "reason": "No"}).status_code == 404
    assert ok(other.get("/applications"))["data"] == []
    assert ok(other.get("/applications?council=E07000200"))["data"] == []
    # Its own council's officer sees it.
    assert ok(Api(client, people["officer"]).get(path))["relation"] == "lead"


def test_staff_do_not_see_a_council_draft_until_it_is_submitted(client, people, councils):  # type: ignore[no-untyped-def]
    draft = drafted(expert_grant_round(), councils["babergh"], people["officer"])
    db.session.commit()
    staff = Api(client, people["programme"])
    assert staff.get(f"/applications/{draft.id}").status_code == 404
    assert ok(staff.get("/applications"))["meta"]["total"] == 0
    applications.submit(draft, actor=people["officer"], expected_version=None, today=date.today())
    db.session.commit()
    found = ok(staff.get(f"/applications/{draft.id}"))
    assert found["relation"] == "staff" and found["status"] == "submitted"
    assert ok(staff.get("/applications?status=submitted"))["meta"]["total"] == 1
    assert ok(staff.get("/applications?status=offered"))["meta"]["total"] == 0


@pytest.mark.parametrize(
    ("who", "method", "path"),
    [
        ("officer", "post", "/applications/1/approve"),
        ("officer", "get", "/experts"),
        ("officer", "get", "/engagements"),
        ("officer", "get", "/matchmaking-requests"),
        ("assessor", "post", "/applications/1/approve"),
        ("assessor", "post", "/applications/1/confirm-eligibility"),
        ("assessor", "post", "/applications"),
        ("approver", "post", "/applications/1/assessments"),
        ("programme", "post", "/applications/1/submit"),
        ("programme", "post", "/engagements/1/accept"),
    ],
)
def test_a_role_without_the_permission_is_refused(client, people, who, method, path):  # type: ignore[no-untyped-def]
    response = getattr(Api(client, people[who]), method)(path)
    assert response.status_code == 403 and response.mimetype == "application/problem+json"


def test_an_expert_sees_only_their_own_engagements(client, waiting, people):  # type: ignore[no-untyped-def]
    alex = expert("Alex Morgan")
    blake = expert("Blake Sutton")
    engagement = engagements.offer(waiting, alex.id, actor=people["programme"], today=date.today())
    db.session.commit()
    theirs = Api(client, account_of(alex))
    other = Api(client, account_of(blake))
    assert ok(theirs.get(f"/engagements/{engagement.id}"))["expert"]["id"] == alex.id
    assert other.get(f"/engagements/{engagement.id}").status_code == 404
    assert other.post(f"/engagements/{engagement.id}/accept", {"version": engagement.version}).status_code == 404
    assert ok(other.get("/engagements"))["data"] == []
    # Nor an application's pages: those are the council's and staff's.
    assert theirs.get(f"/applications/{waiting.id}").status_code == 403


def test_a_council_officer_sees_their_own_council_only(client, people, councils, camden):  # type: ignore[no-untyped-def]
    officer = Api(client, people["officer"])
    assert ok(officer.get("/councils/E07000200"))["name"] == "Babergh"
    assert officer.get("/councils/E09000007").status_code == 404
    assert ok(Api(client, people["programme"]).get("/councils/e09000007"))["name"] == "Camden"
