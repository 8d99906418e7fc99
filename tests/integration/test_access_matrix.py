"""Who may reach which record (OWASP ASVS 4.1.1 and 4.2.1): every route that names a record, in
the pages and in the JSON API, walked with the real ids of council B's records and expert Y's
work by each role, as council A's officer, as council C's officer (a partner in one of B's bids),
as expert X and as each kind of staff.

Each answer must be 403 where the role lacks the route's permission and 404 where the record is
not the person's to reach, must carry none of the text that identifies B's records, and must
write nothing to the database. The owners walk the same routes with the same ids and reach them,
so the walk cannot pass because the ids are simply wrong. A new route that names a kind of
record the map below does not know fails the first test until it is added."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from itertools import product
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Connection, select
from werkzeug.test import TestResponse

from grants.models import (
    Application,
    Engagement,
    Expert,
    Introduction,
    OutcomeReport,
    Role,
    SharedArrangement,
)
from tests.builders.access_matrix import Person, World, build_world
from tests.builders.applications import FIXED_GRANT_ANSWERS
from tests.builders.engagements import PDF
from tests.support.app import evidence_kept_in
from tests.support.client import csrf_token, signed_in
from tests.support.database import changed_tables, one_transaction, snapshot, writes
from workflows.permissions import ROLE_PERMISSIONS, Permission

API = "/api/v1"
TODAY = date.today()
REASON = "Checking who may do this"

# The world, built once for the module; each test runs in a savepoint rolled back after it.


@pytest.fixture(scope="module")
def database(data_app: Flask) -> Iterator[Connection]:
    with one_transaction(data_app) as connection:
        yield connection


@pytest.fixture(scope="module")
def world(app: Flask, database: Connection, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with evidence_kept_in(app, tmp_path_factory.mktemp("evidence")) as evidence_dir:
        yield build_world(evidence_dir)


@pytest.fixture(autouse=True)
def rolled_back(database: Connection, world: World) -> Iterator[None]:
    step = database.begin_nested()
    yield
    step.rollback()


@pytest.fixture(scope="module")
def visitors(app: Flask, world: World) -> Callable[[str], SignedIn]:
    """Each person signed in once for the module, when first needed. Signing in changes nothing
    a later test depends on: the session cookie stays good after the test's savepoint is gone."""
    made: dict[str, SignedIn] = {}

    def visitor(key: str) -> SignedIn:
        if key not in made:
            made[key] = signed_in_as(app, ACTORS[key].person(world))
        return made[key]

    return visitor


@pytest.fixture(scope="module")
def openapi(app: Flask) -> dict[str, Any]:
    document = app.test_client().get(f"{API}/openapi.json")
    assert document.status_code == 200
    return document.get_json()


# The map: which kind of record each path variable names -----------------------------------------------

VARIABLE_KINDS = {
    "application_id": "application",
    "engagement_id": "engagement",
    "report_id": "outcome_report",
    "file_id": "evidence",
    "introduction_id": "introduction",
    "notification_id": "notification",
    "token_id": "token",
    "gss_code": "council",
    "council_id": "council_id",
    "window_id": "window",
    "conflict_id": "conflict",
    "expert_id": "expert",
    "user_id": "user",
    "email_id": "email",
    "scheme_id": "scheme",
    "criterion_id": "criterion",
    "round_id": "round",
    "run_id": "match_run",
    "arrangement_id": "arrangement",
    "year": "year",
    "number": "quarter",
    "key": "section",
}
# Where a variable's name means another kind of record on one route.
ENDPOINT_KINDS = {
    ("reports.board_report", "report_id"): "board_report",
    ("reports.board_report_csv", "report_id"): "board_report",
    ("api.board_report", "report_id"): "board_report",
}
# Variables that name no record: a static file's path, and the secret of a link sent by email
# (an invitation, a password reset, a change of email address), which is the whole of its own
# check and is tested where the link is.
NOT_RECORDS = {"filename", "secret"}
# A partner council may read the bid and answer as a partner, which the lead may not; everything
# else is the lead's alone.
PARTNER_ONLY = {"applications.partner", "api.respond_as_partner"}
PARTNER_ENDPOINTS = {"applications.show", "api.get_application", "api.list_application_events", *PARTNER_ONLY}


