"""Tasks travel through a real Redis broker to a real Celery worker process, and their effects
land in PostgreSQL and at the SMTP server."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import redis
from celery import Celery

from grants.config import celery_settings
from tests.conftest import SMTP_PORT, Mailbox

ROOT = Path(__file__).resolve().parents[2]
# A Redis database of its own: the other tests empty database 15 before each test.
BROKER_URL = os.environ.get("TEST_WORKER_BROKER_URL", "redis://127.0.0.1:6379/14")


def _wait_for(check, timeout: float = 30.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    return None


@pytest.fixture
def worker(app, smtp_server: Mailbox) -> Iterator[subprocess.Popen[bytes]]:
    redis.Redis.from_url(BROKER_URL).flushdb()
    env = {
        **os.environ,
        "APP_ENV": "test",
        "TEST_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "TEST_CELERY_BROKER_URL": BROKER_URL,
        "TEST_MAIL_PORT": str(SMTP_PORT),
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "celery_worker",
            "worker",
            "--pool=solo",
            "--loglevel=INFO",
            "--hostname=test-worker@%h",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    yield process
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
    with psycopg.connect(_plain(app.config["SQLALCHEMY_DATABASE_URI"]), autocommit=True) as connection:
        connection.execute("DELETE FROM worker_heartbeats")


def _plain(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def _client() -> Celery:
    client = Celery("test-client")
    client.config_from_object(celery_settings(BROKER_URL))
    return client


def test_a_task_sent_through_redis_is_run_by_a_worker_and_written_to_postgresql(app, worker):
    _client().send_task("workflows.record_heartbeat")

    def heartbeat():  # type: ignore[no-untyped-def]
        with psycopg.connect(_plain(app.config["SQLALCHEMY_DATABASE_URI"])) as connection:
            return connection.execute("SELECT hostname, beats FROM worker_heartbeats").fetchone()

    row = _wait_for(heartbeat)
    if row is None:
        worker.terminate()
        output = worker.communicate(timeout=20)[0].decode(errors="replace")
        pytest.fail(f"no heartbeat recorded; worker said:\n{output[-4000:]}")
    assert row[1] == 1

    _client().send_task("workflows.record_heartbeat")
    assert _wait_for(lambda: heartbeat()[1] == 2), "the second heartbeat updated the same row"


def test_the_worker_delivers_email_to_the_smtp_server(worker, mailbox: Mailbox):
    _client().send_task(
        "notifications.send_email",
        args=[
            {
                "to": "someone@example.gov.uk",
                "template": "test",
                "subject": "Through the worker",
                "text": "Sent by a real worker.",
                "html": "<p>Sent by a real worker.</p>",
            }
        ],
    )
    delivered = _wait_for(lambda: mailbox.to("someone@example.gov.uk"))
    assert delivered, "the worker did not deliver the email"
    [message] = delivered
    assert message["Subject"] == "Through the worker"
    assert "Sent by a real worker." in mailbox.text(message)


def test_the_worker_consumes_both_queues(worker):
    client = _client()
    routes = client.conf.task_routes
    assert routes["notifications.*"]["queue"] == "notifications"
    assert routes["workflows.*"]["queue"] == "workflows"
    inspector = None
    for _ in range(50):
        inspector = client.control.inspect(timeout=1.0).active_queues()
        if inspector:
            break
    assert inspector, "the worker did not answer"
    [queues] = inspector.values()
    assert {q["name"] for q in queues} == {"workflows", "notifications"}
