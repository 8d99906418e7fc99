"""Browser tests: the real app served over HTTP on a local port, driven by Debian's Chromium, with
its tasks run by a real Celery worker.

One live server, one Celery worker and one browser serve the whole session; every test gets a
fresh browser context (its own cookies), so no test inherits another's sign-in. The database is a
PostgreSQL database of its own, built by the migrations and filled with the demo world. The live
server sends its tasks through a Redis database of their own (TEST_E2E_BROKER_URL, by default
database 12) to a `celery worker` process started here with the same settings: the same database,
the same mail server, the same service address. Emails reach the tests' SMTP server only through
that worker, so the tests wait for them (see records.py).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import psycopg
import pytest
import redis
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, ViewportSize, expect, sync_playwright
from sqlalchemy import select
from werkzeug.serving import BaseWSGIServer, make_server

from devdata.demo import seed_demo
from grants import create_app
from grants.extensions import db
from grants.models import Role, User
from tests.conftest import REDIS_URL, SMTP_PORT, Mailbox, drop_database, recreate_database

ROOT = Path(__file__).resolve().parents[2]
DATABASE = os.environ.get("TEST_E2E_DATABASE_NAME", "productivity_broker_e2e")
# The broker of the live server and its worker. Not the Redis database of the sign-in counters,
# which is emptied before every test; and a number of its own for each run side by side.
BROKER_URL = os.environ.get("TEST_E2E_BROKER_URL", "redis://127.0.0.1:6379/12")
# The worker's app reads the live server's settings from here (see worker.py).
SETTINGS_ENV = "E2E_APP_SETTINGS"
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
# How long a test waits for the worker to do something (an email, a computed proposal): far more
# than it needs on a quiet machine, bounded so that a stuck worker fails the test.
WORKER_TIMEOUT_S = 30.0
DESKTOP: ViewportSize = {"width": 1280, "height": 800}


@dataclass(frozen=True)
class DemoAccount:
    """A person who can sign in, with the name the service greets them by."""

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
    worker: Worker


class Worker:
    """The `celery worker` process, its output kept in a file (a pipe would fill up and stall it)."""

    def __init__(self, process: subprocess.Popen[bytes], log: Path) -> None:
        self.process = process
        self.log = log

    def output(self, last: int = 4_000) -> str:
        return self.log.read_text(errors="replace")[-last:] if self.log.exists() else ""

    def check_alive(self) -> None:
        if self.process.poll() is not None:
            pytest.fail(f"the Celery worker stopped (exit {self.process.returncode}):\n{self.output()}", pytrace=False)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def app_settings(database_url: str, service_url: str, evidence_dir: Path) -> dict[str, Any]:
    """What the live server and its worker are built with, over the test configuration."""
    return {
        "SQLALCHEMY_DATABASE_URI": database_url,
        # Tasks go through Redis to the worker (create_app derives the Celery settings from this).
        "CELERY_BROKER_URL": BROKER_URL,
        "RATELIMIT_STORAGE_URI": REDIS_URL,
        "MAIL_PORT": SMTP_PORT,
        "SERVICE_URL": service_url,
        "EVIDENCE_DIR": evidence_dir,
    }


def start_worker(settings: dict[str, Any], log: Path) -> Worker:
    """`celery -A tests.e2e.worker worker`: one process taking both queues, one task at a time."""
    env = {**os.environ, "APP_ENV": "test", "LOG_LEVEL": "WARNING", SETTINGS_ENV: json.dumps(settings, default=str)}
    with log.open("ab") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "tests.e2e.worker",
                "worker",
                "--pool=solo",
                "--loglevel=WARNING",
                "--hostname=e2e-worker@%h",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    return Worker(process, log)


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


def _first_of_each_role(people: dict[str, DemoAccount]) -> dict[Role, DemoAccount]:
    """The first person of each role (the demo also has a second assessor and a partner
    council's officer)."""
    accounts: dict[Role, DemoAccount] = {}
    for account in people.values():
        accounts.setdefault(account.role, account)
    missing = set(Role) - set(accounts)
    assert not missing, f"the demo seed made no account for {sorted(missing)}"
    return accounts


def work_left(database_url: str) -> int:
    """Tasks waiting in the broker or held by the worker, and emails not yet delivered."""
    broker = redis.Redis.from_url(BROKER_URL)
    queued = sum(int(broker.llen(queue)) for queue in ("workflows", "notifications")) + int(broker.hlen("unacked"))
    with psycopg.connect(database_url.replace("postgresql+psycopg://", "postgresql://")) as connection:
        row = connection.execute(
            "SELECT count(*) FROM outbound_emails WHERE status IN ('pending', 'sending')"
        ).fetchone()
    return queued + (int(row[0]) if row else 0)


def wait_until_settled(live_server: LiveServer, timeout: float = WORKER_TIMEOUT_S) -> None:
    """Wait until the worker has nothing left to do: what one test set going is finished before
    the next begins (its emails would otherwise arrive in the next test's mailbox)."""
    database_url = live_server.app.config["SQLALCHEMY_DATABASE_URI"]
    deadline = time.monotonic() + timeout
    while (left := work_left(database_url)) and time.monotonic() < deadline:
        live_server.worker.check_alive()
        time.sleep(0.1)
    if left:
        pytest.fail(f"the Celery worker still had {left} things to do after {timeout:.0f} s", pytrace=False)


@pytest.fixture(scope="session")
def live_server(smtp_server: Mailbox, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The app, migrated and seeded with the demo world, served on a free local port, with a
    Celery worker running its tasks; its emails go to the tests' SMTP server, and evidence
    uploaded in the browser to a temporary folder."""
    url = recreate_database(DATABASE)
    broker = redis.Redis.from_url(BROKER_URL)
    broker.flushdb()
    port = _free_port()
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
        accounts = _first_of_each_role(people)
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
