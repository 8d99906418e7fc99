"""The expert pool kept in the service: staff add, change and import experts and keep the register of
conflicts of interest; an expert keeps their own availability, specialisms and regions and declares
their conflicts, and reaches no one else's record; bad input is refused beside its field and stores
nothing; every change is in the audit trail and the expert's history."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from grants.extensions import db
from grants.models import (
    AuditEvent,
    ConflictOfInterest,
    Council,
    Expert,
    ExpertAvailability,
    ExpertKind,
    ExpertRegion,
    ExpertSpecialism,
    Region,
    Role,
    Specialism,
    User,
    VettingStatus,
)
from tests.support.client import csrf_token, signed_in_as
from tests.support.database import reloaded
from tests.support.html import (
    assert_refused_beside,
    banner,
    date_parts,
    error_beside,
    error_summary,
    fill,
    hidden_fields,
    input_value,
    is_checked,
    posted,
    text,
    words,
)
from workflows import experts as workflow
from workflows.experts import (
    AvailabilityWindow,
    ConflictDetails,
    ExpertDetails,
    ExpertPoolError,
    ImportRefusedError,
    StaleExpertError,
)

TODAY = date.today()

# What a programme officer types for a new expert.
EXPERT = {
    "name": "Jane Smith",
    "email": "Jane.Smith@Example.com",
    "organisation": "Smith Procurement Ltd",
    "kind": "individual",
    "specialisms": ["procurement", "finance"],
    "regions": ["london", "south_east"],
    "day_rate": "£650.50",
    "capacity": "2",
    "vetting_status": "vetted",
    "biography": "Led procurement reviews for twelve councils.",
}


# People and records --------------------------------------------------------------------------------


@pytest.fixture
def officer(make_user: Any) -> User:
    """A programme officer: manages the pool."""
    return make_user(Role.PROGRAMME_OFFICER, email="tom@lga.example.gov.uk", name="Tom Okafor")


@pytest.fixture
def admin(make_user: Any) -> User:
    return make_user(Role.ADMINISTRATOR, email="ada@lga.example.gov.uk", name="Ada Admin")


@pytest.fixture
def kim(make_user: Any) -> User:
    """An expert with an account: procurement in the East of England, £600 a day, 2 at once."""
    return make_user(Role.EXPERT, email="kim@experts.example.com", name="Kim Expert")


@pytest.fixture
def sam(make_user: Any) -> User:
    """Another expert with an account."""
    return make_user(Role.EXPERT, email="sam@experts.example.com", name="Sam Other")


def expert_of(user: User) -> Expert:
    assert user.expert_id is not None
    found = db.session.get(Expert, user.expert_id)
    assert found is not None
    return found


def stored() -> dict[str, int]:
    """How many experts, links, windows, conflicts and audit events there are."""
    db.session.expire_all()
    return {
        model.__tablename__: db.session.scalar(select(func.count()).select_from(model)) or 0
        for model in (Expert, ExpertSpecialism, ExpertRegion, ExpertAvailability, ConflictOfInterest, AuditEvent)
    }


def events(*actions: str) -> list[AuditEvent]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action.in_(actions)).order_by(AuditEvent.id)))


def manage_page(expert: Expert | int) -> str:
    return f"/experts/{expert if isinstance(expert, int) else expert.id}/manage"


def details(**changes: Any) -> ExpertDetails:
    values: dict[str, Any] = {
        "name": "Jane Smith",
        "email": "jane.smith@example.com",
        "organisation": "Smith Procurement Ltd",
        "kind": ExpertKind.INDIVIDUAL,
        "specialisms": (Specialism.PROCUREMENT,),
        "regions": (Region.LONDON,),
        "day_rate_pence": 65_000,
        "capacity": 2,
        "vetting_status": VettingStatus.VETTED,
    }
    return ExpertDetails(**{**values, **changes})


def check_refusals(
    client: FlaskClient, path: str, answers: dict[str, Any], table: list[tuple[str, dict[str, Any], str, str]]
) -> None:
    """Send the form once for each bad input in the table; every failure is reported together."""
    failures = []
    for case, changes, field, message in table:
        before = stored()
        response = fill(client, path, posted(answers, changes))
        try:
            assert_refused_beside(response, field, message)
        except AssertionError as error:
            failures.append(f"{case}: {error}")
        if stored() != before:
            failures.append(f"{case}: something was stored")
    assert not failures, "\n".join(failures)


# 1. Adding and changing an expert ------------------------------------------------------------------


def test_staff_add_an_expert_with_the_day_rate_in_pence_and_the_email_in_lower_case(client, officer):  # type: ignore[no-untyped-def]
    signed_in_as(client, officer)
    form = text(client.get("/experts/new"))
    assert is_checked(form, "kind", "individual") and is_checked(form, "vetting_status", "applied")

    added = fill(client, "/experts/new", EXPERT)
    assert added.status_code == 302, words(text(added))
    expert = db.session.scalar(select(Expert).where(Expert.email == "jane.smith@example.com"))
    assert expert is not None
    assert added.headers["Location"] == manage_page(expert)
    assert (expert.name, expert.organisation, expert.kind) == (
        "Jane Smith",
        "Smith Procurement Ltd",
        ExpertKind.INDIVIDUAL,
    )
    assert (expert.day_rate_pence, expert.capacity, expert.vetting_status) == (65_050, 2, VettingStatus.VETTED)
    assert expert.specialisms == [Specialism.FINANCE, Specialism.PROCUREMENT]
    assert expert.regions == [Region.LONDON, Region.SOUTH_EAST]
    assert expert.biography == "Led procurement reviews for twelve councils." and expert.version == 1

    [created] = events("expert.created")
    assert (created.actor_id, created.subject_type, created.subject_id) == (officer.id, "expert", expert.id)
    assert created.detail["email"] == "jane.smith@example.com" and created.detail["day_rate_pence"] == 65_050
    assert created.detail["specialisms"] == ["finance", "procurement"] and created.detail["source"] == "form"

    page = words(text(client.get(added.headers["Location"])))
    assert "Jane Smith added to the pool" in page
    assert "£650.50" in page and "2 engagements at once" in page and "Finance, Procurement" in page
    assert "Added to the pool" in page and "Tom Okafor" in page
    assert "treated as available at any time" in page
    assert "Jane Smith" in words(text(client.get("/experts")))


def test_staff_change_an_expert_and_the_audit_names_the_fields_that_changed(client, officer, kim):  # type: ignore[no-untyped-def]
    expert = expert_of(kim)
    signed_in_as(client, officer)
    edit = f"/experts/{expert.id}/edit"
    form = text(client.get(edit))
    assert input_value(form, "day_rate") == "600" and input_value(form, "version") == "1"
    assert is_checked(form, "specialisms", "procurement") and is_checked(form, "regions", "east_of_england")

    answers = {
        "name": "Kim Expert",
        "email": "kim@experts.example.com",
        "organisation": "",
        "kind": "individual",
        "specialisms": ["procurement", "digital"],
        "regions": ["east_of_england"],
        "day_rate": "725",
        "capacity": "3",
        "vetting_status": "vetted",
        "biography": "",
    }
    saved = fill(client, edit, answers)
    assert saved.status_code == 302, words(text(saved))
    assert saved.headers["Location"] == manage_page(expert)
    expert = reloaded(expert)
    assert (expert.day_rate_pence, expert.capacity, expert.version) == (72_500, 3, 2)
    assert expert.specialisms == [Specialism.DIGITAL, Specialism.PROCUREMENT]

    [updated] = events("expert.updated")
    assert (updated.actor_id, updated.subject_id) == (officer.id, expert.id)
    assert set(updated.detail["fields"]) == {"day_rate_pence", "capacity", "specialisms"}
    assert updated.detail["changes"]["day_rate_pence"] == [60_000, 72_500]
    assert updated.detail["changes"]["capacity"] == [2, 3]
    assert updated.detail["changes"]["specialisms"] == [["procurement"], ["digital", "procurement"]]
    page = words(text(client.get(manage_page(expert))))
    assert "Details saved" in page and "Details changed (day rate, capacity, specialisms)" in page

    # The same answers again change nothing, write nothing and keep the version.
    again = fill(client, edit, answers)
    assert again.status_code == 302
    assert "Nothing was changed" in words(text(client.get(again.headers["Location"])))
    assert reloaded(expert).version == 2 and len(events("expert.updated")) == 1


def test_a_save_from_a_page_read_before_someone_elses_change_is_refused_and_changes_nothing(  # type: ignore[no-untyped-def]
    client, officer, admin, kim
):
    expert = expert_of(kim)
    signed_in_as(client, officer)
    edit = f"/experts/{expert.id}/edit"
    old_page = text(client.get(edit))
    assert input_value(old_page, "version") == "1"

    # Someone else changes the capacity meanwhile.
    workflow.update_expert(expert, replace_details(expert, capacity=5), actor=admin, expected_version=expert.version)
    db.session.commit()
    before = stored()

    answers = {**form_answers(old_page), "day_rate": "900"}
    refused = client.post(edit, data=answers)
    assert refused.status_code == 200
    page = text(refused)
    assert "Someone else changed this expert's profile after you opened this page" in banner(page)
    assert stored() == before
    expert = reloaded(expert)
    assert (expert.capacity, expert.day_rate_pence, expert.version) == (5, 60_000, 2)
    # The form now shows the profile as it is, at its current version.
    assert input_value(page, "capacity") == "5" and input_value(page, "version") == "2"

    # A post that carries no version, or a mangled one, is refused the same way.
    for version in ("", "two"):
        response = client.post(edit, data={**answers, "version": version})
        assert "Someone else changed" in banner(text(response))
    assert reloaded(expert).day_rate_pence == 60_000

    # Saved again from the page as it is now, the change goes through.
    assert fill(client, edit, {**form_answers(page), "day_rate": "900"}).status_code == 302
    assert (reloaded(expert).day_rate_pence, reloaded(expert).capacity) == (90_000, 5)


def replace_details(expert: Expert, **changes: Any) -> ExpertDetails:
    return replace(ExpertDetails.of(expert), **changes)


def form_answers(page: str) -> dict[str, Any]:
    """What a browser sends back for the expert form as the page shows it."""
    answers: dict[str, Any] = hidden_fields(page)
    for name in ("name", "email", "organisation", "day_rate", "capacity"):
        answers[name] = input_value(page, name)
    for name, members in (("kind", ExpertKind), ("vetting_status", VettingStatus)):
        answers[name] = next(m.value for m in members if is_checked(page, name, m.value))
    answers["specialisms"] = [s.value for s in Specialism if is_checked(page, "specialisms", s.value)]
    answers["regions"] = [r.value for r in Region if is_checked(page, "regions", r.value)]
    found = re.search(r'<textarea[^>]*name="biography"[^>]*>(.*?)</textarea>', page, re.S)
    answers["biography"] = found.group(1).strip() if found else ""
    return answers


EXPERT_REFUSALS: list[tuple[str, dict[str, Any], str, str]] = [
    ("no name", {"name": "  "}, "name", "Enter the expert's name"),
    ("a name too long", {"name": "x" * 121}, "name", "The expert's name must be 120 characters or fewer"),
    ("no email", {"email": ""}, "email", "Enter the expert's email address"),
    ("a bad email", {"email": "jane@"}, "email", "Enter an email address in the correct format, like name@example.com"),
    (
        "an email already in the pool, in other capitals",
        {"email": "KIM@Experts.Example.com"},
        "email",
        "There is already an expert in the pool with the email address kim@experts.example.com",
    ),
    ("no kind", {"kind": None}, "kind", "Select whether this is an individual expert or a delivery partner"),
    ("an unknown kind", {"kind": "robot"}, "kind", "Select whether this is an individual expert or a delivery partner"),
    ("no specialism", {"specialisms": None}, "specialisms", "Select at least one specialism"),
    ("an unknown specialism", {"specialisms": ["plumbing"]}, "specialisms", "Select from the specialisms shown"),
    ("no region", {"regions": None}, "regions", "Select at least one region"),
    ("an unknown region", {"regions": ["mars"]}, "regions", "Select from the regions shown"),
    ("no day rate", {"day_rate": ""}, "day_rate", "Enter the day rate"),
    ("a negative day rate", {"day_rate": "-650"}, "day_rate", "The day rate must be more than £0"),
    ("a day rate of nothing", {"day_rate": "0"}, "day_rate", "The day rate must be more than £0"),
    ("a day rate in words", {"day_rate": "six hundred"}, "day_rate", workflow.DAY_RATE_FORMAT),
    (
        "a day rate in tenths of a penny",
        {"day_rate": "650.505"},
        "day_rate",
        "The day rate must have no more than 2 decimal places, like 6000.50",
    ),
    ("a day rate far too high", {"day_rate": "65,000"}, "day_rate", "The day rate must be less than £10,000"),
    ("no capacity", {"capacity": ""}, "capacity", "Enter the capacity"),
    ("a capacity in words", {"capacity": "two"}, "capacity", workflow.CAPACITY_FORMAT),
    ("a negative capacity", {"capacity": "-1"}, "capacity", "The capacity must be between 0 and 20"),
    ("too great a capacity", {"capacity": "21"}, "capacity", "The capacity must be between 0 and 20"),
    ("no vetting status", {"vetting_status": None}, "vetting_status", "Select the expert's vetting status"),
    (
        "an organisation too long",
        {"organisation": "o" * 161},
        "organisation",
        "The organisation must be 160 characters or fewer",
    ),
]


def test_a_new_expert_with_bad_input_is_refused_beside_the_field_and_nothing_is_stored(client, officer, kim):  # type: ignore[no-untyped-def]
    signed_in_as(client, officer)
    check_refusals(client, "/experts/new", EXPERT, EXPERT_REFUSALS)


def test_every_problem_in_the_expert_form_is_shown_at_once(client, officer, kim):  # type: ignore[no-untyped-def]
    signed_in_as(client, officer)
    before = stored()
    bad = {"name": "", "email": "kim@experts.example.com", "specialisms": None, "day_rate": "-1", "capacity": "99"}
    page = text(fill(client, "/experts/new", posted(EXPERT, bad)))
    assert set(error_summary(page)) == {"#name", "#email", "#specialisms", "#day_rate", "#capacity"}
    assert (
        error_beside(page, "email")
        == "There is already an expert in the pool with the email address kim@experts.example.com"
    )
    assert 'value="-1"' in page, "what was typed is shown back"
    assert stored() == before


def test_a_change_with_bad_input_is_refused_beside_the_field_and_changes_nothing(client, officer, kim, sam):  # type: ignore[no-untyped-def]
    expert = expert_of(kim)
    signed_in_as(client, officer)
    edit = f"/experts/{expert.id}/edit"
    answers = form_answers(text(client.get(edit)))
    before = stored()
    assert_refused_beside(fill(client, edit, {**answers, "day_rate": "lots"}), "day_rate", workflow.DAY_RATE_FORMAT)
    assert_refused_beside(
        fill(client, edit, {**answers, "email": "sam@experts.example.com"}),
        "email",
        "There is already an expert in the pool with the email address sam@experts.example.com",
    )
    assert_refused_beside(
        fill(client, edit, posted(answers, {"regions": None})), "regions", "Select at least one region"
    )
    assert stored() == before
    expert = reloaded(expert)
    assert (expert.email, expert.day_rate_pence, expert.regions, expert.version) == (
        "kim@experts.example.com",
        60_000,
        [Region.EAST_OF_ENGLAND],
        1,
    )


def test_markup_typed_into_an_expert_is_kept_as_typed_and_shown_escaped(client, officer):  # type: ignore[no-untyped-def]
    signed_in_as(client, officer)
    typed = "<script>alert('x')</script> & <b>Jane</b>"
    assert fill(client, "/experts/new", {**EXPERT, "name": typed, "biography": typed}).status_code == 302
    expert = db.session.scalar(select(Expert).where(Expert.email == "jane.smith@example.com"))
    assert expert is not None and expert.name == typed
    for path in (manage_page(expert), f"/experts/{expert.id}/edit", "/experts", f"/experts/{expert.id}"):
        page = text(client.get(path))
        assert "<script>alert" not in page and "<b>Jane" not in page, path
        assert "&lt;script&gt;alert(" in page, path


# 2. Availability -----------------------------------------------------------------------------------


def test_staff_add_and_remove_an_experts_availability(client, officer, kim):  # type: ignore[no-untyped-def]
    expert = expert_of(kim)
    signed_in_as(client, officer)
    added = fill(
        client,
        f"/experts/{expert.id}/availability/new",
        {"starts_on": date_parts(TODAY + timedelta(days=10)), "ends_on": ["", "", ""], "note": "Two days a week"},
    )
    assert added.status_code == 302, words(text(added))
    [window] = reloaded(expert).availability
    assert (window.starts_on, window.ends_on, window.note) == (TODAY + timedelta(days=10), None, "Two days a week")
    window_id, starts_on = window.id, window.starts_on
    assert reloaded(expert).version == 2
    assert not workflow.is_available_on(reloaded(expert), TODAY)
    assert workflow.is_available_on(reloaded(expert), TODAY + timedelta(days=400))
    page = words(text(client.get(manage_page(expert))))
    assert "The expert is not available today" in page and "no end date" in page and "Two days a week" in page

    removed = fill(client, f"/experts/{expert.id}/availability/{window_id}/remove", {})
    assert removed.status_code == 302
    assert reloaded(expert).availability == [] and reloaded(expert).version == 3
    [added_event, removed_event] = events("expert.availability_added", "expert.availability_removed")
    assert (added_event.actor_id, added_event.detail["starts_on"]) == (officer.id, starts_on.isoformat())
    assert (removed_event.actor_id, removed_event.detail["window_id"]) == (officer.id, window_id)
    assert "treated as available at any time" in words(text(client.get(manage_page(expert))))


def test_an_expert_edits_their_own_availability_and_specialisms(client, kim):  # type: ignore[no-untyped-def]
    expert = expert_of(kim)
    signed_in_as(client, kim)
    page = words(text(client.get("/experts/me")))
    assert "Your expert profile" in page and "Procurement" in page and "East of England" in page
    assert "You have not given any dates, so you are treated as available at any time" in page

    window = {"starts_on": date_parts(TODAY), "ends_on": date_parts(TODAY + timedelta(days=90)), "note": "Mornings"}
    added = fill(client, "/experts/me/availability/new", window)
    assert added.status_code == 302, words(text(added))
    assert added.headers["Location"] == "/experts/me#availability"
    [stored_window] = reloaded(expert).availability
    assert (stored_window.starts_on, stored_window.ends_on) == (TODAY, TODAY + timedelta(days=90))
    page = words(text(client.get("/experts/me")))
    assert "You are available today" in page and "Mornings" in page

    changed = fill(client, "/experts/me/specialisms", {"specialisms": ["finance", "housing"], "regions": ["wales"]})
    assert changed.status_code == 302, words(text(changed))
    expert = reloaded(expert)
    assert expert.specialisms == [Specialism.FINANCE, Specialism.HOUSING] and expert.regions == [Region.WALES]
    assert expert.version == 3

    removed = fill(client, f"/experts/me/availability/{stored_window.id}/remove", {})
    assert removed.status_code == 302 and reloaded(expert).availability == []

    audit = events("expert.availability_added", "expert.updated", "expert.availability_removed")
    assert [(e.action, e.actor_id, e.subject_id) for e in audit] == [
        ("expert.availability_added", kim.id, expert.id),
        ("expert.updated", kim.id, expert.id),
        ("expert.availability_removed", kim.id, expert.id),
    ]
    assert audit[1].detail["changes"] == {
        "specialisms": [["procurement"], ["finance", "housing"]],
        "regions": [["east_of_england"], ["wales"]],
    }


AVAILABILITY_REFUSALS: list[tuple[str, dict[str, Any], str, str]] = [
    ("no start date", {"starts_on": ["", "", ""]}, "starts_on", "Enter the start date"),
    (
        "a start date that does not exist",
        {"starts_on": ["31", "2", "2027"]},
        "starts_on",
        "The start date must be a real date",
    ),
    ("an end date without a month", {"ends_on": ["1", "", "2027"]}, "ends_on", "The end date must include a month"),
    (
        "an end date before the start",
        {"starts_on": ["1", "9", "2027"], "ends_on": ["31", "8", "2027"]},
        "ends_on",
        "The end date must be the same as or after the start date",
    ),
    ("a note too long", {"note": "n" * 201}, "note", "The note must be 200 characters or fewer"),
]


def test_bad_availability_is_refused_beside_the_field_and_nothing_is_stored(client, officer, kim):  # type: ignore[no-untyped-def]
    answers = {"starts_on": ["1", "9", "2027"], "ends_on": ["", "", ""], "note": ""}
    signed_in_as(client, kim)
    check_refusals(client, "/experts/me/availability/new", answers, AVAILABILITY_REFUSALS)
    signed_in_as(client, officer)
    check_refusals(client, f"/experts/{kim.expert_id}/availability/new", answers, AVAILABILITY_REFUSALS[3:4])


def test_an_expert_must_keep_a_specialism_and_a_region_and_a_stale_page_is_refused(client, admin, kim):  # type: ignore[no-untyped-def]
    expert = expert_of(kim)
    signed_in_as(client, kim)
    before = stored()
    page = text(fill(client, "/experts/me/specialisms", {"specialisms": [], "regions": []}))
    assert set(error_summary(page)) == {"#specialisms", "#regions"}
    assert error_beside(page, "specialisms") == "Select at least one specialism"
    assert stored() == before

    old_page = text(client.get("/experts/me/specialisms"))
    workflow.update_expert(expert, replace_details(expert, capacity=1), actor=admin, expected_version=1)
    db.session.commit()
    refused = client.post(
        "/experts/me/specialisms", data={**hidden_fields(old_page), "specialisms": ["digital"], "regions": ["london"]}
    )
    assert "Someone else changed this expert's profile" in banner(text(refused))
    assert reloaded(expert).specialisms == [Specialism.PROCUREMENT]


def test_an_expert_reaches_no_other_experts_record(client, kim, sam, officer):  # type: ignore[no-untyped-def]
    theirs = expert_of(sam)
    window = workflow.add_availability(theirs, AvailabilityWindow(starts_on=TODAY), actor=sam)
    db.session.commit()
    signed_in_as(client, kim)
    token = csrf_token(client, "/experts/me")
    before = stored()
    assert client.get(f"/experts/me/availability/{window.id}/remove").status_code == 404
    assert client.post(f"/experts/me/availability/{window.id}/remove", data={"csrf_token": token}).status_code == 404
    assert client.get("/experts/me/availability/999999/remove").status_code == 404
    for path in (manage_page(theirs), f"/experts/{theirs.id}/edit", f"/experts/{theirs.id}/availability/new"):
        assert client.get(path).status_code == 403, path
    assert stored() == before
    assert [w.id for w in reloaded(theirs).availability] == [window.id]
    assert "Sam Other" not in text(client.get("/experts/me"))

    # The domain refuses it too, whatever calls it.
    mine = expert_of(kim)
    with pytest.raises(ExpertPoolError):
        workflow.add_availability(theirs, AvailabilityWindow(starts_on=TODAY), actor=kim)
    with pytest.raises(ExpertPoolError):
        workflow.remove_availability(window, actor=kim)
    with pytest.raises(ExpertPoolError):
        workflow.set_expertise(theirs, [Specialism.DIGITAL], [Region.LONDON], actor=kim, expected_version=None)
    with pytest.raises(ExpertPoolError):
        workflow.declare_conflict(theirs, ConflictDetails(council="Babergh", reason="x"), actor=kim)
    with pytest.raises(ExpertPoolError):
        workflow.update_expert(mine, replace_details(mine, capacity=9), actor=kim, expected_version=None)
    db.session.rollback()


# 3. Who may use the pages --------------------------------------------------------------------------


@pytest.fixture
def pool(officer: User, kim: User, councils: dict[str, Council]) -> dict[str, int]:
    """An expert with a window and a conflict, for the pages that need them."""
    expert = expert_of(kim)
    window = workflow.add_availability(expert, AvailabilityWindow(starts_on=TODAY), actor=officer)
    conflict = workflow.record_conflict(
        expert, ConflictDetails(council="Camden", reason="Former employer"), actor=officer
    )
    db.session.commit()
    return {"expert_id": expert.id, "window_id": window.id, "conflict_id": conflict.id}


def staff_routes(ids: dict[str, int]) -> list[tuple[str, str, dict[str, Any]]]:
    """Every staff page of the pool, by method, with what a programme officer would send."""
    expert = f"/experts/{ids['expert_id']}"
    gets = [
        "/experts/new",
        f"{expert}/manage",
        f"{expert}/edit",
        f"{expert}/availability/new",
        f"{expert}/availability/{ids['window_id']}/remove",
        f"{expert}/conflicts/new",
        "/experts/conflicts",
        f"/experts/conflicts/{ids['conflict_id']}/remove",
        "/experts/import",
        "/experts/import/example.csv",
    ]
    posts = [
        ("/experts/new", EXPERT),
        (f"{expert}/edit", {**EXPERT, "email": "kim@experts.example.com", "version": "1"}),
        (f"{expert}/availability/new", {"starts_on": date_parts(TODAY)}),
        (f"{expert}/availability/{ids['window_id']}/remove", {}),
        (f"{expert}/conflicts/new", {"council": "Babergh", "reason": "Partner works there"}),
        (f"/experts/conflicts/{ids['conflict_id']}/remove", {"reason": "Left in 2019"}),
        ("/experts/import", {"file": (workflow.example_csv().encode(), "experts.csv")}),
    ]
    return [("GET", path, {}) for path in gets] + [("POST", path, data) for path, data in posts]


def send(client: FlaskClient, method: str, path: str, data: dict[str, Any], token: dict[str, str]) -> Any:
    """Open a page, or post a form with this token; a file (its bytes and name) is sent afresh each time."""
    if method == "GET":
        return client.get(path)
    fields = {
        name: (io.BytesIO(value[0]), value[1]) if isinstance(value, tuple) else value for name, value in data.items()
    }
    return client.post(path, data={**token, **fields})


def own_routes(ids: dict[str, int]) -> list[tuple[str, str, dict[str, Any]]]:
    """Every page of the expert's own, by method."""
    gets = [
        "/experts/me",
        "/experts/me/specialisms",
        "/experts/me/availability/new",
        f"/experts/me/availability/{ids['window_id']}/remove",
        "/experts/me/conflicts/new",
    ]
    posts = [
        ("/experts/me/specialisms", {"specialisms": ["digital"], "regions": ["london"], "version": "2"}),
        ("/experts/me/availability/new", {"starts_on": date_parts(TODAY)}),
        (f"/experts/me/availability/{ids['window_id']}/remove", {}),
        ("/experts/me/conflicts/new", {"council": "Babergh", "reason": "Partner works there"}),
    ]
    return [("GET", path, {}) for path in gets] + [("POST", path, data) for path, data in posts]


