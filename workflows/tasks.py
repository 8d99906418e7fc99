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
