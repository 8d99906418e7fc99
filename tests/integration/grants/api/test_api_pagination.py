"""Lists come in pages with links (in the body and the Link header), and a page costs the same
number of statements however many rows it shows."""

from __future__ import annotations

from datetime import date

from grants.extensions import db
from grants.models import Council, CouncilTier, Role
from tests.builders.applications import awaiting_expert
from tests.builders.people import expert
from tests.builders.rounds import expert_grant_round
from tests.support.api import Api, ok
from tests.support.database import counting_statements
from workflows import engagements


def test_pages_link_to_each_other(client, make_user, session):  # type: ignore[no-untyped-def]
    for n in range(7):
        db.session.add(Council(gss_code=f"E0700090{n}", name=f"Testshire {n}", tier=CouncilTier.DISTRICT))
    db.session.commit()
    api = Api(client, make_user(Role.PROGRAMME_OFFICER))
    page = ok(api.get("/councils?q=testshire&per_page=3&page=2"))
    assert [c["name"] for c in page["data"]] == ["Testshire 3", "Testshire 4", "Testshire 5"]
    assert page["meta"] == {"total": 7, "page": 2, "per_page": 3}
    links = page["links"]
    assert links["self"].endswith("/api/v1/councils?q=testshire&per_page=3&page=2")
    assert links["prev"].endswith("page=1") and links["next"].endswith("page=3") and links["last"].endswith("page=3")
    header = api.get("/councils?q=testshire&per_page=3&page=2").headers["Link"]
    assert 'rel="next"' in header and 'rel="prev"' in header and 'rel="first"' in header and 'rel="last"' in header
    last = ok(api.get("/councils?q=testshire&per_page=3&page=3"))
    assert last["links"]["next"] is None and len(last["data"]) == 1
    beyond = ok(api.get("/councils?q=testshire&per_page=3&page=9"))
    assert beyond["data"] == [] and beyond["links"]["prev"].endswith("page=3")
    first = ok(api.get("/councils?q=testshire&per_page=3"))
    assert first["links"]["prev"] is None


def _applications(people, councils, start, stop, pool):  # type: ignore[no-untyped-def]
    """Applications waiting for an expert, each offered to one from the pool."""
    for index in range(start, stop):
        application = awaiting_expert(people, councils, expert_grant_round(code=f"scheme-{index}"))
        engagements.offer(application, pool.id, actor=people["programme"], today=date.today())
        db.session.commit()


def _statements(app, api, path):  # type: ignore[no-untyped-def]
    with counting_statements() as found:
        ok(api.get(path))
    return len(found)


def test_a_list_page_costs_a_fixed_number_of_statements(app, client, people, councils):  # type: ignore[no-untyped-def]
    staff = Api(client, people["programme"])
    council = Api(client, people["officer"])
    pool = expert("Sam Fraser", capacity=20)
    _applications(people, councils, 0, 2, pool)
    lists = [
        (staff, "/applications"),
        (council, "/applications"),
        (staff, "/engagements"),
        (staff, "/councils"),
        (staff, "/experts"),
        (staff, "/introductions"),
        (council, "/outcome-reports"),
        (staff, "/schemes"),
        (staff, "/rounds"),
    ]
    for api in (staff, council):
        ok(api.get("/me"))  # the token's first use is written down once a minute: not part of a page
    few = {(api.user.id, path): _statements(app, api, path) for api, path in lists}
    _applications(people, councils, 2, 10, pool)
    many = {(api.user.id, path): _statements(app, api, path) for api, path in lists}
    assert ok(staff.get("/applications"))["meta"]["total"] == 10
    assert ok(staff.get("/engagements"))["meta"]["total"] == 10
    assert few == many
