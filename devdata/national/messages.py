"""The national dataset's audit trail and messages: an even sample of what the service audited and
of the emails it sent, each email with its in-service notification."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from functools import partial
from html import escape
from typing import Any

from sqlalchemy import func, select

from devdata.national.generator import Generator
from devdata.national.shapes import Email, Engagement, Person, Report
from devdata.national.words import SUBJECTS
from grants.extensions import db
from grants.models import AuditEvent, Role
from workflows.applications import MESSAGES as MESSAGES_BY_MOVE

_EMAIL_COLUMNS = " ".join(Email._fields)


def write_audit(g: Generator) -> None:
    """Every change of status, and an even sample of everything else the service audits, up to the
    target (less the events the set-up wrote through the workflows)."""
    written = db.session.scalar(select(func.count()).select_from(AuditEvent)) or 0
    chosen = sorted(
        _sample(g, partial(_audit_candidates, g), max(0, g.targets.audit_events - written)), key=lambda row: row[0]
    )
    with g.stage("Audit trail", len(chosen)) as tick:
        g.bulk.add(
            "audit_events",
            "occurred_at actor_id action subject_type subject_id detail request_id",
            [(*row, None if row[1] is None else f"{g.rng.getrandbits(128):032x}") for row in chosen],
            tick,
        )


def _sample(
    g: Generator, candidates: Callable[[], Iterator[tuple[bool, tuple[Any, ...]]]], wanted: int
) -> list[tuple[Any, ...]]:
    """`wanted` of the candidates: every one marked as needed, and an even sample of the others
    (selection sampling: one pass to count, one to choose). Should more be needed than wanted,
    an even sample of those."""
    counts = Counter(needed for needed, _ in candidates())
    from_needed = counts[True] >= wanted
    still, left = (wanted, counts[True]) if from_needed else (wanted - counts[True], counts[False])
    chosen: list[tuple[Any, ...]] = []
    for needed, row in candidates():
        if needed and not from_needed:
            chosen.append(row)
        elif needed == from_needed:
            if g.rng.random() * left < still:
                chosen.append(row)
                still -= 1
            left -= 1
    return chosen


def _audit_candidates(g: Generator) -> Iterator[tuple[bool, tuple[Any, ...]]]:
    """(needed, row) for what the service audited, as the workflows word it; changes of status are
    needed."""
    for a in g.applications:
        for event in a.events:
            detail = {
                "from_status": event.source,
                "to_status": event.target,
                "reason": event.reason,
                "version": event.application_version,
            }
            yield (
                event.version is not None,
                (event.at, event.actor_id, f"application.{event.action}", "application", a.id, detail),
            )
    for e in g.engagements():
        offered = {"application_id": e.application.id, "expert_id": e.expert.id, "score": e.score}
        yield False, (e.offered_at, e.offered_by, "engagement.offered", "engagement", e.id, offered)
        if e.responded_at is not None:
            answer = {
                "application_id": e.application.id,
                **({"reason": e.decline_reason} if e.decline_reason else {}),
            }
            action = "accepted" if e.status in ("accepted", "completed") else e.status
            yield False, (e.responded_at, e.answered_by, f"engagement.{action}", "engagement", e.id, answer)
        for day, tenths, _, logged in e.work:
            logged_detail = {"worked_on": day.isoformat(), "days_tenths": tenths}
            yield False, (logged, e.expert.user.id, "engagement.work_logged", "engagement", e.id, logged_detail)
        if e.completed_at:
            yield False, (e.completed_at, e.expert.user.id, "engagement.completed", "engagement", e.id, {})
        for r in e.reports:
            yield from _report_audit(r)


def _report_audit(r: Report) -> Iterator[tuple[bool, tuple[Any, ...]]]:
    filed = {
        "engagement_id": r.engagement.id,
        "due_month": r.due_month,
        "claimed_pence": sum(r.claimed),
        "evidence": 1,
    }
    yield (
        False,
        (r.submitted_at, r.engagement.expert.user.id, "outcome_report.filed", "outcome_report", r.id, filed),
    )
    if r.answered_at:
        action = "outcome_report.disputed" if r.dispute_reason else "outcome_report.confirmed"
        answer = {"reason": r.dispute_reason} if r.dispute_reason else {}
        yield False, (r.answered_at, r.answered_by, action, "outcome_report", r.id, answer)
    if r.verified_at and r.verified:
        verified = {"claimed": list(r.claimed), "verified": list(r.verified), "reason": r.verification_reason}
        yield False, (r.verified_at, r.verified_by, "outcome_report.verified", "outcome_report", r.id, verified)


def write_emails(g: Generator) -> None:
    """Sent emails, an even sample of those the service sent, each with its in-service
    notification (every message here goes to someone with an account)."""
    chosen = sorted(_sample(g, partial(_email_candidates, g), g.targets.emails), key=lambda row: row[0])
    domain = re.sub(r"^[a-z]+://", "", g.service_url).split("/")[0].split(":")[0] or "localhost"
    with g.stage("Emails and notifications", 2 * len(chosen)) as tick:
        first = g.bulk.reserve("outbound_emails", len(chosen))
        emails = [_email(g, first + n, row, domain) for n, row in enumerate(chosen)]
        g.bulk.copy("outbound_emails", _EMAIL_COLUMNS, emails, tick)
        g.bulk.add(
            "notifications",
            "idempotency_key user_id title body link created_at read_at",
            [
                (
                    m.idempotency_key,
                    m.user_id,
                    m.subject,
                    m.text_body,
                    m.link,
                    m.created_at,
                    _read_at(g, m.created_at),
                )
                for m in emails
            ],
            tick,
        )


def _email(g: Generator, email_id: int, row: tuple[Any, ...], domain: str) -> Email:
    at, person, template, key, path, reference = row
    link = g.service_url + path
    subject = SUBJECTS[template].format(ref=reference)
    text_body = f"Dear {person.name},\n\n{subject}.\n\nSee it in the service:\n{link}\n"
    html_body = f'<p>Dear {escape(person.name)},</p><p>{escape(subject)}.</p><p><a href="{link}">{link}</a></p>'
    message_id = f"<{int(at.timestamp())}.{email_id}.{g.seed}@{domain}>"
    sent = at + timedelta(seconds=2)
    return Email(
        email_id,
        key,
        person.email,
        person.id,
        template,
        subject,
        text_body,
        html_body,
        link,
        message_id,
        "sent",
        1,
        None,
        at,
        at,
        at + timedelta(seconds=1),
        sent,
        None,
    )


def _read_at(g: Generator, at: datetime) -> datetime | None:
    """Most messages are read within a fortnight; the newest, mostly not yet."""
    unread = 0.7 if at > g.now - timedelta(days=14) else 0.15
    if g.rng.random() < unread:
        return None
    return min(at + timedelta(minutes=g.rng.randint(10, 14 * 24 * 60)), g.now)


def _email_candidates(g: Generator) -> Iterator[tuple[bool, tuple[Any, ...]]]:
    """(False, row) for every email the service sent, keyed as the workflows key them."""
    staff = g.staff[Role.PROGRAMME_OFFICER]
    for a in g.applications:
        ref = a.reference
        for p in a.partners:
            for officer in g.officers[p.council.id]:
                key = f"partner:{a.id}:{p.council.id}:v{p.invited_version}:{officer.id}"
                yield (
                    False,
                    (
                        p.invited_at,
                        officer,
                        "partner_confirmation_requested",
                        key,
                        f"/applications/{a.id}/partner",
                        ref,
                    ),
                )
        for event in a.events:
            if event.version is None or event.action not in MESSAGES_BY_MOVE:
                continue
            template, to_applicant, to_staff = MESSAGES_BY_MOVE[event.action]
            people = [(a.officer, f"/applications/{a.id}")] if to_applicant else []
            people += [(o, f"/review/applications/{a.id}") for o in staff] if to_staff else []
            for person, path in people:
                key = f"application:{a.id}:v{event.version}:{event.action}:{person.id}"
                yield False, (event.at, person, template, key, path, ref)
        for e in a.engagements:
            yield from _engagement_emails(e, staff)
            for r in e.reports:
                yield from _report_emails(r, staff)


def _engagement_emails(e: Engagement, staff: list[Person]) -> Iterator[tuple[bool, tuple[Any, ...]]]:
    a, expert, offer = e.application, e.expert.user, f"/portal/offers/{e.id}"
    yield (
        False,
        (e.offered_at, expert, "expert_offer_made", f"engagement:{e.id}:v1:expert_offer_made", offer, a.reference),
    )
    if e.responded_at is None:
        return
    if e.status in ("expired", "withdrawn"):
        template = f"expert_offer_{e.status}"
        yield False, (e.responded_at, expert, template, f"engagement:{e.id}:v2:{template}", offer, a.reference)
        return
    for officer in staff:
        key = f"engagement:{e.id}:v2:expert_offer_answered:{officer.id}"
        yield (
            False,
            (e.responded_at, officer, "expert_offer_answered", key, f"/matching/applications/{a.id}", a.reference),
        )
    if e.status != "declined":
        key = f"engagement:{e.id}:matched:{a.officer.id}"
        yield False, (e.responded_at, a.officer, "expert_matched", key, f"/applications/{a.id}", a.reference)


def _report_emails(r: Report, staff: list[Person]) -> Iterator[tuple[bool, tuple[Any, ...]]]:
    a, expert, ref = r.engagement.application, r.engagement.expert.user, r.engagement.application.reference
    council_page, expert_page = f"/applications/{a.id}/reports/{r.id}", f"/portal/engagements/{r.engagement.id}"
    key = f"outcome_report:{r.id}:v1:outcome_report_to_confirm:{a.officer.id}"
    yield False, (r.submitted_at, a.officer, "outcome_report_to_confirm", key, council_page, ref)
    if r.answered_at is None:
        return
    for officer in staff:
        key = f"outcome_report:{r.id}:v2:outcome_report_answered:{officer.id}"
        yield False, (r.answered_at, officer, "outcome_report_answered", key, f"/outcomes/reports/{r.id}", ref)
    if r.dispute_reason:
        key = f"outcome_report:{r.id}:v2:outcome_report_disputed:{expert.id}"
        yield False, (r.answered_at, expert, "outcome_report_disputed", key, expert_page, ref)
    if r.verified_at is None:
        return
    for person, path in ((expert, expert_page), (a.officer, council_page)):
        key = f"outcome_report:{r.id}:v3:outcome_report_verified:{person.id}"
        yield False, (r.verified_at, person, "outcome_report_verified", key, path, ref)
