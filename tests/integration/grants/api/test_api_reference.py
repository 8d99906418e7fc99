"""Councils, schemes, rounds, the expert pool, the caller's own account and the open data."""

from __future__ import annotations

from grants.extensions import db
from grants.models import Specialism
from tests.builders.people import expert
from tests.builders.rounds import expert_grant_round
from tests.support.api import Api, ok


def test_councils_are_searched_by_name_or_gss_code(client, people, councils):  # type: ignore[no-untyped-def]
    staff = Api(client, people["programme"])
    assert [c["name"] for c in ok(staff.get("/councils?q=bab"))["data"]] == ["Babergh"]
    [found] = ok(staff.get("/councils?q=e07000202"))["data"]
    assert found["name"] == "Ipswich" and found["parent"]["name"] == "Suffolk" and found["tier"] == "district"
    assert ok(staff.get("/councils?tier=county"))["meta"]["total"] == 1
    # A council officer reads the register as they do when naming partner councils.
    assert ok(Api(client, people["officer"]).get("/councils"))["meta"]["total"] == 4


def test_schemes_carry_their_rules_criteria_and_form(client, people, session):  # type: ignore[no-untyped-def]
    funding_round = expert_grant_round()
    db.session.commit()
    scheme = ok(Api(client, people["officer"]).get(f"/schemes/{funding_round.scheme_id}"))
    assert scheme["fixed_amount_pence"] == 600_000 and scheme["uses_experts"] is True
    assert [c["code"] for c in scheme["criteria"]] == ["savings", "approach"]
    sections = {s["key"]: s for s in scheme["sections"]}
    savings = {q["name"]: q for q in sections["savings"]["questions"]}
    assert savings["cashable_pence"]["kind"] == "money" and savings["months"]["kind"] == "text"
    skills = {q["name"]: q for q in sections["expertise"]["questions"]}["skills"]
    assert skills["kind"] == "choices" and "commercialisation" in skills["choices"]


def test_round_budgets_are_for_staff(client, people, session):  # type: ignore[no-untyped-def]
    funding_round = expert_grant_round()
    db.session.commit()
    staff = ok(Api(client, people["programme"]).get(f"/rounds/{funding_round.id}"))
    council = ok(Api(client, people["officer"]).get(f"/rounds/{funding_round.id}"))
    assert staff["budget_pence"] == 18_000_000 and staff["remaining_pence"] == 18_000_000 and staff["is_open"]
    assert council["budget_pence"] is None and council["is_open"]
    assert ok(Api(client, people["officer"]).get("/rounds?open=false"))["data"] == []


def test_staff_list_and_read_the_expert_pool(client, people, session):  # type: ignore[no-untyped-def]
    alex = expert("Alex Morgan", specialisms=(Specialism.PROCUREMENT,), capacity=3)
    expert("Blake Sutton", specialisms=(Specialism.HOUSING,))
    staff = Api(client, people["assessor"])
    [found] = ok(staff.get("/experts?specialism=procurement"))["data"]
    assert found["id"] == alex.id and found["places_in_use"] == 0 and found["capacity"] == 3
    detail = ok(staff.get(f"/experts/{alex.id}"))
    assert detail["day_rate_pence"] == 70_000 and detail["availability"] == []
    assert staff.get("/experts?specialism=juggling").status_code == 422


def test_the_caller_and_the_open_data(client, people):  # type: ignore[no-untyped-def]
    me = ok(Api(client, people["officer"]).get("/me"))
    assert me["roles"] == ["council_officer"] and me["council"]["gss_code"] == "E07000200"
    assert "apply_for_council" in me["permissions"]
    package = client.get("/api/v1/open-data/360giving")
    assert package.status_code == 200 and package.get_json()["grants"] == []
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"] == "3.1.0" and document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    approve = document["paths"]["/applications/{application_id}/approve"]["post"]
    assert set(approve["responses"]) >= {"200", "400", "401", "403", "404", "409", "415", "422"}
    assert approve["responses"]["409"]["content"]["application/problem+json"]
