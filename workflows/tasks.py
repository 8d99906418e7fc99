"""Celery tasks of the workflows package."""

from __future__ import annotations

import socket

from celery import shared_task
from sqlalchemy import select

from grants.extensions import db
from grants.models import WorkerHeartbeat, utcnow


@shared_task(name="workflows.record_heartbeat", acks_late=True)
def record_heartbeat() -> None:
    """Record that a worker on this host is taking tasks (beat sends this every minute)."""
    hostname = socket.gethostname()
    beat = db.session.scalar(select(WorkerHeartbeat).where(WorkerHeartbeat.hostname == hostname).with_for_update())
    if beat is None:
        beat = WorkerHeartbeat(hostname=hostname, beats=0)
        db.session.add(beat)
    beat.last_seen_at = utcnow()
    beat.beats += 1
    db.session.commit()


@shared_task(name="workflows.check_eligibility", acks_late=True)
def check_eligibility(application_id: int) -> bool | None:
    """Check a submitted application against its scheme's rules and record the result. Safe to
    run twice: it records the same result, and does nothing once the application has moved on."""
    from grants.models import Application, ApplicationStatus
    from workflows import applications

    application = db.session.get(Application, application_id, with_for_update=True)
    if application is None or application.status is not ApplicationStatus.SUBMITTED:
        db.session.rollback()
        return None
    applications.check_eligibility(application, utcnow().date())
    db.session.commit()
    return application.eligibility_passed


@shared_task(name="workflows.sweep_unchecked_applications")
def sweep_unchecked_applications() -> int:
    """Send the eligibility check again for submitted applications still unchecked after ten
    minutes (its task was lost)."""
    from datetime import timedelta

    from grants.models import Application, ApplicationStatus
    from workflows.after_commit import send_after_commit

    stale = utcnow() - timedelta(minutes=10)
    ids = db.session.scalars(
        select(Application.id).where(
            Application.status == ApplicationStatus.SUBMITTED,
            Application.eligibility_checked_at.is_(None),
            Application.submitted_at < stale,
        )
    ).all()
    for application_id in ids:
        send_after_commit("workflows.check_eligibility", application_id)
    db.session.commit()
    return len(ids)


@shared_task(name="workflows.expire_offers")
def expire_offers() -> int:
    """Expire offers to experts past their last day and offer the work to the next-best expert
    (beat sends this every hour; the lock keeps two runs from overlapping)."""
    from notifications.locks import periodic_lock
    from workflows import engagements

    with periodic_lock("workflows.expire_offers") as acquired:
        if not acquired:
            return 0
        return len(engagements.expire_offers(utcnow().date()))


@shared_task(name="workflows.match_round", acks_late=True)
def match_round(run_id: int) -> str | None:
    """Compute a "match the round" run's proposal. Safe to run twice: a run that is no longer
    running is left as it is."""
    from grants.models import MatchRun, MatchRunStatus
    from workflows import engagements

    run = db.session.get(MatchRun, run_id, with_for_update=True)
    if run is None or run.status is not MatchRunStatus.RUNNING:
        db.session.rollback()
        return None
    try:
        engagements.compute_match_run(run, utcnow().date())
    except Exception as error:
        db.session.rollback()
        run = db.session.get(MatchRun, run_id, with_for_update=True)
        if run is not None and run.status is MatchRunStatus.RUNNING:
            engagements.fail_match_run(run, error)
            db.session.commit()
        raise
    db.session.commit()
    return run.status.value


@shared_task(name="workflows.suggest_partners", acks_late=True)
def suggest_partners(request_id: int) -> int | None:
    """Work out the partner councils suggested for a matchmaking request, and update the other
    open requests it now appears in; tell the programme officers of councils newly suggested.
    Safe to run twice: the second run finds nothing to change and sends nothing. Returns how many
    requests' suggestions were worked out, or None if the application is not a matchmaking
    request."""
    from workflows import partner_suggestions

    outcome = partner_suggestions.suggest_partners(request_id)
    db.session.commit()
    return None if outcome is None else len(outcome.rewritten)