def test_the_routes_checked_here_are_every_pool_route(app: Flask, pool: dict[str, int]) -> None:
    """A pool page added later without joining the lists above fails here."""
    in_app: set[tuple[str, str]] = set()
    permissions: dict[str, frozenset[str]] = {}
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("experts."):
            path = rule.rule
            for name, value in pool.items():
                path = path.replace(f"<int:{name}>", str(value))
            in_app |= {(method, path) for method in rule.methods or () if method in ("GET", "POST")}
            permissions[path] = getattr(app.view_functions[rule.endpoint], "required_permissions", frozenset())
    listed = staff_routes(pool) + own_routes(pool)
    assert in_app == {(method, path) for method, path, _ in listed}
    for _, path, _ in listed:
        expected = {"use_expert_portal"} if path.startswith("/experts/me") else {"manage_expert_pool"}
        assert permissions[path] == expected, path


@pytest.mark.parametrize("role", [Role.COUNCIL_OFFICER, Role.ASSESSOR, Role.APPROVER, Role.EXPERT])
def test_everyone_but_programme_officers_and_administrators_is_refused_every_staff_page(  # type: ignore[no-untyped-def]
    client, make_user, pool, role
):
    signed_in_as(client, make_user(role, email=f"someone-{role.value}@example.gov.uk"))
    token = csrf_token(client, "/home")
    before = stored()
    for method, path, data in staff_routes(pool):
        response = send(client, method, path, data, {"csrf_token": token})
        assert response.status_code == 403, f"{method} {path}: {response.status_code}"
    assert stored() == before


