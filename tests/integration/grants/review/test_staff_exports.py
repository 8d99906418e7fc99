"""The staff's CSV downloads, on PostgreSQL: the applications of the queue with the queue's
filters, and every outcome report; money in pounds with pence, cells that a spreadsheet would run
as formulas kept as text, the file sent as it is written in a fixed number of statements, and
neither download open to council officers or experts."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from grants.extensions import db
from grants.models import Application, Role
from grants.review.views import APPLICATIONS_CSV_HEADER
from tests.builders.applications import FIXED_GRANT_ANSWERS, drafted
from tests.builders.engagements import agency_report
from tests.builders.people import COUNCIL_EMAIL, STAFF_EMAIL
from tests.builders.rounds import expert_grant_round
from tests.support.client import signed_in
from tests.support.database import counting_statements
from tests.support.html import rows_of
from workflows import applications, outcomes
from workflows.csv_export import csv_uk_time

TODAY = date.today()


# Applications --------------------------------------------------------------------------------------


def submitted(people, councils, number: int, *, title: str | None = None) -> Application:  # type: ignore[no-untyped-def]
    """Babergh's application to a round of its own, submitted and waiting for the eligibility check."""
    officer = people["officer"]
    application = drafted(expert_grant_round(code=f"scheme-{number}"), councils["babergh"], officer)
    if title is not None:
        answers = {**FIXED_GRANT_ANSWERS["project"][0], "title": title}
        applications.save_section(
            application,
            "project",
            answers,
            actor=officer,
            expected_version=application.version,
            columns={"title": title},
        )
    applications.submit(application, actor=officer, expected_version=None, today=TODAY)
    db.session.commit()
    return application


def test_the_applications_download_lists_the_queue_in_pounds_with_formulas_kept_as_text(app, people, councils):  # type: ignore[no-untyped-def]
    first = submitted(people, councils, 1)
    risky = submitted(people, councils, 2, title='=HYPERLINK("http://example.com")')
    response = signed_in(app, STAFF_EMAIL).get("/review/applications.csv")
    assert response.status_code == 200
    assert response.is_streamed
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="applications-')
    header, *rows = rows_of(response)
    assert tuple(header) == APPLICATIONS_CSV_HEADER
    by_reference = {row[0]: row for row in rows}
    assert set(by_reference) == {first.reference, risky.reference}
    row = by_reference[first.reference]
    assert row[1:7] == [
        "Babergh",
        "E07000200",
        "Productivity Experts",
        "2026/27",
        "Submitted",
        "Commercial waste review",
    ]
    assert row[7] == "6000.00"
    assert row[8] == ""
    assert row[9] == csv_uk_time(first.submitted_at) and row[9].startswith(TODAY.isoformat()[:4])
    assert first.stage_due_on is not None and row[10] == first.stage_due_on.isoformat()
    assert row[11] == "no"
    assert by_reference[risky.reference][6] == '\'=HYPERLINK("http://example.com")'


def test_the_applications_download_keeps_the_queue_filters(app, people, councils):  # type: ignore[no-untyped-def]
    first = submitted(people, councils, 1)
    second = submitted(people, councils, 2)
    applications.check_eligibility(second, TODAY)
    applications.confirm_eligibility(second, actor=people["programme"], reason=None, expected_version=None)
    db.session.commit()
    browser = signed_in(app, STAFF_EMAIL)

    def references(query: str) -> list[str]:
        return [row[0] for row in rows_of(browser.get("/review/applications.csv" + query))[1:]]

    assert sorted(references("")) == sorted([first.reference, second.reference])
    assert references("?status=in_assessment") == [second.reference]
    assert references("?status=submitted") == [first.reference]
    assert references(f"?round={first.round_id}") == [first.reference]
    assert references(f"?q={second.reference.lower()}") == [second.reference]
    assert references("?overdue=yes") == []

    page = browser.get("/review?status=in_assessment").get_data(as_text=True)
    assert 'href="/review/applications.csv?status=in_assessment"' in page
    assert "Download these applications (CSV)" in page


