"""Outcome reports: filed by the expert with the savings claimed and the evidence, confirmed or
disputed by the lead council, verified by a programme officer. Evidence files travel inside the
JSON body, base64-encoded, and are checked by their content as the upload page checks them."""

from __future__ import annotations

import base64
import binascii
import io
from datetime import date, datetime
from pathlib import Path

from flask import Response, current_app, url_for
from pydantic import Field

from grants.api.auth import api_user
from grants.api.engagements import ApplicationRef, application_ref
from grants.api.pagination import PageQuery, listing, paginate
from grants.api.problems import ApiError, FieldError, found_or_404, pointer_to
from grants.api.queries import report_for, reports_for
from grants.api.routing import Reply, operations
from grants.api.schemas import ExpertRef, expert_ref
from grants.api.types import Body, Out, Pence
from grants.downloads import download_response
from grants.models import OutcomeReport, ReportStatus
from workflows import engagements, outcomes
from workflows.permissions import Permission, can
from workflows.uploads import CheckedFile, UploadError, check_upload, stored_path

TAG = "Outcome reports"
READ = (Permission.CHECK_APPLICATIONS, Permission.USE_EXPERT_PORTAL, Permission.APPLY_FOR_COUNCIL)
# Base64 makes 3 bytes 4 characters: room for the largest evidence file the service takes.
EVIDENCE_TEXT_MAX = 14_000_000


class Figure(Out):
    pence: int
    recurring: bool = Field(description="Recurring each year (true) or one-off (false).")


class EvidenceOut(Out):
    id: int
    original_name: str
    content_type: str
    size_bytes: int
    sha256: str
    uploaded_at: datetime
    download_url: str


class OutcomeReportOut(Out):
    id: int
    status: ReportStatus
    status_label: str
    version: int
    engagement_id: int
    application: ApplicationRef
    expert: ExpertRef
    due_month: int | None = Field(
        description="The evaluation point (months after completion); null for an interim report."
    )
    period_start: date
    period_end: date
    cashable: Figure
    income: Figure
    avoided: Figure
    claimed_total_pence: int
    baseline: str
    method: str
    trial_results: str
    submitted_at: datetime
    council_answered_at: datetime | None
    dispute_reason: str | None
    verified_cashable_pence: int | None
    verified_income_pence: int | None
    verified_avoided_pence: int | None
    verified_total_pence: int | None
    verification_reason: str | None
    verified_at: datetime | None
    evidence: list[EvidenceOut]
    allowed_actions: list[str]


def _actions(report: OutcomeReport) -> list[str]:
    user = api_user()
    found = []
    lead = report.engagement.application.lead_council_id
    if report.status is ReportStatus.SUBMITTED and can(user, Permission.APPLY_FOR_COUNCIL) and user.council_id == lead:
        found += ["confirm", "dispute"]
    if report.status in (ReportStatus.CONFIRMED, ReportStatus.DISPUTED) and can(user, Permission.CHECK_APPLICATIONS):
        found.append("verify")
    return found


def report_out(report: OutcomeReport) -> OutcomeReportOut:
    engagement = report.engagement
    return OutcomeReportOut(
        id=report.id,
        status=report.status,
        status_label=report.status.label,
        version=report.version,
        engagement_id=engagement.id,
        application=application_ref(engagement.application),
        expert=expert_ref(engagement.expert),
        due_month=report.due_month,
        period_start=report.period_start,
        period_end=report.period_end,
        cashable=Figure(pence=report.cashable_pence, recurring=report.cashable_recurring),
        income=Figure(pence=report.income_pence, recurring=report.income_recurring),
        avoided=Figure(pence=report.avoided_pence, recurring=report.avoided_recurring),
        claimed_total_pence=report.claimed_total_pence,
        baseline=report.baseline,
        method=report.method,
        trial_results=report.trial_results,
        submitted_at=report.submitted_at,
        council_answered_at=report.council_answered_at,
        dispute_reason=report.dispute_reason,
        verified_cashable_pence=report.verified_cashable_pence,
        verified_income_pence=report.verified_income_pence,
        verified_avoided_pence=report.verified_avoided_pence,
        verified_total_pence=report.verified_total_pence,
        verification_reason=report.verification_reason,
        verified_at=report.verified_at,
        evidence=[
            EvidenceOut(
                id=f.id,
                original_name=f.original_name,
                content_type=f.content_type,
                size_bytes=f.size_bytes,
                sha256=f.sha256,
                uploaded_at=f.uploaded_at,
                download_url=url_for("api.download_evidence", report_id=report.id, file_id=f.id),
            )
            for f in report.evidence
        ],
        allowed_actions=_actions(report),
    )


def _found(report_id: int) -> OutcomeReport:
    return found_or_404(report_for(api_user(), report_id))


class ReportQuery(PageQuery):
    status: ReportStatus | None = None
    engagement_id: int | None = Field(None, ge=1, le=2_147_483_647)


read = operations(tag=TAG, permissions=READ)


@read("/outcome-reports", summary="List outcome reports", query=ReportQuery, **listing(OutcomeReportOut))
def list_outcome_reports(query: ReportQuery) -> Reply:
    """Programme officers see every report; an expert the reports on their work; a council officer
    those on their council's applications. The latest filed first."""
    found = reports_for(api_user(), status=query.status, engagement_id=query.engagement_id)
    return paginate(found, query, OutcomeReportOut, report_out)


@read("/outcome-reports/<int:report_id>", summary="One outcome report", response=OutcomeReportOut)
def get_outcome_report(report_id: int) -> OutcomeReportOut:
    """The figures claimed, the council's answer, the verified figures and the evidence."""
    return report_out(_found(report_id))