@pytest.mark.parametrize("role", [Role.ADMINISTRATOR, Role.PROGRAMME_OFFICER])
def test_programme_officers_and_administrators_reach_every_staff_page(client, make_user, pool, role):  # type: ignore[no-untyped-def]
    user = make_user(role, email=f"staff-{role.value}@lga.example.gov.uk")
    signed_in_as(client, user)
    for method, path, _ in staff_routes(pool):
        if method == "GET":
            assert client.get(path).status_code == 200, path
    assert "Add an expert" in text(client.get("/experts"))
    assert f"/experts/{pool['expert_id']}/manage" in text(client.get(f"/experts/{pool['expert_id']}"))


def test_staff_have_no_pages_of_their_own_as_an_expert(client, officer, pool):  # type: ignore[no-untyped-def]
    signed_in_as(client, officer)
    for method, path, _ in own_routes(pool):
        if method == "GET":
            assert client.get(path).status_code == 403, path


def test_an_assessor_sees_the_pool_but_not_the_links_to_change_it(client, make_user, pool):  # type: ignore[no-untyped-def]
    signed_in_as(client, make_user(Role.ASSESSOR, email="hannah@lga.example.gov.uk"))
    assert "Add an expert" not in text(client.get("/experts"))
    assert "/manage" not in text(client.get(f"/experts/{pool['expert_id']}"))


