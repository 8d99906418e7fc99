"""The shared services map: programme officers record, change and remove shared arrangements
(version-checked, audited, bad input refused beside its field with nothing stored); an introduction
that reached agreement becomes an arrangement; staff and council officers read the register,
filtered, totalled, drawn by region and downloaded as CSV; no one else reaches it."""

from __future__ import annotations

import csv
import inspect
import io
import re
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from grants.extensions import db
from grants.models import (
    AuditEvent,
    ConsentStatus,
    Council,
    CouncilTier,
    Introduction,
    IntroductionParty,
    IntroductionStatus,
    Region,
    Role,
    SharedArrangement,
    SharedArrangementCouncil,
    User,
)
from grants.models.base import utcnow
from tests.support.client import csrf_token, sign_in, signed_in_as
from tests.support.database import counting_statements, reloaded
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
from workflows import arrangements as workflow
from workflows.arrangements import (
    ArrangementDetails,
    ArrangementError,
    RegisterFilter,
    StaleArrangementError,
)
from workflows.reporting.periods import financial_year_of, year_label

TODAY = date.today()
POUND = 100
YEAR = year_label(financial_year_of(TODAY))

# What a programme officer types to record an arrangement.
ANSWERS: dict[str, Any] = {
    "name": "Babergh and Mid Suffolk shared workforce",
    "councils": "Babergh\r\nE07000203",
    "service_area": "hr",
    "sharing_type": "both",
    "started_on": ["1", "6", "2011"],
    "estimated_annual_savings": "3,000,000",
}


# People and places ---------------------------------------------------------------------------------


@pytest.fixture
def places(councils: dict[str, Council]) -> dict[str, Council]:
    """Two county areas (Suffolk: Babergh, Ipswich, Mid Suffolk; Norfolk: Broadland, South
    Norfolk), two London boroughs and two Welsh councils, each in its region."""
    suffolk = councils["suffolk"]
    norfolk = Council(gss_code="E10000020", name="Norfolk", tier=CouncilTier.COUNTY)
    more = {
        "mid_suffolk": Council(gss_code="E07000203", name="Mid Suffolk", tier=CouncilTier.DISTRICT, parent=suffolk),
        "norfolk": norfolk,
        "broadland": Council(gss_code="E07000144", name="Broadland", tier=CouncilTier.DISTRICT, parent=norfolk),
        "south_norfolk": Council(gss_code="E07000149", name="South Norfolk", tier=CouncilTier.DISTRICT, parent=norfolk),
        "westminster": Council(gss_code="E09000033", name="Westminster", tier=CouncilTier.LONDON_BOROUGH),
        "cardiff": Council(gss_code="W06000015", name="Cardiff", tier=CouncilTier.WELSH_PRINCIPAL_AREA),
        "vale": Council(gss_code="W06000014", name="Vale of Glamorgan", tier=CouncilTier.WELSH_PRINCIPAL_AREA),
    }
    db.session.add_all(more.values())
    made = {**councils, **more}
    for key, council in made.items():
        council.region = (
            Region.LONDON
            if key in ("camden", "westminster")
            else Region.WALES
            if key in ("cardiff", "vale")
            else Region.EAST_OF_ENGLAND
        )
    db.session.commit()
    return made


@pytest.fixture
def officer(make_user: Any, places: dict[str, Council]) -> User:
    return make_user(Role.PROGRAMME_OFFICER, email="tom@lga.example.gov.uk", name="Tom Okafor")


@pytest.fixture
def colleague(make_user: Any, places: dict[str, Council]) -> User:
    return make_user(Role.PROGRAMME_OFFICER, email="ruth@lga.example.gov.uk", name="Ruth Colleague")


def details(**changes: Any) -> ArrangementDetails:
    values: dict[str, Any] = {
        "name": "Babergh and Mid Suffolk shared workforce",
        "service_area": "hr",
        "sharing_type": "both",
        "started_on": date(2011, 6, 1),
        "estimated_annual_savings_pence": 3_000_000 * POUND,
    }
    return ArrangementDetails(**{**values, **changes})


def record(actor: User, councils: list[str], **changes: Any) -> SharedArrangement:
    made = workflow.record_arrangement(details(**changes), councils, actor=actor)
    db.session.commit()
    return made


def stored() -> dict[str, int]:
    db.session.expire_all()
    return {
        model.__tablename__: db.session.scalar(select(func.count()).select_from(model)) or 0
        for model in (SharedArrangement, SharedArrangementCouncil, AuditEvent)
    }


def events(*actions: str) -> list[AuditEvent]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action.in_(actions)).order_by(AuditEvent.id)))


def page_of(arrangement: SharedArrangement | int) -> str:
    return f"/sharing/arrangements/{arrangement if isinstance(arrangement, int) else arrangement.id}"


def codes_of(arrangement: SharedArrangement) -> list[str]:
    return [link.council.gss_code for link in reloaded(arrangement).councils]


# 1. Recording and changing -------------------------------------------------------------------------


