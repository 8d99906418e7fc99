"""The national dataset's histories written in bulk: applications with their partners,
assessments, awards and payments; engagements and work logged; outcome reports with their
evidence files' rows; and each application's timeline."""

from __future__ import annotations

import io
import secrets
from typing import Any

from devdata.national.generator import Generator
from devdata.national.shapes import Application, Report
from devdata.national.words import BASELINE, EVIDENCE, EVIDENCE_NAME, METHOD, TRIAL
from grants.models import ExpertKind
from workflows.uploads import check_upload
from workflows.working_days import add_working_days

_APPLICATION_COLUMNS = (
    "id reference round_id lead_council_id created_by_id status version title answers sections_done "
    "amount_requested_pence match_pence savings_cashable_pence savings_income_pence savings_avoided_pence "
    "eligibility_passed eligibility_results eligibility_checked_at submitted_at decided_at stage_entered_at "
    "stage_due_on created_at updated_at"
)

_AWARD_COLUMNS = (
    "id application_id round_id amount_pence match_pence paid_pence approved_by_id approved_at conditions "
    "accepted_at accepted_by_id signatory_name signatory_role"
)

_ENGAGEMENT_COLUMNS = (
    "id application_id expert_id status score reasons offered_by_id offered_at expires_on responded_at "
    "decline_reason completed_at version"
)

_REPORT_COLUMNS = (
    "id engagement_id due_month period_start period_end cashable_pence cashable_recurring income_pence "
    "income_recurring avoided_pence avoided_recurring baseline method trial_results status submitted_by_id "
    "submitted_at council_answered_by_id council_answered_at dispute_reason verified_cashable_pence "
    "verified_income_pence verified_avoided_pence verification_reason verified_by_id verified_at version"
)


def write_applications(g: Generator) -> None:
    apps = g.applications
    partners = [(a.id, p) for a in apps for p in a.partners]
    assessments = sorted(((a.id, x) for a in apps for x in a.assessments), key=lambda pair: pair[1].at)
    awarded = sorted((a for a in apps if a.award), key=lambda a: a.award.approved_at if a.award else g.now)
    payments = sorted(((a.award, p) for a in awarded if a.award for p in a.award.payments), key=lambda pair: pair[1].at)
    total = len(apps) + len(partners) + len(assessments) + len(awarded) + len(payments)
    with g.stage("Applications", total) as tick:
        g.bulk.copy("applications", _APPLICATION_COLUMNS, (_application_row(a) for a in apps), tick)
        g.bulk.add(
            "application_partners",
            "application_id council_id status match_share_pence responded_by_id responded_at",
            [(app_id, p.council.id, "confirmed", p.share, p.officer.id, p.confirmed_at) for app_id, p in partners],
            tick,
        )
        g.bulk.add(
            "assessments",
            "application_id assessor_id scores weighted_score_tenths recommendation comments submitted_at",
            [(app_id, x.assessor_id, x.scores, x.weighted, x.recommendation, "", x.at) for app_id, x in assessments],
            tick,
        )
        first = g.bulk.reserve("awards", len(awarded))
        for n, a in enumerate(awarded):
            if a.award:
                a.award.id = first + n
        g.bulk.copy("awards", _AWARD_COLUMNS, (_award_row(a) for a in awarded), tick)
        g.bulk.add(
            "payments",
            "award_id amount_pence paid_on reference recorded_by_id recorded_at",
            [(award.id, p.amount, p.at.date(), p.reference, p.recorded_by, p.at) for award, p in payments],
            tick,
        )


def _application_row(a: Application) -> tuple[Any, ...]:
    c = a.columns
    days = a.scheme.settings.service_levels.get(a.status)
    stage_due_on = add_working_days(a.stage_entered_at.date(), int(days)) if days else None
    return (
        a.id,
        a.reference,
        a.round.id,
        a.council.id,
        a.officer.id,
        a.status,
        a.version,
        a.title,
        a.answers,
        a.sections_done,
        c.get("amount_requested_pence"),
        c.get("match_pence"),
        c.get("savings_cashable_pence"),
        c.get("savings_income_pence"),
        c.get("savings_avoided_pence"),
        a.eligibility_passed,
        a.eligibility_results,
        a.eligibility_checked_at,
        a.submitted_at,
        a.decided_at,
        a.stage_entered_at,
        stage_due_on,
        a.created_at,
        a.changed_at,
    )