def kind_of(endpoint: str, variable: str) -> str | None:
    return ENDPOINT_KINDS.get((endpoint, variable)) or VARIABLE_KINDS.get(variable)


def walked(endpoint: str, variables: list[str]) -> bool:
    """Whether the route names records, all of known kinds (the first test reports the others)."""
    return bool(variables) and all(v not in NOT_RECORDS and kind_of(endpoint, v) for v in variables)


# B's applications in the order tried: the delivered one first, as the one most of its officer's
# pages answer for (the rest of the positive control's tries stop at the first answer). The one
# waiting for expert Y stands as the joint bid does, and is left out.
STATES = ["delivered", "draft", "submitted", "offered", "joint", "request", "request_draft"]


def candidates(world: World, kind: str) -> list[object]:
    """Council B's (or expert Y's) records of a kind: each is tried on every route naming it."""
    found: dict[str, list[object]] = {
        "application": [world.b_applications[state] for state in STATES],
        "engagement": list(world.y_engagements.values()),
        "outcome_report": [world.b_report],
        "evidence": [world.b_evidence],
        "introduction": list(world.b_introductions.values()),
        "notification": [world.b_notification, world.y_notification],
        "token": [world.b_token_id],
        "council": [world.b_gss],
        "council_id": [world.b_council_id],
        "window": [world.y_window],
        "conflict": [world.y_conflict],
        "expert": [world.y_expert],
        "user": [world.b.id],
        "email": [world.b_email],
        "scheme": [world.scheme],
        "criterion": [world.criterion],
        "round": [world.funding_round],
        "match_run": [world.match_run],
        "arrangement": [world.arrangement],
        "board_report": [world.board_report],
        "year": [world.quarter[0]],
        "quarter": [world.quarter[1]],
        "section": ["project"],
    }
    return found[kind]


# Routes that once let staff reach a council's draft (they loaded any application of the right
# scheme without looking at its status). The walks cover them; each is also tried on its own below.
DRAFT_ROUTES = [
    ("programme", "matching.application", "draft"),
    ("programme", "matching.application", "request_draft"),
    ("programme", "matching.offer", "draft"),
    ("programme", "matching.offer", "request_draft"),
    ("programme", "sharing.request", "request_draft"),
    ("programme", "api.get_expert_suggestions", "draft"),
    ("programme", "api.get_expert_suggestions", "request_draft"),
    ("programme", "api.offer_work", "draft"),
    ("programme", "api.offer_work", "request_draft"),
    ("programme", "api.get_matchmaking_request", "request_draft"),
]


# Who is walking, and what is theirs ---------------------------------------------------------------------


@dataclass(frozen=True)
class Actor:
    key: str  # the World's attribute for the person
    role: Role
    council: str | None = None  # "a", "b" or "c"
    expert: str | None = None  # "x" or "y"
    # The only one of B's applications to walk, where the others stand to the actor as they do
    # to council A's officer, who walks them all.
    focus: str | None = None

    def person(self, world: World) -> Person:
        found = getattr(world, self.key)
        assert isinstance(found, Person)
        return found

    @property
    def is_staff(self) -> bool:
        return self.role not in (Role.COUNCIL_OFFICER, Role.EXPERT)

    def permits(self, endpoint_permissions: frozenset[Permission]) -> bool:
        return bool(endpoint_permissions & (ROLE_PERMISSIONS[self.role] | {Permission.SIGNED_IN}))


