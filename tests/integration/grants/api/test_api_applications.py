"""Applications through the API: a joint bid's partners and their answers, withdrawing, changes
asked for, rejection, declining an offer, and payments, each by the workflow's rules."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from grants.extensions import db
from grants.models import Award, FundingRound, Role
from tests.builders.applications import drafted, scored
from tests.builders.rounds import behavioural_insights, expert_grant_round, open_round
from tests.support.api import Api, ok
from workflows import applications

TODAY = date.today()


def trial_round() -> FundingRound:
    funding_round = open_round(
        behavioural_insights(), name="Phase 2", opened_days_ago=5, closes_in_days=5, budget_pence=9_000_000
    )
    db.session.commit()
    return funding_round


def test_a_joint_bid_names_partners_who_answer_before_it_is_submitted(client, people, councils, make_user):  # type: ignore[no-untyped-def]
    funding_round = trial_round()
    ipswich = make_user(Role.COUNCIL_OFFICER, email="sam@ipswich.example.gov.uk", council="ipswich")
    lead = Api(client, people["officer"])
    partner = Api(client, ipswich)
    application = ok(lead.post("/applications", {"round_id": funding_round.id}), 201)
    path = f"/applications/{application['id']}"
    version = application["version"]
    for key, answers in {
        "project": {"title": "Council tax letters", "theme": "revenue_collection", "description": "A letter trial"},
        "outcomes": {"outcomes": "Fewer missed payments", "measures": "A control group"},
        "funding": {"amount_pence": 2_000_000, "match_pence": 1_500_000},
        "contact": {
            "name": "Priya Shah",
            "job_title": "Head of Revenues",
            "email": "p@babergh.example.gov.uk",
            "phone": "01473 825 700",
        },
        "declaration": {"chief_officer": "Arthur Charvonia", "job_title": "Chief Executive", "confirmed": True},
    }.items():
        version = ok(lead.patch(f"{path}/sections/{key}", {"version": version, "answers": answers}))["version"]

    short = lead.put(
        f"{path}/partners", {"version": version, "partners": [{"gss_code": "E07000202", "match_share_pence": 100_000}]}
    )
    assert short.status_code == 422
    assert short.get_json()["errors"][0]["pointer"] == "/partners/0/match_share_pence"
    unknown = lead.put(
        f"{path}/partners", {"version": version, "partners": [{"gss_code": "E99999999", "match_share_pence": 500_000}]}
    )
    assert unknown.get_json()["errors"][0]["pointer"] == "/partners/0/gss_code"
    application = ok(
        lead.put(
            f"{path}/partners",
            {"version": version, "partners": [{"gss_code": "e07000202", "match_share_pence": 500_000}]},
        )
    )
    assert [(p["council"]["name"], p["status"]) for p in application["partners"]] == [("Ipswich", "invited")]
    assert application["match_offered_pence"] == 2_000_000 and application["missing_sections"] == []
    assert lead.post(f"{path}/submit", {"version": application["version"]}).status_code == 409

    seen = ok(partner.get(path))
    assert seen["relation"] == "partner" and seen["allowed_actions"] == ["respond_as_partner"]
    assert partner.patch(f"{path}/sections/project", {"version": seen["version"], "answers": {}}).status_code == 404
    changed = partner.post(f"{path}/partner-response", {"answer": "confirm", "match_share_pence": 400_000})
    assert changed.status_code == 409 and "changed your council's share" in changed.get_json()["detail"]
    answered = ok(partner.post(f"{path}/partner-response", {"answer": "confirm", "match_share_pence": 500_000}))
    assert answered["partners"][0]["status"] == "confirmed" and answered["allowed_actions"] == []
    submitted = ok(lead.post(f"{path}/submit", {"version": answered["version"]}))
    assert submitted["status"] == "submitted"
    assert ok(partner.get("/applications"))["data"][0]["id"] == application["id"]


def test_a_council_withdraws_and_staff_ask_for_changes_and_reject(client, people, councils):  # type: ignore[no-untyped-def]
    funding_round = expert_grant_round()
    first = drafted(funding_round, councils["babergh"], people["officer"])
    db.session.commit()
    council = Api(client, people["officer"])
    staff = Api(client, people["programme"])
    approver = Api(client, people["approver"])
    path = f"/applications/{first.id}"

    no_reason = council.post(f"{path}/withdraw", {"version": first.version, "reason": "  "})
    assert no_reason.status_code == 422 and no_reason.get_json()["errors"] == [
        {"detail": "Give a reason", "pointer": "/reason"}
    ]
    submitted = ok(council.post(f"{path}/submit", {"version": first.version}))
    changes = ok(
        staff.post(f"{path}/request-changes", {"version": submitted["version"], "reason": "Say more about the savings"})
    )
    assert changes["status"] == "changes_requested"
    assert ok(council.get(path))["allowed_actions"][0] == "edit"
    again = ok(council.post(f"{path}/submit", {"version": changes["version"]}))
    staff_view = ok(staff.get(path))
    ok(staff.post(f"{path}/confirm-eligibility", {"version": staff_view["version"]}))
    found = db.session.get(type(first), first.id)
    db.session.refresh(found)
    scored(found, people["assessor"])
    scored(found, people["assessor2"])
    db.session.commit()
    decided = ok(approver.get(path))
    rejected = ok(approver.post(f"{path}/reject", {"version": decided["version"], "reason": "Others offered more"}))
    assert rejected["status"] == "rejected" and again["status"] == "submitted"
    assert council.post(f"{path}/withdraw", {"version": rejected["version"], "reason": "Late"}).status_code == 409


def test_a_council_declines_an_offer_and_the_money_goes_back(client, people, councils):  # type: ignore[no-untyped-def]
    funding_round = expert_grant_round()
    application = drafted(funding_round, councils["babergh"], people["officer"])
    applications.submit(application, actor=people["officer"], expected_version=None, today=TODAY)
    applications.check_eligibility(application, TODAY)
    applications.confirm_eligibility(application, actor=people["programme"], reason=None, expected_version=None)
    scored(application, people["assessor"])
    scored(application, people["assessor2"])
    applications.approve(application, actor=people["approver"], expected_version=None)
    db.session.commit()
    council = Api(client, people["officer"])
    path = f"/applications/{application.id}"
    current = ok(council.get(path))
    unsigned = council.post(
        f"{path}/offer/accept",
        {"version": current["version"], "signatory_name": "", "signatory_role": "CEO", "confirmed": False},
    )
    pointers = {e["pointer"] for e in unsigned.get_json()["errors"]}
    assert unsigned.status_code == 422 and pointers == {"/signatory_name", "/confirmed"}
    declined = ok(
        council.post(f"{path}/offer/decline", {"version": current["version"], "reason": "No capacity this year"})
    )
    assert declined["status"] == "withdrawn"
    db.session.expire_all()
    assert db.session.get(FundingRound, funding_round.id).committed_pence == 0


@pytest.fixture
def accepted(people, councils, waiting):  # type: ignore[no-untyped-def]
    return waiting


def test_programme_staff_record_payments_within_the_award(client, people, accepted):  # type: ignore[no-untyped-def]
    staff = Api(client, people["programme"])
    path = f"/applications/{accepted.id}"
    current = ok(staff.get(path))
    assert "record_payment" in current["allowed_actions"]
    future = staff.post(
        f"{path}/payments",
        {
            "version": current["version"],
            "amount_pence": 100_000,
            "paid_on": (TODAY + timedelta(days=2)).isoformat(),
            "reference": "INV-1",
        },
    )
    assert future.status_code == 422 and future.get_json()["errors"][0]["pointer"] == "/paid_on"
    paid = ok(
        staff.post(
            f"{path}/payments",
            {
                "version": current["version"],
                "amount_pence": 250_050,
                "paid_on": TODAY.isoformat(),
                "reference": "INV-1",
            },
        ),
        201,
    )
    assert paid["award"]["paid_pence"] == 250_050 and paid["award"]["payments"][0]["reference"] == "INV-1"
    too_much = staff.post(
        f"{path}/payments",
        {"version": paid["version"], "amount_pence": 400_000, "paid_on": TODAY.isoformat(), "reference": "INV-2"},
    )
    assert too_much.status_code == 422 and too_much.get_json()["errors"][0]["pointer"] == "/amount_pence"
    db.session.expire_all()
    assert db.session.scalar(db.select(Award.paid_pence).where(Award.application_id == accepted.id)) == 250_050
