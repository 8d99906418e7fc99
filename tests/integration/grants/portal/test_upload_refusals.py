"""Evidence uploaded through the expert's outcome-report page, over HTTP: a web page named as a PDF
and a file far over the size limit are refused with a clear message and leave nothing behind (no
report, no file, no audit event); a PDF whose name climbs out of its folder is stored inside the
evidence directory under a name the server chose, and downloaded under a cleaned name, as a
sandboxed attachment that is never sniffed."""

from __future__ import annotations

import io
import os
import re
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from grants.extensions import db
from grants.models import Application, AuditEvent, Engagement, EvidenceFile, OutcomeReport, User
from tests.builders.engagements import PDF, TODAY, completed_engagement
from tests.builders.people import expert
from tests.support.client import csrf_token, sign_in

HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
MIB = 1024 * 1024


@pytest.fixture
def completed(waiting: Application, people: dict[str, User]) -> Engagement:
    """The waiting application's work done by an expert: its 3-month report can be filed."""
    return completed_engagement(waiting, expert("Amira Local"), offered_by=people["programme"])


@pytest.fixture
def browser(app: Flask, completed: Engagement) -> FlaskClient:
    """The expert, signed in."""
    client = app.test_client()
    assert sign_in(client, completed.expert.email).status_code == 302
    return client


def form_page(engagement: Engagement) -> str:
    return f"/portal/engagements/{engagement.id}/reports/new"


def file_report(browser: FlaskClient, engagement: Engagement, evidence: object):  # type: ignore[no-untyped-def]
    """Post the report form as the browser would, with the chosen evidence."""
    page = form_page(engagement)
    start = TODAY - timedelta(days=30)
    return browser.post(
        page,
        data={
            "csrf_token": csrf_token(browser, page),
            "due_month": "3",
            "period_start": [str(start.day), str(start.month), str(start.year)],
            "period_end": [str(TODAY.day), str(TODAY.month), str(TODAY.year)],
            "cashable": "40,000",
            "cashable_recurring": "recurring",
            "income": "0",
            "income_recurring": "one_off",
            "avoided": "0",
            "avoided_recurring": "one_off",
            "baseline": "Agency spend last year",
            "method": "Ledger totals",
            "evidence": evidence,
        },
        content_type="multipart/form-data",
    )


def count(model: type) -> int:
    db.session.expire_all()
    return db.session.scalar(db.select(db.func.count()).select_from(model)) or 0


def files_under(directory: Path) -> list[Path]:
    return sorted(path for path in directory.rglob("*") if path.is_file())


def assert_nothing_stored(evidence_dir: Path, audit_events_before: int) -> None:
    assert count(OutcomeReport) == 0
    assert count(EvidenceFile) == 0
    assert count(AuditEvent) == audit_events_before
    assert files_under(evidence_dir.parents[2]) == []


def test_a_web_page_named_as_a_pdf_is_refused_beside_the_field_and_nothing_is_stored(  # type: ignore[no-untyped-def]
    browser, completed, evidence_dir
):
    audit_events_before = count(AuditEvent)

    refused = file_report(browser, completed, (io.BytesIO(HTML), "report.pdf"))

    assert refused.status_code == 400
    body = refused.get_data(as_text=True)
    assert "<title>Error:" in body and 'href="#evidence"' in body  # the summary links to the field
    field_error = re.search(r'id="evidence-error"[^>]*>(.*?)</p>', body, re.DOTALL)
    assert field_error, "no error beside the file field"
    assert "report.pdf: The selected file must be a PDF" in field_error.group(1)
    assert "<script>alert" not in body
    assert_nothing_stored(evidence_dir, audit_events_before)


def test_a_30_mb_file_is_refused_with_a_page_that_says_so_and_nothing_is_stored(  # type: ignore[no-untyped-def]
    browser, completed, evidence_dir
):
    audit_events_before = count(AuditEvent)
    huge = PDF + b"0" * (30 * MIB)

    refused = file_report(browser, completed, (io.BytesIO(huge), "huge.pdf"))

    assert refused.status_code == 413
    body = refused.get_data(as_text=True)
    assert "That file is too large" in body and "Nothing was saved" in body
    assert 'class="govuk-template__body' in body  # the service's own page, not a bare error
    assert refused.headers["X-Content-Type-Options"] == "nosniff"
    assert refused.headers["Cache-Control"] == "no-store"
    assert_nothing_stored(evidence_dir, audit_events_before)


def test_a_file_over_the_evidence_limit_is_refused_beside_the_field(browser, completed, evidence_dir):  # type: ignore[no-untyped-def]
    audit_events_before = count(AuditEvent)
    # Under the request limit, so the form arrives; over the 10 MB a file of evidence may be.
    large = PDF + b"0" * (10 * MIB)

    refused = file_report(browser, completed, (io.BytesIO(large), "large.pdf"))

    assert refused.status_code == 400
    field_error = re.search(r'id="evidence-error"[^>]*>(.*?)</p>', refused.get_data(as_text=True), re.DOTALL)
    assert field_error and "large.pdf: The selected file must be smaller than 10 MB" in field_error.group(1)
    assert_nothing_stored(evidence_dir, audit_events_before)


@pytest.mark.parametrize(
    ("client_name", "cleaned"),
    [("../../etc/passwd.pdf", "passwd.pdf"), ("..\\..\\x.pdf", "x.pdf"), ("/etc/cron.d/job.pdf", "job.pdf")],
)
def test_a_name_that_climbs_out_is_stored_inside_under_a_random_name_and_downloaded_cleaned(  # type: ignore[no-untyped-def]
    app, browser, completed, evidence_dir, client_name, cleaned
):
    filed = file_report(browser, completed, (io.BytesIO(PDF), client_name))

    assert filed.status_code == 302, filed.get_data(as_text=True)
    [stored] = db.session.scalars(db.select(EvidenceFile)).all()
    assert re.fullmatch(r"[0-9a-f]{32}", stored.stored_name)
    assert stored.original_name == cleaned
    # The only file written anywhere under the test's directory is the stored one, in place.
    assert files_under(evidence_dir.parents[2]) == [evidence_dir / stored.stored_name]
    assert (evidence_dir / stored.stored_name).read_bytes() == PDF
    assert os.stat(evidence_dir / stored.stored_name).st_mode & 0o077 == 0
    assert not (Path(app.root_path).parent / "etc").exists()

    engagement_page = browser.get(f"/portal/engagements/{completed.id}").get_data(as_text=True)
    assert cleaned in engagement_page and client_name not in engagement_page

    download = browser.get(f"/outcomes/evidence/{stored.id}")

    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Disposition"] == f"attachment; filename={cleaned}"
    assert download.headers["Content-Type"] == "application/pdf"
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert download.headers["Cache-Control"] == "no-store"
