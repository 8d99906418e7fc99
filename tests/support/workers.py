"""Real moving parts for the tests that need them: Celery worker processes, a Redis server of the
test's own that can be stopped, an SMTP server that can be stopped, and an app that sends its
tasks through Redis instead of running them in-process."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import psycopg
from celery import Celery
from flask import Flask

from grants import create_app
from grants.config import celery_settings
from tests.support.mail import Mailbox
from tests.support.paths import ROOT
from tests.support.services import REDIS_URL

T = TypeVar("T")


def wait_for(check: Callable[[], T], timeout: float = 30.0, interval: float = 0.1) -> T | None:
    """Poll until `check` returns something truthy; None if it never does."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(interval)
    return None


def stop(process: subprocess.Popen[bytes]) -> None:
    """Ask the process to stop (SIGTERM), and kill it if it has not within 20 seconds."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def plain_url(sqlalchemy_url: str) -> str:
    return sqlalchemy_url.replace("postgresql+psycopg://", "postgresql://")


def sql(database_url: str, statement: str, *params: Any) -> list[tuple[Any, ...]]:
    """Run one statement on its own connection, committed; the rows it returns, if any."""
    with psycopg.connect(plain_url(database_url), autocommit=True) as connection:
        cursor = connection.execute(statement, params or None)
        return cursor.fetchall() if cursor.description else []


def celery_worker_command(app: str, *options: str) -> list[str]:
    """`celery -A app worker` with the options, in this Python, without gossip or mingle (the
    worker is alone)."""
    return [sys.executable, "-m", "celery", "-A", app, "worker", *options, "--without-gossip", "--without-mingle"]


class Worker:
    """A `celery -A celery_worker worker` process, its output kept in a file (a pipe would fill
    up and stall it)."""

    def __init__(self, process: subprocess.Popen[bytes], log: Path) -> None:
        self.process = process
        self.log = log

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def kill(self) -> None:
        """SIGKILL: no clean-up, no acknowledgements, whatever it was doing is cut off."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        stop(self.process)


def start_worker(
    *,
    database_url: str,
    broker_url: str,
    smtp_port: int,
    log: Path,
    settings: dict[str, str] | None = None,
    pool: str = "solo",
    concurrency: int = 1,
    name: str = "test-worker",
) -> Worker:
    env = {
        **os.environ,
        "APP_ENV": "test",
        "TEST_DATABASE_URL": database_url,
        "TEST_CELERY_BROKER_URL": broker_url,
        "RATELIMIT_STORAGE_URI": REDIS_URL,
        "TEST_MAIL_PORT": str(smtp_port),
        "LOG_LEVEL": "WARNING",
        **(settings or {}),
    }
    with log.open("ab") as out:
        process = subprocess.Popen(
            celery_worker_command(
                "celery_worker",
                f"--pool={pool}",
                f"--concurrency={concurrency}",
                "--loglevel=WARNING",
                f"--hostname={name}@%h",
                "--without-heartbeat",
            ),
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    return Worker(process, log)


def hand_celery_back(celery: Celery) -> None:
    """Make `celery` the thread's current and default Celery app again.

    Building an app makes its Celery app both, so after a test builds a second app, tasks sent
    later in the same thread (tasks sent by tasks too) would go to that app, whose broker may be
    a dead port. A test that builds apps itself calls this from a `finally`; `sending_app` calls
    it on the way out."""
    celery.set_current()
    celery.set_default()


@contextmanager
def sending_app(
    database_url: str, broker_url: str | None, *, smtp_port: int, config: str = "test", **overrides: Any
) -> Iterator[Flask]:
    """An app like the web processes': its tasks go through the broker to the workers (with no
    broker, they run in-process). `config` names the configuration it starts from (test,
    development, production); the arguments and `overrides` replace single settings of it.
    While it is open its Celery app is the one tasks are sent with; the one before comes back
    after, and the app's database connections are closed."""
    from celery import current_app as current_celery

    before = current_celery._get_current_object()
    try:
        app = create_app(
            config,
            SQLALCHEMY_DATABASE_URI=database_url,
            CELERY=celery_settings(broker_url),
            RATELIMIT_STORAGE_URI=REDIS_URL,
            MAIL_PORT=smtp_port,
            SIGN_IN_SLOWDOWN_SECONDS=0.05,
            **overrides,
        )
        try:
            yield app
        finally:
            with app.app_context():
                from grants.extensions import db

                db.engine.dispose()
            app.extensions["celery"].close()
    finally:
        # Also when building the app failed part-way, after its Celery app was made current.
        hand_celery_back(before)


class RedisServer:
    """A Redis server of the test's own on a free port, with nothing kept on disk, so that
    stopping it loses every queued task, as a restart of an unpersisted Redis does."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        ready = wait_for(lambda: _accepts(self.port), timeout=10)
        assert ready, f"redis-server did not start on port {self.port}"

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


class SmtpServer:
    """An aiosmtpd server that can be stopped and started again on the same port."""

    def __init__(self, port: int, mailbox: Mailbox) -> None:
        self.port = port
        self.mailbox = mailbox
        self.controller: Any = None

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        mailbox = self.mailbox

        class Handler:
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
                mailbox.handle(envelope.content)
                return "250 Message accepted for delivery"

        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@contextmanager
def running(*things: Any) -> Iterator[None]:
    """Stop every worker or server given, however the block ends."""
    try:
        yield
    finally:
        for thing in things:
            thing.stop()
