"""Tasks travel through a real Redis broker to a real Celery worker process, and their effects
land in PostgreSQL and at the SMTP server."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator

import psycopg
import pytest
import redis
from celery import Celery

from grants.config import celery_settings
from tests.support.mail import Mailbox
from tests.support.paths import ROOT
from tests.support.services import SMTP_PORT
from tests.support.workers import celery_worker_command

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
        celery_worker_command("celery_worker", "--pool=solo", "--loglevel=INFO", "--hostname=test-worker@%h"),
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
    client = Celery("test-client", set_as_current=False)
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


def test_the_worker_delivers_an_outbox_email_to_the_smtp_server(app, worker, mailbox: Mailbox):
    from grants.extensions import db
    from grants.models import EmailStatus
    from notifications import queue_email
    from tests.support.workers import sending_app, sql

    database_url = app.config["SQLALCHEMY_DATABASE_URI"]
    try:
        with sending_app(database_url, BROKER_URL, smtp_port=SMTP_PORT) as web, web.app_context():
            email_id = queue_email(
                to="someone@example.gov.uk",
                template="password_changed",
                key="worker-test:1",
                link="/account",
                context={"name": "Someone"},
            )
            db.session.commit()  # the task is enqueued now, through Redis

        delivered = _wait_for(lambda: mailbox.to("someone@example.gov.uk"))
        assert delivered, "the worker did not deliver the email"
        [message] = delivered
        assert message["Subject"] == "Your Productivity Broker password has changed"
        assert "http://localhost:5000/account" in mailbox.text(message)
        status = _wait_for(
            lambda: (
                sql(database_url, "SELECT status, attempts, message_id FROM outbound_emails WHERE id = %s", email_id)[
                    0
                ][0]
                == EmailStatus.SENT.value
            )
        )
        assert status, "the outbox row was not marked sent"
        [(_, attempts, message_id)] = sql(
            database_url, "SELECT status, attempts, message_id FROM outbound_emails WHERE id = %s", email_id
        )
        assert attempts == 1 and message["Message-ID"] == message_id
    finally:
        sql(database_url, "DELETE FROM outbound_emails")


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


def test_a_message_for_the_retired_single_email_task_is_refused_and_the_replay_sweep_sends_its_email(
    app, worker, mailbox: Mailbox
):
    """Releases before batches sent `notifications.deliver_email`. A worker refuses such a message
    (it knows no such task); the email it named waits in the outbox, and the replay sweep sends it."""
    from grants.extensions import db
    from notifications import queue_email
    from tests.support.workers import sending_app, sql

    database_url = app.config["SQLALCHEMY_DATABASE_URI"]
    to = "left-over@example.gov.uk"
    try:
        # A broker nobody listens on: the commit's own enqueue fails, as it would have when the
        # old task was the one queued, and the row stays pending.
        with sending_app(database_url, "redis://127.0.0.1:1/0", smtp_port=SMTP_PORT) as web, web.app_context():
            email_id = queue_email(
                to=to, template="password_changed", key="retired-task:1", link="/account", context={"name": "Someone"}
            )
            db.session.commit()
        client = _client()
        client.send_task("notifications.deliver_email", args=[email_id])
        # The worker takes the message off the queue without running anything.
        assert _wait_for(lambda: redis.Redis.from_url(BROKER_URL).llen("notifications") == 0)
        client.send_task("workflows.record_heartbeat")  # handled after the refused message, in order
        assert _wait_for(lambda: sql(database_url, "SELECT count(*) FROM worker_heartbeats")[0][0] == 1), (
            "the worker stopped after refusing the message"
        )
        assert mailbox.to(to) == []
        [(status,)] = sql(database_url, "SELECT status FROM outbound_emails WHERE id = %s", email_id)
        assert status == "pending"

        # Overdue for the sweep, which sends it through the batch task.
        sql(database_url, "UPDATE outbound_emails SET due_at = due_at - interval '1 hour' WHERE id = %s", email_id)
        client.send_task("notifications.replay_outbox")
        delivered = _wait_for(lambda: mailbox.to(to))
        assert delivered and len(delivered) == 1
        assert _wait_for(
            lambda: sql(database_url, "SELECT status FROM outbound_emails WHERE id = %s", email_id)[0][0] == "sent"
        )
    finally:
        sql(database_url, "DELETE FROM outbound_emails")
