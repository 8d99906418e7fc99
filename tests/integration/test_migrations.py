"""The migrations are the schema: one head, and they build exactly what the models describe."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade

from grants.extensions import db
from tests.support.services import DATABASE, SMTP_PORT, drop_database, recreate_database
from tests.support.workers import sending_app


def _script(app) -> ScriptDirectory:  # type: ignore[no-untyped-def]
    return ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config())


def test_there_is_one_head(app):
    with app.app_context():
        assert len(_script(app).get_heads()) == 1


def test_migration_files_are_numbered_in_order(app):
    with app.app_context():
        revisions = list(reversed(list(_script(app).walk_revisions())))
    for number, revision in enumerate(revisions, start=1):
        assert revision.revision == f"{number:04d}", revision.path
        assert revision.path.rsplit("/", 1)[-1].startswith(f"{number:04d}_")


def test_the_migrated_database_matches_the_models(app, session):
    with app.app_context():
        connection = db.engine.connect()
        try:
            differences = compare_metadata(
                MigrationContext.configure(connection, opts={"compare_type": True}), db.metadata
            )
        finally:
            connection.close()
    assert differences == []


def test_every_migration_downgrades_and_upgrades_again(app):
    name = f"{DATABASE}_migrations"  # its own per run, like the main test database
    url = recreate_database(name)
    try:
        # The scratch app's engine is closed as the block ends, before its database is dropped.
        with sending_app(url, None, smtp_port=SMTP_PORT) as scratch, scratch.app_context():
            upgrade()
            downgrade(revision="base")
            upgrade()
            tables = set(db.inspect(db.engine).get_table_names())
        assert {"councils", "users", "user_roles", "user_tokens", "schemes", "funding_rounds", "experts"} <= tables
    finally:
        drop_database(name)


def test_the_arrangement_history_migration_gives_each_arrangement_its_years_so_far(app):
    """Migration 0011: each arrangement recorded before there was a history gets a row for every
    financial year from its start to the current one, carrying its annual savings."""
    name = f"{DATABASE}_history"
    url = recreate_database(name)
    this_year = date.today().year if date.today().month >= 4 else date.today().year - 1
    try:
        with sending_app(url, None, smtp_port=SMTP_PORT) as scratch, scratch.app_context():
            upgrade(revision="0010")
            with db.engine.begin() as connection:
                connection.execute(
                    sa.text(
                        "INSERT INTO shared_arrangements (id, name, service_area, sharing_type, started_on, "
                        "estimated_annual_savings_pence, claimed_annual_savings_pence, verified_annual_savings_pence, "
                        "recorded_at, version) VALUES "
                        "(1, 'Shared legal', 'legal', 'services', '2021-02-01', 500, 600, NULL, now(), 1), "
                        "(2, 'Shared audit', 'audit', 'services', :today, 70, NULL, NULL, now(), 1)"
                    ),
                    {"today": date.today()},
                )
            upgrade()
            with db.engine.connect() as connection:
                rows = connection.execute(
                    sa.text(
                        "SELECT arrangement_id, year, estimated_savings_pence, claimed_savings_pence, "
                        "verified_savings_pence FROM shared_arrangement_years ORDER BY arrangement_id, year"
                    )
                ).all()
            # 1 February 2021 is in 2020/21.
            assert [tuple(row) for row in rows] == [
                *((1, year, 500, 600, None) for year in range(2020, this_year + 1)),
                (2, this_year, 70, None, None),
            ]
            downgrade(revision="0010")
            with db.engine.connect() as connection:
                kept = connection.execute(
                    sa.text("SELECT estimated_annual_savings_pence FROM shared_arrangements ORDER BY id")
                ).all()
            assert [row[0] for row in kept] == [500, 70]
    finally:
        drop_database(name)