def test_a_programme_officer_records_an_arrangement_and_it_is_audited(client, officer):  # type: ignore[no-untyped-def]
    signed_in_as(client, officer)
    form = text(client.get("/sharing/arrangements/new"))
    assert 'name="councils"' in form and 'name="verified_annual_savings"' not in form

    saved = fill(client, "/sharing/arrangements/new", ANSWERS)
    assert saved.status_code == 302, words(text(saved))
    made = db.session.scalar(select(SharedArrangement))
    assert made is not None and saved.headers["Location"] == page_of(made)
    assert (made.name, made.service_area, made.sharing_type, made.started_on) == (
        "Babergh and Mid Suffolk shared workforce",
        "hr",
        "both",
        date(2011, 6, 1),
    )
    assert made.estimated_annual_savings_pence == 300_000_000 and made.claimed_annual_savings_pence is None
    assert (made.recorded_by_id, made.version, made.introduction_id) == (officer.id, 1, None)
    assert codes_of(made) == ["E07000200", "E07000203"]

    [recorded] = events("arrangement.recorded")
    assert (recorded.actor_id, recorded.subject_type, recorded.subject_id) == (
        officer.id,
        "shared_arrangement",
        made.id,
    )
    assert recorded.detail["councils"] == ["E07000200", "E07000203"]
    assert recorded.detail["estimated_annual_savings_pence"] == 300_000_000
    assert recorded.detail["started_on"] == "2011-06-01" and recorded.detail["source"] == "form"

    page = words(text(client.get(page_of(made))))
    assert "Babergh and Mid Suffolk shared workforce recorded on the map" in page
    assert "Babergh E07000200" in page and "Mid Suffolk E07000203" in page
    assert "Human resources (HR)" in page and "Both services and a management team" in page
    assert "1 June 2011" in page and "£3,000,000" in page and "Not verified yet" in page
    assert "Recorded on the map" in page and "Tom Okafor" in page
    assert "Babergh and Mid Suffolk shared workforce" in words(text(client.get("/sharing/register")))


def test_a_programme_officer_changes_an_arrangement_and_adds_the_claimed_and_verified_savings(  # type: ignore[no-untyped-def]
    client, officer
):
    made = record(officer, ["Babergh", "Mid Suffolk"])
    signed_in_as(client, officer)
    edit = f"{page_of(made)}/edit"
    form = text(client.get(edit))
    assert input_value(form, "version") == "1" and input_value(form, "estimated_annual_savings") == "3,000,000"
    assert is_checked(form, "sharing_type", "both") and input_value(form, "claimed_annual_savings") == ""

    answers = {
        **hidden_fields(form),
        **ANSWERS,
        "sharing_type": "services",
        "claimed_annual_savings": "3,400,000",
        "verified_annual_savings": "3,150,000.50",
    }
    saved = client.post(edit, data=answers)
    assert saved.status_code == 302, words(text(saved))
    made = reloaded(made)
    assert (made.sharing_type, made.version) == ("services", 2)
    assert (made.claimed_annual_savings_pence, made.verified_annual_savings_pence) == (340_000_000, 315_000_050)

    [updated] = events("arrangement.updated")
    assert (updated.actor_id, updated.subject_id) == (officer.id, made.id)
    assert set(updated.detail["fields"]) == {
        "sharing_type",
        "claimed_annual_savings_pence",
        "verified_annual_savings_pence",
    }
    assert updated.detail["changes"]["verified_annual_savings_pence"] == [None, 315_000_050]
    page = words(text(client.get(page_of(made))))
    assert "Changes saved" in page and "£3,150,000.50" in page
    assert "Details changed (what is shared, claimed annual savings, verified annual savings)" in page

    # The same answers again change nothing and keep the version.
    again = client.post(edit, data={**answers, "version": "2"})
    assert again.status_code == 302
    assert "Nothing was changed" in words(text(client.get(page_of(made))))
    assert reloaded(made).version == 2 and len(events("arrangement.updated")) == 1


