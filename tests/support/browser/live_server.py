"""The browser tests' live server: the real app served over HTTP on a local port, with its tasks
run by a real Celery worker process (tests/e2e/worker.py) that works on the same database, sends
mail to the same SMTP server and writes the same service address into its emails' links; and the
browser's settings."""

from __future__ import annotations

import json
import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
import redis
from flask import Flask
from playwright.sync_api import ViewportSize

from grants.models import Role
from tests.support.paths import ROOT
from tests.support.services import REDIS_URL, SMTP_PORT
from tests.support.workers import celery_worker_command, stop

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
        stop(self.process)


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
            celery_worker_command(
                "tests.e2e.worker",
                "--pool=solo",
                "--loglevel=WARNING",
                "--hostname=e2e-worker@%h",
                "--without-heartbeat",
            ),
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    return Worker(process, log)


def first_of_each_role(people: dict[str, DemoAccount]) -> dict[Role, DemoAccount]:
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
