"""Engagements and outcome reports through the API: offers refused for a conflict of interest
unless overridden, declined and withdrawn; reports refused without evidence, disputed by the
council and verified with a reason."""

from __future__ import annotations

import base64
from datetime import date, timedelta

from grants.extensions import db
from grants.models import ConflictOfInterest, EngagementStatus, ReportStatus
from tests.builders.people import account_of, expert
from tests.support.api import Api, ok
from workflows import engagements, outcomes

TODAY = date.today()
CSV = base64.b64encode(b"kind,amount\ncashable,5000\n").decode()


def test_a_conflict_needs_a_reason_and_an_offer_can_be_declined_or_withdrawn(client, people, waiting):  # type: ignore[no-untyped-def]
    alex = expert("Alex Morgan")
    blake = expert("Blake Sutton")
    db.session.add(ConflictOfInterest(expert_id=alex.id, council_id=waiting.lead_council_id, reason="Former employee"))
    db.session.commit()
    staff = Api(client, people["programme"])
    path = f"/applications/{waiting.id}/engagements"
    refused = staff.post(path, {"expert_id": alex.id})
    assert refused.status_code == 422 and refused.get_json()["errors"][0]["pointer"] == "/override_reason"
    assert staff.post(path, {"expert_id": 999_999}).status_code == 409
    offered = ok(staff.post(path, {"expert_id": alex.id, "override_reason": "The only expert free"}), 201)
    assert offered["conflict_override_reason"] == "The only expert free"
    assert staff.post(path, {"expert_id": blake.id}).status_code == 409  # already offered

    alex_api = Api(client, account_of(alex))
    assert ok(alex_api.get(f"/engagements/{offered['id']}"))["conflict_override_reason"] is None
    no_reason = alex_api.post(f"/engagements/{offered['id']}/decline", {"version": offered["version"], "reason": ""})
    assert no_reason.status_code == 422 and no_reason.get_json()["errors"][0]["pointer"] == "/reason"
    declined = ok(
        alex_api.post(f"/engagements/{offered['id']}/decline", {"version": offered["version"], "reason": "Too busy"})
    )
    assert declined["status"] == "declined"
    suggestions = ok(staff.get(f"/applications/{waiting.id}/expert-suggestions"))
    assert alex.id not in [s["expert"]["id"] for s in suggestions["ranked"]]

    second = ok(staff.post(path, {"expert_id": blake.id}), 201)
    withdrawn = ok(staff.post(f"/engagements/{second['id']}/withdraw", {"reason": "The council changed its plans"}))
    assert withdrawn["status"] == "withdrawn"
    blake_api = Api(client, account_of(blake))
    late = blake_api.post(f"/engagements/{second['id']}/accept", {"version": second["version"]})
    assert late.status_code == 409
    assert ok(staff.get(f"/engagements?application_id={waiting.id}"))["meta"]["total"] == 2
    assert ok(staff.get("/engagements?status=withdrawn"))["data"][0]["id"] == second["id"]


def _completed(people, waiting):  # type: ignore[no-untyped-def]
    alex = expert("Alex Morgan")
    engagement = engagements.offer(waiting, alex.id, actor=people["programme"], today=TODAY)
    user = account_of(alex)
    engagements.accept(engagement, actor=user, today=TODAY)
    outcomes.log_work(engagement, actor=user, worked_on=TODAY, days_tenths=10, milestone="Started", today=TODAY)
    outcomes.complete(engagement, actor=user, today=TODAY)
    db.session.commit()
    return engagement, user


def _report(**changes):  # type: ignore[no-untyped-def]
    body = {
        "due_month": 3,
        "period_start": (TODAY - timedelta(days=10)).isoformat(),
        "period_end": TODAY.isoformat(),
        "cashable_pence": 500_000,
        "income_pence": 0,
        "avoided_pence": 100_000,
        "baseline": "Last year's spending",
        "method": "Invoices",
        "evidence": [{"filename": "figures.csv", "content_base64": CSV}],
    }
    return {**body, **changes}


def test_a_report_needs_evidence_and_the_councils_dispute_needs_a_reason_to_verify(client, people, waiting, make_user):  # type: ignore[no-untyped-def]
    engagement, user = _completed(people, waiting)
    expert_api = Api(client, user)
    path = f"/engagements/{engagement.id}/outcome-reports"
    bare = expert_api.post(path, _report(evidence=[]))
    assert bare.status_code == 422 and bare.get_json()["errors"][0]["pointer"] == "/evidence"
    garbled = expert_api.post(path, _report(evidence=[{"filename": "a.csv", "content_base64": "%%%"}]))
    assert garbled.get_json()["errors"][0]["pointer"] == "/evidence/0/content_base64"
    wrong_kind = expert_api.post(
        path, _report(evidence=[{"filename": "a.exe", "content_base64": base64.b64encode(b"MZ\x90\x00\x03").decode()}])
    )
    assert wrong_kind.status_code == 422 and wrong_kind.get_json()["errors"][0]["pointer"] == "/evidence/0"
    backwards = expert_api.post(
        path, _report(period_start=TODAY.isoformat(), period_end=(TODAY - timedelta(days=1)).isoformat())
    )
    assert backwards.get_json()["errors"][0]["pointer"] == "/period_end"
    report = ok(expert_api.post(path, _report()), 201)
    assert expert_api.post(path, _report()).status_code == 409  # the 3-month point is reported

    council = Api(client, people["officer"])
    camden = Api(client, make_user_for_camden(make_user))
    assert camden.get(f"/outcome-reports/{report['id']}").status_code == 404
    assert camden.post(f"/outcome-reports/{report['id']}/confirm").status_code == 404
    assert ok(council.get("/outcome-reports"))["data"][0]["allowed_actions"] == ["confirm", "dispute"]
    no_reason = council.post(f"/outcome-reports/{report['id']}/dispute", {"reason": ""})
    assert no_reason.status_code == 422 and no_reason.get_json()["errors"][0]["pointer"] == "/reason"
    disputed = ok(council.post(f"/outcome-reports/{report['id']}/dispute", {"reason": "The baseline is wrong"}))
    assert disputed["status"] == "disputed" and disputed["dispute_reason"] == "The baseline is wrong"

    staff = Api(client, people["programme"])
    figures = {"cashable_pence": 400_000, "income_pence": 0, "avoided_pence": 100_000}
    unexplained = staff.post(f"/outcome-reports/{report['id']}/verify", figures)
    assert unexplained.status_code == 422 and unexplained.get_json()["errors"][0]["pointer"] == "/reason"
    verified = ok(staff.post(f"/outcome-reports/{report['id']}/verify", {**figures, "reason": "Baseline corrected"}))
    assert verified["status"] == "verified" and verified["verified_total_pence"] == 500_000
    assert ok(staff.get(f"/outcome-reports?status={ReportStatus.VERIFIED.value}"))["meta"]["total"] == 1
    assert ok(staff.get(f"/engagements/{engagement.id}"))["status"] == EngagementStatus.COMPLETED.value


def make_user_for_camden(make_user):  # type: ignore[no-untyped-def]
    from grants.models import Role

    return make_user(Role.COUNCIL_OFFICER, email="rosa@camden.example.gov.uk", council="camden")