def test_an_anonymous_visitor_is_sent_to_sign_in_from_every_pool_page(client, pool):  # type: ignore[no-untyped-def]
    token = csrf_token(client, "/sign-in")
    before = stored()
    for method, path, data in staff_routes(pool) + own_routes(pool):
        response = send(client, method, path, data, {"csrf_token": token})
        assert response.status_code == 302, f"{method} {path}: {response.status_code}"
        assert response.headers["Location"].startswith("/sign-in"), f"{method} {path}"
    assert stored() == before


def test_every_pool_form_needs_its_csrf_token(client, officer, kim, pool):  # type: ignore[no-untyped-def]
    for user, routes in ((officer, staff_routes(pool)), (kim, own_routes(pool))):
        signed_in_as(client, user)
        before = stored()
        for method, path, data in routes:
            if method == "POST":
                for token in ({}, {"csrf_token": "forged"}):
                    response = send(client, method, path, data, token)
                    assert response.status_code == 400, f"{path} {token}: {response.status_code}"
        assert stored() == before
        # The same forms with the page's token go through: the token was all that was missing.
        token = {"csrf_token": csrf_token(client, "/home")}
        assert send(client, *routes[-1], token).status_code == 302, routes[-1][1]
        assert stored() != before


# 4. Importing a CSV file ---------------------------------------------------------------------------

