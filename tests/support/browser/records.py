"""What the service has done, read outside the browser: the database's records, and the emails the
worker delivered to the tests' SMTP server. The worker runs on its own, so what it does is waited
for, never assumed: each wait polls until it sees the effect, for a bounded time."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from email.message import Message
from typing import TypeVar

from sqlalchemy import func, select

from grants.extensions import db
from grants.models import (
    Application,
    ApplicationStatus,
    AuditEvent,
    Award,
    Council,
    EmailStatus,
    Engagement,
    EngagementStatus,
    Expert,
    Introduction,
    IntroductionStatus,
    MatchRun,
    MatchRunStatus,
    OutboundEmail,
    OutcomeReport,
    PartnerStatus,
    ReportStatus,
    User,
)
from tests.support.browser.live_server import WORKER_TIMEOUT_S, LiveServer
from tests.support.mail import Mailbox
from workflows import engagements, outcomes, partner_suggestions
from workflows.working_days import add_working_days

T = TypeVar("T")


# Waiting for the worker ------------------------------------------------------------------------


def wait_until(live_server: LiveServer, check: Callable[[], T], what: str, timeout: float = WORKER_TIMEOUT_S) -> T:
    """Poll `check` until it returns something truthy, and return that; fail, with the end of the
    worker's log, if it has not within the timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(
                f"{what}: not done within {timeout:.0f} s. The worker's log ends:\n{live_server.worker.output()}"
            )
        live_server.worker.check_alive()
        time.sleep(0.1)


def subject(message: Message) -> str:
    return " ".join(str(message["Subject"]).split())


def wait_for_mail(mailbox: Mailbox, to: str, about: str, timeout: float = WORKER_TIMEOUT_S) -> Message:
    """The email to `to` with this subject, once the worker has delivered it."""
    deadline = time.monotonic() + timeout
    while True:
        found = [m for m in mailbox.to(to) if subject(m) == about]
        if found:
            assert len(found) == 1, f"{len(found)} emails to {to} about {about!r}, not one"
            return found[0]
        if time.monotonic() > deadline:
            arrived = [subject(m) for m in mailbox.to(to)]
            raise AssertionError(f"no email to {to} about {about!r} within {timeout:.0f} s; it has {arrived}")
        time.sleep(0.1)


def email_status(live_server: LiveServer, to: str, about: str) -> EmailStatus | None:
    """Where the outbox's email to `to` with this subject has got to."""
    with live_server.app.app_context():
        status = db.session.scalar(
            select(OutboundEmail.status).where(OutboundEmail.to_address == to, OutboundEmail.subject == about)
        )
        db.session.remove()
    return status


# Applications ----------------------------------------------------------------------------------


def _application(reference: str) -> Application:
    application = db.session.scalar(select(Application).where(Application.reference == reference))
    assert application is not None, f"no application {reference}"
    return application


def facts(live_server: LiveServer, reference: str) -> dict[str, object]:
    """What the database holds about the application."""
    with live_server.app.app_context():
        application = _application(reference)
        award = application.award
        found: dict[str, object] = {
            "id": application.id,
            "status": application.status,
            "events": [e.action for e in application.events],
            "assessments": len(application.assessments),
            "partners": [(p.council.name, p.match_share_pence, p.status) for p in application.partners],
            "amount": award.amount_pence if award else None,
            "match": award.match_pence if award else None,
            "signatory": (award.signatory_name, award.signatory_role) if award else None,
            "committed": application.round.committed_pence,
            # Every award made in the round, this one among them (the demo has others).
            "awarded": db.session.scalar(
                select(func.coalesce(func.sum(Award.amount_pence), 0)).where(Award.round_id == application.round_id)
            ),
            "answers": application.answers,
            "eligibility_checked": application.eligibility_checked_at is not None,
            "created_by": application.created_by.email,
        }
        db.session.remove()
    return found


def wait_for_the_eligibility_check(live_server: LiveServer, reference: str) -> None:
    """The automated eligibility check is a task: wait for the worker to have recorded it."""
    wait_until(
        live_server,
        lambda: facts(live_server, reference)["eligibility_checked"],
        f"the automated eligibility check of {reference}",
    )


@dataclass(frozen=True)
class Work:
    """One application and its engagements, as the database holds them."""

    reference: str
    application_id: int
    status: ApplicationStatus
    engagements: list[tuple[str, EngagementStatus, int | None]]  # expert, status, matching run


def work(live_server: LiveServer, *, reference: str | None = None, council: str | None = None, title: str = "") -> Work:
    with live_server.app.app_context():
        query = select(Application)
        if reference is not None:
            query = query.where(Application.reference == reference)
        else:
            query = query.join(Council, Application.lead_council_id == Council.id).where(
                Council.name == council, Application.title == title
            )
        application = db.session.scalar(query)
        assert application is not None, f"no application {reference or (council, title)}"
        found = Work(
            application.reference,
            application.id,
            application.status,
            [
                (e.expert.name, e.status, e.match_run_id)
                for e in db.session.scalars(
                    select(Engagement).where(Engagement.application_id == application.id).order_by(Engagement.id)
                )
            ],
        )
        db.session.remove()
    return found


# Experts ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Suggested:
    name: str
    email: str
    score: int
    can_sign_in: bool


def suggested(live_server: LiveServer, reference: str) -> list[Suggested]:
    """The ranked experts the workflow suggests for the application, best first, and whether
    each has a sign-in yet."""
    with live_server.app.app_context():
        application = _application(reference)
        ranked = engagements.suggestions_for(application, date.today()).ranked
        experts = {
            e.id: e for e in db.session.scalars(select(Expert).where(Expert.id.in_([f.expert_id for f in ranked])))
        }
        with_sign_in = set(db.session.scalars(select(User.expert_id).where(User.expert_id.is_not(None))))
        found = [
            Suggested(experts[f.expert_id].name, experts[f.expert_id].email, f.score, f.expert_id in with_sign_in)
            for f in ranked
        ]
        db.session.remove()
    return found