def _award_row(a: Application) -> tuple[Any, ...]:
    w = a.award
    assert w is not None
    name, role = w.signatory or (None, None)
    paid = sum(p.amount for p in w.payments)
    return (
        w.id,
        a.id,
        a.round.id,
        w.amount,
        w.match,
        paid,
        w.approved_by,
        w.approved_at,
        "",
        w.accepted_at,
        w.accepted_by,
        name,
        role,
    )


def write_engagements(g: Generator) -> None:
    engagements = g.engagements()
    logs = sorted(((e, *entry) for e in engagements for entry in e.work), key=lambda row: row[4])
    with g.stage("Engagements", len(engagements) + len(logs)) as tick:
        rows = (
            (
                e.id,
                e.application.id,
                e.expert.id,
                e.status,
                e.score,
                e.reasons,
                e.offered_by,
                e.offered_at,
                e.expires_on,
                e.responded_at,
                e.decline_reason,
                e.completed_at,
                e.version,
            )
            for e in engagements
        )
        g.bulk.copy("engagements", _ENGAGEMENT_COLUMNS, rows, tick)
        g.bulk.add(
            "work_logs",
            "engagement_id worked_on days_tenths milestone logged_by_id logged_at",
            [(e.id, day, tenths, milestone, e.expert.user.id, logged) for e, day, tenths, milestone, logged in logs],
            tick,
        )


def write_reports(g: Generator) -> None:
    """The outcome reports, each with its evidence file's row (the files come last)."""
    reports = sorted((r for e in g.engagements() for r in e.reports), key=lambda r: r.id)
    evidence = check_upload(io.BytesIO(EVIDENCE), EVIDENCE_NAME, max_bytes=len(EVIDENCE))
    g.stored_names = [secrets.token_hex(16) for _ in reports]
    with g.stage("Outcome reports", 2 * len(reports)) as tick:
        g.bulk.copy("outcome_reports", _REPORT_COLUMNS, (_report_row(r) for r in reports), tick)
        g.bulk.add(
            "evidence_files",
            "report_id original_name stored_name content_type size_bytes sha256 uploaded_by_id uploaded_at",
            [
                (
                    r.id,
                    evidence.original_name,
                    name,
                    evidence.content_type,
                    evidence.size_bytes,
                    evidence.sha256,
                    r.engagement.expert.user.id,
                    r.submitted_at,
                )
                for r, name in zip(reports, g.stored_names, strict=True)
            ],
            tick,
        )


def _report_row(r: Report) -> tuple[Any, ...]:
    trial = TRIAL if r.engagement.expert.kind is ExpertKind.DELIVERY_PARTNER else ""
    (cashable, income, avoided), recurring = r.claimed, r.recurring
    return (
        r.id,
        r.engagement.id,
        r.due_month,
        *r.period,
        cashable,
        recurring[0],
        income,
        recurring[1],
        avoided,
        recurring[2],
        BASELINE,
        METHOD,
        trial,
        r.status,
        r.engagement.expert.user.id,
        r.submitted_at,
        r.answered_by,
        r.answered_at,
        r.dispute_reason,
        *(r.verified or (None, None, None)),
        r.verification_reason,
        r.verified_by,
        r.verified_at,
        r.version,
    )


def write_timelines(g: Generator) -> None:
    events = sorted(
        ((e.at, a.id, n, e) for a in g.applications for n, e in enumerate(a.events)), key=lambda row: row[:3]
    )
    with g.stage("Timelines", len(events)) as tick:
        g.bulk.add(
            "application_events",
            "application_id actor_id action from_status to_status reason version occurred_at",
            [
                (app_id, e.actor_id, e.action, e.source, e.target, e.reason, e.version, at)
                for at, app_id, _, e in events
            ],
            tick,
        )