HEADER = "name,email,organisation,kind,specialisms,regions,day_rate,capacity,vetting_status"


def upload(client: FlaskClient, content: bytes, filename: str = "experts.csv") -> Any:
    token = hidden_fields(text(client.get("/experts/import")))["csrf_token"]
    return client.post(
        "/experts/import",
        data={"csrf_token": token, "file": (io.BytesIO(content), filename)},
        content_type="multipart/form-data",
    )


def import_problems(page: str) -> list[str]:
    found = re.search(r'<ul[^>]*id="import-problems"[^>]*>(.*?)</ul>', page, re.S)
    assert found, "no list of problems on the page"
    return [words(item) for item in re.findall(r"<li>(.*?)</li>", found.group(1), re.S)]


def test_a_good_file_adds_new_experts_and_updates_those_already_in_the_pool(client, officer, kim):  # type: ignore[no-untyped-def]
    kim_expert = expert_of(kim)
    kim_expert.biography = "Twenty years in local government procurement."
    db.session.commit()
    signed_in_as(client, officer)
    content = (
        "\ufeff"
        + HEADER
        + "\r\n"
        + "Jane Smith,Jane.Smith@example.com,Smith Procurement Ltd,Individual expert,"
        + "procurement;FINANCE;,London; south east,650,2,vetted\r\n"
        + ",,,,,,,,\r\n"
        + "Nudge Partners,team@nudge.example.com,,delivery partner,Behavioural insights,"
        + 'North West,"1,200.50",1,Applied\r\n'
        + "Kim Expert,KIM@experts.example.com,Kim Consulting,individual,procurement,east_of_england,700,2,vetted\r\n"
    ).encode()
    imported = upload(client, content)
    assert imported.status_code == 302, words(text(imported))
    assert imported.headers["Location"] == "/experts"
    assert "Import complete: 2 experts added, 1 updated and 0 unchanged" in words(text(client.get("/experts")))

    jane = db.session.scalar(select(Expert).where(Expert.email == "jane.smith@example.com"))
    nudge = db.session.scalar(select(Expert).where(Expert.email == "team@nudge.example.com"))
    assert jane is not None and nudge is not None
    assert (jane.kind, jane.day_rate_pence, jane.capacity, jane.vetting_status) == (
        ExpertKind.INDIVIDUAL,
        65_000,
        2,
        VettingStatus.VETTED,
    )
    assert jane.specialisms == [Specialism.FINANCE, Specialism.PROCUREMENT]
    assert jane.regions == [Region.LONDON, Region.SOUTH_EAST]
    assert (nudge.kind, nudge.day_rate_pence, nudge.vetting_status, nudge.organisation) == (
        ExpertKind.DELIVERY_PARTNER,
        120_050,
        VettingStatus.APPLIED,
        "",
    )
    kim_expert = reloaded(kim_expert)
    assert (kim_expert.day_rate_pence, kim_expert.organisation, kim_expert.version) == (70_000, "Kim Consulting", 2)
    assert kim_expert.biography == "Twenty years in local government procurement.", "the file has no biography"

    [summary] = events("experts.imported")
    assert summary.actor_id == officer.id and summary.subject_type == "expert_pool"
    assert (summary.detail["added"], summary.detail["updated"], summary.detail["unchanged"]) == (2, 1, 0)
    assert summary.detail["filename"] == "experts.csv"
    per_expert = events("expert.created", "expert.updated")
    assert [(e.action, e.subject_id, e.detail["source"]) for e in per_expert] == [
        ("expert.created", jane.id, "import"),
        ("expert.created", nudge.id, "import"),
        ("expert.updated", kim_expert.id, "import"),
    ]
    assert set(per_expert[2].detail["fields"]) == {"organisation", "day_rate_pence"}
    assert "Added to the pool from a CSV file" in words(text(client.get(manage_page(jane))))

    # The same file again changes nothing.
    assert upload(client, content).status_code == 302
    assert "Import complete: 0 experts added, 0 updated and 3 unchanged" in words(text(client.get("/experts")))
    assert events("experts.imported")[-1].detail["unchanged"] == 3