def offer_working_days(live_server: LiveServer, reference: str) -> int:
    """How many working days the application's scheme gives an expert to answer an offer."""
    with live_server.app.app_context():
        days = _application(reference).scheme.offer_expiry_working_days
        db.session.remove()
    return days


def let_the_offer_lapse(live_server: LiveServer, reference: str, weeks: int = 3) -> date:
    """Make the application's open offer one made `weeks` weeks ago, whose time to answer (the
    scheme's working days from then) is over. Neither the live server nor the worker can be sent
    forward in time, so the offer is sent back instead; the expiry itself is the worker's.
    Returns the offer's last day."""
    with live_server.app.app_context():
        application = _application(reference)
        [offer] = db.session.scalars(
            select(Engagement).where(
                Engagement.application_id == application.id, Engagement.status == EngagementStatus.OFFERED
            )
        ).all()
        offered_on = date.today() - timedelta(weeks=weeks)
        offer.offered_at = datetime.combine(offered_on, clock(10), tzinfo=UTC)
        offer.expires_on = add_working_days(offered_on, application.scheme.offer_expiry_working_days)
        assert offer.expires_on < date.today(), "the offer would still be open"
        last_day = offer.expires_on
        db.session.commit()
        db.session.remove()
    return last_day


def waiting_in_the_round(live_server: LiveServer, run_id: int) -> list[str]:
    """The references of the applications in the run's round still waiting for an expert."""
    with live_server.app.app_context():
        run = db.session.get(MatchRun, run_id)
        assert run is not None
        found = [a.reference for a in db.session.scalars(engagements.waiting_for_an_expert(run.round_id))]
        db.session.remove()
    return found


def match_run_status(live_server: LiveServer, run_id: int) -> MatchRunStatus:
    with live_server.app.app_context():
        run = db.session.get(MatchRun, run_id)
        assert run is not None
        status = run.status
        db.session.remove()
    return status


# Outcomes --------------------------------------------------------------------------------------


def report_schedule(live_server: LiveServer, reference: str) -> list[tuple[int, date]]:
    """The evaluation points of the application's engagement and their due dates."""
    with live_server.app.app_context():
        engagement = db.session.scalar(
            select(Engagement)
            .join(Application)
            .where(Application.reference == reference, Engagement.status == EngagementStatus.COMPLETED)
        )
        assert engagement is not None, f"no completed engagement for {reference}"
        schedule = outcomes.report_schedule(engagement)
        db.session.remove()
    return schedule


@dataclass(frozen=True)
class ReportFacts:
    report_id: int
    status: ReportStatus
    claimed: tuple[int, int, int]
    verified: tuple[int | None, int | None, int | None]
    reason: str | None
    evidence: list[tuple[int, str, str]]  # id, name, sha256
    application_status: ApplicationStatus


def report_facts(live_server: LiveServer, reference: str, due_month: int | None) -> ReportFacts | None:
    with live_server.app.app_context():
        point = OutcomeReport.due_month.is_(None) if due_month is None else OutcomeReport.due_month == due_month
        report = db.session.scalar(
            select(OutcomeReport).join(Engagement).join(Application).where(Application.reference == reference, point)
        )
        found = (
            None
            if report is None
            else ReportFacts(
                report.id,
                report.status,
                (report.cashable_pence, report.income_pence, report.avoided_pence),
                (report.verified_cashable_pence, report.verified_income_pence, report.verified_avoided_pence),
                report.verification_reason,
                [(f.id, f.original_name, f.sha256) for f in report.evidence],
                report.engagement.application.status,
            )
        )
        db.session.remove()
    return found


# Shared services -------------------------------------------------------------------------------


@dataclass(frozen=True)
class IntroductionFacts:
    status: IntroductionStatus
    councils: list[tuple[str, str, str | None]]  # council, consent, contact's email
    request: str | None  # the reference of the matchmaking request it started from
    agreement: str
    funding: tuple[str, str, list[tuple[str, PartnerStatus]]] | None  # reference, lead, partners
    events: list[str]


def introduction_facts(live_server: LiveServer, introduction_id: int) -> IntroductionFacts:
    with live_server.app.app_context():
        introduction = db.session.get(Introduction, introduction_id)
        assert introduction is not None, f"no introduction {introduction_id}"
        funding = introduction.funding_application
        found = IntroductionFacts(
            introduction.status,
            [(p.council.name, p.consent.value, p.contact_email) for p in introduction.parties],
            next((p.request.reference for p in introduction.parties if p.request is not None), None),
            introduction.agreement_summary,
            None
            if funding is None
            else (
                funding.reference,
                funding.lead_council.name,
                [(p.council.name, p.status) for p in funding.partners],
            ),
            list(
                db.session.scalars(
                    select(AuditEvent.action)
                    .where(AuditEvent.subject_type == "introduction", AuditEvent.subject_id == introduction_id)
                    .order_by(AuditEvent.id)
                )
            ),
        )
        db.session.remove()
    return found


def partners_suggested(live_server: LiveServer, reference: str) -> list[str]:
    """The councils suggested as partners for a matchmaking request, best first, once the
    worker has worked them out."""
    with live_server.app.app_context():
        found = [s.council.name for s in partner_suggestions.visible_suggestions(_application(reference).id)]
        db.session.remove()
    return found
