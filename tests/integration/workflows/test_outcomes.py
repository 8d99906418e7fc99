"""Delivery and outcomes, on PostgreSQL: days logged, the work completed, outcome reports due at
the scheme's evaluation points and reminded of, filed with evidence through the expert's portal,
confirmed or disputed by the council and verified by a programme officer; every figure keeps its
history."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta
from pathlib import Path

import pytest

from grants.extensions import db
from grants.models import (
    ApplicationStatus,
    AuditEvent,
    EngagementStatus,
    EvidenceFile,
    OutboundEmail,
    OutcomeReport,
    Reminder,
    ReminderStatus,
    ReportStatus,
    Role,
    WorkLog,
)
from notifications import reminders
from tests.builders.people import account_of, expert
from tests.support.client import csrf_token, sign_in
from workflows import engagements, outcomes
from workflows.applications import IllegalMoveError
from workflows.uploads import check_upload
from workflows.working_days import add_working_days, is_working_day

S = ApplicationStatus
TODAY = date.today()
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def evidence_dir(tmp_path: Path) -> Path:
    return tmp_path / "evidence"


@pytest.fixture
def delivering(waiting, people):  # type: ignore[no-untyped-def]
    """An expert who accepted the work on the waiting application."""
    chosen = expert("Amira Local")
    engagement = engagements.offer(waiting, chosen.id, actor=people["programme"], today=TODAY)
    engagements.accept(engagement, actor=account_of(chosen), today=TODAY)
    db.session.commit()
    return engagement


def a_claim(**changes: object) -> outcomes.Claim:
    values: dict[str, object] = {
        "period_start": TODAY - timedelta(days=90),
        "period_end": TODAY,
        "cashable_pence": 4_000_000,
        "cashable_recurring": True,
        "income_pence": 1_500_000,
        "income_recurring": False,
        "avoided_pence": 0,
        "avoided_recurring": False,
        "baseline": "Spending on agency staff in 2025/26",
        "method": "Ledger totals before and after",
    }
    values.update(changes)
    return outcomes.Claim(**values)  # type: ignore[arg-type]


def a_pdf(name: str = "ledger.pdf"):  # type: ignore[no-untyped-def]
    return check_upload(io.BytesIO(PDF), name, max_bytes=10 * 1024 * 1024)


def completed(delivering, evidence_dir):  # type: ignore[no-untyped-def]
    user = account_of(delivering.expert)
    outcomes.log_work(delivering, actor=user, worked_on=TODAY, days_tenths=15, milestone="Review done", today=TODAY)
    schedule = outcomes.complete(delivering, actor=user, today=TODAY)
    db.session.commit()
    return schedule


def filed(delivering, evidence_dir, month: int | None = 3, **claim: object) -> OutcomeReport:  # type: ignore[no-untyped-def]
    report = outcomes.file_report(
        delivering,
        actor=account_of(delivering.expert),
        due_month=month,
        claim=a_claim(**claim),
        evidence=[a_pdf()],
        evidence_dir=evidence_dir,
        today=TODAY,
    )
    db.session.commit()
    return report


def emails(template: str) -> list[OutboundEmail]:
    return list(db.session.scalars(db.select(OutboundEmail).where(OutboundEmail.template == template)))


# Delivery ---------------------------------------------------------------------------------------


def test_the_expert_logs_days_and_bad_entries_are_refused(delivering):  # type: ignore[no-untyped-def]
    user = account_of(delivering.expert)
    outcomes.log_work(delivering, actor=user, worked_on=TODAY, days_tenths=5, milestone="Kick-off", today=TODAY)
    outcomes.log_work(delivering, actor=user, worked_on=TODAY, days_tenths=20, milestone="Data review", today=TODAY)
    db.session.commit()
    assert delivering.days_logged_tenths == 25
    for worked_on, tenths, milestone, message in [
        (TODAY + timedelta(days=1), 5, "x", "today or in the past"),
        (TODAY, 0, "x", "between 0.1 and 10"),
        (TODAY, 101, "x", "between 0.1 and 10"),
        (TODAY, 5, "  ", "Describe the milestone"),
    ]:
        with pytest.raises(outcomes.OutcomeError, match=message):
            outcomes.log_work(
                delivering, actor=user, worked_on=worked_on, days_tenths=tenths, milestone=milestone, today=TODAY
            )
        db.session.rollback()
    assert len(delivering.work) == 2


def test_completing_the_work_schedules_a_reminder_for_each_evaluation_point(delivering, evidence_dir):  # type: ignore[no-untyped-def]
    with pytest.raises(outcomes.OutcomeError, match="Log the days"):
        outcomes.complete(delivering, actor=account_of(delivering.expert), today=TODAY)
    db.session.rollback()

    schedule = completed(delivering, evidence_dir)

    assert delivering.status is EngagementStatus.COMPLETED
    assert [m for m, _ in schedule] == [3, 6, 12]
    for months, due in schedule:
        assert is_working_day(due) and due >= outcomes.add_months(TODAY, months)
        kinds = {
            r.kind: r
            for r in db.session.scalars(db.select(Reminder).where(Reminder.subject_id == delivering.id))
            if r.kind.startswith(f"report:{months}:")
        }
        assert set(kinds) == {f"report:{months}:expert", f"report:{months}:council"}
        for reminder in kinds.values():
            assert reminder.due_on == due
            assert reminder.escalate_on == add_working_days(due, outcomes.ESCALATE_AFTER_WORKING_DAYS)
    assert engagements.places_in_use(delivering.expert_id) == 0  # completed work frees the place


def test_reminders_are_sent_when_due_and_escalated_once_to_programme_officers(delivering, evidence_dir):  # type: ignore[no-untyped-def]
    schedule = completed(delivering, evidence_dir)
    months, due = schedule[0]
    reminders.send_due(due)
    db.session.commit()
    due_emails = emails("outcome_report_due")
    assert {e.to_address for e in due_emails} == {delivering.expert.email, "priya@babergh.example.gov.uk"}
    assert all(f"{months} months" in e.subject for e in due_emails)

    reminders.send_due(add_working_days(due, outcomes.ESCALATE_AFTER_WORKING_DAYS))
    db.session.commit()
    overdue = emails("outcome_report_overdue")
    # Two reminders escalated (the expert's and the council's), each to the programme officer once.
    assert [e.to_address for e in overdue] == ["tom@lga.example.gov.uk", "tom@lga.example.gov.uk"]
    reminders.send_due(add_working_days(due, 30))
    db.session.commit()
    assert len(emails("outcome_report_overdue")) == 2


def test_filing_the_report_stops_its_reminders(delivering, evidence_dir):  # type: ignore[no-untyped-def]
    schedule = completed(delivering, evidence_dir)
    filed(delivering, evidence_dir, month=3)
    statuses = {
        r.kind: r.status for r in db.session.scalars(db.select(Reminder).where(Reminder.subject_id == delivering.id))
    }
    assert statuses["report:3:expert"] is ReminderStatus.CANCELLED
    assert statuses["report:3:council"] is ReminderStatus.CANCELLED
    assert statuses["report:6:expert"] is ReminderStatus.WAITING
    reminders.send_due(schedule[0][1])
    db.session.commit()
    assert all("3 months" not in e.subject for e in emails("outcome_report_due"))


# Reports ----------------------------------------------------------------------------------------------


def test_a_report_is_filed_with_its_evidence_stored_apart(delivering, evidence_dir, waiting):  # type: ignore[no-untyped-def]
    completed(delivering, evidence_dir)
    report = filed(delivering, evidence_dir, month=3)

    assert report.status is ReportStatus.SUBMITTED and report.claimed_total_pence == 5_500_000
    [evidence] = report.evidence
    assert evidence.original_name == "ledger.pdf" and evidence.content_type == "application/pdf"
    stored = evidence_dir / evidence.stored_name
    assert stored.read_bytes() == PDF and evidence.stored_name != "ledger.pdf"
    assert waiting.status is S.OUTCOMES_REPORTED
    [to_council] = emails("outcome_report_to_confirm")
    assert to_council.to_address == "priya@babergh.example.gov.uk" and "£55,000" in to_council.text_body
    with pytest.raises(outcomes.OutcomeError, match="reported already"):
        filed(delivering, evidence_dir, month=3)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"period_end": TODAY + timedelta(days=1)}, "today or in the past"),
        ({"period_start": TODAY, "period_end": TODAY - timedelta(days=1)}, "on or after its start"),
        ({"baseline": " "}, "baseline"),
        ({"method": ""}, "how the savings were measured"),
        ({"cashable_pence": -1}, "£0 or more"),
    ],
)
def test_a_report_with_bad_figures_stores_nothing(delivering, evidence_dir, changes, message):  # type: ignore[no-untyped-def]
    completed(delivering, evidence_dir)
    with pytest.raises(outcomes.OutcomeError, match=message):
        filed(delivering, evidence_dir, month=3, **changes)
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count()).select_from(OutcomeReport)) == 0
    assert not evidence_dir.exists() or not any(evidence_dir.iterdir())


def test_only_the_expert_doing_the_work_files_reports(delivering, evidence_dir):  # type: ignore[no-untyped-def]
    other = expert("Ben Other")
    with pytest.raises(IllegalMoveError):
        outcomes.file_report(
            delivering,
            actor=account_of(other),
            due_month=None,
            claim=a_claim(),
            evidence=[a_pdf()],
            evidence_dir=evidence_dir,
            today=TODAY,
        )


def test_the_council_confirms_and_an_officer_verifies_keeping_every_figures_history(  # type: ignore[no-untyped-def]
    delivering, evidence_dir, people, waiting
):
    completed(delivering, evidence_dir)
    report = filed(delivering, evidence_dir, month=3)

    with pytest.raises(outcomes.OutcomeError, match="council must confirm or dispute"):
        outcomes.verify(report, actor=people["programme"], cashable_pence=1, income_pence=0, avoided_pence=0, reason="")
    db.session.rollback()
    outcomes.confirm(report, actor=people["officer"])
    db.session.commit()
    assert report.status is ReportStatus.CONFIRMED
    assert emails("outcome_report_answered")[0].to_address == "tom@lga.example.gov.uk"

    with pytest.raises(outcomes.OutcomeError, match="reason for verifying figures other than those claimed"):
        outcomes.verify(
            report,
            actor=people["programme"],
            cashable_pence=3_000_000,
            income_pence=1_500_000,
            avoided_pence=0,
            reason="",
        )
    db.session.rollback()
    assert report.status is ReportStatus.CONFIRMED
    outcomes.verify(
        report,
        actor=people["programme"],
        cashable_pence=3_000_000,
        income_pence=1_500_000,
        avoided_pence=0,
        reason="£10,000 of the agency saving came from a vacancy freeze",
    )
    db.session.commit()

    rows = {row.kind: row for row in outcomes.history(report)}
    cashable = rows["Cashable savings"]
    assert (cashable.estimated_pence, cashable.claimed_pence, cashable.confirmed_pence, cashable.verified_pence) == (
        12_000_000,
        4_000_000,
        4_000_000,
        3_000_000,
    )
    assert cashable.recurring is True
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "outcome_report.verified"))
    assert event.detail["claimed"] == [4_000_000, 1_500_000, 0] and event.detail["verified"] == [
        3_000_000,
        1_500_000,
        0,
    ]
    assert {e.to_address for e in emails("outcome_report_verified")} == {
        delivering.expert.email,
        "priya@babergh.example.gov.uk",
    }
    assert waiting.status is S.OUTCOMES_REPORTED  # two more evaluation points to come


def test_a_disputed_report_needs_a_reason_and_verifying_it_needs_one_too(delivering, evidence_dir, people):  # type: ignore[no-untyped-def]
    completed(delivering, evidence_dir)
    report = filed(delivering, evidence_dir, month=3)
    with pytest.raises(outcomes.OutcomeError, match="Say why"):
        outcomes.dispute(report, actor=people["officer"], reason=" ")
    db.session.rollback()
    outcomes.dispute(report, actor=people["officer"], reason="The agency saving is counted twice")
    db.session.commit()
    assert report.status is ReportStatus.DISPUTED
    assert emails("outcome_report_disputed")[0].to_address == delivering.expert.email
    assert outcomes.history(report)[0].confirmed_pence is None
    with pytest.raises(outcomes.OutcomeError, match="disputed these figures"):
        outcomes.verify(
            report,
            actor=people["programme"],
            cashable_pence=4_000_000,
            income_pence=1_500_000,
            avoided_pence=0,
            reason="",
        )


def test_another_council_cannot_confirm_the_figures(delivering, evidence_dir, make_user):  # type: ignore[no-untyped-def]
    completed(delivering, evidence_dir)
    report = filed(delivering, evidence_dir, month=3)
    stranger = make_user(Role.COUNCIL_OFFICER, email="someone@camden.example.gov.uk", council="camden")
    with pytest.raises(IllegalMoveError):
        outcomes.confirm(report, actor=stranger)


def test_verifying_the_last_evaluation_point_evaluates_the_application(delivering, evidence_dir, people, waiting):  # type: ignore[no-untyped-def]
    completed(delivering, evidence_dir)
    for month in (3, 6, 12):
        report = filed(delivering, evidence_dir, month=month)
        outcomes.confirm(report, actor=people["officer"])
        outcomes.verify(
            report,
            actor=people["programme"],
            cashable_pence=4_000_000,
            income_pence=1_500_000,
            avoided_pence=0,
            reason="",
        )
        db.session.commit()
        expected = S.EVALUATED if month == 12 else S.OUTCOMES_REPORTED
        assert waiting.status is expected
    assert "evaluate" in [e.action for e in waiting.events]


# The portal --------------------------------------------------------------------------------------------


def test_the_expert_logs_completes_and_files_through_the_portal(client, app, delivering, evidence_dir, waiting):  # type: ignore[no-untyped-def]
    app.config["EVIDENCE_DIR"], before = evidence_dir, app.config["EVIDENCE_DIR"]
    try:
        sign_in(client, delivering.expert.email)
        page = f"/portal/engagements/{delivering.id}"
        assert client.get(page).status_code == 200

        refused = client.post(
            f"{page}/work",
            data={"csrf_token": csrf_token(client, page), "days": "lots", "milestone": ""},
        )
        assert refused.status_code == 400
        body = refused.get_data(as_text=True)
        assert "Enter the days as a number" in body and "Enter the date worked" in body
        assert db.session.scalar(db.select(db.func.count()).select_from(WorkLog)) == 0

        logged = client.post(
            f"{page}/work",
            data={
                "csrf_token": csrf_token(client, page),
                "worked_on": [str(TODAY.day), str(TODAY.month), str(TODAY.year)],
                "days": "1.5",
                "milestone": "Baseline agreed",
            },
        )
        assert logged.status_code == 302
        done = client.post(f"{page}/complete", data={"csrf_token": csrf_token(client, page)})
        assert done.status_code == 302
        db.session.refresh(delivering)
        assert delivering.status is EngagementStatus.COMPLETED and delivering.days_logged_tenths == 15

        form_page = f"{page}/reports/new"
        shown = client.get(form_page).get_data(as_text=True)
        assert "The report 3 months after the work was completed" in shown
        start = TODAY - timedelta(days=30)
        fields = {
            "csrf_token": csrf_token(client, form_page),
            "due_month": "3",
            "period_start": [str(start.day), str(start.month), str(start.year)],
            "period_end": [str(TODAY.day), str(TODAY.month), str(TODAY.year)],
            "cashable": "40,000",
            "cashable_recurring": "recurring",
            "income": "0",
            "income_recurring": "one_off",
            "avoided": "2500.50",
            "avoided_recurring": "one_off",
            "baseline": "Agency spend last year",
            "method": "Ledger",
        }
        disguised = client.post(
            form_page,
            data={**fields, "evidence": (io.BytesIO(b"<html><script>alert(1)</script></html>"), "figures.pdf")},
            content_type="multipart/form-data",
        )
        assert disguised.status_code == 400
        assert "figures.pdf: The selected file must be a PDF" in disguised.get_data(as_text=True)
        assert db.session.scalar(db.select(db.func.count()).select_from(OutcomeReport)) == 0

        accepted = client.post(
            form_page,
            data={**fields, "csrf_token": csrf_token(client, form_page), "evidence": (io.BytesIO(PDF), "ledger.pdf")},
            content_type="multipart/form-data",
        )
        assert accepted.status_code == 302
        report = db.session.scalar(db.select(OutcomeReport))
        assert report is not None and report.due_month == 3
        assert (report.cashable_pence, report.cashable_recurring, report.avoided_pence) == (4_000_000, True, 250_050)
        [stored] = db.session.scalars(db.select(EvidenceFile)).all()
        assert re.fullmatch(r"[0-9a-f]{32}", stored.stored_name) and (evidence_dir / stored.stored_name).exists()
    finally:
        app.config["EVIDENCE_DIR"] = before


def test_another_expert_cannot_open_the_engagement(client, delivering):  # type: ignore[no-untyped-def]
    other = expert("Ben Other")
    sign_in(client, other.email)
    assert client.get(f"/portal/engagements/{delivering.id}").status_code == 404
    assert client.get(f"/portal/engagements/{delivering.id}/reports/new").status_code == 404


def test_an_empty_report_form_shows_every_problem_at_once_and_stores_nothing(client, delivering, evidence_dir):  # type: ignore[no-untyped-def]
    completed(delivering, evidence_dir)
    sign_in(client, delivering.expert.email)
    form_page = f"/portal/engagements/{delivering.id}/reports/new"
    shown = client.get(form_page).get_data(as_text=True)
    assert "Which report is this?" in shown
    refused = client.post(form_page, data={"csrf_token": csrf_token(client, form_page), "due_month": "3"})
    assert refused.status_code == 400
    summary = refused.get_data(as_text=True).split('govuk-error-summary__list">')[1].split("</ul>")[0]
    for message in (
        "Enter the start of the period",
        "Enter the end of the period",
        "Enter the cashable savings",
        "Describe the baseline the savings are measured against",
        "Describe how the savings were measured",
        "Select at least one file of evidence",
    ):
        assert message in summary
    assert db.session.scalar(db.select(db.func.count()).select_from(OutcomeReport)) == 0
