"""Fixtures shared by every test folder.

Integration and browser tests use the real services: PostgreSQL (a database of their own, built by
the migrations), Redis (database 15) and an SMTP server (aiosmtpd) on a local port.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from email import message_from_bytes
from email.message import Message

import psycopg
import pytest
from sqlalchemy.engine import make_url

ADMIN_URL = os.environ.get("TEST_POSTGRES_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("TEST_CELERY_BROKER_URL", "redis://127.0.0.1:6379/15")
SMTP_PORT = int(os.environ.get("TEST_MAIL_PORT", "8025"))


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


class Mailbox:
    """What the local SMTP server has received."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    def handle(self, envelope_content: bytes) -> None:
        self.messages.append(message_from_bytes(envelope_content))

    def clear(self) -> None:
        self.messages.clear()

    def to(self, address: str) -> list[Message]:
        return [m for m in self.messages if m["To"] == address]

    @staticmethod
    def text(message: Message) -> str:
        for part in message.walk():
            if part.get_content_type() == "text/plain":
                payload = part.get_payload(decode=True)
                assert isinstance(payload, bytes)
                return payload.decode(part.get_content_charset() or "utf-8")
        raise AssertionError("no plain-text part")

    def link_in(self, message: Message, path_fragment: str) -> str:
        found = re.search(r"https?://\S*" + re.escape(path_fragment) + r"\S*", self.text(message))
        assert found, f"no link containing {path_fragment!r} in the email"
        return found.group(0)


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[Mailbox]:
    from aiosmtpd.controller import Controller

    mailbox = Mailbox()

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            mailbox.handle(envelope.content)
            return "250 Message accepted for delivery"

    controller = Controller(Handler(), hostname="127.0.0.1", port=SMTP_PORT)
    controller.start()
    yield mailbox
    controller.stop()


@pytest.fixture
def mailbox(smtp_server: Mailbox) -> Mailbox:
    smtp_server.clear()
    return smtp_server
