"""The quarterly board report on PostgreSQL: a row per programme line with its outputs in words,
its status with the rule and a reference; previewed with live figures; issued (frozen, audited,
versioned) by approvers and administrators only; unchanged by later changes to the data; as a
printable page and a CSV file whose cells are never formulas."""

from __future__ import annotations

import csv
import html
import io
import re
import threading
from datetime import date
from pathlib import Path
from unittest.mock import patch

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from grants.extensions import db
from grants.models import AuditEvent, BoardReport, Role, User, UserRole
from tests.builders.applications import joint_trial
from tests.builders.engagements import delivered, verify
from tests.builders.reporting import current, expected_statuses
from tests.builders.rounds import this_year
from tests.support.client import csrf_token, post_form, signed_in
from tests.support.services import SMTP_PORT
from tests.support.workers import sending_app, sql
from workflows import reporting
from workflows.reporting import BoardReportError, Quarter

APPROVER = "margaret@lga.example.gov.uk"
PROGRAMME_OFFICER = "tom@lga.example.gov.uk"
ASSESSOR = "hannah@lga.example.gov.uk"


def preview_path(quarter: Quarter | None = None) -> str:
    quarter = quarter or current()
    return f"/reports/board/{quarter.year}/q{quarter.number}"


def main_of(response) -> str:  # type: ignore[no-untyped-def]
    """The page's main content: what the report is, without the navigation around it."""
    assert response.status_code == 200, response.status_code
    body = response.get_data(as_text=True)
    return body[body.index("<main") : body.index("</main>")]


def issue(browser: FlaskClient, *, latest: int, note: str = ""):  # type: ignore[no-untyped-def]
    return post_form(
        browser, preview_path() + "/issue", {"latest": str(latest), "note": note}, token_from=preview_path()
    )


def rows_of(response) -> list[list[str]]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200 and response.mimetype == "text/csv"
    body = response.get_data(as_text=True)
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body.removeprefix("\ufeff"), newline="")))


# The preview -------------------------------------------------------------------------------------------


def test_the_preview_has_a_row_per_line_with_outputs_status_and_reference(app, board_world) -> None:  # type: ignore[no-untyped-def]
    page = main_of(signed_in(app, PROGRAMME_OFFICER).get(preview_path()))
    quarter = current()
    assert f"Preview: {quarter.label}" in page
    assert "It has not been issued." in page
    # One row for each line with a round this year; the line whose round was last year has none.
    assert "Productivity Experts" in page and "Behavioural Insights" in page
    assert "Digital channel shift" not in page
    # The outputs in words, the year to date.
    assert (
        "Working with 2 councils so far this year (target 4) to deliver savings of £400,000, as estimated "
        "when approved. £30,000 claimed and £25,000 verified so far (target £100,000)." in page
    )
    assert "2 applications approved, committing £12,000 of a £180,000 budget; £0 paid." in page
    assert "No councils reached yet this year. Savings: £0 claimed and £0 verified so far." in page
    # The status with its rule, and the reference to the line's dashboard.
    councils, savings = expected_statuses()
    assert f"Councils reached: {html.escape(councils.in_words())}" in page
    assert f"Verified savings: {html.escape(savings.in_words())}" in page
    assert "Verified savings: No target: no target is set, so there is no status." in page
    reference = f"PE-{quarter.year}-Q{quarter.number}"
    assert f'href="/reports/schemes/{board_world["grants"].scheme_id}?year={quarter.year}">{reference}' in page
    # Staff who may not issue see no form to issue it.
    assert "Issue the report" not in page


def test_the_preview_as_a_csv_file_guards_every_cell_against_formulas(app, board_world) -> None:  # type: ignore[no-untyped-def]
    board_world["trials"].scheme.name = '=HYPERLINK("http://x","trials")'
    db.session.commit()
    rows = rows_of(signed_in(app, PROGRAMME_OFFICER).get(preview_path() + ".csv"))
    header, *lines = rows
    assert header[:4] == ["Programme line", "Rounds", "Outputs", "Status"] and header[-2:] == ["Reference", "Detail"]
    by_line = {line[0]: dict(zip(header, line, strict=True)) for line in lines}
    assert set(by_line) == {"Productivity Experts", '\'=HYPERLINK("http://x","trials")'}
    grants = by_line["Productivity Experts"]
    assert grants["Councils reached"] == "2" and grants["Target councils"] == "4"
    assert grants["Savings verified (£)"] == "25000.00" and grants["Target savings (£)"] == "100000.00"
    councils, savings = expected_statuses()
    assert grants["Committed (£)"] == "12000.00"
    assert grants["Status"] == reporting.worst([councils.status, savings.status]).label
    assert (grants["Councils status"], grants["Savings status"]) == (councils.in_words(), savings.in_words())
    assert grants["Detail"].endswith(f"/reports/schemes/{board_world['grants'].scheme_id}?year={current().year}")