def test_councils_are_added_and_removed_with_a_reason_and_an_arrangement_is_removed_with_one(  # type: ignore[no-untyped-def]
    client, officer
):
    made = record(officer, ["Babergh", "Mid Suffolk"])
    signed_in_as(client, officer)

    added = fill(client, f"{page_of(made)}/councils/new", {"council": "ipswich"})
    assert added.status_code == 302, words(text(added))
    assert codes_of(made) == ["E07000200", "E07000203", "E07000202"] and reloaded(made).version == 2

    ipswich = db.session.scalar(select(Council).where(Council.gss_code == "E07000202"))
    remove = f"{page_of(made)}/councils/{ipswich.id}/remove"
    assert_refused_beside(
        fill(client, remove, {"reason": " "}), "reason", "Enter why Ipswich is leaving the arrangement"
    )
    removed = fill(client, remove, {"reason": "Ipswich brought the service back in house"})
    assert removed.status_code == 302
    assert codes_of(made) == ["E07000200", "E07000203"] and reloaded(made).version == 3

    # Two councils are the least an arrangement has.
    babergh = db.session.scalar(select(Council).where(Council.gss_code == "E07000200"))
    refused = fill(client, f"{page_of(made)}/councils/{babergh.id}/remove", {"reason": "Leaving"})
    assert refused.status_code == 200
    assert "An arrangement needs at least two councils: to end this one, remove the whole arrangement" in banner(
        text(refused)
    )
    assert codes_of(made) == ["E07000200", "E07000203"]

    [council_added, council_removed] = events("arrangement.council_added", "arrangement.council_removed")
    assert (council_added.actor_id, council_added.detail["council"]) == (officer.id, "E07000202")
    assert council_removed.detail == {
        "council": "E07000202",
        "council_name": "Ipswich",
        "reason": "Ipswich brought the service back in house",
    }
    history = words(text(client.get(page_of(made))))
    assert "Council removed: Ipswich (E07000202). Reason: Ipswich brought the service back in house" in history

    made_id = made.id
    remove_all = f"{page_of(made)}/remove"
    assert_refused_beside(
        fill(client, remove_all, {"reason": ""}), "reason", "Enter why the arrangement is being removed"
    )
    gone = fill(client, remove_all, {"reason": "Recorded twice by mistake"})
    assert gone.status_code == 302 and gone.headers["Location"] == "/sharing/register"
    assert db.session.scalar(select(func.count()).where(SharedArrangement.id == made_id)) == 0
    assert db.session.scalar(select(func.count()).select_from(SharedArrangementCouncil)) == 0
    [removed_event] = events("arrangement.removed")
    assert removed_event.subject_id == made_id and removed_event.detail["reason"] == "Recorded twice by mistake"
    assert removed_event.detail["councils"] == ["E07000200", "E07000203"]
    assert removed_event.detail["name"] == "Babergh and Mid Suffolk shared workforce"
    assert client.get(page_of(made_id)).status_code == 404


REFUSALS: list[tuple[str, dict[str, Any], str, str]] = [
    ("no name", {"name": " "}, "name", "Enter the name of the arrangement"),
    ("a name too long", {"name": "x" * 201}, "name", "The name must be 200 characters or fewer"),
    (
        "a name already on the map, in other capitals",
        {"name": "anglia REVENUES partnership"},
        "name",
        "There is already an arrangement called anglia REVENUES partnership on the map",
    ),
    ("no councils", {"councils": ""}, "councils", "Enter at least two councils, one on each line"),
    ("one council", {"councils": "Babergh"}, "councils", "Enter at least two councils, one on each line"),
    (
        "a council listed twice",
        {"councils": "Babergh\nE07000200"},
        "councils",
        "Babergh is listed more than once",
    ),
    (
        "a council that is not in the register",
        {"councils": "Babergh\nE07999999"},
        "councils",
        "There is no council with the GSS code E07999999",
    ),
    (
        "two councils that are not in the register",
        {"councils": "Babergh\nNowhere\nElsewhere"},
        "councils",
        "These councils are not in the register: Nowhere, Elsewhere. Enter each council's name or GSS code",
    ),
    ("no service area", {"service_area": ""}, "service_area", "Select the service area"),
    ("an unknown service area", {"service_area": "parking"}, "service_area", "Select the service area"),
    ("no sharing type", {"sharing_type": None}, "sharing_type", "Select what the councils share"),
    ("an unknown sharing type", {"sharing_type": "everything"}, "sharing_type", "Select what the councils share"),
    ("no start date", {"started_on": ["", "", ""]}, "started_on", "Enter the date the arrangement started"),
    (
        "a start date that is not a date",
        {"started_on": ["31", "2", "2011"]},
        "started_on",
        "The start date must be a real date",
    ),
    (
        "a start date in the future",
        {"started_on": date_parts(TODAY + timedelta(days=1))},
        "started_on",
        "The start date must be today or in the past",
    ),
    (
        "a start date before today's councils",
        {"started_on": ["31", "3", "1974"]},
        "started_on",
        "The start date must be on or after 1 April 1974",
    ),
    ("no savings", {"estimated_annual_savings": ""}, "estimated_annual_savings", "Enter the estimated annual savings"),
    (
        "negative savings",
        {"estimated_annual_savings": "-5"},
        "estimated_annual_savings",
        "The estimated annual savings cannot be negative",
    ),
    (
        "savings in words",
        {"estimated_annual_savings": "lots"},
        "estimated_annual_savings",
        "Enter the estimated annual savings as a number of pounds, like 6,000 or 6000.50",
    ),
    (
        "savings far too large",
        {"estimated_annual_savings": "100,000,000"},
        "estimated_annual_savings",
        "The estimated annual savings must be less than £100,000,000 a year",
    ),
]


def test_bad_input_is_refused_beside_its_field_and_nothing_is_stored(client, officer):  # type: ignore[no-untyped-def]
    record(officer, ["Babergh", "Ipswich"], name="Anglia Revenues Partnership", service_area="revenues_and_benefits")
    signed_in_as(client, officer)
    failures = []
    for case, changes, field, message in REFUSALS:
        before = stored()
        response = fill(client, "/sharing/arrangements/new", posted(ANSWERS, changes))
        try:
            assert_refused_beside(response, field, message)
        except AssertionError as error:
            failures.append(f"{case}: {error}")
        if stored() != before:
            failures.append(f"{case}: something was stored")
    assert not failures, "\n".join(failures)