def test_a_file_with_errors_in_two_rows_and_a_bad_header_imports_nothing_and_lists_each_error(client, officer, kim):  # type: ignore[no-untyped-def]
    signed_in_as(client, officer)
    before = stored()
    content = (
        HEADER
        + ",colour\n"
        + "Jane Smith,jane@example.com,,individual,procurement,london,650,2,vetted,blue\n"
        + "Nudge Partners,team@nudge.example.com,,delivery_partner,behavioural_insights,Mars,700,25,vetted,\n"
        + "Ravi Patel,ravi@example.com,,individual,finance,london,six hundred,1,vetted,\n"
    ).encode()
    refused = upload(client, content)
    assert refused.status_code == 200
    page = text(refused)
    assert error_summary(page) == {"#file": "The file has 4 problems, so nothing has been imported"}
    assert import_problems(page) == [
        "Row 1, colour: colour is not a column the import knows: the columns are " + ", ".join(workflow.IMPORT_COLUMNS),
        "Row 3, regions: “Mars” is not a region: use the codes or names listed on the import page",
        "Row 3, capacity: The capacity must be between 0 and 20",
        "Row 4, day_rate: Enter the day rate as a number of pounds, like 650",
    ]
    assert "Nothing has been imported" in words(page)
    assert stored() == before


IMPORT_REFUSALS: list[tuple[str, str, list[str]]] = [
    (
        "missing columns",
        "name,email,kind,specialisms,regions,day_rate,vetting_status\nJane,jane@example.com,individual,finance,london,650,vetted\n",
        [
            "Row 1, organisation: The file has no organisation column",
            "Row 1, capacity: The file has no capacity column",
        ],
    ),
    (
        "a column twice",
        HEADER + ",email\nJane,jane@example.com,,individual,finance,london,650,2,vetted,jane@example.com\n",
        ["Row 1, email: The header row has more than one email column"],
    ),
    ("no header at all", "Jane,jane@example.com\n", ["Row 1: The first row must be the header: " + HEADER]),
    (
        "a header and nothing else",
        HEADER + "\n",
        ["Row 2: There are no experts in the file: add a row for each below the header"],
    ),
    (
        "the same email twice, in other capitals",
        HEADER
        + "\nJane,jane@example.com,,individual,finance,london,650,2,vetted"
        + "\nJ Smith,JANE@example.com,,individual,finance,london,650,2,vetted\n",
        ["Row 3, email: The file already has this email address in row 2"],
    ),
    (
        "an empty row counted as a spreadsheet counts it",
        HEADER + "\n\nJane,jane@example.com,,individual,finance,london,-650,2,vetted\n",
        ["Row 3, day_rate: The day rate must be more than £0"],
    ),
    (
        "every column of a row wrong",
        HEADER + "\n,not-an-email,,robot,,,0,-1,maybe\n",
        [
            "Row 2, name: Enter the expert's name",
            "Row 2, email: Enter an email address in the correct format, like name@example.com",
            "Row 2, kind: “robot” is not a kind of expert: use individual or delivery_partner",
            "Row 2, specialisms: Enter at least one specialism, separating several with semicolons",
            "Row 2, regions: Enter at least one region, separating several with semicolons",
            "Row 2, day_rate: The day rate must be more than £0",
            "Row 2, capacity: The capacity must be between 0 and 20",
            "Row 2, vetting_status: “maybe” is not a vetting status: use applied or vetted or suspended",
        ],
    ),
    (
        "too many values in a row",
        HEADER + "\nJane,jane@example.com,,individual,finance,london,650,2,vetted,extra\n",
        ["Row 2: This row has 10 values but the header has 9 columns"],
    ),
    (
        "unknown specialisms",
        HEADER + "\nJane,jane@example.com,,individual,plumbing;finance;gardening,london,650,2,vetted\n",
        [
            "Row 2, specialisms: “plumbing”, “gardening” are not specialisms: "
            "use the codes or names listed on the import page"
        ],
    ),
]


@pytest.mark.parametrize(("case", "content", "expected"), IMPORT_REFUSALS, ids=[c[0] for c in IMPORT_REFUSALS])
def test_a_file_with_problems_imports_nothing_and_says_where_each_is(client, officer, case, content, expected):  # type: ignore[no-untyped-def]
    signed_in_as(client, officer)
    before = stored()
    refused = upload(client, content.encode())
    assert refused.status_code == 200, case
    assert import_problems(text(refused)) == expected
    assert stored() == before


def test_an_email_already_in_the_pool_is_an_update_not_a_clash(officer, kim):  # type: ignore[no-untyped-def]
    rows, problems = workflow.check_import(
        HEADER + "\nKim,kim@experts.example.com,,individual,finance,london,650,2,vetted\n"
    )
    assert problems == [] and len(rows) == 1
    result = workflow.import_experts(
        HEADER + "\nKim,kim@experts.example.com,,individual,finance,london,650,2,vetted\n", actor=officer
    )
    assert (result.added, result.updated, result.unchanged) == (0, 1, 0)
    db.session.rollback()