ACTORS = {
    actor.key: actor
    for actor in (
        Actor("a", Role.COUNCIL_OFFICER, council="a"),
        Actor("b", Role.COUNCIL_OFFICER, council="b"),
        Actor("c", Role.COUNCIL_OFFICER, council="c", focus="joint"),
        Actor("x", Role.EXPERT, expert="x"),
        Actor("y", Role.EXPERT, expert="y"),
        Actor("programme", Role.PROGRAMME_OFFICER),
        Actor("assessor", Role.ASSESSOR),
        Actor("approver", Role.APPROVER),
        Actor("administrator", Role.ADMINISTRATOR),
    )
}
# Who walks B's and Y's records as someone they do not belong to (staff for drafts, messages,
# tokens and routes outside their role).
OUTSIDERS = ["a", "c", "x", "programme", "assessor", "approver", "administrator"]


def may_reach(world: World, actor: Actor, endpoint: str, kind: str, value: object) -> bool:
    """Whether the record is the actor's to reach on this route, once the route's permission has
    let them in: a council's records are its officers' (a partner's only to read and answer as a
    partner), an expert's work is theirs, messages and tokens their owner's, and staff see the
    programme but no council's draft."""
    if kind == "application":
        if value == world.a_application:
            return actor.council == "a" or actor.is_staff
        if actor.is_staff:
            return value not in world.drafts
        if actor.council == "c":
            return value == world.b_applications["joint"] and endpoint in PARTNER_ENDPOINTS
        return actor.council == "b" and endpoint not in PARTNER_ONLY
    if kind == "engagement":
        return actor.is_staff or actor.expert == "y"
    if kind in ("outcome_report", "evidence"):
        return actor.is_staff or actor.council == "b" or actor.expert == "y"
    if kind == "introduction":
        # B is in both; C only in the one still proposed.
        return (
            actor.is_staff
            or actor.council == "b"
            or (actor.council == "c" and value == world.b_introductions["proposed"])
        )
    if kind == "notification":
        return (actor.key, value) in (("b", world.b_notification), ("y", world.y_notification))
    if kind == "token":
        return actor.key == "b"
    if kind == "council":
        return actor.is_staff or actor.council == "b"
    if kind == "window":
        return actor.is_staff or actor.expert == "y"
    # The programme's own records (schemes, rounds, the register, the pool, board reports and so
    # on): the route's permission is the whole rule.
    return True


# The attempts: one per route, method and choice of records ------------------------------------------


@dataclass(frozen=True)
class Attempt:
    endpoint: str
    method: str
    url: str
    values: tuple[tuple[str, str, object], ...]  # (variable, kind, value)
    permissions: frozenset[Permission]
    operation_id: str | None = None

    def expected(self, world: World, actor: Actor) -> int | None:
        """403, 404, or None where the actor may reach it."""
        if not actor.permits(self.permissions):
            return 403
        if all(may_reach(world, actor, self.endpoint, kind, value) for _, kind, value in self.values):
            return None
        return 404

    def states(self, world: World) -> set[str]:
        """Which of B's applications the path names, by state."""
        return {
            state
            for state, application_id in world.b_applications.items()
            for _, kind, value in self.values
            if kind == "application" and value == application_id
        }

    def names_other_than(self, application_id: int) -> bool:
        return any(kind == "application" and value != application_id for _, kind, value in self.values)

    def describe(self) -> str:
        return f"{self.method} {self.url} ({self.endpoint})"


VARIABLE = re.compile(r"<(?:\w+:)?(\w+)>|\{(\w+)\}")


def _variables(path: str) -> list[str]:
    return [m.group(1) or m.group(2) for m in VARIABLE.finditer(path)]


