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