FILE_REFUSALS: list[tuple[str, bytes, str, str]] = [
    (
        "a file over 1 MB",
        (HEADER + "\n" + "Jane,jane@example.com,,individual,finance,london,650,2,vetted\n" * 20_000).encode(),
        "experts.csv",
        "The selected file must be smaller than 1 MB",
    ),
    ("a picture", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "experts.csv", workflow.NOT_UTF8_TEXT),
    (
        "a spreadsheet",
        b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00" + b"\xff" * 64,
        "experts.xlsx",
        workflow.NOT_UTF8_TEXT,
    ),
    (
        "text in another encoding",
        (HEADER + "\nJane,jane@example.com,,individual,finance,london,£650,2,vetted\n").encode("latin-1"),
        "experts.csv",
        workflow.NOT_UTF8_TEXT,
    ),
    ("control characters", (HEADER + "\n\x07\x1b[0m\n").encode(), "experts.csv", workflow.NOT_UTF8_TEXT),
    ("an empty file", b"", "experts.csv", "The selected file is empty"),
    ("a file of blank lines", b"\xef\xbb\xbf\r\n \r\n", "experts.csv", "The selected file is empty"),
]


def test_a_file_that_is_too_big_binary_or_not_utf8_is_refused_beside_the_field(client, officer):  # type: ignore[no-untyped-def]
    signed_in_as(client, officer)
    failures = []
    for case, content, filename, message in FILE_REFUSALS:
        before = stored()
        try:
            assert_refused_beside(upload(client, content, filename), "file", message)
        except AssertionError as error:
            failures.append(f"{case}: {error}")
        if stored() != before:
            failures.append(f"{case}: something was stored")
    assert not failures, "\n".join(failures)
    token = hidden_fields(text(client.get("/experts/import")))["csrf_token"]
    no_file = client.post("/experts/import", data={"csrf_token": token}, content_type="multipart/form-data")
    assert_refused_beside(no_file, "file", "Select a CSV file")


def test_the_example_file_downloads_and_imports_as_it_is(client, officer):  # type: ignore[no-untyped-def]
    signed_in_as(client, officer)
    page = words(text(client.get("/experts/import")))
    assert "A row whose email address is already in the pool updates that expert's details" in page
    assert "behavioural_insights" in page and "Yorkshire and the Humber" in page
    example = client.get("/experts/import/example.csv")
    assert example.status_code == 200 and example.mimetype == "text/csv"
    assert example.headers["Content-Disposition"] == 'attachment; filename="expert-pool-example.csv"'
    assert example.get_data(as_text=True).splitlines()[0] == HEADER
    imported = upload(client, example.get_data())
    assert imported.status_code == 302, words(text(imported))
    assert len(events("expert.created")) == 2


def test_only_staff_may_import_whatever_calls_the_domain(kim, make_user):  # type: ignore[no-untyped-def]
    assessor = make_user(Role.ASSESSOR, email="hannah@lga.example.gov.uk")
    for actor in (kim, assessor):
        with pytest.raises(ExpertPoolError):
            workflow.import_experts(workflow.example_csv(), actor=actor)
        with pytest.raises(ExpertPoolError):
            workflow.create_expert(details(), actor=actor)
    assert stored()["experts"] == 1


# 5. Conflicts of interest --------------------------------------------------------------------------


def test_staff_record_a_conflict_and_a_second_for_the_same_council_is_refused(client, officer, kim, councils):  # type: ignore[no-untyped-def]
    expert = expert_of(kim)
    signed_in_as(client, officer)
    path = f"/experts/{expert.id}/conflicts/new"
    recorded = fill(client, path, {"council": " babergh ", "reason": "Was head of procurement there until 2025"})
    assert recorded.status_code == 302, words(text(recorded))
    assert recorded.headers["Location"] == f"{manage_page(expert)}#conflicts"
    [conflict] = db.session.scalars(select(ConflictOfInterest)).all()
    assert (conflict.expert_id, conflict.council_id, conflict.declared_by_expert, conflict.recorded_by_id) == (
        expert.id,
        councils["babergh"].id,
        False,
        officer.id,
    )
    [event] = events("conflict.recorded")
    assert (event.actor_id, event.subject_type, event.subject_id) == (officer.id, "expert", expert.id)
    assert (
        event.detail["council"] == "E07000200" and event.detail["reason"] == "Was head of procurement there until 2025"
    )
    page = words(text(client.get(manage_page(expert))))
    assert "Conflict of interest with Babergh recorded" in page
    assert "Babergh (E07000200) Was head of procurement there until 2025 Recorded by Tom Okafor" in page
    assert "Conflict of interest recorded: Babergh (E07000200)" in page

    before = stored()
    assert_refused_beside(
        fill(client, path, {"council": "E07000200", "reason": "Again"}),
        "council",
        "Kim Expert already has a conflict of interest with Babergh",
    )
    assert_refused_beside(
        fill(client, path, {"council": "Babergh (E07000200)", "reason": "Again"}),
        "council",
        "Kim Expert already has a conflict of interest with Babergh",
    )
    assert stored() == before
    with pytest.raises(ExpertPoolError) as refused:
        workflow.record_conflict(expert, ConflictDetails(council="babergh", reason="Again"), actor=officer)
    assert refused.value.problems == {"council": "Kim Expert already has a conflict of interest with Babergh"}


CONFLICT_REFUSALS: list[tuple[str, dict[str, Any], str, str]] = [
    ("no council", {"council": ""}, "council", "Enter the council's name or GSS code"),
    ("no reason", {"reason": "  "}, "reason", "Enter the reason for the conflict of interest"),
    ("a reason too long", {"reason": "r" * 2001}, "reason", "The reason must be 2,000 characters or fewer"),
    ("an unknown GSS code", {"council": "E07999999"}, "council", "There is no council with the GSS code E07999999"),
    (
        "a council named more fully than the register does",
        {"council": "Babergh District Council"},
        "council",
        "No council is called Babergh District Council. Did you mean Babergh (E07000200)?",
    ),
    (
        "part of a name",
        {"council": "Suff"},
        "council",
        "No council is called Suff. Did you mean Suffolk (E10000029)?",
    ),
    (
        "a council not in the register",
        {"council": "Atlantis"},
        "council",
        "No council called Atlantis is in the register. Enter its name or GSS code, like E07000200",
    ),
]


def test_a_conflict_with_bad_input_is_refused_beside_the_field_and_nothing_is_stored(client, officer, kim, councils):  # type: ignore[no-untyped-def]
    signed_in_as(client, officer)
    answers = {"council": "Ipswich", "reason": "Partner is a councillor"}
    check_refusals(client, f"/experts/{kim.expert_id}/conflicts/new", answers, CONFLICT_REFUSALS)