def _choices(world: World, endpoint: str, variables: list[str]) -> Iterator[tuple[tuple[str, str, object], ...]]:
    """Every combination of B's records for the route's variables. Where an application is the
    parent of another record, council A's own application is tried as the parent as well: a
    record of B's must not be reachable through a path that starts at one of A's."""
    kinds = [kind_of(endpoint, v) or "" for v in variables]
    options = []
    for variable, kind in zip(variables, kinds, strict=True):
        values = candidates(world, kind)
        records = [k for k in kinds if k not in ("section", "")]
        if kind == "application" and len(records) > 1:
            values = [*values, world.a_application]
        options.append([(variable, kind, value) for value in values])
    yield from product(*options)


def _fill(path: str, chosen: tuple[tuple[str, str, object], ...]) -> str:
    by_name = {variable: value for variable, _, value in chosen}
    return VARIABLE.sub(lambda m: str(by_name[m.group(1) or m.group(2)]), path)


def page_attempts(app: Flask, world: World) -> Iterator[Attempt]:
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(API) or not walked(rule.endpoint, _variables(rule.rule)):
            continue
        needed = frozenset(getattr(app.view_functions[rule.endpoint], "required_permissions", frozenset()))
        for chosen in _choices(world, rule.endpoint, _variables(rule.rule)):
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                yield Attempt(rule.endpoint, method, _fill(rule.rule, chosen), chosen, needed)


def api_operations(openapi: dict[str, Any]) -> Iterator[tuple[str, str, str]]:
    """(method, path, operationId) of every operation in the document with a path variable."""
    for path, operations in openapi["paths"].items():
        if "{" not in path:
            continue
        for method, operation in operations.items():
            if method != "parameters":
                yield method.upper(), path, operation["operationId"]


def api_attempts(app: Flask, world: World, openapi: dict[str, Any]) -> Iterator[Attempt]:
    for method, path, operation_id in api_operations(openapi):
        endpoint = f"api.{operation_id}"
        if not walked(endpoint, _variables(path)):
            continue
        needed = frozenset(getattr(app.view_functions[endpoint], "required_permissions", frozenset()))
        for chosen in _choices(world, endpoint, _variables(path)):
            yield Attempt(endpoint, method, API + _fill(path, chosen), chosen, needed, operation_id)


# What is sent: a form or a body a person could plausibly send -------------------------------------------

VERSIONED: dict[str, Any] = {
    "application": Application,
    "engagement": Engagement,
    "introduction": Introduction,
    "outcome_report": OutcomeReport,
    "arrangement": SharedArrangement,
    "expert": Expert,
}


def current_version(database: Connection, attempt: Attempt) -> int:
    """The version of the first versioned record the path names, as a page drawn now would carry."""
    for _, kind, value in attempt.values:
        model = VERSIONED.get(kind)
        if model is not None:
            found = database.execute(select(model.version).where(model.id == value)).scalar()
            if found is not None:
                return int(found)
    return 1


def page_form(version: int, csrf: str) -> dict[str, object]:
    """One form with every field the record pages ask for, filled in plausibly: each form reads
    the fields it knows and ignores the rest."""
    day = [str(TODAY.day), str(TODAY.month), str(TODAY.year)]
    form: dict[str, object] = {
        "csrf_token": csrf,
        "version": str(version),
        "reason": REASON,
        "signatory_name": "A Signatory",
        "signatory_role": "Chief Executive",
        "confirmed": "y",
        "answer": "confirm",
        "share": "10000",
        "title": "Commercial waste review",
        "worked_on": day,
        "days": "1",
        "milestone": "A workshop with the service",
        "summary": "A shared service from April",
        "conditions": "",
        "amount": "100",
        "paid_on": day,
        "reference": "PO-2",
        "cashable": "10000",
        "income": "0",
        "avoided": "0",
        "recommendation": "approve",
        "score_0": "4",
        "justification_0": "Clear evidence",
        "page": "1",
    }
    for prefix in ("accept", "decline", "apply"):
        form[f"{prefix}-version"] = str(version)
    form["decline-reason"] = REASON
    form["accept-contact_name"] = "Pat Lee"
    form["accept-contact_email"] = "pat.lee@babergh.example.gov.uk"
    form["accept-contact_phone"] = "01473 825 700"
    return form


