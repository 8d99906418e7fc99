"""Browser tests: the real app served over HTTP on a local port, driven by Debian's Chromium, with
its tasks run by a real Celery worker.

One live server, one Celery worker and one browser serve the whole session; every test gets a
fresh browser context (its own cookies), so no test inherits another's sign-in. The database is a
PostgreSQL database of its own, built by the migrations and filled with the demo world. The live
server sends its tasks through a Redis database of their own (TEST_E2E_BROKER_URL, by default
database 12) to a `celery worker` process started here with the same settings: the same database,
the same mail server, the same service address. Emails reach the tests' SMTP server only through
that worker, so the tests wait for them (see tests/support/browser/records.py).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date

import pytest
import redis
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect, sync_playwright
from sqlalchemy import select
from werkzeug.serving import BaseWSGIServer, make_server

from devdata.demo import seed_demo
from grants import create_app
from grants.extensions import db
from grants.models import Role, User
from tests.support.browser.live_server import (
    BROKER_URL,
    CHROMIUM,
    CHROMIUM_ARGS,
    DATABASE,
    DESKTOP,
    TIMEOUT_MS,
    WORKER_TIMEOUT_S,
    DemoAccount,
    LiveServer,
    app_settings,
    first_of_each_role,
    start_worker,
    wait_until_settled,
)
from tests.support.mail import Mailbox
from tests.support.services import REDIS_URL, drop_database, recreate_database
from tests.support.workers import free_port


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
    return people


@pytest.fixture(scope="session")
def live_server(smtp_server: Mailbox, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The app, migrated and seeded with the demo world, served on a free local port, with a
    Celery worker running its tasks; its emails go to the tests' SMTP server, and evidence
    uploaded in the browser to a temporary folder."""
    url = recreate_database(DATABASE)
    broker = redis.Redis.from_url(BROKER_URL)
    broker.flushdb()
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    settings = app_settings(url, base_url, tmp_path_factory.mktemp("evidence"))
    app = create_app("test", **settings)
    # The web process's tasks go through this app's broker, whichever Celery app another test
    # folder made current before.
    app.extensions["celery"].set_default()
    # Started before the seed, so that it is ready by the time the demo's emails are queued.
    worker = start_worker(settings, tmp_path_factory.mktemp("worker") / "worker.log")
    server: BaseWSGIServer | None = None
    thread: threading.Thread | None = None
    try:
        people = _seed(app)
        accounts = first_of_each_role(people)
        server = make_server("127.0.0.1", port, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, name="e2e-live-server", daemon=True)
        thread.start()
        live = LiveServer(url=base_url, app=app, accounts=accounts, people=people, worker=worker)
        # The demo's own emails are delivered before any test looks in the mailbox.
        wait_until_settled(live, timeout=2 * WORKER_TIMEOUT_S)
        yield live
    finally:
        if server is not None and thread is not None:
            server.shutdown()
            server.server_close()
            thread.join(timeout=10)
        worker.stop()
        broker.flushdb()
        with app.app_context():
            db.engine.dispose()
        app.extensions["celery"].close()
        drop_database(DATABASE)


@pytest.fixture
def mailbox(smtp_server: Mailbox, live_server: LiveServer) -> Mailbox:
    """The SMTP server's mailbox, emptied once the worker has delivered what earlier tests sent."""
    wait_until_settled(live_server)
    smtp_server.clear()
    return smtp_server


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
