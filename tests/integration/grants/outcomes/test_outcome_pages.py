"""The pages on outcome reports, on PostgreSQL: the council confirms or disputes the figures on its
application's report, a programme officer verifies them (at other figures only with a reason),
the lists of reports and overdue evaluation points, the engagement page, and evidence downloaded
only by those entitled to it."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from grants.extensions import db
from grants.models import (
    ApplicationStatus,
    AuditEvent,
    OutboundEmail,
    OutcomeReport,
    ReportStatus,
    Role,
)
from tests.builders.engagements import PDF, agency_report
from tests.builders.people import COUNCIL_EMAIL, STAFF_EMAIL, expert
from tests.support.client import csrf_token, post_form, signed_in
from workflows import outcomes

S = ApplicationStatus
R = ReportStatus


# The world -------------------------------------------------------------------------------------------


@pytest.fixture
def report(delivering, evidence_dir):  # type: ignore[no-untyped-def]
    return agency_report(delivering, evidence_dir, 3)


def council_page(report: OutcomeReport) -> str:
    return f"/applications/{report.engagement.application_id}/reports/{report.id}"


def staff_page(report: OutcomeReport) -> str:
    return f"/outcomes/reports/{report.id}"


def emails(template: str) -> list[OutboundEmail]:
    return list(db.session.scalars(db.select(OutboundEmail).where(OutboundEmail.template == template)))


def audit(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == action)))


def fresh(report: OutcomeReport) -> OutcomeReport:
    """The report as the requests left it."""
    db.session.expire_all()
    found = db.session.get(OutcomeReport, report.id)
    assert found is not None
    return found


def verify_form(cashable: str = "40,000", income: str = "15,000.50", avoided: str = "0", reason: str = "") -> dict:
    return {"cashable": cashable, "income": income, "avoided": avoided, "reason": reason}


# The council's side -----------------------------------------------------------------------------------


def test_the_council_sees_the_report_its_figures_history_and_evidence(app, report, people):  # type: ignore[no-untyped-def]
    browser = signed_in(app, COUNCIL_EMAIL)

    page = browser.get(council_page(report))

    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "Outcome report at 3 months" in body and "Waiting for the council" in body
    assert "£40,000 each year" in body and "£15,000.50 one-off" in body and "£0 one-off" in body
    assert "Spending on agency staff in 2025/26" in body and "Ledger totals before and after" in body
    assert "£120,000" in body  # the cashable savings estimated in the application
    [evidence] = report.evidence
    assert f'href="/outcomes/evidence/{evidence.id}"' in body and "agency ledger.pdf" in body
    assert "Confirm the figures" in body and "Dispute the figures" in body

    summary = browser.get(f"/applications/{report.engagement.application_id}").get_data(as_text=True)
    assert "Outcome reports" in summary and f'href="{council_page(report)}"' in summary


def test_the_council_confirms_the_figures_through_the_page(app, report, people):  # type: ignore[no-untyped-def]
    browser = signed_in(app, COUNCIL_EMAIL)

    done = post_form(browser, f"{council_page(report)}/confirm", {}, token_from=council_page(report))

    assert done.status_code == 302 and done.headers["Location"] == council_page(report)
    confirmed = fresh(report)
    assert confirmed.status is R.CONFIRMED and confirmed.council_answered_by_id == people["officer"].id
    [event] = audit("outcome_report.confirmed")
    assert event.actor_id == people["officer"].id and event.subject_id == report.id
    assert [e.to_address for e in emails("outcome_report_answered")] == [STAFF_EMAIL]
    after = browser.get(council_page(report)).get_data(as_text=True)
    assert "You have confirmed the figures" in after
    assert "Confirm the figures</button>" not in after  # nothing left to answer


def test_a_dispute_without_a_reason_shows_the_error_and_stores_nothing(app, report, people):  # type: ignore[no-untyped-def]
    browser = signed_in(app, COUNCIL_EMAIL)

    refused = post_form(browser, f"{council_page(report)}/dispute", {"reason": "   "}, token_from=council_page(report))

    assert refused.status_code == 400
    body = refused.get_data(as_text=True)
    assert "<title>Error:" in body and "There is a problem" in body
    assert 'href="#reason"' in body  # the error summary links to the field
    assert 'id="reason-error"' in body and "Say why the council does not agree with the figures" in body
    assert fresh(report).status is R.SUBMITTED and fresh(report).dispute_reason is None
    assert audit("outcome_report.disputed") == [] and emails("outcome_report_answered") == []


def test_a_dispute_with_a_reason_is_recorded_and_the_expert_told(app, report, people):  # type: ignore[no-untyped-def]
    browser = signed_in(app, COUNCIL_EMAIL)

    done = post_form(
        browser,
        f"{council_page(report)}/dispute",
        {"reason": "The agency saving is counted twice"},
        token_from=council_page(report),
    )

    assert done.status_code == 302
    disputed = fresh(report)
    assert disputed.status is R.DISPUTED and disputed.dispute_reason == "The agency saving is counted twice"
    [event] = audit("outcome_report.disputed")
    assert event.actor_id == people["officer"].id and event.detail["reason"] == "The agency saving is counted twice"
    assert [e.to_address for e in emails("outcome_report_disputed")] == [report.engagement.expert.email]
    assert [e.to_address for e in emails("outcome_report_answered")] == [STAFF_EMAIL]
    after = browser.get(council_page(report)).get_data(as_text=True)
    assert "You have disputed the figures" in after and "The agency saving is counted twice" in after


def test_another_councils_officer_gets_404_on_the_report_and_its_evidence(app, report, make_user):  # type: ignore[no-untyped-def]
    make_user(Role.COUNCIL_OFFICER, email="sam@camden.example.gov.uk", council="camden")
    browser = signed_in(app, "sam@camden.example.gov.uk")
    token = csrf_token(browser, "/applications")

    assert browser.get(council_page(report)).status_code == 404
    for action in ("confirm", "dispute"):
        answer = browser.post(f"{council_page(report)}/{action}", data={"csrf_token": token, "reason": "No"})
        assert answer.status_code == 404
    assert browser.get(f"/outcomes/evidence/{report.evidence[0].id}").status_code == 404
    assert fresh(report).status is R.SUBMITTED


def test_a_report_is_not_found_under_another_of_the_councils_applications(app, report, people):  # type: ignore[no-untyped-def]
    from tests.builders.applications import drafted
    from tests.builders.rounds import expert_grant_round

    other = drafted(expert_grant_round(code="another-scheme"), people["officer"].council, people["officer"])
    db.session.commit()
    browser = signed_in(app, COUNCIL_EMAIL)
    assert browser.get(f"/applications/{other.id}/reports/{report.id}").status_code == 404


# The staff's side -------------------------------------------------------------------------------------


def test_staff_verify_a_confirmed_report_at_the_claimed_figures(app, report, people):  # type: ignore[no-untyped-def]
    outcomes.confirm(report, actor=people["officer"])
    db.session.commit()
    browser = signed_in(app, STAFF_EMAIL)

    shown = browser.get(staff_page(report)).get_data(as_text=True)
    assert 'value="40,000"' in shown and 'value="15,000.50"' in shown  # prefilled with the claim
    assert "Confirmed the figures" in shown and "Priya Shah" in shown

    done = post_form(browser, f"{staff_page(report)}/verify", verify_form(), token_from=staff_page(report))

    assert done.status_code == 302 and done.headers["Location"] == staff_page(report)
    verified = fresh(report)
    assert verified.status is R.VERIFIED and verified.verified_by_id == people["programme"].id
    assert (verified.verified_cashable_pence, verified.verified_income_pence, verified.verified_avoided_pence) == (
        4_000_000,
        1_500_050,
        0,
    )
    assert verified.verification_reason is None
    [event] = audit("outcome_report.verified")
    assert event.actor_id == people["programme"].id
    after = browser.get(staff_page(report)).get_data(as_text=True)
    assert "is verified at £55,000.50" in after and "Verify the figures</button>" not in after


def test_staff_verify_other_figures_only_with_a_reason(app, report, people):  # type: ignore[no-untyped-def]
    outcomes.confirm(report, actor=people["officer"])
    db.session.commit()
    browser = signed_in(app, STAFF_EMAIL)

    refused = post_form(
        browser, f"{staff_page(report)}/verify", verify_form(cashable="30,000"), token_from=staff_page(report)
    )

    assert refused.status_code == 400
    body = refused.get_data(as_text=True)
    assert 'href="#reason"' in body and 'id="reason-error"' in body
    assert "Give the reason for verifying figures other than those claimed" in body
    assert 'value="30,000"' in body  # what was typed stays on the page
    assert fresh(report).status is R.CONFIRMED and fresh(report).verified_cashable_pence is None
    assert audit("outcome_report.verified") == []

    done = post_form(
        browser,
        f"{staff_page(report)}/verify",
        verify_form(cashable="30,000", reason="£10,000 of it came from a vacancy freeze"),
        token_from=staff_page(report),
    )

    assert done.status_code == 302
    verified = fresh(report)
    assert verified.status is R.VERIFIED and verified.verified_cashable_pence == 3_000_000
    assert verified.verification_reason == "£10,000 of it came from a vacancy freeze"
    rows = {row.kind: row for row in outcomes.history(verified)}
    assert rows["Cashable savings"].verified_pence == 3_000_000 and rows["Cashable savings"].claimed_pence == 4_000_000


def test_a_figure_that_is_not_money_is_refused_beside_it(app, report, people):  # type: ignore[no-untyped-def]
    outcomes.confirm(report, actor=people["officer"])
    db.session.commit()
    browser = signed_in(app, STAFF_EMAIL)

    refused = post_form(
        browser, f"{staff_page(report)}/verify", verify_form(income="lots", avoided=""), token_from=staff_page(report)
    )

    assert refused.status_code == 400
    body = refused.get_data(as_text=True)
    assert 'id="income-error"' in body and "Enter the income generated as a number of pounds" in body
    assert 'id="avoided-error"' in body and "Enter the costs avoided" in body
    assert fresh(report).status is R.CONFIRMED


def test_verifying_a_disputed_report_needs_a_reason_even_at_the_claimed_figures(app, report, people):  # type: ignore[no-untyped-def]
    outcomes.dispute(report, actor=people["officer"], reason="Counted twice")
    db.session.commit()
    browser = signed_in(app, STAFF_EMAIL)
    assert "Counted twice" in browser.get(staff_page(report)).get_data(as_text=True)

    refused = post_form(browser, f"{staff_page(report)}/verify", verify_form(), token_from=staff_page(report))

    assert refused.status_code == 400
    assert "The council disputed these figures: give the reason" in refused.get_data(as_text=True)
    assert fresh(report).status is R.DISPUTED


def test_a_report_the_council_has_not_answered_cannot_be_verified(app, report, people):  # type: ignore[no-untyped-def]
    browser = signed_in(app, STAFF_EMAIL)
    shown = browser.get(staff_page(report)).get_data(as_text=True)
    assert "Verify the figures</button>" not in shown and "once the council has confirmed or disputed" in shown

    refused = post_form(browser, f"{staff_page(report)}/verify", verify_form(), token_from=staff_page(report))

    assert refused.status_code == 302
    assert "The council must confirm or dispute the figures" in browser.get(staff_page(report)).get_data(as_text=True)
    assert fresh(report).status is R.SUBMITTED


def test_verifying_the_last_evaluation_point_evaluates_the_application(app, delivering, evidence_dir, people, waiting):  # type: ignore[no-untyped-def]
    reports = [agency_report(delivering, evidence_dir, month) for month in (3, 6, 12)]
    for each in reports:
        outcomes.confirm(each, actor=people["officer"])
    for each in reports[:2]:
        outcomes.verify(
            each,
            actor=people["programme"],
            cashable_pence=4_000_000,
            income_pence=1_500_050,
            avoided_pence=0,
            reason="",
        )
    db.session.commit()
    assert waiting.status is S.OUTCOMES_REPORTED
    browser = signed_in(app, STAFF_EMAIL)

    done = post_form(browser, f"{staff_page(reports[2])}/verify", verify_form(), token_from=staff_page(reports[2]))

    assert done.status_code == 302
    db.session.expire_all()
    assert waiting.status is S.EVALUATED
    assert "the application is evaluated" in browser.get(staff_page(reports[2])).get_data(as_text=True)


def test_the_list_shows_reports_by_where_they_stand(app, delivering, evidence_dir, people):  # type: ignore[no-untyped-def]
    waiting_for_council = agency_report(delivering, evidence_dir, None)
    to_verify = agency_report(delivering, evidence_dir, 3)
    outcomes.confirm(to_verify, actor=people["officer"])
    db.session.commit()
    browser = signed_in(app, STAFF_EMAIL)

    body = browser.get("/outcomes").get_data(as_text=True)

    assert 'href="/outcomes"' in body and ">Outcomes<" in body  # in the service navigation
    verify_part, rest = body.split('id="overdue"')
    council_part, verified_part = rest.split('id="with-council"')[1].split('id="verified"')
    assert f'href="/outcomes/reports/{to_verify.id}"' in verify_part
    assert f'href="/outcomes/reports/{waiting_for_council.id}"' in council_part
    assert f'href="/outcomes/reports/{to_verify.id}"' not in council_part
    assert "Babergh" in verify_part and "Amira Local" in verify_part and "£55,000.50" in verify_part
    assert "No report has been verified" in verified_part


def test_an_evaluation_point_past_its_due_date_is_listed_as_overdue(app, delivering, evidence_dir, people):  # type: ignore[no-untyped-def]
    agency_report(delivering, evidence_dir, 3)
    [(_, due_at_3), (_, due_at_6), _] = outcomes.report_schedule(delivering)
    browser = signed_in(app, STAFF_EMAIL)

    before = browser.get("/outcomes").get_data(as_text=True)
    assert "No report is overdue" in before

    with time_machine.travel(due_at_6 + timedelta(days=1)):
        browser = signed_in(app, STAFF_EMAIL)  # a session from months before has ended
        later = browser.get("/outcomes").get_data(as_text=True)
        overdue_part = later.split('id="overdue"')[1].split('id="with-council"')[0]
        assert f'href="/outcomes/engagements/{delivering.id}"' in overdue_part
        assert "6 months" in overdue_part and "3 months" not in overdue_part  # the 3-month report was filed
        engagement_page = browser.get(f"/outcomes/engagements/{delivering.id}").get_data(as_text=True)
        assert "Overdue" in engagement_page
    assert due_at_3 < due_at_6


def test_the_engagement_page_shows_days_schedule_and_reports(app, report, delivering, people):  # type: ignore[no-untyped-def]
    browser = signed_in(app, STAFF_EMAIL)

    page = browser.get(f"/outcomes/engagements/{delivering.id}")

    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "Amira Local" in body and "Baseline agreed" in body and "1.5" in body
    for months, due in outcomes.report_schedule(delivering):
        assert f"{months} months after completion" in body and f"{due.day} {due:%B %Y}" in body
    assert f'href="/outcomes/reports/{report.id}"' in body and "Waiting for the council" in body
    assert browser.get("/outcomes/engagements/999999").status_code == 404


@pytest.mark.parametrize("who", ["officer", "assessor", "expert"])
def test_the_staff_pages_are_forbidden_to_council_officers_assessors_and_experts(app, report, people, who):  # type: ignore[no-untyped-def]
    email = report.engagement.expert.email if who == "expert" else people[who].email
    browser = signed_in(app, email)
    for path in ("/outcomes", staff_page(report), f"/outcomes/engagements/{report.engagement_id}"):
        assert browser.get(path).status_code == 403, path
    token = csrf_token(browser, "/account")
    assert browser.post(f"{staff_page(report)}/verify", data={"csrf_token": token, **verify_form()}).status_code == 403
    assert fresh(report).status is R.SUBMITTED


# Evidence ---------------------------------------------------------------------------------------------


def test_evidence_downloads_for_the_expert_the_council_and_staff(app, report, people):  # type: ignore[no-untyped-def]
    [evidence] = report.evidence
    for email in (report.engagement.expert.email, COUNCIL_EMAIL, STAFF_EMAIL, people["assessor"].email):
        download = signed_in(app, email).get(f"/outcomes/evidence/{evidence.id}")
        assert download.status_code == 200, email
        assert download.headers["Content-Disposition"].startswith("attachment"), email
        assert "agency ledger.pdf" in download.headers["Content-Disposition"]
        assert download.headers["X-Content-Type-Options"] == "nosniff"
        assert download.headers["Content-Type"] == "application/pdf"
        assert download.data == PDF


def test_evidence_is_404_for_an_unrelated_expert_and_another_council(app, report, make_user):  # type: ignore[no-untyped-def]
    [evidence] = report.evidence
    stranger = expert("Ben Other")
    make_user(Role.COUNCIL_OFFICER, email="sam@camden.example.gov.uk", council="camden")
    for email in (stranger.email, "sam@camden.example.gov.uk"):
        assert signed_in(app, email).get(f"/outcomes/evidence/{evidence.id}").status_code == 404, email


def test_evidence_missing_from_disk_is_404(app, report, evidence_dir):  # type: ignore[no-untyped-def]
    [evidence] = report.evidence
    (evidence_dir / evidence.stored_name).unlink()
    browser = signed_in(app, STAFF_EMAIL)
    assert browser.get(f"/outcomes/evidence/{evidence.id}").status_code == 404
    assert browser.get("/outcomes/evidence/999999").status_code == 404


def test_a_signed_out_visitor_is_sent_to_sign_in_for_evidence(client, report):  # type: ignore[no-untyped-def]
    response = client.get(f"/outcomes/evidence/{report.evidence[0].id}")
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in")