def test_every_problem_is_shown_at_once_and_what_was_typed_is_shown_back(client, officer):  # type: ignore[no-untyped-def]
    signed_in_as(client, officer)
    before = stored()
    bad = {
        "name": "",
        "councils": "Ipswich\nBabergh District Council",
        "service_area": "",
        "estimated_annual_savings": "-1",
    }
    page = text(fill(client, "/sharing/arrangements/new", posted(ANSWERS, bad)))
    # In the order of the page's fields.
    assert list(error_summary(page)) == ["#name", "#councils", "#service_area", "#estimated_annual_savings"]
    assert (
        error_beside(page, "councils")
        == "No council is called Babergh District Council. Did you mean Babergh (E07000200)?"
    )
    assert "Ipswich\nBabergh District Council" in page.replace("\r\n", "\n") and 'value="-1"' in page
    assert stored() == before


def test_a_change_with_bad_input_changes_nothing(client, officer):  # type: ignore[no-untyped-def]
    made = record(officer, ["Babergh", "Mid Suffolk"])
    signed_in_as(client, officer)
    edit = f"{page_of(made)}/edit"
    answers = {**hidden_fields(text(client.get(edit))), **ANSWERS}
    before = stored()
    assert_refused_beside(
        client.post(edit, data={**answers, "claimed_annual_savings": "-10"}),
        "claimed_annual_savings",
        "The claimed annual savings cannot be negative",
    )
    assert_refused_beside(
        client.post(edit, data={**answers, "started_on": date_parts(TODAY + timedelta(days=30))}),
        "started_on",
        "The start date must be today or in the past",
    )
    assert stored() == before
    assert (reloaded(made).version, reloaded(made).claimed_annual_savings_pence) == (1, None)


def test_markup_in_a_name_is_kept_as_typed_and_shown_escaped(client, officer):  # type: ignore[no-untyped-def]
    typed = "<script>alert('x')</script> & <b>partners</b>"
    made = record(officer, ["Babergh", "Ipswich"], name=typed)
    assert made.name == typed
    signed_in_as(client, officer)
    for path in (page_of(made), "/sharing/register", f"{page_of(made)}/edit"):
        page = text(client.get(path))
        assert "<script>alert" not in page and "<b>partners" not in page, path
        assert "&lt;script&gt;alert(" in page, path


def test_a_save_from_a_page_read_before_someone_elses_change_is_refused(client, officer, colleague):  # type: ignore[no-untyped-def]
    made = record(officer, ["Babergh", "Mid Suffolk"])
    signed_in_as(client, officer)
    edit = f"{page_of(made)}/edit"
    old = {**hidden_fields(text(client.get(edit))), **ANSWERS}
    assert old["version"] == "1"

    workflow.update_arrangement(
        made, details(estimated_annual_savings_pence=3_500_000 * POUND), actor=colleague, expected_version=1
    )
    db.session.commit()
    before = stored()

    refused = client.post(edit, data={**old, "claimed_annual_savings": "4,000,000"})
    assert refused.status_code == 200
    page = text(refused)
    assert "Someone else changed this arrangement after you opened this page" in banner(page)
    assert stored() == before
    made = reloaded(made)
    assert (made.estimated_annual_savings_pence, made.claimed_annual_savings_pence, made.version) == (
        350_000_000,
        None,
        2,
    )
    # The form now shows the arrangement as it is, at its version now.
    assert input_value(page, "estimated_annual_savings") == "3,500,000" and input_value(page, "version") == "2"
    for version in ("", "one"):
        assert "Someone else changed" in banner(text(client.post(edit, data={**old, "version": version})))

    # Removing a council, or the arrangement, from a stale page is refused the same way.
    with pytest.raises(StaleArrangementError):
        workflow.remove_arrangement(made, reason="Ended", actor=officer, expected_version=1)
    db.session.rollback()
    remove = f"{page_of(made)}/remove"
    stale_remove = client.post(remove, data={"csrf_token": csrf_token(client, remove), "version": "1", "reason": "x"})
    assert "Someone else changed" in banner(text(stale_remove))
    assert db.session.scalar(select(func.count()).where(SharedArrangement.id == made.id)) == 1


def test_only_a_programme_officer_changes_the_map_or_verifies_savings(officer, make_user):  # type: ignore[no-untyped-def]
    approver = make_user(Role.APPROVER, email="margaret@lga.example.gov.uk")
    admin = make_user(Role.ADMINISTRATOR, email="ada@lga.example.gov.uk")
    for who in (approver, admin):
        with pytest.raises(ArrangementError) as refused:
            workflow.record_arrangement(details(), ["Babergh", "Ipswich"], actor=who)
        assert refused.value.problems == {"actor": workflow.NOT_STAFF_MESSAGE}
        verifying = workflow.details_problems(details(verified_annual_savings_pence=100), actor=who)
        assert verifying == {"verified_annual_savings": workflow.NOT_VERIFIER_MESSAGE}
    assert workflow.details_problems(details(verified_annual_savings_pence=100), actor=officer) == {}
    made = record(officer, ["Babergh", "Ipswich"], verified_annual_savings_pence=100)
    assert made.verified_annual_savings_pence == 100
    with pytest.raises(ArrangementError):
        workflow.update_arrangement(made, details(name="Other"), actor=approver, expected_version=None)