def api_body(world: World, operation_id: str, version: int) -> dict[str, object] | None:
    """A valid body for each operation that takes one, so that the request passes validation and
    reaches the check on the record."""
    today = TODAY.isoformat()
    contact = {"contact_name": "Pat Lee", "contact_email": "pat.lee@babergh.example.gov.uk"}
    bodies: dict[str, dict[str, object]] = {
        "save_section": {"version": version, "answers": FIXED_GRANT_ANSWERS["project"][0]},
        "set_partners": {"version": version, "partners": [{"gss_code": "E09000007", "match_share_pence": 100_000}]},
        "submit_application": {"version": version},
        "withdraw_application": {"version": version, "reason": REASON},
        "accept_offer": {
            "version": version,
            "signatory_name": "A Signatory",
            "signatory_role": "Chief Executive",
            "confirmed": True,
        },
        "decline_offer": {"version": version, "reason": REASON},
        "respond_as_partner": {"answer": "confirm", "match_share_pence": 1_000_000},
        "accept_engagement": {"version": version},
        "decline_engagement": {"version": version, "reason": REASON},
        "withdraw_engagement": {"reason": REASON},
        "log_work": {"worked_on": today, "days_tenths": 10, "milestone": "A workshop with the service"},
        "offer_work": {"expert_id": world.y_expert},
        "accept_introduction": {"version": version, **contact, "contact_phone": "01473 825 700"},
        "decline_introduction": {"version": version, "reason": REASON},
        "start_introduction_discussion": {"version": version},
        "record_introduction_agreement": {"version": version, "summary": "A shared service from April"},
        "close_introduction": {"version": version},
        "record_arrangement_year": {"version": version, "estimated_pence": 1_000},
        "end_arrangement": {"version": version, "ended_on": today, "reason": REASON},
        "apply_for_introduction_funding": {"version": version},
        "file_outcome_report": {
            "period_start": today,
            "period_end": today,
            "cashable_pence": 1_000_000,
            "income_pence": 0,
            "avoided_pence": 0,
            "baseline": "Last year's spending",
            "method": "Ledger totals",
            "evidence": [{"filename": "ledger.pdf", "content_base64": base64.b64encode(PDF).decode()}],
        },
        "dispute_outcome_report": {"reason": REASON},
        "verify_outcome_report": {"cashable_pence": 1_000_000, "income_pence": 0, "avoided_pence": 0},
        "confirm_eligibility": {"version": version},
        "mark_ineligible": {"version": version, "reason": REASON},
        "request_changes": {"version": version, "reason": REASON},
        "approve": {"version": version},
        "reject": {"version": version, "reason": REASON},
        "record_payment": {"version": version, "amount_pence": 10_000, "paid_on": today, "reference": "PO-2"},
        "create_assessment": {
            "scores": {code: {"score": 4, "justification": "Clear"} for code in ("savings", "approach")},
            "recommendation": "approve",
        },
    }
    return bodies.get(operation_id)


# Sending, and judging the answer ------------------------------------------------------------------------


@dataclass
class SignedIn:
    """One person signed in, in the browser and with a token."""

    client: FlaskClient
    person: Person
    csrf: str

    def send(self, attempt: Attempt, database: Connection, world: World, openapi: dict[str, Any]) -> TestResponse:
        version = current_version(database, attempt) if attempt.method != "GET" else 1
        if attempt.operation_id is not None:
            headers = {"Authorization": f"Bearer {self.person.token}"}
            body = api_body(world, attempt.operation_id, version) if attempt.method != "GET" else None
            if body is None and attempt.method != "GET":
                assert not _takes_body(openapi, attempt), f"no plausible body for {attempt.operation_id}: add one"
            return self.client.open(attempt.url, method=attempt.method, json=body, headers=headers)
        if attempt.method == "GET":
            return self.client.get(attempt.url)
        return self.client.open(attempt.url, method=attempt.method, data=page_form(version, self.csrf))


