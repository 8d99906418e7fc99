"""Where the real services the tests use are, and their databases made and dropped.

Integration and browser tests use the real services: PostgreSQL (databases of their own, built by
the migrations), Redis (database 15 unless told) and an SMTP server (aiosmtpd) on a local port.
A second checkout or run alongside can pick databases, Redis numbers and a port of its own."""

from __future__ import annotations

import os

import psycopg
from sqlalchemy.engine import make_url

ADMIN_URL = os.environ.get("TEST_POSTGRES_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("TEST_CELERY_BROKER_URL", "redis://127.0.0.1:6379/15")
SMTP_PORT = int(os.environ.get("TEST_MAIL_PORT", "8025"))
# The integration tests' database.
DATABASE = os.environ.get("TEST_DATABASE_NAME", "productivity_broker_test")


def database_url(name: str) -> str:
    return make_url(ADMIN_URL).set(drivername="postgresql+psycopg", database=name).render_as_string(False)


def recreate_database(name: str) -> str:
    """Drop and create a PostgreSQL database; returns its SQLAlchemy URL."""
    with psycopg.connect(ADMIN_URL, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    return database_url(name)


def drop_database(name: str) -> None:
    with psycopg.connect(ADMIN_URL, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
