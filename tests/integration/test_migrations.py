"""The migrations are the schema: one head, and they build exactly what the models describe."""

from __future__ import annotations

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