def _takes_body(openapi: dict[str, Any], attempt: Attempt) -> bool:
    for _, path, operation_id in api_operations(openapi):
        if operation_id == attempt.operation_id:
            return "requestBody" in openapi["paths"][path][attempt.method.lower()]
    return False


def signed_in_as(app: Flask, person: Person) -> SignedIn:
    client = signed_in(app, person.email)
    return SignedIn(client, person, csrf_token(client, "/account"))


def leaked(world: World, response: TestResponse) -> list[str]:
    body = response.get_data(as_text=True)
    return [secret for secret in world.secrets() if secret in body]


def walk(
    session: SignedIn,
    database: Connection,
    world: World,
    openapi: dict[str, Any],
    actor: Actor,
    attempts: Iterator[Attempt],
) -> list[str]:
    """Send every attempt the actor may not make and return what went wrong: an answer other
    than the one expected, B's text in the body, or anything written to the database. A route
    the role may not use at all is refused before any record is looked at, so it is tried once
    per method."""
    problems: list[str] = []
    refused: set[tuple[str, str]] = set()
    before = snapshot(database)
    written = writes(database)
    focus = world.b_applications[actor.focus] if actor.focus else None
    for attempt in attempts:
        if focus is not None and attempt.names_other_than(focus):
            continue
        expected = attempt.expected(world, actor)
        if expected is None or (expected == 403 and (attempt.endpoint, attempt.method) in refused):
            continue
        if expected == 403:
            refused.add((attempt.endpoint, attempt.method))
        response = session.send(attempt, database, world, openapi)
        if response.status_code != expected:
            problems.append(f"{attempt.describe()}: {response.status_code}, expected {expected}")
        found = leaked(world, response)
        if found:
            problems.append(f"{attempt.describe()}: the answer shows {found}")
        now = writes(database)
        # The API notes when a token was last used, on every call.
        changed = sorted(t for t in now if now[t] != written.get(t) and t != "api_tokens")
        if changed:
            problems.append(f"{attempt.describe()}: wrote to {changed}")
        written = now
    after = snapshot(database)
    if changed_tables(before, after):
        problems.append(f"the walk changed {changed_tables(before, after)}")
    return problems


# The tests ---------------------------------------------------------------------------------------------


def test_every_route_that_names_a_record_is_in_the_map(app: Flask) -> None:
    """A route added with a variable the map does not know fails here, so it is walked from the
    day it exists."""
    unknown = sorted(
        f"{rule.endpoint}: <{variable}>"
        for rule in app.url_map.iter_rules()
        for variable in rule.arguments
        if variable not in NOT_RECORDS and kind_of(rule.endpoint, variable) is None
    )
    assert unknown == [], f"say which kind of record these name, in VARIABLE_KINDS or ENDPOINT_KINDS: {unknown}"


def test_the_api_walk_covers_every_api_route_with_a_path_variable(app: Flask, openapi: dict[str, Any]) -> None:
    """The API walk follows the OpenAPI document, which must list every API route that names a
    record."""
    routed = {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(API) and rule.arguments
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}
    }
    documented = {(method, API + re.sub(r"\{(\w+)\}", r"<\1>", path)) for method, path, _ in api_operations(openapi)}
    plain = {(method, re.sub(r"<\w+:(\w+)>", r"<\1>", path)) for method, path in routed}
    assert plain == documented


@pytest.mark.parametrize("actor", OUTSIDERS)
def test_no_page_shows_or_changes_a_record_that_is_not_the_persons(
    app: Flask,
    database: Connection,
    world: World,
    openapi: dict[str, Any],
    visitors: Callable[[str], SignedIn],
    actor: str,
) -> None:
    """Every page that names a record, opened and posted to (with a valid CSRF token and a
    plausible form) with the ids of records that are not the person's: 403 or 404, nothing of
    B's shown, nothing written."""
    problems = walk(visitors(actor), database, world, openapi, ACTORS[actor], page_attempts(app, world))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("actor", OUTSIDERS)
