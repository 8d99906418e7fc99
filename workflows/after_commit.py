"""Tasks sent only once the transaction that asks for them has committed: a task that starts
before the commit would not find what it is about, and one asked for by a transaction that rolls
back must not run at all."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from grants.extensions import celery_app, db

logger = logging.getLogger(__name__)

_PENDING = "tasks_after_commit"
_WRITTEN = "files_written_in_transaction"


def send_after_commit(task_name: str, *args: Any) -> None:
    db.session.info.setdefault(_PENDING, []).append((task_name, args))


def remove_if_rolled_back(path: Path) -> None:
    """A file written for the current transaction (an uploaded file, say): deleted if the
    transaction rolls back, so no file is left that no record points at."""
    db.session.info.setdefault(_WRITTEN, []).append(path)


@event.listens_for(Session, "after_commit")
def _send(session: Session) -> None:
    session.info.pop(_WRITTEN, None)
    for task_name, args in session.info.pop(_PENDING, []):
        try:
            celery = celery_app()
            if celery.conf.task_always_eager:
                celery.tasks[task_name].apply(args=args)
            else:
                celery.send_task(task_name, args=args)
        except Exception:
            # The change is committed; a broker outage must not turn it into an error page. The
            # task's own sweep (or a person) picks the work up later.
            logger.exception("could not send %s%r", task_name, args)


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_PENDING, None)
    for path in session.info.pop(_WRITTEN, []):
        try:
            path.unlink(missing_ok=True)
        except OSError:
            logger.exception("could not remove %s, written by a transaction that rolled back", path.name)
