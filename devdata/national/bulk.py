"""Writing the national dataset: binary COPY through the session's own connection."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from psycopg import sql
from psycopg.copy import QueuedLibpqWriter

from grants.extensions import db


class Bulk:
    """Binary COPY (the quickest to encode) through the session's own connection, so the rows are in
    its transaction; ids are taken from each table's sequence a block at a time."""

    def __init__(self) -> None:
        raw = db.session.connection().connection.driver_connection
        assert raw is not None
        self._raw = raw
        self.rows: dict[str, int] = {}

    def reserve(self, table: str, count: int) -> int:
        """The first of `count` consecutive ids now set aside in the table's sequence."""
        if count <= 0:
            return 0
        with self._raw.cursor() as cursor:
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence(%(t)s, 'id'), nextval(pg_get_serial_sequence(%(t)s, 'id')) "
                "+ %(n)s - 1)",
                {"t": table, "n": count},
            )
            row = cursor.fetchone()
        return int(row[0]) - count + 1

    def copy(self, table: str, columns: str, rows: Iterable[Sequence[Any]], tick: Callable[[int], None]) -> None:
        """Write the rows, their values in the order of `columns` (names separated by spaces; a
        JSON column takes the Python value)."""
        names = columns.split()
        statement = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT BINARY)").format(
            sql.Identifier(table), sql.SQL(", ").join(sql.Identifier(name) for name in names)
        )
        written = 0
        with self._raw.cursor() as cursor:
            cursor.execute(
                "SELECT attname, atttypid::int FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0",
                (table,),
            )
            types = dict(cursor.fetchall())
            # A thread of its own sends the data, so PostgreSQL stores one batch while the next is made.
            with cursor.copy(statement, writer=QueuedLibpqWriter(cursor)) as copy:
                copy.set_types([types[name] for name in names])
                for row in rows:
                    copy.write_row(row)
                    written += 1
                    if written % 5_000 == 0:
                        tick(5_000)
        tick(written % 5_000)
        self.rows[table] = self.rows.get(table, 0) + written

    def add(self, table: str, columns: str, rows: Sequence[Sequence[Any]], tick: Callable[[int], None]) -> None:
        """Write rows that have no id yet: each is given the next from the table's sequence."""
        first = self.reserve(table, len(rows))
        self.copy(table, f"id {columns}", ((first + n, *row) for n, row in enumerate(rows)), tick)
