"""The outbox against real failures: a worker killed mid-flight, Redis stopped, the mail server
stopped, a transaction rolled back, and two sweeps at once. Every part is real: PostgreSQL, Redis
servers, Celery worker processes and an SMTP server; rows are committed for real, and emptied
after each test."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
import redis
from flask import Flask

from grants.extensions import db
from grants.models import Role, User
from notifications import queue_email, reminders
from notifications.outbox import replay_stuck
from tests.support.mail import Mailbox
from tests.support.services import SMTP_PORT
from tests.support.workers import RedisServer, SmtpServer, free_port, running, sending_app, sql, start_worker, wait_for

pytestmark = [
    pytest.mark.timeout(240),
    pytest.mark.commits("outbound_emails", "notifications", "reminders", "audit_events", "user_roles", "users"),
]

# A Redis database of its own on the shared server, for the tests that keep Redis running.
SHARED_BROKER = "redis://127.0.0.1:6379/13"
# Short delays, so that a retry or a replay happens within the test rather than minutes later.
FAST = {
    "OUTBOX_RETRY_BASE_SECONDS": "1",
    "OUTBOX_RETRY_MAX_DELAY_SECONDS": "2",
    "OUTBOX_MAX_ATTEMPTS": "30",
    "OUTBOX_REPLAY_AFTER_SECONDS": "1",
    "OUTBOX_SENDING_LEASE_SECONDS": "2",
    "MAIL_TIMEOUT_SECONDS": "5",
}
FAST_CONFIG = {name: int(value) for name, value in FAST.items()}


@pytest.fixture
def own_smtp() -> Iterator[tuple[SmtpServer, Mailbox]]:
    mailbox = Mailbox()
    server = SmtpServer(free_port(), mailbox)
    server.start()
    with running(server):
        yield server, mailbox


def queue_many(app: Flask, count: int, *, prefix: str, batch: int = 200) -> list[int]:
    """Queue `count` emails, committed in batches as a busy service would; each commit hands its
    emails to the broker."""
    ids: list[int] = []
    with app.app_context():
        for start in range(0, count, batch):
            for n in range(start, min(start + batch, count)):
                email_id = queue_email(
                    to=f"person{n:04d}@{prefix}.example.gov.uk",
                    template="password_changed",
                    key=f"{prefix}:{n}",
                    link="/account",
                    context={"name": f"Person {n}"},
                )
                assert email_id is not None
                ids.append(email_id)
            db.session.commit()
        db.session.remove()
    return ids


def statuses(url: str) -> Counter[str]:
    return Counter(dict(sql(url, "SELECT status, count(*) FROM outbound_emails GROUP BY 1")))


def all_sent(url: str, count: int) -> bool:
    return statuses(url)["sent"] == count


def received_once_each(mailbox: Mailbox, url: str, count: int, prefix: str) -> Counter[str]:
    """Check every row reached the server as its own message, under its own Message-ID; return
    how many copies of each Message-ID arrived."""
    rows = dict(sql(url, "SELECT to_address, message_id FROM outbound_emails"))
    assert len(rows) == count
    copies = Counter(str(m["Message-ID"]) for m in mailbox.messages)
    recipients = {str(m["To"]) for m in mailbox.messages}
    missing = sorted(set(rows) - recipients)
    assert not missing, f"{len(missing)} emails never arrived, e.g. {missing[:3]}"
    assert set(copies) == set(rows.values()), "a message arrived under a Message-ID the outbox did not give it"
    assert all(m["To"].endswith(f"@{prefix}.example.gov.uk") for m in mailbox.messages)
    return copies


def test_a_worker_killed_while_delivering_1000_emails_loses_none_and_doubles_none(
    db_url: str, own_smtp: tuple[SmtpServer, Mailbox], tmp_path: Path
) -> None:
    server, mailbox = own_smtp
    redis.Redis.from_url(SHARED_BROKER).flushdb()
    # This app's sweeps take a row left "sending" past its two-second lease, and pending rows
    # overdue by three seconds: those of the batch the dead worker held, whose task Redis hands
    # out again only after its visibility timeout (and rows whose tasks are still queued, whose
    # second task finds them sent and does nothing).
    web_settings = {**FAST_CONFIG, "OUTBOX_REPLAY_AFTER_SECONDS": 3}
    with sending_app(db_url, SHARED_BROKER, smtp_port=server.port, **web_settings) as web:
        queue_many(web, 1000, prefix="kill")
        assert statuses(db_url) == Counter({"pending": 1000})

        first = start_worker(
            database_url=db_url,
            broker_url=SHARED_BROKER,
            smtp_port=server.port,
            log=tmp_path / "first.log",
            settings=FAST,
            name="doomed",
        )
        with running(first):
            assert wait_for(lambda: len(mailbox.messages) >= 300, timeout=90), first.output()[-3000:]
            first.kill()
        # What the worker was doing when it died: at most one email (a solo worker sends one at
        # a time, each claimed on its own even within a batch), claimed and perhaps already
        # accepted by the server, but never marked sent.
        in_flight = {row[0] for row in sql(db_url, "SELECT message_id FROM outbound_emails WHERE status = 'sending'")}
        assert len(in_flight) <= 1
        sent_before = statuses(db_url)["sent"]
        # Killed the moment the server had 300, so quite likely between the server's acceptance
        # of the 300th and the row being marked sent: the worst moment, tested on purpose.
        assert 300 - len(in_flight) <= sent_before < 1000, "the worker was killed before it finished"

        second = start_worker(
            database_url=db_url,
            broker_url=SHARED_BROKER,
            smtp_port=server.port,
            log=tmp_path / "second.log",
            settings=FAST,
            name="replacement",
        )
        with running(second):
            # The replacement takes the tasks still queued. The batch the dead worker held is not
            # handed out again until Redis's visibility timeout; the replay sweep (the beat task)
            # finds its rows, the one left "sending" past the lease and the rest still pending,
            # and enqueues them again at once.
            def swept_and_sent() -> bool:
                with web.app_context():
                    replay_stuck()
                    db.session.remove()
                return all_sent(db_url, 1000)

            assert wait_for(swept_and_sent, timeout=120, interval=1.0), f"{statuses(db_url)}\n{second.output()[-3000:]}"

    copies = received_once_each(mailbox, db_url, 1000, "kill")
    doubled = {message_id for message_id, n in copies.items() if n > 1}
    # The one unavoidable copy: the server accepted the in-flight email just before the kill,
    # and the worker died before it could record that. The copy carries the same Message-ID.
    assert doubled <= in_flight, f"emails delivered twice that were not in flight at the kill: {doubled - in_flight}"
    assert max(copies.values()) <= 2
    assert sql(db_url, "SELECT count(*) FROM outbound_emails WHERE attempts > 2") == [(0,)]


def test_with_redis_stopped_submissions_succeed_and_their_emails_wait_then_go_once(
    app: Flask, db_url: str, own_smtp: tuple[SmtpServer, Mailbox], tmp_path: Path
) -> None:
    from tests.support.client import post_form

    server, mailbox = own_smtp
    broker = RedisServer(free_port())
    with sending_app(db_url, broker.url, smtp_port=server.port, **FAST_CONFIG) as web:
        with web.app_context():
            from workflows import accounts

            for n in range(20):
                accounts.create_user(
                    email=f"officer{n}@redis.example.gov.uk",
                    name=f"Officer {n}",
                    roles={Role.PROGRAMME_OFFICER},
                    password="plum-harbour-violin-42",
                )
            db.session.commit()
            db.session.remove()

        # Redis is not running: each officer asks for a password reset link through the web page,
        # each from their own computer.
        for n in range(20):
            client = web.test_client()
            client.environ_base["REMOTE_ADDR"] = f"192.0.2.{n + 1}"
            response = post_form(client, "/reset-password", {"email": f"officer{n}@redis.example.gov.uk"})
            assert response.status_code in (200, 302), response.get_data(as_text=True)[:500]
        assert statuses(db_url) == Counter({"pending": 20}), "each request kept its email in the outbox"
        assert mailbox.messages == []

        broker.start()
        worker = start_worker(
            database_url=db_url,
            broker_url=broker.url,
            smtp_port=server.port,
            log=tmp_path / "worker.log",
            settings=FAST,
        )
        with running(worker, broker):
            # The beat task's sweep, sent through the restarted Redis and run by the worker.
            web.extensions["celery"].send_task("notifications.replay_outbox")
            assert wait_for(lambda: all_sent(db_url, 20), timeout=60), worker.output()[-3000:]
            # A second sweep finds nothing left to send.
            web.extensions["celery"].send_task("notifications.replay_outbox")
            wait_for(lambda: False, timeout=2)

    copies = received_once_each(mailbox, db_url, 20, "redis")
    assert set(copies.values()) == {1}
    assert all("/reset-password/" in Mailbox.text(m) for m in mailbox.messages)


def test_with_the_mail_server_down_deliveries_retry_and_all_arrive_once(db_url: str, tmp_path: Path) -> None:
    mailbox = Mailbox()
    server = SmtpServer(free_port(), mailbox)  # not started: the mail server is down
    redis.Redis.from_url(SHARED_BROKER).flushdb()
    with sending_app(db_url, SHARED_BROKER, smtp_port=server.port, **FAST_CONFIG) as web:
        worker = start_worker(
            database_url=db_url,
            broker_url=SHARED_BROKER,
            smtp_port=server.port,
            log=tmp_path / "worker.log",
            settings=FAST,
        )
        with running(worker, server):
            queue_many(web, 50, prefix="smtp", batch=50)
            failing = wait_for(
                lambda: sql(db_url, "SELECT count(*) FROM outbound_emails WHERE attempts >= 2")[0][0] == 50,
                timeout=60,
            )
            assert failing, f"the deliveries were not retried: {statuses(db_url)}"
            assert statuses(db_url)["sent"] == 0
            [(error,)] = sql(db_url, "SELECT DISTINCT left(last_error, 40) FROM outbound_emails LIMIT 1")
            assert error

            server.start()
            assert wait_for(lambda: all_sent(db_url, 50), timeout=60), worker.output()[-3000:]

    copies = received_once_each(mailbox, db_url, 50, "smtp")
    assert set(copies.values()) == {1}
    assert sql(db_url, "SELECT count(*) FROM outbound_emails WHERE last_error IS NOT NULL") == [(0,)]


def test_a_transaction_rolled_back_after_queueing_sends_nothing(
    db_url: str, own_smtp: tuple[SmtpServer, Mailbox], tmp_path: Path
) -> None:
    server, mailbox = own_smtp
    redis.Redis.from_url(SHARED_BROKER).flushdb()
    with sending_app(db_url, SHARED_BROKER, smtp_port=server.port, **FAST_CONFIG) as web:
        worker = start_worker(
            database_url=db_url,
            broker_url=SHARED_BROKER,
            smtp_port=server.port,
            log=tmp_path / "worker.log",
            settings=FAST,
        )
        with running(worker), web.app_context():
            queue_email(
                to="never@example.gov.uk",
                template="password_changed",
                key="rolled-back",
                link="/account",
                context={"name": "Never"},
            )
            db.session.rollback()
            # The next transaction commits; only its email may go.
            queue_email(
                to="marker@example.gov.uk",
                template="password_changed",
                key="committed",
                link="/account",
                context={"name": "Marker"},
            )
            db.session.commit()
            assert wait_for(lambda: mailbox.to("marker@example.gov.uk"), timeout=30), worker.output()[-3000:]
            # Give a stray task every chance to arrive.
            assert wait_for(lambda: mailbox.to("never@example.gov.uk"), timeout=3) is None

    assert sql(db_url, "SELECT idempotency_key, status FROM outbound_emails") == [("committed", "sent")]
    assert redis.Redis.from_url(SHARED_BROKER).llen("notifications") == 0


def test_two_reminder_sweeps_at_once_send_one_message_per_reminder(db_url: str, mailbox: Mailbox) -> None:
    today = date(2026, 12, 30)
    # The sweeper runs its tasks in-process, delivering to `mailbox`.
    with sending_app(db_url, None, smtp_port=SMTP_PORT) as sweeper, sweeper.app_context():
        sweep_twice_at_once(sweeper, today, db_url, mailbox)


def sweep_twice_at_once(sweeper: Flask, today: date, db_url: str, mailbox: Mailbox) -> None:
    with sweeper.app_context():
        from workflows import accounts

        officer = accounts.create_user(
            email="officer@lga.example.gov.uk",
            name="Officer",
            roles={Role.PROGRAMME_OFFICER},
            password="plum-harbour-violin-42",
        )
        # People who have not yet set a password: the reminders are about them, not their sign-in.
        people = [User(email=f"lead{n:03d}@sweep.example.gov.uk", name=f"Lead {n}") for n in range(200)]
        db.session.add_all(people)
        db.session.flush()
        for n, person in enumerate(people):
            reminders.schedule(
                subject_type="test-report",
                subject_id=n,
                kind="report-due",
                user=person,
                due_on=today - timedelta(days=n % 3),
                escalate_on=today + timedelta(days=5),
                template="password_changed",
                escalation_template="password_changed",
                link=f"/reports/{n}",
                context={},
            )
        db.session.commit()
        db.session.remove()
        assert officer

    barrier = threading.Barrier(2)
    results: list[reminders.SweepResult] = []
    errors: list[BaseException] = []

    def sweep() -> None:
        try:
            with sweeper.app_context():
                barrier.wait(timeout=10)
                results.append(reminders.send_due(today, batch_size=50))
                db.session.remove()
        except BaseException as exc:  # reported below, in the test's own thread
            errors.append(exc)

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert sum(r.reminded for r in results) == 200, results

    assert sql(db_url, "SELECT count(*) FROM outbound_emails WHERE idempotency_key LIKE 'reminder:%%'") == [(200,)]
    assert sql(db_url, "SELECT status, count(*) FROM reminders GROUP BY 1") == [("sent", 200)]
    assert wait_for(lambda: len(mailbox.messages) == 200, timeout=30)
    recipients = Counter(str(m["To"]) for m in mailbox.messages)
    assert len(recipients) == 200 and set(recipients.values()) == {1}
    assert sql(db_url, "SELECT count(*) FROM reminders WHERE sent_at IS NOT NULL AND next_due_on IS NOT NULL") == [
        (200,)
    ]
