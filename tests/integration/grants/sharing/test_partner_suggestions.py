"""Partner suggestions for shared services matchmaking requests: worked out when a request is
submitted, kept up to date in the requests already waiting, told to the programme officers once,
and shown to them ranked with the reasons."""

from __future__ import annotations

import re
from contextlib import ExitStack
from datetime import date
from typing import Any

import pytest

from devdata import demo
from grants.auth.permissions import requires
from grants.extensions import db
from grants.models import (
    Application,
    ApplicationStatus,
    Council,
    CouncilTier,
    FundingRound,
    Notification,
    OutboundEmail,
    PartnerSuggestion,
    Region,
    Role,
    SharedArrangement,
    SharedArrangementCouncil,
)
from tests.builders.people import gss_officer
from tests.builders.rounds import matchmaking, open_round
from tests.builders.sharing import ask
from tests.support.client import sign_in
from tests.support.services import SMTP_PORT
from tests.support.workers import sending_app
from workflows import applications, tasks
from workflows.permissions import Permission

TODAY = date.today()


@pytest.fixture
def places(councils: dict[str, Council], session: object) -> dict[str, Council]:
    """The Suffolk councils of the shared fixture with their region, Mid Suffolk beside them, and
    Maidstone in Kent, in another region."""
    for name in ("suffolk", "babergh", "ipswich"):
        councils[name].region = Region.EAST_OF_ENGLAND
    councils["camden"].region = Region.LONDON
    kent = Council(gss_code="E10000016", name="Kent", tier=CouncilTier.COUNTY, region=Region.SOUTH_EAST)
    more = {
        "mid_suffolk": Council(
            gss_code="E07000203",
            name="Mid Suffolk",
            tier=CouncilTier.DISTRICT,
            parent=councils["suffolk"],
            region=Region.EAST_OF_ENGLAND,
        ),
        "kent": kent,
        "maidstone": Council(
            gss_code="E07000110", name="Maidstone", tier=CouncilTier.DISTRICT, parent=kent, region=Region.SOUTH_EAST
        ),
    }
    db.session.add_all(more.values())
    db.session.commit()
    return {**councils, **more}


@pytest.fixture
def sharing_round(session: object) -> FundingRound:
    funding_round = open_round(
        matchmaking(summary="Help to find partner councils to share services or a management team with."),
        opened_days_ago=10,
        closes_in_days=40,
        budget_pence=200_000_00,
    )
    db.session.commit()
    return funding_round


def suggested(request: Application) -> list[tuple[str, int | None, int]]:
    """The request's rows as stored: council, the request it came from, score; best first."""
    rows = db.session.execute(
        db.select(Council.name, PartnerSuggestion.other_request_id, PartnerSuggestion.score)
        .join(Council, Council.id == PartnerSuggestion.council_id)
        .where(PartnerSuggestion.request_id == request.id)
        .order_by(PartnerSuggestion.score.desc(), Council.name)
    )
    return [(name, other, score) for name, other, score in rows]


def snapshot() -> list[tuple[Any, ...]]:
    return [
        (s.id, s.request_id, s.council_id, s.other_request_id, s.score, list(s.reasons), s.computed_at)
        for s in db.session.scalars(db.select(PartnerSuggestion).order_by(PartnerSuggestion.id))
    ]


def told(template: str = "partners_suggested") -> list[OutboundEmail]:
    return list(
        db.session.scalars(
            db.select(OutboundEmail).where(OutboundEmail.template == template).order_by(OutboundEmail.id)
        )
    )


def in_app() -> list[Notification]:
    return list(
        db.session.scalars(
            db.select(Notification)
            .where(Notification.idempotency_key.like("%partners_suggested%"))
            .order_by(Notification.id)
        )
    )


def text(response: Any) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def in_the_register(name: str, area: str, *members: Council, sharing_type: str = "services") -> SharedArrangement:
    arrangement = SharedArrangement(
        name=name,
        service_area=area,
        sharing_type=sharing_type,
        started_on=date(2015, 4, 1),
        councils=[SharedArrangementCouncil(council=c) for c in members],
    )
    db.session.add(arrangement)
    db.session.commit()
    return arrangement


# Working out and telling --------------------------------------------------------------------------