def test_a_quarter_not_yet_started_or_not_real_is_not_found(app, board_world) -> None:  # type: ignore[no-untyped-def]
    browser = signed_in(app, APPROVER)
    later = current().next()
    assert browser.get(preview_path(later)).status_code == 404
    assert browser.get(f"/reports/board/{this_year()}/q5").status_code == 404
    assert browser.get("/reports/board/1999/q1").status_code == 404
    assert browser.get("/reports/board/99999").status_code == 404
    assert browser.get("/reports/board/99999.csv").status_code == 404
    # Choosing a quarter on the list opens its preview.
    chosen = browser.get(f"/reports/board?quarter={current().year}-{current().number}")
    assert chosen.status_code == 302 and chosen.headers["Location"] == preview_path()


# Issuing ---------------------------------------------------------------------------------------------


def test_an_issued_report_is_frozen_whatever_changes_afterwards(
    app, board_world, people, councils, make_user, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    browser = signed_in(app, APPROVER)
    assert "Issue the report" in main_of(browser.get(preview_path()))
    issued = issue(browser, latest=0, note="First issue for the quarter.")
    assert issued.status_code == 302
    report = db.session.scalar(select(BoardReport))
    assert issued.headers["Location"] == f"/reports/board/{report.id}"
    assert (report.quarter_start, report.quarter_end, report.version) == (current().start, current().end, 1)
    assert report.issued_by_id == people["approver"].id and report.note == "First issue for the quarter."
    assert report.rule == {
        "green_percent": 100,
        "amber_percent": 80,
        "pro_rata": True,
        "savings_measure": "verified",
        "figures_to": date.today().isoformat(),
        "words": reporting.Rule().in_words(),
    }
    assert [row["line"] for row in report.rows] == ["Behavioural Insights", "Productivity Experts"]
    [audit] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "board_report.issued")).all()
    assert (audit.actor_id, audit.subject_id, audit.detail["version"]) == (people["approver"].id, report.id, 1)

    first_view = browser.get(f"/reports/board/{report.id}")
    assert "is issued. It will not change." in first_view.get_data(as_text=True)
    page_before = main_of(browser.get(f"/reports/board/{report.id}"))
    csv_before = browser.get(f"/reports/board/{report.id}.csv").get_data()
    assert "£25,000 verified so far" in page_before and "First issue for the quarter." in page_before

    # Everything the report was made from changes: more savings verified, another approval, the
    # rule, a target, a line's name.
    more = delivered(
        board_world["ipswich"], people, tmp_path, expert_name="Bob Local", claimed=(9_000_000, 0, 0), verified=None
    )
    verify(more, people, (9_000_000, 0, 0))
    joint_trial(people, councils, board_world["trials"], lead="camden", partner="suffolk")
    admin = make_user(Role.ADMINISTRATOR, email="sam@lga.example.gov.uk", name="Sam Patel")
    reporting.save_rule(green_percent=50, amber_percent=10, pro_rata=False, actor=admin, expected_version=0)
    board_world["grants"].target_councils = 2
    board_world["grants"].scheme.name = "Experts renamed"
    db.session.commit()

    assert main_of(browser.get(f"/reports/board/{report.id}")) == page_before
    assert browser.get(f"/reports/board/{report.id}.csv").get_data() == csv_before
    # The preview has moved on.
    preview = main_of(browser.get(preview_path()))
    assert "£115,000 verified so far" in preview and "Experts renamed" in preview


def test_issuing_the_quarter_again_makes_the_next_version_and_a_stale_page_issues_nothing(  # type: ignore[no-untyped-def]
    app, board_world
) -> None:
    browser = signed_in(app, APPROVER)
    assert issue(browser, latest=0).status_code == 302
    again = issue(browser, latest=1, note="Corrected after the verification of Ipswich's savings.")
    assert again.status_code == 302
    versions = db.session.scalars(select(BoardReport.version).order_by(BoardReport.version)).all()
    assert versions == [1, 2]

    # A page that still thinks nothing has been issued is refused, and says what happened.
    stale = issue(browser, latest=0)
    assert stale.status_code == 302 and stale.headers["Location"] == preview_path()
    message = main_of(browser.get(preview_path()))
    assert f"Version 2 of the report for {current().label} has been issued since you opened this page" in message
    assert db.session.scalar(select(db.func.count()).select_from(BoardReport)) == 2

    listing = main_of(browser.get("/reports/board"))
    assert listing.count(current().label) >= 2
    assert re.search(r"Version 2\s*<strong class=\"govuk-tag govuk-tag--blue\">Latest</strong>", listing)
    assert "Version 1" in listing and "Margaret Doyle" in listing
    first = db.session.scalar(select(BoardReport).where(BoardReport.version == 1))
    first_page = main_of(browser.get(f"/reports/board/{first.id}"))
    assert "<strong>Version 1</strong> (this one)" in first_page and "Version 2</a>" in first_page


