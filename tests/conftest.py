"""Fixtures shared by every test folder: the tests' SMTP server and its mailbox (the services'
addresses are in tests/support/services.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

# Helpers' asserts explain themselves as the tests' own do.
pytest.register_assert_rewrite("tests.support", "tests.builders")

from tests.support.mail import Mailbox  # noqa: E402
from tests.support.services import SMTP_PORT  # noqa: E402


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