def test_submitting_a_request_works_out_its_suggestions_from_the_register_and_tells_the_brokers(
    people, places, sharing_round
):  # type: ignore[no-untyped-def]
    in_the_register("Anglia Revenues Partnership", "revenues_and_benefits", places["ipswich"], places["camden"])
    in_the_register("London Waste", "waste", places["camden"])

    request = ask(sharing_round, places["babergh"], ["revenues_and_benefits", "legal"])

    rows = db.session.scalars(db.select(PartnerSuggestion).where(PartnerSuggestion.request_id == request.id)).all()
    by_name = {r.council.name: r for r in rows}
    assert set(by_name) == {"Ipswich", "Camden"}  # Camden is in the register for waste too, not asked for
    ipswich = by_name["Ipswich"]
    assert ipswich.other_request_id is None and ipswich.score == 20 + 30 + 20 + 10
    assert ipswich.reasons[0] == (
        "Service areas: Revenues and benefits (1 of the 2 Babergh asked for), "
        "which Ipswich already shares (Anglia Revenues Partnership)"
    )
    assert by_name["Camden"].score == 20 + 0 + 0 + 10
    [email] = told()
    assert email.to_address == people["programme"].email
    assert email.subject == f"New partners suggested for {request.reference}"
    assert "Ipswich, scoring 80 out of 100 (from the register of shared arrangements)" in email.text_body
    assert f"/sharing/requests/{request.id}" in email.link
    assert [n.user_id for n in in_app()] == [people["programme"].id]


def test_a_later_request_in_the_same_county_is_suggested_to_the_earlier_one_and_the_brokers_are_told_once(
    people, places, sharing_round
):  # type: ignore[no-untyped-def]
    babergh = ask(sharing_round, places["babergh"], ["revenues_and_benefits", "legal"])
    assert suggested(babergh) == [] and told() == []  # no one else is asking yet

    mid = ask(sharing_round, places["mid_suffolk"], ["revenues_and_benefits", "waste"])
    assert suggested(babergh) == [("Mid Suffolk", mid.id, 80)]
    assert suggested(mid) == [("Babergh", babergh.id, 80)]
    [email] = told()
    assert email.subject == f"New partners suggested for {mid.reference} and 1 other request"
    assert f"Babergh's request {babergh.reference}:" in email.text_body
    assert f"Mid Suffolk's request {mid.reference}:" in email.text_body
    assert "it has asked for partners too" in email.text_body
    assert len(in_app()) == 1

    maidstone = ask(sharing_round, places["maidstone"], ["revenues_and_benefits", "planning"], reach="anywhere")
    assert suggested(babergh) == [("Mid Suffolk", mid.id, 80), ("Maidstone", maidstone.id, 50)]
    assert suggested(mid) == [("Babergh", babergh.id, 80), ("Maidstone", maidstone.id, 50)]
    assert suggested(maidstone) == [("Babergh", babergh.id, 70), ("Mid Suffolk", mid.id, 70)]
    assert len(told()) == 2 and len(in_app()) == 2


def test_running_the_task_again_changes_nothing_and_sends_nothing_more(people, places, sharing_round):  # type: ignore[no-untyped-def]
    in_the_register("Anglia Revenues Partnership", "revenues_and_benefits", places["ipswich"])
    babergh = ask(sharing_round, places["babergh"], ["revenues_and_benefits", "legal"])
    mid = ask(sharing_round, places["mid_suffolk"], ["revenues_and_benefits", "waste"])
    before, emails, messages = snapshot(), len(told()), len(in_app())
    assert before and emails == 2

    for request in (mid, babergh, mid):
        assert tasks.suggest_partners(request.id) == 2
    db.session.expire_all()

    assert snapshot() == before
    assert (len(told()), len(in_app())) == (emails, messages)


def test_the_task_ignores_an_application_that_is_not_a_matchmaking_request(waiting):  # type: ignore[no-untyped-def]
    assert tasks.suggest_partners(waiting.id) is None
    assert tasks.suggest_partners(999_999) is None
    assert snapshot() == []


def test_a_withdrawn_request_drops_out(people, places, sharing_round, client):  # type: ignore[no-untyped-def]
    babergh = ask(sharing_round, places["babergh"], ["revenues_and_benefits", "legal"])
    mid = ask(sharing_round, places["mid_suffolk"], ["revenues_and_benefits", "waste"])
    assert suggested(babergh) == [("Mid Suffolk", mid.id, 80)]

    applications.transition(mid, "withdraw", gss_officer(places["mid_suffolk"]), reason="We merged with Babergh")
    db.session.commit()
    sign_in(client, people["programme"].email)
    page = text(client.get(f"/sharing/requests/{babergh.id}"))
    assert "Mid Suffolk" not in page and "No council asking for partners" in page
    listing = text(client.get("/sharing/requests"))
    assert babergh.reference in listing and mid.reference not in listing
    assert "This request is withdrawn: it is no longer matched" in text(client.get(f"/sharing/requests/{mid.id}"))

    # The next time the suggestions are worked out, its rows go too: its own and in the others'.
    tasks.suggest_partners(mid.id)
    db.session.expire_all()
    assert suggested(babergh) == [] and suggested(mid) == []
    ipswich = ask(sharing_round, places["ipswich"], ["legal"])
    assert suggested(ipswich) == [("Babergh", babergh.id, 100)]
    assert suggested(babergh) == [("Ipswich", ipswich.id, 20 + 30 + 20 + 10)]