def test_the_unique_version_turns_a_double_issue_into_a_clear_refusal(app, board_world, people) -> None:  # type: ignore[no-untyped-def]
    """Two issues read the same latest version at the same moment: the second to insert meets the
    unique (quarter, version) key and is refused, leaving the first."""
    reporting.issue_board_report(current(), actor=people["approver"], note="", expected_latest=0, today=date.today())
    with patch.object(reporting.board, "latest_version", return_value=0), pytest.raises(BoardReportError) as refused:
        reporting.issue_board_report(
            current(), actor=people["approver"], note="", expected_latest=0, today=date.today()
        )
    assert "Someone else issued the report" in str(refused.value)
    db.session.commit()
    assert db.session.scalars(select(BoardReport.version)).all() == [1]


def test_only_approvers_and_administrators_issue(app, board_world, make_user) -> None:  # type: ignore[no-untyped-def]
    for email in (PROGRAMME_OFFICER, ASSESSOR):
        browser = signed_in(app, email)
        page = main_of(browser.get(preview_path()))
        assert "Issue the report" not in page and "Approvers and administrators issue the reports" not in page
        assert "Approvers and administrators issue the reports" in main_of(browser.get("/reports/board"))
        token = csrf_token(browser, preview_path())
        refused = browser.post(preview_path() + "/issue", data={"csrf_token": token, "latest": "0"})
        assert refused.status_code == 403
    # Without the form's CSRF token nothing is issued either.
    approver = signed_in(app, APPROVER)
    assert approver.post(preview_path() + "/issue", data={"latest": "0"}).status_code == 400
    assert db.session.scalar(select(db.func.count()).select_from(BoardReport)) == 0

    admin = make_user(Role.ADMINISTRATOR, email="sam@lga.example.gov.uk", name="Sam Patel")
    assert issue(signed_in(app, admin.email), latest=0).status_code == 302
    assert db.session.scalar(select(BoardReport.issued_by_id)) == admin.id


def test_the_note_is_limited_and_shown_beside_its_field(app, board_world) -> None:  # type: ignore[no-untyped-def]
    response = issue(signed_in(app, APPROVER), latest=0, note="x" * 2001)
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert 'id="note-error"' in body and "The note must be 2,000 characters or fewer" in body
    assert db.session.scalar(select(db.func.count()).select_from(BoardReport)) == 0


def test_the_printed_report_leaves_out_the_services_navigation_and_forms(app, board_world) -> None:  # type: ignore[no-untyped-def]
    browser = signed_in(app, APPROVER)
    issue(browser, latest=0)
    report = db.session.scalar(select(BoardReport))
    body = browser.get(f"/reports/board/{report.id}").get_data(as_text=True)
    # The back link, the download link and the list of versions are not printed.
    assert re.search(
        r'<div class="govuk-!-display-none-print">\s*<a href="/reports/board" class="govuk-back-link"', body
    )
    assert re.search(
        r'<p class="govuk-body govuk-!-display-none-print">\s*<a class="govuk-link" href="/reports/board/\d+\.csv"',
        body,
    )
    assert re.search(r'<div class="govuk-!-display-none-print">\s*<h2 class="govuk-heading-m">Issued versions', body)
    stylesheet = (Path(app.static_folder or "") / "dist" / "app.css").read_text()
    printed = stylesheet[stylesheet.index("@media print") :]
    assert ".govuk-service-navigation" in printed and ".govuk-footer" in printed


# Two at once, for real ------------------------------------------------------------------------------------


@pytest.mark.commits("board_reports", "audit_events", "user_roles", "users")
def test_two_approvers_issuing_the_same_quarter_at_once_make_one_version(db_url: str) -> None:
    with sending_app(db_url, None, smtp_port=SMTP_PORT) as app:
        with app.app_context():
            approvers = [
                User(
                    email=f"approver{n}@lga.example.gov.uk",
                    name=f"Approver {n}",
                    role_links=[UserRole(role=Role.APPROVER)],
                )
                for n in range(2)
            ]
            db.session.add_all(approvers)
            db.session.commit()
            ids = [a.id for a in approvers]
            db.session.remove()
        barrier = threading.Barrier(len(ids))
        issued: list[int] = []
        refused: list[str] = []
        errors: list[BaseException] = []

        def issue_as(user_id: int) -> None:
            try:
                with app.app_context():
                    actor = db.session.get(User, user_id)
                    assert actor is not None
                    barrier.wait(timeout=30)
                    try:
                        report = reporting.issue_board_report(
                            current(), actor=actor, note="", expected_latest=0, today=date.today()
                        )
                        db.session.commit()
                        issued.append(report.version)
                    except BoardReportError as refusal:
                        db.session.rollback()
                        refused.append(str(refusal))
                    finally:
                        db.session.remove()
            except BaseException as exc:  # reported in the test's own thread
                errors.append(exc)

        threads = [threading.Thread(target=issue_as, args=(user_id,)) for user_id in ids]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

    assert not errors, errors
    assert issued == [1] and len(refused) == 1
    assert "Nothing more has been issued" in refused[0]
    assert sql(db_url, "SELECT version FROM board_reports") == [(1,)]
    assert sql(db_url, "SELECT count(*) FROM audit_events WHERE action = 'board_report.issued'") == [(1,)]