def test_an_expert_declares_their_own_conflict_and_sees_it(client, officer, kim, councils):  # type: ignore[no-untyped-def]
    expert = expert_of(kim)
    signed_in_as(client, kim)
    declared = fill(
        client, "/experts/me/conflicts/new", {"council": "e09000007", "reason": "My sister is chief executive"}
    )
    assert declared.status_code == 302, words(text(declared))
    [conflict] = db.session.scalars(select(ConflictOfInterest)).all()
    assert (conflict.council_id, conflict.declared_by_expert, conflict.recorded_by_id) == (
        councils["camden"].id,
        True,
        kim.id,
    )
    [event] = events("conflict.declared")
    assert (event.actor_id, event.subject_id, event.detail["council_name"]) == (kim.id, expert.id, "Camden")
    page = words(text(client.get("/experts/me")))
    assert "Conflict of interest with Camden declared" in page
    assert "Camden (E09000007) My sister is chief executive Declared by the expert" in page
    assert "/experts/conflicts/" not in text(client.get("/experts/me")), "an expert cannot remove a conflict"

    before = stored()
    assert_refused_beside(
        fill(client, "/experts/me/conflicts/new", {"council": "Camden", "reason": "Again"}),
        "council",
        "Kim Expert already has a conflict of interest with Camden",
    )
    assert stored() == before

    # Staff see it on the expert's page and in the register; matching reads it.
    signed_in_as(client, officer)
    assert "Declared by the expert" in words(text(client.get(manage_page(expert))))
    assert workflow.has_conflict(expert.id, councils["camden"].id)
    assert not workflow.has_conflict(expert.id, councils["babergh"].id)
    assert workflow.conflicted_expert_ids([councils["camden"].id, councils["ipswich"].id]) == {expert.id}
    assert workflow.conflicted_expert_ids([]) == set()


def test_the_register_of_conflicts_is_filtered_by_council(client, officer, kim, sam, councils):  # type: ignore[no-untyped-def]
    for user, council in ((kim, "Babergh"), (kim, "Camden"), (sam, "Camden")):
        workflow.record_conflict(
            expert_of(user), ConflictDetails(council=council, reason="Worked there"), actor=officer
        )
    db.session.commit()
    signed_in_as(client, officer)
    everything = words(text(client.get("/experts/conflicts")))
    assert "3 conflicts of interest." in everything
    camden = words(text(client.get("/experts/conflicts?council=camden")))
    assert "2 conflicts of interest with councils matching “camden”" in camden
    assert "Kim Expert" in camden and "Sam Other" in camden and "Babergh" not in camden
    by_code = words(text(client.get("/experts/conflicts?council=E07000200")))
    assert "1 conflict of interest with councils matching" in by_code and "Babergh (E07000200)" in by_code
    assert "No conflict of interest matches this council" in words(
        text(client.get("/experts/conflicts?council=Ipswich"))
    )
    assert "Conflicts of interest" in text(client.get("/experts"))


def test_staff_remove_a_conflict_only_with_a_reason_and_the_removal_is_audited(client, officer, kim, councils):  # type: ignore[no-untyped-def]
    expert = expert_of(kim)
    conflict = workflow.declare_conflict(
        expert, ConflictDetails(council="Ipswich", reason="Former employer"), actor=kim
    )
    db.session.commit()
    signed_in_as(client, officer)
    path = f"/experts/conflicts/{conflict.id}/remove"
    assert "Remove the conflict of interest with Ipswich?" in words(text(client.get(path)))
    before = stored()
    assert_refused_beside(
        fill(client, path, {"reason": " "}), "reason", "Enter why the conflict of interest is being removed"
    )
    assert stored() == before

    removed = fill(client, path, {"reason": "Left the council in 2015: no longer a conflict"})
    assert removed.status_code == 302
    assert removed.headers["Location"] == f"{manage_page(expert)}#conflicts"
    assert db.session.scalar(select(func.count()).select_from(ConflictOfInterest)) == 0
    [event] = events("conflict.removed")
    assert (event.actor_id, event.subject_id) == (officer.id, expert.id)
    assert event.detail["reason"] == "Left the council in 2015: no longer a conflict"
    assert event.detail["conflict_reason"] == "Former employer" and event.detail["declared_by_expert"] is True
    page = words(text(client.get(manage_page(expert))))
    assert "Conflict of interest with Ipswich removed" in page
    assert "Conflict of interest removed: Ipswich (E07000202). Reason: Left the council in 2015" in page
    assert client.get(path).status_code == 404
    assert not workflow.has_conflict(expert.id, councils["ipswich"].id)

    with pytest.raises(ExpertPoolError):
        workflow.remove_conflict(conflict, reason="Not theirs to remove", actor=kim)


# 6. The audit trail --------------------------------------------------------------------------------


def test_the_experts_history_shows_every_change_newest_first_with_who_made_it(client, officer, admin, kim, councils):  # type: ignore[no-untyped-def]
    expert = expert_of(kim)
    workflow.update_expert(
        expert, replace_details(expert, vetting_status=VettingStatus.SUSPENDED), actor=admin, expected_version=1
    )
    window = workflow.add_availability(
        expert, AvailabilityWindow(starts_on=date(2027, 1, 4), ends_on=date(2027, 3, 31)), actor=kim
    )
    workflow.declare_conflict(expert, ConflictDetails(council="Suffolk", reason="Consultant to them"), actor=kim)
    workflow.remove_availability(window, actor=officer)
    db.session.commit()
    assert reloaded(expert).version == 4

    signed_in_as(client, officer)
    page = text(client.get(manage_page(expert)))
    found = re.search(r"<h2[^>]*id=\"history\".*?</table>", page, re.S)
    assert found
    rows = [words(row) for row in re.findall(r"<tr class=\"govuk-table__row\">(.*?)</tr>", found.group(0), re.S)][1:]
    assert [row.split(" at ")[1].split(" ", 1)[1] for row in rows] == [
        "Availability removed: from 4 January 2027 until 31 March 2027 Tom Okafor",
        "Conflict of interest declared by the expert: Suffolk (E10000029) Kim Expert",
        "Availability added: from 4 January 2027 until 31 March 2027 Kim Expert",
        "Details changed (vetting) Ada Admin",
    ]


def test_a_stale_version_is_refused_by_the_domain_whatever_calls_it(officer, kim):  # type: ignore[no-untyped-def]
    expert = expert_of(kim)
    with pytest.raises(StaleExpertError):
        workflow.update_expert(expert, replace_details(expert, capacity=4), actor=officer, expected_version=7)
    with pytest.raises(StaleExpertError):
        workflow.set_expertise(expert, [Specialism.DIGITAL], [Region.LONDON], actor=kim, expected_version=0)
    db.session.rollback()
    assert reloaded(expert).capacity == 2 and events("expert.updated") == []


def test_a_refused_import_is_an_exception_listing_every_row(officer):  # type: ignore[no-untyped-def]
    content = (
        HEADER
        + "\nA,a@example.com,,individual,finance,london,x,1,vetted\nB,b@example.com,,individual,,london,1,1,vetted\n"
    )
    with pytest.raises(ImportRefusedError) as refused:
        workflow.import_experts(content, actor=officer)
    assert [str(problem) for problem in refused.value.rows] == [
        "Row 2, day_rate: Enter the day rate as a number of pounds, like 650",
        "Row 3, specialisms: Enter at least one specialism, separating several with semicolons",
    ]
    assert stored()["experts"] == 0