# 2. From an introduction ---------------------------------------------------------------------------


def introduction_of(officer: User, places: dict[str, Council], status: IntroductionStatus) -> Introduction:
    made = Introduction(
        status=status,
        service_areas=["waste", "planning"],
        note="Neighbours with the same waste contractor",
        proposed_by_id=officer.id,
        agreed_at=utcnow() if status is IntroductionStatus.AGREED else None,
        agreement_summary="One waste service from April",
        parties=[
            IntroductionParty(council=places["broadland"], consent=ConsentStatus.ACCEPTED),
            IntroductionParty(council=places["south_norfolk"], consent=ConsentStatus.ACCEPTED),
        ],
    )
    db.session.add(made)
    db.session.commit()
    return made


def test_the_page_for_an_introduction_not_yet_agreed_says_so_instead_of_offering_a_form(client, officer, places):  # type: ignore[no-untyped-def]
    proposed = introduction_of(officer, places, IntroductionStatus.PROPOSED)
    for party in proposed.parties:
        party.consent = ConsentStatus.WAITING  # no council has accepted yet
    db.session.commit()
    sign_in(client, officer.email)
    answer = client.get(f"/sharing/introductions/{proposed.id}/arrangement")
    assert answer.status_code == 302
    assert answer.headers["Location"] == f"/sharing/introductions/{proposed.id}"
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "The councils have not reached an agreement to share yet" in page
    assert db.session.scalar(db.select(db.func.count()).select_from(SharedArrangement)) == 0


def test_an_introduction_that_reached_agreement_becomes_an_arrangement_once(officer, places):  # type: ignore[no-untyped-def]
    agreed = introduction_of(officer, places, IntroductionStatus.AGREED)
    made = workflow.record_from_introduction(
        agreed, actor=officer, started_on=TODAY, estimated_annual_savings_pence=250_000 * POUND
    )
    db.session.commit()
    made = reloaded(made)
    assert (made.name, made.service_area, made.sharing_type) == (
        "Broadland and South Norfolk shared waste and recycling",
        "waste",
        "services",
    )
    assert made.introduction_id == agreed.id and codes_of(made) == ["E07000144", "E07000149"]
    [recorded] = events("arrangement.recorded")
    assert recorded.detail["source"] == "introduction" and recorded.detail["introduction_id"] == agreed.id

    with pytest.raises(ArrangementError) as twice:
        workflow.record_from_introduction(
            agreed, actor=officer, started_on=TODAY, estimated_annual_savings_pence=1, name="Again"
        )
    assert twice.value.problems["introduction"].startswith("This introduction is on the map already")
    db.session.rollback()

    proposed = introduction_of(officer, places, IntroductionStatus.PROPOSED)
    with pytest.raises(ArrangementError) as early:
        workflow.record_from_introduction(
            proposed, actor=officer, started_on=TODAY, estimated_annual_savings_pence=1, name="Too soon"
        )
    assert early.value.problems == {"introduction": "The councils have not reached an agreement to share yet"}
    db.session.rollback()

    again = introduction_of(officer, places, IntroductionStatus.AGREED)
    with pytest.raises(ArrangementError) as bad:
        workflow.record_from_introduction(
            again,
            actor=officer,
            started_on=TODAY + timedelta(days=5),
            estimated_annual_savings_pence=None,
            service_area="parking",
        )
    assert set(bad.value.problems) == {"started_on", "estimated_annual_savings", "service_area"}
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(SharedArrangement)) == 1


# 3. The register -----------------------------------------------------------------------------------


@pytest.fixture
def mapped(officer: User, places: dict[str, Council]) -> dict[str, SharedArrangement]:
    """Five arrangements: two in Suffolk's county area (one with the county itself), one in
    Norfolk's, one in London and one in Wales."""
    made = {
        "suffolk_hr": record(
            officer,
            ["Babergh", "Mid Suffolk"],
            name="Babergh and Mid Suffolk shared workforce",
            claimed_annual_savings_pence=3_400_000 * POUND,
            verified_annual_savings_pence=3_150_000 * POUND,
        ),
        "suffolk_waste": record(
            officer,
            ["E10000029", "Ipswich"],
            name="Suffolk waste partnership",
            service_area="waste",
            sharing_type="services",
            estimated_annual_savings_pence=1_200_055,
            claimed_annual_savings_pence=1_300_000 * POUND,
        ),
        "norfolk": record(
            officer,
            ["Broadland", "South Norfolk"],
            name="Broadland and South Norfolk one team",
            service_area="hr",
            estimated_annual_savings_pence=1_700_000 * POUND,
        ),
        "london": record(
            officer,
            ["Camden", "Westminster"],
            name="Camden and Westminster legal services",
            service_area="legal",
            sharing_type="services",
            estimated_annual_savings_pence=600_000 * POUND,
        ),
        "wales": record(
            officer,
            ["Cardiff", "Vale of Glamorgan"],
            name="Shared Regulatory Services",
            service_area="environmental_health",
            sharing_type="services",
            estimated_annual_savings_pence=1_100_000 * POUND,
            verified_annual_savings_pence=1_000_000 * POUND,
        ),
    }
    return made


