"""Looking at the database from a test: the statements a piece of code sends, one transaction held
open for a module, fingerprints of every table and the rows written, and tables emptied around a
test that commits for real."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask
from flask_sqlalchemy.session import _app_ctx_id
from sqlalchemy import Connection, event, orm, text

from grants.extensions import db
from tests.support.workers import sql


@contextmanager
def counting_statements() -> Iterator[list[str]]:
    """Every SQL statement the app's engine sends while the context lasts, in order."""
    seen: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


@contextmanager
def one_transaction(data_app: Flask) -> Iterator[Connection]:
    """db.session bound to one connection whose outer transaction is rolled back at the end, for
    as long as the context lasts (the integration conftest's `session` holds it for one test; a
    module that builds its world once holds it for the module). Requests to the app under test
    share the connection, each in a savepoint."""
    with data_app.app_context():
        connection = db.engine.connect()
        transaction = connection.begin()
        original = db.session
        # A plain SQLAlchemy Session: Flask-SQLAlchemy's own picks the app's engine and would
        # ignore the bind.
        db.session = orm.scoped_session(
            orm.sessionmaker(bind=connection, join_transaction_mode="create_savepoint"),  # type: ignore[arg-type]
            scopefunc=_app_ctx_id,
        )
        try:
            yield connection
        finally:
            db.session.remove()
            db.session = original
            transaction.rollback()
            connection.close()


# Rows committed for real -------------------------------------------------------------------------------


def empty(database_url: str, tables: Iterable[str]) -> None:
    """Remove every row of the tables (and of those that point at them)."""
    sql(database_url, f"TRUNCATE {', '.join(tables)} CASCADE")


# What the database holds ------------------------------------------------------------------------------

# Columns a request may touch without changing anyone's records: when a token was last used.
VOLATILE = {"api_tokens": {"last_used_at"}}


def snapshot(connection: Connection) -> dict[str, str]:
    """A fingerprint of every table: its row count and a hash of all its rows (every column but
    the volatile ones), so that any insert, update or delete shows."""
    parts = []
    for table in db.metadata.sorted_tables:
        columns = [c.name for c in table.columns if c.name not in VOLATILE.get(table.name, set())]
        row = "ROW(" + ", ".join(f't."{c}"' for c in columns) + ")::text"
        parts.append(
            f"SELECT '{table.name}' AS name, "
            f"count(*) || ':' || coalesce(md5(string_agg({row}, '|' ORDER BY {row})), '') AS print "
            f'FROM "{table.name}" t'
        )
    return dict(connection.execute(text(" UNION ALL ".join(parts))).tuples().all())


def changed_tables(before: dict[str, str], after: dict[str, str]) -> list[str]:
    return sorted(name for name in before if before[name] != after.get(name))


def writes(connection: Connection) -> dict[str, int]:
    """Rows inserted, updated or deleted so far in the connection's transaction, by table, counting
    those later rolled back to a savepoint: a request that writes anything at all shows here."""
    found = connection.execute(
        text(
            "SELECT relname, n_tup_ins + n_tup_upd + n_tup_del FROM pg_stat_xact_user_tables "
            "WHERE n_tup_ins + n_tup_upd + n_tup_del > 0"
        )
    )
    return dict(found.tuples().all())


def reloaded(record: Any) -> Any:
    """The record as stored now."""
    db.session.expire_all()
    found = db.session.get(type(record), record.id)
    assert found is not None
    return found
