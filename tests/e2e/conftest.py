"""Browser tests: the real app served over HTTP on a local port, driven by Debian's Chromium.

One live server and one browser serve the whole session; every test gets a fresh browser context
(its own cookies), so no test inherits another's sign-in. The database is a PostgreSQL database of
its own, built by the migrations and filled with the demo world.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
import redis
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, ViewportSize, expect, sync_playwright
from sqlalchemy import select
from werkzeug.serving import BaseWSGIServer, make_server

from grants import create_app
from grants.config import celery_settings
from grants.extensions import db
from grants.models import Role, User
from tests.conftest import REDIS_URL, SMTP_PORT, Mailbox, drop_database, recreate_database
from workflows.demo import seed_demo

DATABASE = os.environ.get("TEST_E2E_DATABASE_NAME", "productivity_broker_e2e")
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Long enough for a page load on a busy machine, short enough that a wrong expectation fails fast.
TIMEOUT_MS = 5_000
DESKTOP: ViewportSize = {"width": 1280, "height": 800}


@dataclass(frozen=True)
class DemoAccount:
    """A demo person who can sign in, with the name the service greets them by."""

    role: Role
    email: str
    password: str
    name: str


@dataclass(frozen=True)
class LiveServer:
    url: str
    app: Flask
    accounts: dict[Role, DemoAccount]
    # Every demo person by email, the second assessor and the partner council's officer too.
    people: dict[str, DemoAccount]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _seed(app: Flask) -> dict[str, DemoAccount]:
    """Migrate the empty database, load the demo world, and return every demo account by email,
    in the order the demo made them."""
    from flask_migrate import upgrade

    with app.app_context():
        upgrade()
        result = seed_demo(date.today())
        db.session.commit()
        people = {}
        for credential in result.credentials:
            user = db.session.scalar(select(User).where(User.email == credential.email))
            assert user is not None, f"the demo seed reported {credential.email} but did not create it"
            people[credential.email] = DemoAccount(credential.role, credential.email, credential.password, user.name)
        db.session.remove()
        db.engine.dispose()
    return people


def _first_of_each_role(people: dict[str, DemoAccount]) -> dict[Role, DemoAccount]:
    """The first person of each role (the demo also has a second assessor and a partner
    council's officer)."""
    accounts: dict[Role, DemoAccount] = {}
    for account in people.values():
        accounts.setdefault(account.role, account)
    missing = set(Role) - set(accounts)
    assert not missing, f"the demo seed made no account for {sorted(missing)}"
    return accounts


@pytest.fixture(scope="session")
def live_server(smtp_server: Mailbox, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The app, migrated and seeded with the demo world, served on a free local port; its emails
    go to the tests' SMTP server, and evidence uploaded in the browser to a temporary folder."""
    url = recreate_database(DATABASE)
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    app = create_app(
        "test",
        SQLALCHEMY_DATABASE_URI=url,
        # Tasks run in-process, inside the request that sends them.
        CELERY=celery_settings(None),
        RATELIMIT_STORAGE_URI=REDIS_URL,
        MAIL_PORT=SMTP_PORT,
        SERVICE_URL=base_url,
        EVIDENCE_DIR=tmp_path_factory.mktemp("evidence"),
    )
    # Another test folder's app may have become Celery's default app; tasks must run in this one.
    app.extensions["celery"].set_default()
    people = _seed(app)
    accounts = _first_of_each_role(people)
    server: BaseWSGIServer = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="e2e-live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(url=base_url, app=app, accounts=accounts, people=people)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        with app.app_context():
            db.engine.dispose()
        drop_database(DATABASE)


@pytest.fixture(autouse=True)
def clean_sign_in_counters() -> None:
    """Sign-in failures are counted in Redis per client address; every browser test comes from
    127.0.0.1, so start each test with no failures left over from another."""
    redis.Redis.from_url(REDIS_URL).flushdb()


@pytest.fixture(scope="session")
def playwright_driver() -> Iterator[Playwright]:
    driver = sync_playwright().start()
    try:
        yield driver
    finally:
        driver.stop()


@pytest.fixture(scope="session")
def browser(playwright_driver: Playwright) -> Iterator[Browser]:
    """Debian's Chromium, headless. A missing browser is a failure, not a skip: these tests are
    part of the suite and must not pass by not running."""
    if not CHROMIUM.is_file():
        pytest.fail(
            f"Chromium is not installed at {CHROMIUM}: the browser tests need it "
            "(on Debian: apt-get install chromium, or run `make services`).",
            pytrace=False,
        )
    expect.set_options(timeout=TIMEOUT_MS)
    launched = playwright_driver.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
    try:
        yield launched
    finally:
        launched.close()


@pytest.fixture
def context(browser: Browser, live_server: LiveServer) -> Iterator[BrowserContext]:
    """A fresh browser profile for one test: no cookies, desktop-sized window."""
    fresh = browser.new_context(base_url=live_server.url, viewport=DESKTOP, locale="en-GB")
    fresh.set_default_timeout(TIMEOUT_MS)
    try:
        yield fresh
    finally:
        fresh.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


@pytest.fixture
def accounts(live_server: LiveServer) -> dict[Role, DemoAccount]:
    return live_server.accounts