def test_no_api_call_shows_or_changes_a_record_that_is_not_the_callers(
    app: Flask,
    database: Connection,
    world: World,
    openapi: dict[str, Any],
    visitors: Callable[[str], SignedIn],
    actor: str,
) -> None:
    """Every operation in the OpenAPI document that names a record, called with the person's
    bearer token, a valid body and the ids of records that are not theirs: 403 or 404, nothing of
    B's shown, nothing written."""
    problems = walk(visitors(actor), database, world, openapi, ACTORS[actor], api_attempts(app, world, openapi))
    assert not problems, "\n".join(problems)


# The owners, in the order asked: each route is the first one's to reach who may use it and has a
# record there that is theirs.
OWNERS = ["b", "y", "c", "programme", "approver", "administrator", "assessor"]


def reached(response: TestResponse, in_api: bool) -> bool:
    if in_api:
        return response.status_code == 200
    if response.status_code == 302:
        return not (response.headers.get("Location") or "").startswith("/sign-in")
    return response.status_code == 200


@pytest.mark.parametrize("surface", ["pages", "api"])
def test_the_owners_reach_every_route_with_the_same_ids(
    app: Flask,
    database: Connection,
    world: World,
    openapi: dict[str, Any],
    visitors: Callable[[str], SignedIn],
    surface: str,
) -> None:
    """The positive control: each GET route, with B's and Y's real ids, answers its owner (B's
    officer, expert Y, the partner council, or the staff whose work it is), so the walks above do
    not pass because every id is wrong; and what B's officer reaches shows the text the walks look
    for, so they do not pass because the text is never shown."""
    all_attempts = list(page_attempts(app, world) if surface == "pages" else api_attempts(app, world, openapi))
    by_endpoint: dict[str, list[Attempt]] = {}
    for attempt in all_attempts:
        if attempt.method == "GET":
            by_endpoint.setdefault(attempt.endpoint, []).append(attempt)
    unreached, shown = [], set()
    for endpoint, attempts in sorted(by_endpoint.items()):
        owner = next(
            (k for k in OWNERS if any(a.expected(world, ACTORS[k]) is None for a in attempts)),
            None,
        )
        if owner is None:
            unreached.append(f"{endpoint}: no one's to reach")
            continue
        answers = []
        for attempt in (a for a in attempts if a.expected(world, ACTORS[owner]) is None):
            response = visitors(owner).send(attempt, database, world, openapi)
            answers.append(f"{attempt.url} {response.status_code}")
            if reached(response, surface == "api"):
                if owner == "b":
                    shown |= set(leaked(world, response))
                break
        else:
            unreached.append(f"{endpoint} as {owner}: {answers}")
    assert unreached == []
    assert set(world.b_references) & shown and world.b_council_name in shown


@pytest.mark.parametrize(("actor", "endpoint", "state"), DRAFT_ROUTES)
def test_staff_reach_no_council_draft(
    app: Flask,
    database: Connection,
    world: World,
    openapi: dict[str, Any],
    visitors: Callable[[str], SignedIn],
    actor: str,
    endpoint: str,
    state: str,
) -> None:
    """A council's draft, asked for by staff through a route that once showed it: a 404 that shows
    nothing."""
    attempts = page_attempts(app, world) if not endpoint.startswith("api.") else api_attempts(app, world, openapi)
    chosen = [a for a in attempts if a.endpoint == endpoint and a.states(world) == {state}]
    assert chosen
    for attempt in chosen:
        response = visitors(actor).send(attempt, database, world, openapi)
        assert (response.status_code, leaked(world, response)) == (404, []), attempt.describe()