def listed(page: str) -> set[str]:
    """The names of the arrangements in the register's table."""
    table = re.search(r'<table class="govuk-table">.*?</table>', page, re.S)
    if table is None:
        return set()
    return {words(name) for name in re.findall(r'href="/sharing/arrangements/\d+">(.*?)</a>', table.group(0))}


def totals_on(page: str) -> tuple[str, str, str, str]:
    heading = re.search(r'<h2 class="govuk-heading-l">(.*?)</h2>', page, re.S)
    assert heading
    found = {
        words(key): words(value)
        for key, value in re.findall(
            r'<dt class="govuk-summary-list__key">(.*?)</dt>\s*<dd class="govuk-summary-list__value">(.*?)</dd>',
            page,
            re.S,
        )
    }
    return (
        words(heading.group(1)),
        found[f"Estimated savings in {YEAR}"],
        found[f"Claimed savings in {YEAR}"],
        found[f"Verified savings in {YEAR}"],
    )


def test_the_register_filters_by_service_area_county_area_and_region_with_totals_for_what_it_shows(  # type: ignore[no-untyped-def]
    client, officer, mapped
):
    signed_in_as(client, officer)
    everything = text(client.get("/sharing/register"))
    assert listed(everything) == {a.name for a in mapped.values()}
    assert totals_on(everything) == ("5 arrangements", "£6,412,000.55", "£4,700,000", "£4,150,000")

    hr = text(client.get("/sharing/register?service_area=hr"))
    assert listed(hr) == {"Babergh and Mid Suffolk shared workforce", "Broadland and South Norfolk one team"}
    assert totals_on(hr) == ("2 arrangements matching these filters", "£4,700,000", "£3,400,000", "£3,150,000")

    # A county area: the county itself, or any of its districts.
    suffolk = text(client.get("/sharing/register?county=E10000029"))
    assert listed(suffolk) == {"Babergh and Mid Suffolk shared workforce", "Suffolk waste partnership"}
    assert totals_on(suffolk)[:2] == ("2 arrangements matching these filters", "£3,012,000.55")
    assert listed(text(client.get("/sharing/register?county=E10000020"))) == {"Broadland and South Norfolk one team"}

    wales = text(client.get("/sharing/register?region=wales"))
    assert listed(wales) == {"Shared Regulatory Services"}
    assert totals_on(wales) == ("1 arrangement matching these filters", "£1,100,000", "£0", "£1,000,000")

    both = text(client.get("/sharing/register?service_area=hr&region=east_of_england&county=E10000020"))
    assert listed(both) == {"Broadland and South Norfolk one team"}
    none = text(client.get("/sharing/register?service_area=audit"))
    assert listed(none) == set() and "No arrangement matches these filters" in words(none)
    assert totals_on(none) == ("0 arrangements matching these filters", "£0", "£0", "£0")

    # Nonsense in the query string is ignored; a council that is not a county is no county area.
    assert listed(text(client.get("/sharing/register?service_area=x&region=mars&county=E07000200&page=z"))) == {
        a.name for a in mapped.values()
    }


def test_the_totals_are_summed_by_the_database_for_the_whole_filtered_set_not_the_page(  # type: ignore[no-untyped-def]
    client, officer, places
):
    for number in range(30):
        record(
            officer,
            ["Babergh", "Ipswich"],
            name=f"Arrangement {number:02d}",
            estimated_annual_savings_pence=(number + 1) * 1_000 * POUND,
            claimed_annual_savings_pence=POUND if number % 2 else None,
        )
    record(officer, ["Camden", "Westminster"], name="London one", estimated_annual_savings_pence=7 * POUND)
    signed_in_as(client, officer)
    with counting_statements() as seen:
        page = text(client.get("/sharing/register?region=east_of_england"))
    assert len(listed(page)) == 25
    # 1 + 2 + … + 30 thousand pounds; fifteen claims of £1; London's £7 is outside the filter.
    assert totals_on(page) == ("30 arrangements matching these filters", "£465,000", "£15", "£0")
    # One statement sums the whole filtered set (the others that sum group by region or county).
    totals = [
        s
        for s in seen
        if "sum(shared_arrangement_years.estimated_savings_pence)" in s
        and "count(shared_arrangements.id)" in s
        and "GROUP BY" not in s
    ]
    assert len(totals) == 1, "the totals are not summed by the database"
    assert workflow.register_totals(RegisterFilter(region=Region.EAST_OF_ENGLAND)).estimated_pence == 46_500_000
    second = text(client.get("/sharing/register?region=east_of_england&page=2"))
    assert len(listed(second)) == 5 and totals_on(second)[1] == "£465,000"


