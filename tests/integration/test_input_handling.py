"""What people send is handled safely: forms and the API change only the fields they allow
(no mass assignment), sign-in's next= stays on this site, what people type is shown escaped on
pages and in emails, and search boxes and filters treat what is typed as text, never as SQL or
as a LIKE pattern."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from typing import Any
from urllib.parse import quote

import pytest
from flask import Flask
from sqlalchemy import inspect

from grants.extensions import db
from grants.models import Application, ApplicationStatus, Council, FundingRound, Role, User
from tests.builders.applications import awaiting_expert, drafted, scored, submitted
from tests.builders.people import PASSWORD, expert
from tests.builders.rounds import expert_grant_round
from tests.support.api import Api, ok
from tests.support.client import csrf_token, post_form, sign_in, signed_in_as
from tests.support.mail import Mailbox
from workflows import applications, engagements
from workflows.experts import ConflictDetails, record_conflict

# Fields no form offers, each naming something a caller must never set by posting it.
FORGED = {
    "status": "approved",
    "lead_council_id": "0",
    "council_id": "0",
    "created_by_id": "0",
    "round_id": "0",
    "reference": "FORGED-1",
    "committed_pence": "99999999",
    "amount_requested_pence": "99999999",
    "is_active": "false",
    "roles": "administrator",
    "role": "administrator",
    "email": "forged@example.com",
    "name": "Forged Name",
    "password_hash": "forged",
    "session_token": "forged",
    "expert_id": "0",
    "id": "0",
}
SCRIPT = "<script>alert(1)</script>"
IMAGE = '"><img src=x onerror=alert(1)>'
HOSTILE_TITLE = f"{SCRIPT}{IMAGE}"
INJECTION = "' OR 1=1 --"


def forged(**overrides: str) -> dict[str, str]:
    """The forged fields, with other councils' and users' ids where an id is wanted."""
    return {**FORGED, **overrides}


def snapshot(record: object) -> dict[str, Any]:
    """Every column of a record as stored now."""
    db.session.expire_all()
    state = inspect(record)
    found = db.session.get(state.mapper.class_, state.identity)
    return {attr.key: getattr(found, attr.key) for attr in state.mapper.column_attrs}


def changed(before: dict[str, Any], after: dict[str, Any]) -> set[str]:
    return {key for key in before if before[key] != after[key]}


def version_on(page: str, prefix: str = "") -> str:
    found = re.search(rf'name="{prefix}version" type="hidden" value="(\d+)"', page)
    assert found, "no version on the page"
    return found.group(1)


def awaiting_decision(funding_round: FundingRound, council: Council, people: dict[str, User]) -> Application:
    application = submitted(funding_round, council, people["officer"])
    applications.confirm_eligibility(application, actor=people["programme"], reason=None, expected_version=None)
    scored(application, people["assessor"], score=4)
    scored(application, people["assessor2"], score=5)
    db.session.commit()
    return application


@pytest.fixture
def ipswich_officer(make_user) -> User:  # type: ignore[no-untyped-def]
    return make_user(Role.COUNCIL_OFFICER, email="jo@ipswich.example.gov.uk", name="Jo Ipswich", council="ipswich")


# No mass assignment: forms ---------------------------------------------------------------------------


def test_a_section_form_keeps_its_own_answers_and_nothing_posted_beside_them(  # type: ignore[no-untyped-def]
    client, people, councils, ipswich_officer
):
    application = drafted(expert_grant_round(), councils["babergh"], people["officer"])
    db.session.commit()
    before = snapshot(application)
    path = f"/applications/{application.id}/sections/project"
    signed_in_as(client, people["officer"])
    answers = {"title": "Food waste review", "service_area": "waste", "problem": "Costs", "approach": "Review"}
    other = str(councils["ipswich"].id)
    posted = post_form(
        client,
        path,
        {
            **forged(lead_council_id=other, council_id=other, created_by_id=str(ipswich_officer.id)),
            **answers,
            "version": version_on(client.get(path).get_data(as_text=True)),
        },
    )
    assert posted.status_code == 302
    after = snapshot(application)
    assert changed(before, after) <= {"title", "answers", "version", "updated_at"}
    assert after["title"] == "Food waste review" and after["status"] is ApplicationStatus.DRAFT
    assert after["answers"]["project"] == answers
    assert after["lead_council_id"] == councils["babergh"].id


def test_the_account_page_changes_the_password_and_nothing_else(client, make_user):  # type: ignore[no-untyped-def]
    user = make_user(Role.ASSESSOR, email="sam@lga.example.gov.uk", name="Sam Reader")
    sign_in(client, user.email)
    before = snapshot(user)
    new_password = "lantern-copper-meadow-88"
    response = post_form(
        client,
        "/account",
        {**forged(), "current_password": PASSWORD, "password": new_password, "confirm": new_password},
    )
    assert response.status_code == 302
    after = snapshot(user)
    assert changed(before, after) <= {"password_hash", "session_token"}
    assert after["password_hash"] != before["password_hash"]
    db.session.refresh(user)
    assert user.roles == {Role.ASSESSOR}


def test_an_api_token_made_on_the_account_page_is_the_signed_in_persons(client, make_user):  # type: ignore[no-untyped-def]
    from grants.models import ApiToken

    owner = make_user(Role.ASSESSOR, email="sam@lga.example.gov.uk")
    other = make_user(Role.APPROVER, email="margaret@lga.example.gov.uk")
    sign_in(client, owner.email)
    extra = {"user_id": str(other.id), "prefix": "pb_forged", "token_hash": "0" * 64, "revoked_at": ""}
    made = post_form(client, "/account/api-tokens", {**extra, "name": "Export", "expires": "30"}, token_from="/account")
    assert made.status_code == 200
    [token] = db.session.scalars(db.select(ApiToken))
    assert token.user_id == owner.id and token.prefix != "pb_forged" and token.token_hash != "0" * 64


def test_the_admin_user_form_changes_only_roles(client, make_user):  # type: ignore[no-untyped-def]
    admin = make_user(Role.ADMINISTRATOR)
    assessor = make_user(Role.ASSESSOR, email="hannah@lga.example.gov.uk", name="Hannah Lewis")
    before = snapshot(assessor)
    sign_in(client, admin.email)
    saved = post_form(
        client,
        f"/admin/users/{assessor.id}",
        {**forged(), "roles": ["approver"], "council": "", "expert": ""},
    )
    assert saved.status_code == 302
    after = snapshot(assessor)
    # A change of roles ends the person's sessions, by a new session token.
    assert changed(before, after) <= {"session_token"}
    db.session.refresh(assessor)
    assert assessor.roles == {Role.APPROVER}


def test_the_approval_form_commits_the_schemes_award_and_nothing_posted_beside_it(  # type: ignore[no-untyped-def]
    client, people, councils
):
    funding_round = expert_grant_round()
    application = awaiting_decision(funding_round, councils["babergh"], people)
    signed_in_as(client, people["approver"])
    page = f"/review/applications/{application.id}"
    fields = {f"approve-{name}": value for name, value in forged(lead_council_id=str(councils["camden"].id)).items()}
    fields |= {"approve-amount_pence": "1", "approve-approved_by_id": str(people["programme"].id)}
    response = client.post(
        f"{page}/approve",
        data={
            **fields,
            "approve-csrf_token": csrf_token(client, page),
            "approve-version": version_on(client.get(page).get_data(as_text=True), "approve-"),
            "approve-conditions": "Report at 6 months",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    found = db.session.get(Application, application.id)
    assert found is not None and found.status is ApplicationStatus.OFFERED
    assert found.lead_council_id == councils["babergh"].id and found.reference != "FORGED-1"
    assert found.award is not None and found.award.amount_pence == 600_000
    assert found.award.approved_by_id == people["approver"].id
    assert db.session.get(FundingRound, funding_round.id).committed_pence == 600_000


# No mass assignment: the API ----------------------------------------------------------------------------

API_FORGED = {"status": "approved", "lead_council_id": 1, "id": 1, "created_by_id": 1}


def pointers(response) -> set[str]:  # type: ignore[no-untyped-def]
    problem = ok(response, 422)
    assert response.mimetype == "application/problem+json"
    return {error.get("pointer") for error in problem["errors"]}


def test_the_api_refuses_fields_it_does_not_take_and_changes_nothing(client, people, councils):  # type: ignore[no-untyped-def]
    funding_round = expert_grant_round()
    api = Api(client, people["officer"])
    count = db.session.scalar(db.select(db.func.count()).select_from(Application))
    started = api.post("/applications", {"round_id": funding_round.id, **API_FORGED})
    assert pointers(started) == {"/status", "/lead_council_id", "/id", "/created_by_id"}
    assert db.session.scalar(db.select(db.func.count()).select_from(Application)) == count

    application = ok(api.post("/applications", {"round_id": funding_round.id}), 201)
    path = f"/applications/{application['id']}/sections/project"
    before = snapshot(db.session.get(Application, application["id"]))
    body = {"version": application["version"], "answers": {"title": "Renamed"}}
    assert pointers(api.patch(path, {**body, **API_FORGED})) == {"/status", "/lead_council_id", "/id", "/created_by_id"}
    inner = {"version": application["version"], "answers": {"title": "Renamed", "status": "approved"}}
    assert pointers(api.patch(path, inner)) == {"/answers/status"}
    assert snapshot(db.session.get(Application, application["id"])) == before


def test_the_api_approval_refuses_an_amount_or_status_sent_with_it(client, people, councils):  # type: ignore[no-untyped-def]
    funding_round = expert_grant_round()
    application = awaiting_decision(funding_round, councils["babergh"], people)
    api = Api(client, people["approver"])
    body = {"version": application.version, "conditions": "", "amount_pence": 1, "status": "rejected"}
    assert pointers(api.post(f"/applications/{application.id}/approve", body)) == {"/amount_pence", "/status"}
    db.session.expire_all()
    found = db.session.get(Application, application.id)
    assert found is not None and found.status is ApplicationStatus.AWAITING_DECISION and found.award is None
    assert db.session.get(FundingRound, funding_round.id).committed_pence == 0


# next= after signing in --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "next=https://evil.example/",
        "next=//evil.example",
        "next=/%5Cevil.example",  # /\evil.example
        "next=/%5C/evil.example",
        "next=https:evil.example",
        "next=javascript:alert(1)",
        "next=%2F%2Fevil.example",  # //evil.example, encoded
        "next=%252F%252Fevil.example",  # encoded twice
        "next=/%09/evil.example",  # a tab, which browsers drop
        "next=evil.example",
    ],
)
def test_sign_in_never_sends_anyone_off_the_site(app: Flask, make_user, query: str) -> None:  # type: ignore[no-untyped-def]
    user = make_user(Role.ADMINISTRATOR)
    client = app.test_client()
    token = csrf_token(client, "/sign-in")
    response = client.post(f"/sign-in?{query}", data={"csrf_token": token, "email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/home"


def test_sign_in_keeps_a_path_on_this_site(app: Flask, make_user) -> None:  # type: ignore[no-untyped-def]
    user = make_user(Role.ADMINISTRATOR)
    client = app.test_client()
    token = csrf_token(client, "/sign-in")
    target = "/admin/users?role=assessor"
    response = client.post(
        f"/sign-in?next={quote(target)}", data={"csrf_token": token, "email": user.email, "password": PASSWORD}
    )
    assert response.headers["Location"] == target


# Escaping ----------------------------------------------------------------------------------------------


def assert_escaped(html: str) -> None:
    """The hostile text appears only as text: escaped, never as markup."""
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)" not in html
    assert "<img src=x" not in html and "onerror=alert(1)>" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_what_a_council_types_is_shown_escaped_to_the_council_staff_spreadsheets_and_email(  # type: ignore[no-untyped-def]
    client, people, councils, mailbox: Mailbox
):
    application = drafted(expert_grant_round(), councils["babergh"], people["officer"])
    db.session.commit()
    signed_in_as(client, people["officer"])
    path = f"/applications/{application.id}/sections/project"
    saved = post_form(
        client,
        path,
        {
            "title": HOSTILE_TITLE,
            "service_area": "waste",
            "problem": f"Line one\n{IMAGE}\n{SCRIPT}",
            "approach": "Review",
            "version": version_on(client.get(path).get_data(as_text=True)),
        },
    )
    assert saved.status_code == 302
    db.session.expire_all()
    assert db.session.get(Application, application.id).title == HOSTILE_TITLE  # kept as typed
    assert_escaped(client.get(f"/applications/{application.id}").get_data(as_text=True))
    assert_escaped(client.get(f"/applications/{application.id}/check").get_data(as_text=True))
    assert_escaped(client.get("/applications").get_data(as_text=True))

    mailbox.clear()
    application = db.session.get(Application, application.id)
    applications.submit(application, actor=people["officer"], expected_version=application.version, today=date.today())
    db.session.commit()
    assert_escaped(client.get(f"/applications/{application.id}").get_data(as_text=True))

    signed_in_as(client, people["programme"])
    assert_escaped(client.get(f"/review/applications/{application.id}").get_data(as_text=True))
    assert_escaped(client.get("/review").get_data(as_text=True))
    download = client.get("/review/applications.csv")
    assert download.mimetype == "text/csv" and download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    rows = list(csv.reader(io.StringIO(download.get_data(as_text=True).removeprefix("\ufeff"))))
    titles = [row[rows[0].index("Title")] for row in rows[1:]]
    assert titles == [HOSTILE_TITLE]

    [email] = mailbox.to(people["officer"].email)
    html_parts = [part for part in email.walk() if part.get_content_type() == "text/html"]
    assert html_parts, "the email has no HTML part"
    html = html_parts[0].get_payload(decode=True).decode(html_parts[0].get_content_charset() or "utf-8")
    assert_escaped(html)
    assert HOSTILE_TITLE in mailbox.text(email)  # plain text is not markup: kept as typed


def test_a_title_that_looks_like_a_formula_is_kept_as_text_in_the_download(client, people, councils):  # type: ignore[no-untyped-def]
    application = drafted(expert_grant_round(), councils["babergh"], people["officer"])
    application.title = '=HYPERLINK("https://evil.example","Open")'
    db.session.commit()
    applications.submit(application, actor=people["officer"], expected_version=application.version, today=date.today())
    db.session.commit()
    signed_in_as(client, people["programme"])
    download = client.get("/review/applications.csv").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(download.removeprefix("\ufeff"))))
    assert rows[1][rows[0].index("Title")] == "'" + application.title


# Search boxes and filters ------------------------------------------------------------------------------

SEARCHES = [INJECTION, "%", "_", "%%", "\\", "'", '"', "%' OR '1'='1"]


@pytest.mark.parametrize("typed", SEARCHES)
def test_the_staff_queue_search_matches_text_only(client, people, councils, ipswich_officer, typed):  # type: ignore[no-untyped-def]
    funding_round = expert_grant_round()
    babergh = submitted(funding_round, councils["babergh"], people["officer"])
    ipswich = submitted(funding_round, councils["ipswich"], ipswich_officer)
    signed_in_as(client, people["programme"])
    everything = client.get("/review").get_data(as_text=True)
    assert babergh.reference in everything and ipswich.reference in everything
    only_babergh = client.get("/review", query_string={"q": "babergh"}).get_data(as_text=True)
    assert babergh.reference in only_babergh and ipswich.reference not in only_babergh

    response = client.get("/review", query_string={"q": typed})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert babergh.reference not in page and ipswich.reference not in page
    download = client.get("/review/applications.csv", query_string={"q": typed}).get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(download.removeprefix("\ufeff"))))
    assert len(rows) == 1  # the header alone


@pytest.mark.parametrize("typed", SEARCHES)
def test_the_api_list_filters_match_text_only(client, people, councils, typed):  # type: ignore[no-untyped-def]
    funding_round = expert_grant_round()
    submitted(funding_round, councils["babergh"], people["officer"])
    staff, officer = Api(client, people["programme"]), Api(client, people["officer"])
    assert len(ok(staff.get("/applications"))["data"]) == 1
    assert ok(staff.get("/applications", query_string={"q": typed}))["data"] == []
    assert ok(officer.get("/applications", query_string={"q": typed}))["data"] == []
    assert len(ok(officer.get("/applications", query_string={"q": "waste"}))["data"]) == 1
    assert ok(staff.get("/councils", query_string={"q": typed}))["data"] == []
    refused = staff.get("/applications", query_string={"council": typed})
    assert refused.status_code in (200, 422)
    if refused.status_code == 200:
        assert refused.get_json()["data"] == []


def test_a_literal_percent_or_underscore_finds_only_the_names_that_hold_it(client, people, councils, waiting):  # type: ignore[no-untyped-def]
    other = awaiting_expert(people, councils, waiting.round, council="ipswich")
    odd, plain = expert("Amira 100%_Local"), expert("Bea Plain")
    engagements.offer(waiting, odd.id, actor=people["programme"], today=date.today())
    engagements.offer(other, plain.id, actor=people["programme"], today=date.today())
    record_conflict(plain, ConflictDetails(council="Camden", reason="Former employer"), actor=people["programme"])
    db.session.commit()
    signed_in_as(client, people["programme"])

    def listed(typed: str) -> set[str]:
        page = client.get("/matching/engagements", query_string={"expert": typed})
        assert page.status_code == 200
        return {name for name in ("Amira 100%_Local", "Bea Plain") if name in page.get_data(as_text=True)}

    assert listed("") == {"Amira 100%_Local", "Bea Plain"}
    assert listed("%") == listed("_") == listed("0%_") == {"Amira 100%_Local"}
    assert listed(INJECTION) == listed("%%_%") == listed("B_a") == set()
    assert listed("bea") == {"Bea Plain"}

    def conflicts(typed: str) -> bool:
        page = client.get("/experts/conflicts", query_string={"council": typed})
        assert page.status_code == 200
        return "Bea Plain" in page.get_data(as_text=True)

    assert conflicts("camden") and conflicts("")
    assert not any(conflicts(typed) for typed in SEARCHES)
