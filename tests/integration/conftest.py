"""The app on a migrated PostgreSQL database; every test runs inside a transaction that is rolled
back at its end (the code under test commits to a savepoint)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from unittest.mock import patch

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient
from flask_sqlalchemy.session import _app_ctx_id
from sqlalchemy import orm

from grants import create_app
from grants.config import celery_settings
from grants.extensions import db
from grants.models import (
    Council,
    Expert,
    ExpertRegion,
    ExpertSpecialism,
    Region,
    Role,
    Specialism,
    User,
    VettingStatus,
)
from tests.conftest import REDIS_URL, SMTP_PORT, drop_database, recreate_database
from workflows import accounts

# A second checkout or run alongside can pick a database of its own.
DATABASE = os.environ.get("TEST_DATABASE_NAME", "productivity_broker_test")
PASSWORD = "plum-harbour-violin-42"


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    url = recreate_database(DATABASE)
    yield url
    drop_database(DATABASE)


def _test_app(database_url: str) -> Flask:
    return create_app(
        "test",
        SQLALCHEMY_DATABASE_URI=database_url,
        # Tasks run in-process here; tests/integration/test_celery_worker.py sends them through Redis
        # to a real worker.
        CELERY=celery_settings(None),
        RATELIMIT_STORAGE_URI=REDIS_URL,
        MAIL_PORT=SMTP_PORT,
        SIGN_IN_SLOWDOWN_SECONDS=0.05,
    )


@pytest.fixture(scope="session")
def app(database_url: str, smtp_server: object) -> Iterator[Flask]:
    """The app that serves the test client's requests."""
    from flask_migrate import upgrade

    app = _test_app(database_url)
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
    other = _test_app(database_url)
    app.extensions["celery"].set_default()
    return other


@contextmanager
def evidence_kept_in(app: Flask, directory: Path) -> Iterator[Path]:
    """The app stores and serves evidence files from `directory` while the context lasts."""
    before = app.config["EVIDENCE_DIR"]
    app.config["EVIDENCE_DIR"] = directory
    try:
        yield directory
    finally:
        app.config["EVIDENCE_DIR"] = before


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
    with data_app.app_context():
        connection = db.engine.connect()
        transaction = connection.begin()
        original = db.session
        # A plain SQLAlchemy Session: Flask-SQLAlchemy's own picks the app's engine and would
        # ignore the bind.
        db.session = orm.scoped_session(
            orm.sessionmaker(bind=connection, join_transaction_mode="create_savepoint"), scopefunc=_app_ctx_id
        )
        try:
            yield db.session
        finally:
            db.session.remove()
            db.session = original
            transaction.rollback()
            connection.close()


@pytest.fixture
def client(app: Flask, session: object) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def councils(session: object) -> dict[str, Council]:
    """A county with two districts, and a London borough."""
    from grants.models import CouncilTier

    suffolk = Council(gss_code="E10000029", name="Suffolk", tier=CouncilTier.COUNTY)
    made = {
        "suffolk": suffolk,
        "babergh": Council(gss_code="E07000200", name="Babergh", tier=CouncilTier.DISTRICT, parent=suffolk),
        "ipswich": Council(gss_code="E07000202", name="Ipswich", tier=CouncilTier.DISTRICT, parent=suffolk),
        "camden": Council(gss_code="E09000007", name="Camden", tier=CouncilTier.LONDON_BOROUGH),
    }
    db.session.add_all(made.values())
    db.session.flush()
    return made


_HASHES: dict[str, str] = {}


@contextmanager
def hashed_once() -> Iterator[None]:
    """Accounts made to set up a test share one real Argon2 hash per password (each hash takes a
    tenth of a second); signing in still verifies against it. Hashing itself is tested where it
    is the subject: tests/unit/test_passwords.py and the sign-in, reset and invitation tests."""
    real = accounts.hash_password

    def once(password: str) -> str:
        if password not in _HASHES:
            _HASHES[password] = real(password)
        return _HASHES[password]

    with patch.object(accounts, "hash_password", once):
        yield


@pytest.fixture
def make_user(session: object, councils: dict[str, Council]):  # type: ignore[no-untyped-def]
    def make(role: Role, *, email: str | None = None, council: str = "babergh", name: str = "Test Person") -> User:
        email = email or f"{role.value}@example.gov.uk"
        expert = None
        if role is Role.EXPERT:
            expert = Expert(
                name=name,
                email=email,
                day_rate_pence=60_000,
                capacity=2,
                vetting_status=VettingStatus.VETTED,
                specialism_links=[ExpertSpecialism(specialism=Specialism.PROCUREMENT)],
                region_links=[ExpertRegion(region=Region.EAST_OF_ENGLAND)],
            )
            db.session.add(expert)
            db.session.flush()
        with hashed_once():
            user = accounts.create_user(
                email=email,
                name=name,
                password=PASSWORD,
                roles={role},
                council=councils[council] if role is Role.COUNCIL_OFFICER else None,
                expert=expert,
            )
        db.session.commit()
        return user

    return make


def csrf_token(client: FlaskClient, path: str) -> str:
    page = client.get(path)
    found = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page.get_data(as_text=True))
    assert found, f"no CSRF token on {path} (status {page.status_code})"
    return found.group(1)


def post_form(client: FlaskClient, path: str, data: dict[str, object], *, token_from: str | None = None):  # type: ignore[no-untyped-def]
    """Post a form the way a browser does: with the CSRF token from the page that shows it."""
    return client.post(path, data={"csrf_token": csrf_token(client, token_from or path), **data})


def sign_in(client: FlaskClient, email: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    return post_form(client, "/sign-in", {"email": email, "password": password})


# Matching, offers and outcomes (tests/integration/engagement_setup.py builds the rest).


@pytest.fixture
def people(make_user):  # type: ignore[no-untyped-def]
    return {
        "officer": make_user(Role.COUNCIL_OFFICER, email="priya@babergh.example.gov.uk", name="Priya Shah"),
        "programme": make_user(Role.PROGRAMME_OFFICER, email="tom@lga.example.gov.uk", name="Tom Okafor"),
        "assessor": make_user(Role.ASSESSOR, email="hannah@lga.example.gov.uk", name="Hannah Lewis"),
        "assessor2": make_user(Role.ASSESSOR, email="dev@lga.example.gov.uk", name="Dev Patel"),
        "approver": make_user(Role.APPROVER, email="margaret@lga.example.gov.uk", name="Margaret Doyle"),
    }


@pytest.fixture
def waiting(people, councils, session):  # type: ignore[no-untyped-def]
    """Babergh's productivity-experts application, approved and accepted: waiting for an expert."""
    from tests.integration.application_setup import expert_grant_round
    from tests.integration.engagement_setup import awaiting_expert

    councils["babergh"].region = Region.EAST_OF_ENGLAND
    councils["ipswich"].region = Region.EAST_OF_ENGLAND
    councils["camden"].region = Region.LONDON
    return awaiting_expert(people, councils, expert_grant_round())