def test_the_applications_download_takes_as_many_statements_for_five_rows_as_for_one(app, people, councils):  # type: ignore[no-untyped-def]
    browser = signed_in(app, STAFF_EMAIL)

    def statements() -> tuple[int, int]:
        browser.get("/review/applications.csv").get_data()
        with counting_statements() as seen:
            response = browser.get("/review/applications.csv")
            rows = rows_of(response)
        return len(seen), len(rows) - 1

    submitted(people, councils, 1)
    with_one, rows = statements()
    assert rows == 1
    for number in range(2, 6):
        submitted(people, councils, number)
    assert statements() == (with_one, 5)


# Outcome reports -----------------------------------------------------------------------------------


def test_the_reports_download_lists_every_report_with_claimed_and_verified_figures(  # type: ignore[no-untyped-def]
    app, people, councils, delivering, evidence_dir
):
    waiting_report = agency_report(delivering, evidence_dir, None)
    verified_report = agency_report(delivering, evidence_dir, None)
    outcomes.confirm(verified_report, actor=people["officer"])
    outcomes.verify(
        verified_report,
        actor=people["programme"],
        cashable_pence=3_000_000,
        income_pence=1_500_050,
        avoided_pence=0,
        reason="Agency spending fell by less than claimed",
    )
    councils["babergh"].name = "+Babergh"
    db.session.commit()
    browser = signed_in(app, STAFF_EMAIL)
    response = browser.get("/outcomes/reports.csv")
    assert response.status_code == 200
    assert response.is_streamed
    assert response.headers["Content-Disposition"].startswith('attachment; filename="outcome-reports-')
    header, *rows = rows_of(response)
    assert header[:7] == [
        "Application reference",
        "Council",
        "Expert",
        "Evaluation point",
        "Period start",
        "Period end",
        "Status",
    ]
    assert len(header) == 16 and header[13:] == [
        "Cashable savings verified (£)",
        "Income verified (£)",
        "Costs avoided verified (£)",
    ]
    reference = delivering.application.reference
    start, end = (TODAY - timedelta(days=90)).isoformat(), TODAY.isoformat()
    claimed = ["40000.00", "Recurring", "15000.50", "One-off", "0.00", "One-off"]
    assert rows == [
        [reference, "'+Babergh", "Amira Local", "Interim", start, end, "Waiting for the council", *claimed, "", "", ""],
        [
            reference,
            "'+Babergh",
            "Amira Local",
            "Interim",
            start,
            end,
            "Verified",
            *claimed,
            "30000.00",
            "15000.50",
            "0.00",
        ],
    ]
    assert waiting_report.id < verified_report.id
    assert "Download every outcome report (CSV)" in browser.get("/outcomes").get_data(as_text=True)


def test_the_reports_download_takes_as_many_statements_for_five_rows_as_for_one(  # type: ignore[no-untyped-def]
    app, delivering, evidence_dir
):
    browser = signed_in(app, STAFF_EMAIL)

    def statements() -> tuple[int, int]:
        browser.get("/outcomes/reports.csv").get_data()
        with counting_statements() as seen:
            rows = rows_of(browser.get("/outcomes/reports.csv"))
        return len(seen), len(rows) - 1

    agency_report(delivering, evidence_dir, None)
    with_one, rows = statements()
    assert rows == 1
    for _ in range(4):
        agency_report(delivering, evidence_dir, None)
    assert statements() == (with_one, 5)


# Who may download ----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/review/applications.csv", "/outcomes/reports.csv"])
def test_council_officers_and_experts_may_not_download(app, people, make_user, path):  # type: ignore[no-untyped-def]
    make_user(Role.EXPERT, email="sam@experts.example.org", name="Sam Expert")
    for email in (COUNCIL_EMAIL, "sam@experts.example.org"):
        assert signed_in(app, email).get(path).status_code == 403