def test_the_register_page_takes_the_same_number_of_statements_however_many_arrangements(  # type: ignore[no-untyped-def]
    client, officer, places
):
    def statements_for(path: str) -> int:
        client.get(path)
        with counting_statements() as seen:
            response = client.get(path)
        assert response.status_code == 200
        return len(seen)

    def add(count: int, start: int) -> None:
        for number in range(start, start + count):
            record(
                officer,
                ["Babergh", "Mid Suffolk", "Broadland"] if number % 2 else ["Cardiff", "Vale of Glamorgan"],
                name=f"Arrangement {number:03d}",
            )

    signed_in_as(client, officer)
    add(3, 0)
    with_three = statements_for("/sharing/register")
    filtered_three = statements_for("/sharing/register?county=E10000029&service_area=hr")
    add(40, 3)
    assert statements_for("/sharing/register") == with_three
    assert statements_for("/sharing/register?county=E10000029&service_area=hr") == filtered_three
    assert statements_for("/sharing/register?page=2") == with_three


# 4. The picture and its tables ---------------------------------------------------------------------


def table_figures(page: str, table_id: str) -> dict[str, list[str]]:
    """Each row of a table of figures: its first cell, and the rest."""
    table = re.search(rf'<table class="govuk-table" id="{table_id}">(.*?)</table>', page, re.S)
    assert table, f"no table {table_id}"
    body = table.group(1).split("<tbody", 1)[1]
    rows = {}
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S):
        cells = [words(cell) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        rows[cells[0]] = cells[1:]
    return rows


def chart_figures(page: str) -> dict[str, tuple[str, str]]:
    svg = re.search(r"<svg class=\"app-register-chart\".*?</svg>", page, re.S)
    assert svg, "no chart"
    found = {}
    for group in re.findall(r'<g data-region="[^"]*">(.*?)</g>', svg.group(0), re.S):
        figures = dict(re.findall(r'data-figure="(\w+)">([^<]*)</text>', group))
        found[figures["region"]] = (figures["arrangements"], figures["estimated"])
    return found


def test_the_chart_has_a_title_and_description_and_the_tables_carry_the_same_figures(  # type: ignore[no-untyped-def]
    client, officer, mapped
):
    signed_in_as(client, officer)
    page = text(client.get("/sharing/register"))
    svg = re.search(r"<svg class=\"app-register-chart\"[^>]*>", page)
    assert svg and 'role="img"' in svg.group(0)
    labelled = re.search(r'aria-labelledby="([^"]+)"', svg.group(0))
    assert labelled
    title_id, desc_id = labelled.group(1).split()
    title = re.search(rf'<title id="{title_id}">(.*?)</title>', page, re.S)
    desc = re.search(rf'<desc id="{desc_id}">(.*?)</desc>', page, re.S)
    assert title and words(title.group(1)) == (
        f"Shared arrangements in the {YEAR} edition and their estimated savings in {YEAR} by region"
    )
    assert desc and "East of England: 3 arrangements, £4,712,000.55." in words(desc.group(1))
    assert "Wales: 1 arrangement, £1,100,000." in words(desc.group(1))
    assert "None in North East" in words(desc.group(1))
    assert "<script" not in page.split("<svg", 1)[1].split("</svg>", 1)[0]

    drawn = chart_figures(page)
    by_region = table_figures(page, "by-region")
    assert set(drawn) == {r.label for r in Region} == set(by_region)
    for region, (count, estimated) in drawn.items():
        assert by_region[region][:2] == [count, estimated], region
    assert by_region["East of England"] == ["3", "£4,712,000.55", "£4,700,000", "£3,150,000"]
    assert by_region["London"] == ["1", "£600,000", "£0", "£0"]
    assert by_region["North East"] == ["0", "£0", "£0", "£0"]

    by_county = table_figures(page, "by-county-area")
    assert by_county == {
        "Norfolk": ["1", "£1,700,000", "£0", "£0"],
        "Suffolk": ["2", "£3,012,000.55", "£4,700,000", "£3,150,000"],
    }

    # The picture and its tables follow the filters too.
    filtered = text(client.get("/sharing/register?service_area=hr"))
    assert chart_figures(filtered)["East of England"] == ("2", "£4,700,000")
    assert chart_figures(filtered)["Wales"] == ("0", "£0")
    assert table_figures(filtered, "by-county-area")["Suffolk"][:2] == ["1", "£3,000,000"]


# 5. The CSV download -------------------------------------------------------------------------------


def rows_of(body: str) -> list[list[str]]:
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:], newline="")))


