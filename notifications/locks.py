"""A lock for periodic work, so that two beat processes, or a run that overlaps the one before,
never do the same work twice."""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text

from grants.extensions import db


@contextmanager
def periodic_lock(name: str) -> Iterator[bool]:
    """Yield True if this run holds the lock named `name`, False if another run holds it.

    On PostgreSQL a transaction-scoped advisory lock: it is taken in the session's transaction and
    released when that transaction commits or rolls back at the end of the block, even if the
    process dies. The block's work commits with it. SQLite (the single-process quick start) has
    no other process to exclude, and serialises writers anyway.
    """
    session = db.session
    try:
        if session.get_bind().dialect.name == "postgresql":
            key = zlib.crc32(name.encode()) - 2**31  # a stable signed 32-bit key per name
            acquired = bool(session.execute(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": key}).scalar())
        else:
            acquired = True
        yield acquired
    except BaseException:
        session.rollback()
        raise
    else:
        session.commit()