def test_a_request_sent_back_and_submitted_again_is_worked_out_afresh(people, places, sharing_round):  # type: ignore[no-untyped-def]
    babergh = ask(sharing_round, places["babergh"], ["revenues_and_benefits", "legal"])
    mid = ask(sharing_round, places["mid_suffolk"], ["revenues_and_benefits"])
    assert suggested(babergh) == [("Mid Suffolk", mid.id, 20 + 30 + 20 + 10)]
    applications.transition(mid, "request_changes", people["programme"], reason="Say which services")
    db.session.commit()
    officer = gss_officer(places["mid_suffolk"])
    answers = {"what": "services", "areas": ["legal", "revenues_and_benefits"], "detail": ""}
    applications.save_section(mid, "sharing", answers, actor=officer, expected_version=mid.version)
    applications.submit(mid, actor=officer, expected_version=None, today=TODAY)
    db.session.commit()
    assert suggested(babergh) == [("Mid Suffolk", mid.id, 100)]


# The staff pages --------------------------------------------------------------------------------


@pytest.fixture
def three(people, places, sharing_round):  # type: ignore[no-untyped-def]
    in_the_register("Anglia Revenues Partnership", "revenues_and_benefits", places["ipswich"])
    return {
        "babergh": ask(sharing_round, places["babergh"], ["revenues_and_benefits", "legal"]),
        "mid": ask(sharing_round, places["mid_suffolk"], ["revenues_and_benefits", "waste"]),
        "maidstone": ask(sharing_round, places["maidstone"], ["revenues_and_benefits", "planning"], reach="anywhere"),
    }


def test_the_requests_page_lists_each_open_request_with_its_suggestions(client, people, three):  # type: ignore[no-untyped-def]
    sign_in(client, people["programme"].email)
    page = text(client.get("/sharing/requests"))
    assert "3 open requests" in page
    for request in three.values():
        assert f'href="/sharing/requests/{request.id}"' in page
    row = re.search(rf"{three['babergh'].reference}</a>.*?</tr>", page)
    assert row is not None
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row.group(0))
    assert cells == ["Babergh", "Revenues and benefits, Legal services", "In the same county area", "3", "80"]
    maidstone = re.search(rf"{three['maidstone'].reference}</a>.*?</tr>", page)
    assert maidstone is not None and "Anywhere in England or Wales" in maidstone.group(0)


def test_the_requests_page_is_paginated(client, people, three, monkeypatch):  # type: ignore[no-untyped-def]
    from grants.sharing import suggestions

    monkeypatch.setattr(suggestions, "PAGE_SIZE", 2)
    sign_in(client, people["programme"].email)
    first = text(client.get("/sharing/requests"))
    assert three["babergh"].reference in first and three["maidstone"].reference not in first
    assert "govuk-pagination" in first and "page=2" in first
    second = text(client.get("/sharing/requests?page=2"))
    assert three["maidstone"].reference in second and three["babergh"].reference not in second


def test_a_request_page_ranks_its_suggestions_with_the_score_and_reasons(client, people, three):  # type: ignore[no-untyped-def]
    sign_in(client, people["programme"].email)
    page = text(client.get(f"/sharing/requests/{three['babergh'].id}"))
    assert "Partners for " + three["babergh"].reference in page
    assert "Revenues and benefits, Legal services" in page and "In the same county area" in page
    order = [page.index(name) for name in (">Mid Suffolk<", ">Ipswich<", ">Maidstone<")]
    assert order == sorted(order)
    rows = re.findall(r'<tr class="govuk-table__row">(.*?)</tr>', page)[1:]
    assert len(rows) == 3
    assert ">1<" in rows[0] and ">80<" in rows[0] and "Their own request" in rows[0]
    assert three["mid"].reference in rows[0]
    assert "The register of shared arrangements" in rows[1] and "Anglia Revenues Partnership" in rows[1]
    assert ">50<" in rows[2]
    assert "Babergh and Mid Suffolk are in the same county area (Suffolk), where Babergh asked for partners" in rows[0]
    assert "Both are district councils, with the same services to run" in rows[0]
    assert "Maidstone is in the South East, Babergh in the East of England: outside the county area" in rows[2]


def test_a_request_that_is_not_a_matchmaking_request_is_not_found(client, people, waiting):  # type: ignore[no-untyped-def]
    sign_in(client, people["programme"].email)
    assert client.get(f"/sharing/requests/{waiting.id}").status_code == 404
    assert client.get("/sharing/requests/999999").status_code == 404