def test_the_csv_has_a_header_and_a_row_per_arrangement_with_the_filters(client, officer, mapped):  # type: ignore[no-untyped-def]
    signed_in_as(client, officer)
    response = client.get("/sharing/register.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="shared-services-map-')
    rows = rows_of(response.get_data(as_text=True))
    assert tuple(rows[0]) == workflow.csv_header(financial_year_of(TODAY))
    assert rows[0][-3:] == [
        f"Estimated savings {YEAR} (£)",
        f"Claimed savings {YEAR} (£)",
        f"Verified savings {YEAR} (£)",
    ]
    by_name = {row[0]: row for row in rows[1:]}
    assert len(rows) == 6 and set(by_name) == {a.name for a in mapped.values()}
    assert by_name["Babergh and Mid Suffolk shared workforce"] == [
        "Babergh and Mid Suffolk shared workforce",
        "Babergh; Mid Suffolk",
        "E07000200; E07000203",
        "Human resources (HR)",
        "Both services and a management team",
        "2011-06-01",
        "",
        "3000000.00",
        "3400000.00",
        "3150000.00",
    ]
    assert by_name["Suffolk waste partnership"][1:3] == ["Suffolk; Ipswich", "E10000029; E07000202"]
    assert by_name["Suffolk waste partnership"][7:] == ["12000.55", "1300000.00", ""]

    filtered = rows_of(client.get("/sharing/register.csv?county=E10000029&service_area=waste").get_data(as_text=True))
    assert [row[0] for row in filtered[1:]] == ["Suffolk waste partnership"]
    assert rows_of(client.get("/sharing/register.csv?region=north_east").get_data(as_text=True)) == [
        list(workflow.csv_header(financial_year_of(TODAY)))
    ]
    # The page links to the download with its filters.
    page = text(client.get("/sharing/register?region=wales&service_area=environmental_health"))
    assert 'href="/sharing/register.csv?service_area=environmental_health&amp;region=wales"' in page


def test_cells_a_spreadsheet_would_run_as_formulas_are_made_text(client, officer, places):  # type: ignore[no-untyped-def]
    for name in ('=HYPERLINK("http://evil.example","x")', "+1+1", "-2+3", "@SUM(A1:A2)", "Plain name"):
        record(officer, ["Babergh", "Ipswich"], name=name)
    signed_in_as(client, officer)
    names = [row[0] for row in rows_of(client.get("/sharing/register.csv").get_data(as_text=True))[1:]]
    assert sorted(names) == sorted(
        ['\'=HYPERLINK("http://evil.example","x")', "'+1+1", "'-2+3", "'@SUM(A1:A2)", "Plain name"]
    )
    assert workflow.safe_cell("\tcmd") == "'\tcmd" and workflow.safe_cell("a=b") == "a=b"


def test_the_csv_is_streamed_one_arrangement_at_a_time(client, officer, mapped):  # type: ignore[no-untyped-def]
    signed_in_as(client, officer)
    with counting_statements() as seen:
        response = client.get("/sharing/register.csv")
        assert response.is_streamed
        # The response has started (its header line) before the arrangements are read.
        assert not any("shared_arrangement_councils" in s for s in seen)
        chunks = list(response.response)
    assert any("shared_arrangement_councils" in s for s in seen)
    assert len(chunks) == 1 + len(mapped)
    assert chunks[0].decode("utf-8").lstrip("\ufeff").startswith("Name,Councils,GSS codes")
    assert all(chunk.count(b"\r\n") == 1 for chunk in chunks)
    assert inspect.isgenerator(workflow.register_csv(RegisterFilter()))


# 6. Who reaches what -------------------------------------------------------------------------------


def change_pages(arrangement: SharedArrangement) -> list[str]:
    council_id = arrangement.councils[0].council_id
    return [
        "/sharing/arrangements/new",
        f"{page_of(arrangement)}/edit",
        f"{page_of(arrangement)}/councils/new",
        f"{page_of(arrangement)}/councils/{council_id}/remove",
        f"{page_of(arrangement)}/remove",
    ]


def test_council_officers_read_the_register_but_cannot_change_it(client, make_user, officer, mapped):  # type: ignore[no-untyped-def]
    arrangement = mapped["suffolk_hr"]
    pages = change_pages(arrangement)
    council_officer = make_user(Role.COUNCIL_OFFICER, email="priya@babergh.example.gov.uk", council="camden")
    signed_in_as(client, council_officer)
    register = text(client.get("/sharing/register"))
    assert listed(register) == {a.name for a in mapped.values()}
    assert "Record an arrangement" not in register and "tom@lga.example.gov.uk" not in register
    assert client.get("/sharing/register.csv").status_code == 200
    own = text(client.get(page_of(arrangement)))
    assert "Babergh" in own and "Change the details" not in own and "History" not in own and "Tom Okafor" not in own
    token = csrf_token(client, "/home")
    before = stored()
    for path in pages:
        assert client.get(path).status_code == 403, path
        assert client.post(path, data={"csrf_token": token, **ANSWERS, "reason": "x"}).status_code == 403, path
    assert stored() == before


def test_experts_get_403_from_every_page_of_the_register(client, make_user, officer, mapped):  # type: ignore[no-untyped-def]
    arrangement = mapped["wales"]
    expert = make_user(Role.EXPERT, email="kim@experts.example.com")
    signed_in_as(client, expert)
    for path in ["/sharing/register", "/sharing/register.csv", page_of(arrangement), *change_pages(arrangement)]:
        assert client.get(path).status_code == 403, path


def test_other_staff_read_the_register_and_see_the_history_but_cannot_change_it(  # type: ignore[no-untyped-def]
    client, make_user, officer, mapped
):
    arrangement = mapped["london"]
    approver = make_user(Role.APPROVER, email="margaret@lga.example.gov.uk")
    signed_in_as(client, approver)
    assert client.get("/sharing/register").status_code == 200
    page = words(text(client.get(page_of(arrangement))))
    assert "Recorded on the map" in page and "Tom Okafor" in page and "Change the details" not in page
    for path in change_pages(arrangement):
        assert client.get(path).status_code == 403, path
    home = text(client.get("/home"))
    assert 'href="/sharing/register"' in home and "Shared services map" in home
