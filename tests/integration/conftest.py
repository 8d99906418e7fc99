"""The app on a migrated PostgreSQL database; every test runs inside a transaction that is rolled
back at its end (the code under test commits to a savepoint). The fixtures of every folder below:
data is made by tests.builders, the rest by tests.support."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient

from grants.extensions import db
from grants.models import Application, Council, Engagement, Role, User
from tests.builders import reporting
from tests.builders.applications import awaiting_expert
from tests.builders.councils import in_their_regions, suffolk_and_camden
from tests.builders.engagements import completed_engagement
from tests.builders.people import PEOPLE, expert, person
from tests.builders.rounds import expert_grant_round
from tests.support.app import app_on, evidence_kept_in
from tests.support.database import empty, one_transaction
from tests.support.services import DATABASE, REDIS_URL, drop_database, recreate_database


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    url = recreate_database(DATABASE)
    yield url
    drop_database(DATABASE)


@pytest.fixture(scope="session")
def app(database_url: str, smtp_server: object) -> Iterator[Flask]:
    """The app that serves the test client's requests."""
    from flask_migrate import upgrade

    app = app_on(database_url)
    with app.app_context():
        upgrade()
        db.engine.dispose()
    yield app


@pytest.fixture(scope="session")
def data_app(app: Flask, database_url: str) -> Flask:
    """A second instance whose app context the test code itself runs in. Flask reuses an active
    app context of the same app for a request, which would share `g` and the database session
    between the test and every request it makes; a context of another instance keeps each
    request as separate as in production."""
    other = app_on(database_url)
    app.extensions["celery"].set_default()
    return other


@pytest.fixture
def evidence_dir(app: Flask, tmp_path: Path) -> Iterator[Path]:
    """Evidence stored two folders down in the test's own directory, for the app that serves the
    requests: a name that climbed two folders up would still land inside tmp_path, where the test
    can see it."""
    with evidence_kept_in(app, tmp_path / "outer" / "inner" / "evidence") as directory:
        yield directory


@pytest.fixture(autouse=True)
def clean_redis() -> None:
    redis.Redis.from_url(REDIS_URL).flushdb()


@pytest.fixture
def session(app: Flask, data_app: Flask) -> Iterator[object]:
    """db.session bound to one connection whose outer transaction is rolled back afterwards."""
    with one_transaction(data_app):
        yield db.session


@pytest.fixture
def db_url(app: Flask, request: pytest.FixtureRequest) -> Iterator[str]:
    """The test database, for rows committed for real: the tables the test module names with
    `pytest.mark.commits(...)` are emptied before and after the test."""
    marker = request.node.get_closest_marker("commits")
    assert marker is not None and marker.args, "name the tables the test commits to with pytest.mark.commits"
    url = str(app.config["SQLALCHEMY_DATABASE_URI"])
    empty(url, marker.args)
    yield url
    empty(url, marker.args)


@pytest.fixture
def client(app: Flask, session: object) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def councils(session: object) -> dict[str, Council]:
    """A county with two districts, and a London borough."""
    return suffolk_and_camden()


@pytest.fixture
def make_user(session: object, councils: dict[str, Council]):  # type: ignore[no-untyped-def]
    """Makes someone in a role (see tests.builders.people.person); a council officer of
    Babergh unless another council is named."""

    def make(role: Role, *, email: str | None = None, council: str = "babergh", name: str = "Test Person") -> User:
        return person(role, email=email or f"{role.value}@example.gov.uk", name=name, council=councils[council])

    return make


# Matching, offers and outcomes.


@pytest.fixture
def people(make_user):  # type: ignore[no-untyped-def]
    """Babergh's officer and the programme's staff."""
    return {key: make_user(role, email=email, name=name) for key, (role, email, name) in PEOPLE.items()}


@pytest.fixture
def waiting(people, councils, session) -> Application:  # type: ignore[no-untyped-def]
    """Babergh's productivity-experts application, approved and accepted: waiting for an expert."""
    in_their_regions(councils, "babergh", "ipswich", "camden")
    return awaiting_expert(people, councils, expert_grant_round())


@pytest.fixture
def delivering(waiting: Application, people: dict[str, User]) -> Engagement:
    """The waiting application's work accepted by an expert, with days logged and completed."""
    return completed_engagement(
        waiting, expert("Amira Local"), offered_by=people["programme"], days_tenths=15, milestone="Baseline agreed"
    )


# Reporting.


@pytest.fixture
def board_world(people, councils, session, tmp_path: Path) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """The board report's world (see tests.builders.reporting.board_world)."""
    return reporting.board_world(people, councils, tmp_path)