@pytest.mark.parametrize("role", [Role.COUNCIL_OFFICER, Role.ASSESSOR, Role.EXPERT, Role.APPROVER])
def test_only_programme_officers_reach_the_pages(client, make_user, places, sharing_round, role):  # type: ignore[no-untyped-def]
    request = ask(sharing_round, places["babergh"], ["legal"])
    sign_in(client, make_user(role).email)
    assert client.get("/sharing/requests").status_code == 403
    assert client.get(f"/sharing/requests/{request.id}").status_code == 403


def test_the_introduction_action_appears_only_where_its_page_exists(client, people, three, database_url, monkeypatch):  # type: ignore[no-untyped-def]
    from grants.sharing import suggestions

    path = f"/sharing/requests/{three['babergh'].id}"
    sign_in(client, people["programme"].email)
    with monkeypatch.context() as without:
        without.setattr(suggestions, "INTRODUCTION_ENDPOINT", "sharing.no_such_page")
        page = text(client.get(path))
    assert "Propose an introduction" not in page and ">Action<" not in page
    assert "Their own request" in page  # the suggestions are shown all the same

    with ExitStack() as opened:  # a stand-in app, if one is built, hands Celery back as this ends
        if "sharing.new_introduction" in client.application.view_functions:
            browser = client
        else:
            with_introductions = opened.enter_context(sending_app(database_url, None, smtp_port=SMTP_PORT))

            @requires(Permission.CHECK_APPLICATIONS)
            def stand_in() -> str:
                return "introductions"

            with_introductions.add_url_rule("/sharing/introductions/new", "sharing.new_introduction", stand_in)
            browser = with_introductions.test_client()
            sign_in(browser, people["programme"].email)
        page = text(browser.get(path))
    mid = db.session.scalar(db.select(Council.id).where(Council.name == "Mid Suffolk"))
    assert ">Action<" in page
    assert 'Propose an introduction<span class="govuk-visually-hidden"> to Mid Suffolk</span>' in page
    found = re.search(
        r'href="([^"]*)">Propose an introduction<span class="govuk-visually-hidden"> to Mid Suffolk', page
    )
    assert found is not None
    assert f"request_id={three['babergh'].id}" in found.group(1) and f"council_id={mid}" in found.group(1)


# The demo -----------------------------------------------------------------------------------------


def test_the_demo_suggests_the_two_suffolk_districts_to_each_other_above_maidstone(session):  # type: ignore[no-untyped-def]
    demo.seed_demo(TODAY)
    db.session.commit()  # the seeded submissions' tasks run now

    def request_of(gss_code: str) -> Application:
        found = db.session.scalar(
            db.select(Application)
            .join(Council, Council.id == Application.lead_council_id)
            .where(Council.gss_code == gss_code, Application.status == ApplicationStatus.SUBMITTED)
            .where(Application.reference.like("SS-%"))
        )
        assert found is not None, gss_code
        return found

    mid, east, maidstone = (request_of(code) for code in ("E07000203", "E07000244", "E07000110"))

    def score(request: Application, name: str) -> int:
        [found] = [s for s in suggested(request) if s[0] == name]
        return found[2]

    def position(request: Application, name: str) -> int:
        return [s[0] for s in suggested(request)].index(name)

    assert position(mid, "East Suffolk") < position(mid, "Maidstone")
    assert position(east, "Mid Suffolk") < position(east, "Maidstone")
    same_county = [score(mid, "East Suffolk"), score(east, "Mid Suffolk")]
    apart = [
        score(mid, "Maidstone"),
        score(east, "Maidstone"),
        score(maidstone, "Mid Suffolk"),
        score(maidstone, "East Suffolk"),
    ]
    assert min(same_county) > max(apart)


def test_an_arrangement_put_on_the_map_is_suggested_to_open_requests_in_its_area(people, places, sharing_round):  # type: ignore[no-untyped-def]
    from workflows import arrangements

    request = ask(sharing_round, places["babergh"], ["revenues_and_benefits", "legal"])
    assert suggested(request) == []
    arrangements.record_arrangement(
        arrangements.ArrangementDetails(
            name="Ipswich and Camden revenues",
            service_area="revenues_and_benefits",
            sharing_type="services",
            started_on=date(2020, 4, 1),
            estimated_annual_savings_pence=10_000_000,
        ),
        ["Ipswich", "Camden"],
        actor=people["programme"],
    )
    db.session.commit()  # the suggestions are worked out again once the arrangement is committed
    assert {name for name, _, _ in suggested(request)} == {"Ipswich", "Camden"}