@read(
    "/outcome-reports/<int:report_id>/evidence/<int:file_id>",
    summary="Download an evidence file",
    media_type="application/octet-stream",
    schema={"type": "string", "format": "binary"},
)
def download_evidence(report_id: int, file_id: int) -> Response:
    """The evidence file as it was filed, as a download."""
    report = _found(report_id)
    found = found_or_404(next((f for f in report.evidence if f.id == file_id), None))
    try:
        path = stored_path(Path(current_app.config["EVIDENCE_DIR"]), found.stored_name)
        return download_response(path, download_name=found.original_name, content_type=found.content_type)
    except (ValueError, FileNotFoundError):
        current_app.logger.error("evidence file %s cannot be read from the evidence directory", found.id)
        raise ApiError(404) from None


class EvidenceIn(Body):
    filename: str = Field(max_length=255, description="The file's name, like savings.xlsx.")
    content_base64: str = Field(max_length=EVIDENCE_TEXT_MAX, description="The file's bytes, base64-encoded.")


class NewReport(Body):
    due_month: int | None = Field(
        None, ge=1, le=120, description="The evaluation point reported on; null (or absent) for an interim report."
    )
    period_start: date
    period_end: date
    cashable_pence: Pence
    cashable_recurring: bool = False
    income_pence: Pence
    income_recurring: bool = False
    avoided_pence: Pence
    avoided_recurring: bool = False
    baseline: str = Field(max_length=5000, description="What the figures are measured against.")
    method: str = Field(max_length=5000, description="How the figures were measured.")
    trial_results: str = Field("", max_length=5000, description="A behavioural-insights trial's results.")
    evidence: list[EvidenceIn] = Field(max_length=outcomes.MAX_EVIDENCE_FILES)


def _checked(files: list[EvidenceIn]) -> list[CheckedFile]:
    checked = []
    limit = current_app.config["EVIDENCE_MAX_BYTES"]
    for index, given in enumerate(files):
        try:
            data = base64.b64decode(given.content_base64, validate=True)
        except (binascii.Error, ValueError):
            message = "The file is not base64-encoded"
            raise ApiError(
                422, message, [FieldError(message, pointer_to("evidence", index, "content_base64"))]
            ) from None
        try:
            checked.append(check_upload(io.BytesIO(data), given.filename, max_bytes=limit))
        except UploadError as error:
            message = f"{given.filename}: {error}"
            raise ApiError(422, message, [FieldError(message, pointer_to("evidence", index))]) from None
    return checked


step = operations(
    method="POST", tag=TAG, permissions=(Permission.APPLY_FOR_COUNCIL,), response=OutcomeReportOut, conflicts=True
)


@step(
    "/engagements/<int:engagement_id>/outcome-reports",
    summary="File an outcome report",
    permissions=(Permission.USE_EXPERT_PORTAL,),
    body=NewReport,
    status=201,
    response_headers=("Location",),
    fields={"cashable": "/cashable_pence", "evidence": "/evidence"},
)
def file_outcome_report(engagement_id: int, body: NewReport) -> Reply:
    """The expert files an outcome report for an evaluation point (or an interim one) with the
    savings claimed and at least one file of evidence; the council is asked to confirm it."""
    engagement = found_or_404(engagements.own_engagement(api_user(), engagement_id))
    report = outcomes.file_report(
        engagement,
        actor=api_user(),
        due_month=body.due_month,
        claim=outcomes.Claim(
            period_start=body.period_start,
            period_end=body.period_end,
            cashable_pence=body.cashable_pence,
            cashable_recurring=body.cashable_recurring,
            income_pence=body.income_pence,
            income_recurring=body.income_recurring,
            avoided_pence=body.avoided_pence,
            avoided_recurring=body.avoided_recurring,
            baseline=body.baseline,
            method=body.method,
            trial_results=body.trial_results,
        ),
        evidence=_checked(body.evidence),
        evidence_dir=Path(current_app.config["EVIDENCE_DIR"]),
        today=date.today(),
    )
    location = url_for("api.get_outcome_report", report_id=report.id)
    return Reply(report_out(report), status=201, headers={"Location": location})


@step("/outcome-reports/<int:report_id>/confirm", summary="Confirm the figures (the council)")
def confirm_outcome_report(report_id: int) -> OutcomeReportOut:
    """The lead council agrees with the figures claimed; a programme officer then verifies them."""
    report = _found(report_id)
    outcomes.confirm(report, actor=api_user())
    return report_out(report)


class Dispute(Body):
    reason: str = Field(max_length=5000, description="Why the council does not agree with the figures.")


@step("/outcome-reports/<int:report_id>/dispute", summary="Dispute the figures (the council)", body=Dispute)
def dispute_outcome_report(report_id: int, body: Dispute) -> OutcomeReportOut:
    """The lead council does not agree with the figures, and says why."""
    report = _found(report_id)
    outcomes.dispute(report, actor=api_user(), reason=body.reason)
    return report_out(report)


class Verification(Body):
    cashable_pence: Pence
    income_pence: Pence
    avoided_pence: Pence
    reason: str = Field(
        "", max_length=5000, description="Needed for figures other than those claimed, or after a dispute."
    )


@step(
    "/outcome-reports/<int:report_id>/verify",
    summary="Verify the figures",
    permissions=(Permission.CHECK_APPLICATIONS,),
    body=Verification,
    fields={"cashable": "/cashable_pence"},
)
def verify_outcome_report(report_id: int, body: Verification) -> OutcomeReportOut:
    """A programme officer verifies the figures once the council has answered; when the last
    evaluation point is verified the application is evaluated."""
    report = _found(report_id)
    outcomes.verify(
        report,
        actor=api_user(),
        cashable_pence=body.cashable_pence,
        income_pence=body.income_pence,
        avoided_pence=body.avoided_pence,
        reason=body.reason,
    )
    return report_out(report)
