"""A whole application's life driven through the API alone, a token for each person: the council
drafts, fills in and submits it; staff confirm eligibility, two assessors score it and an
approver approves it; the council accepts the offer; staff offer the work to an expert, who
accepts, logs days, completes the work and files an outcome report; the council confirms the
figures and a programme officer verifies them."""

from __future__ import annotations

import base64
from datetime import date, timedelta

from grants.extensions import db
from grants.models import (
    Application,
    ApplicationStatus,
    AuditEvent,
    Engagement,
    FundingRound,
    OutcomeReport,
    Region,
    Specialism,
)
from tests.builders.people import account_of, expert
from tests.builders.rounds import expert_grant_round
from tests.support.api import Api, ok

TODAY = date.today()
EVIDENCE = b"kind,amount\ncashable,120000\nincome,80000\n"


def test_an_application_goes_from_draft_to_evaluated_through_the_api_alone(client, people, councils):  # type: ignore[no-untyped-def]
    councils["babergh"].region = Region.EAST_OF_ENGLAND
    funding_round = expert_grant_round()
    funding_round.scheme.evaluation_months = [6]
    alex = expert("Alex Morgan", specialisms=(Specialism.COMMERCIALISATION, Specialism.WASTE_AND_ENVIRONMENT))
    db.session.commit()

    council = Api(client, people["officer"])
    programme = Api(client, people["programme"])
    assessors = [Api(client, people["assessor"]), Api(client, people["assessor2"])]
    approver = Api(client, people["approver"])
    expert_api = Api(client, account_of(alex))

    # The council finds the open round and starts a draft.
    [open_round] = ok(council.get("/rounds?open=true"))["data"]
    assert open_round["id"] == funding_round.id and open_round["budget_pence"] is None  # the budget is staff's
    created = council.post("/applications", {"round_id": open_round["id"]})
    application = ok(created, 201)
    assert created.headers["Location"].endswith(f"/api/v1/applications/{application['id']}")
    assert application["status"] == "draft" and application["amount_requested_pence"] == 600_000
    path = f"/applications/{application['id']}"

    # ... fills in every section, each with the version it last read ...
    answers = {
        "project": {
            "title": "Commercial waste review",
            "service_area": "waste",
            "problem": "Trade waste costs more to collect than it earns.",
            "approach": "An expert reviews pricing and routes with our team.",
        },
        "expertise": {"skills": ["commercialisation"], "detail": "Pricing of trade waste services"},
        "savings": {"cashable_pence": 12_000_000, "income_pence": 8_000_000, "avoided_pence": 0, "months": 12},
        "contact": {
            "name": "Priya Shah",
            "job_title": "Head of Waste",
            "email": "priya@babergh.example.gov.uk",
            "phone": "01632 960 001",
        },
        "declaration": {"chief_officer": "Arthur Charvonia", "job_title": "Chief Executive", "confirmed": True},
    }
    version = application["version"]
    for key, given in answers.items():
        application = ok(council.patch(f"{path}/sections/{key}", {"version": version, "answers": given}))
        version = application["version"]
    assert application["missing_sections"] == [] and application["title"] == "Commercial waste review"
    assert application["savings_cashable_pence"] == 12_000_000
    saved = {s["key"]: s["answers"] for s in application["sections"]}
    assert saved["savings"]["cashable_pence"] == 12_000_000 and saved["declaration"]["confirmed"] is True

    # ... and submits it: the eligibility check runs once the submission is committed.
    application = ok(council.post(f"{path}/submit", {"version": version}))
    assert application["status"] == "submitted"
    application = ok(programme.get(path))
    assert application["eligibility_passed"] is True and "confirm_eligibility" in application["allowed_actions"]

    application = ok(programme.post(f"{path}/confirm-eligibility", {"version": application["version"]}))
    assert application["status"] == "in_assessment"

    for assessor, score in zip(assessors, (4, 5), strict=True):
        scores = {c: {"score": score, "justification": "Clear evidence of savings"} for c in ("savings", "approach")}
        ok(assessor.post(f"{path}/assessments", {"scores": scores, "recommendation": "approve"}), 201)
    assessed = ok(approver.get(f"{path}/assessments"))
    assert assessed["combined_score_tenths"] == 900 and len(assessed["data"]) == 2

    application = ok(approver.get(path))
    assert application["status"] == "awaiting_decision" and "approve" in application["allowed_actions"]
    application = ok(
        approver.post(f"{path}/approve", {"version": application["version"], "conditions": "Report at six months"})
    )
    assert application["status"] == "offered" and application["award"]["amount_pence"] == 600_000

    application = ok(council.get(path))
    assert application["allowed_actions"] == ["accept_offer", "decline_offer"]
    application = ok(
        council.post(
            f"{path}/offer/accept",
            {
                "version": application["version"],
                "signatory_name": "Arthur Charvonia",
                "signatory_role": "Chief Executive",
                "confirmed": True,
            },
        )
    )
    assert application["status"] == "expert_matching" and application["award"]["accepted_at"]

    # Staff find the best expert and offer the work.
    suggestions = ok(programme.get(f"{path}/expert-suggestions"))
    assert suggestions["waiting_for_an_expert"] and suggestions["ranked"][0]["expert"]["id"] == alex.id
    offered = programme.post(f"{path}/engagements", {"expert_id": alex.id})
    engagement = ok(offered, 201)
    assert engagement["status"] == "offered" and offered.headers["Location"].endswith(
        f"/engagements/{engagement['id']}"
    )
    work = f"/engagements/{engagement['id']}"

    # The expert accepts, logs days, completes the work and files the outcome report.
    [listed] = ok(expert_api.get("/engagements"))["data"]
    assert listed["id"] == engagement["id"]
    engagement = ok(expert_api.post(f"{work}/accept", {"version": engagement["version"]}))
    assert engagement["status"] == "accepted" and ok(council.get(path))["status"] == "in_delivery"
    engagement = ok(
        expert_api.post(
            f"{work}/work", {"worked_on": TODAY.isoformat(), "days_tenths": 15, "milestone": "Routes mapped"}
        ),
        201,
    )
    engagement = ok(expert_api.post(f"{work}/complete"))
    assert engagement["status"] == "completed" and engagement["days_logged_tenths"] == 15
    [point] = engagement["report_schedule"]
    assert point["due_month"] == 6 and point["report_id"] is None
    report = ok(
        expert_api.post(
            f"{work}/outcome-reports",
            {
                "due_month": 6,
                "period_start": (TODAY - timedelta(days=30)).isoformat(),
                "period_end": TODAY.isoformat(),
                "cashable_pence": 9_500_000,
                "cashable_recurring": True,
                "income_pence": 4_000_000,
                "avoided_pence": 0,
                "baseline": "Trade waste income and costs for 2025/26",
                "method": "Invoices compared with the same months last year",
                "evidence": [{"filename": "savings.csv", "content_base64": base64.b64encode(EVIDENCE).decode()}],
            },
        ),
        201,
    )
    assert report["status"] == "submitted" and report["claimed_total_pence"] == 13_500_000
    [evidence] = report["evidence"]
    download = client.get(evidence["download_url"], headers=council.headers)
    assert download.status_code == 200 and download.data == EVIDENCE
    assert ok(council.get(path))["status"] == "outcomes_reported"

    # The council confirms the figures; a programme officer verifies them.
    report = ok(council.post(f"/outcome-reports/{report['id']}/confirm"))
    assert report["status"] == "confirmed" and report["allowed_actions"] == []
    report = ok(
        programme.post(
            f"/outcome-reports/{report['id']}/verify",
            {
                "cashable_pence": 9_000_000,
                "income_pence": 4_000_000,
                "avoided_pence": 0,
                "reason": "One invoice was counted twice",
            },
        )
    )
    assert report["status"] == "verified" and report["verified_total_pence"] == 13_000_000

    # The final state, as the records hold it.
    db.session.expire_all()
    found = db.session.get(Application, application["id"])
    assert found.status is ApplicationStatus.EVALUATED
    assert found.award.amount_pence == 600_000 and found.award.signatory_name == "Arthur Charvonia"
    assert db.session.get(FundingRound, funding_round.id).committed_pence == 600_000
    [done] = db.session.scalars(db.select(Engagement).where(Engagement.application_id == found.id))
    assert done.expert_id == alex.id and done.days_logged_tenths == 15
    [kept] = db.session.scalars(db.select(OutcomeReport).where(OutcomeReport.engagement_id == done.id))
    assert (kept.cashable_pence, kept.verified_cashable_pence, kept.verified_total_pence) == (
        9_500_000,
        9_000_000,
        13_000_000,
    )
    moves = [e.action for e in found.events if e.to_status]
    assert moves == [
        "create",
        "submit",
        "confirm_eligibility",
        "complete_assessment",
        "approve",
        "accept_offer",
        "start_delivery",
        "report_outcomes",
        "evaluate",
    ]
    audited = set(db.session.scalars(db.select(AuditEvent.action)))
    assert {"application.approve", "engagement.accepted", "outcome_report.verified"} <= audited
    timeline = ok(council.get(f"{path}/events?per_page=100"))
    assert all(e["actor"] is None for e in timeline["data"] if e["action"] in ("assess", "complete_assessment"))
