"""Notifications: how fast the reminder sweep finds and sends what is due, and how many emails a
second the outbox delivers through Redis and real Celery workers to an SMTP server.

Targets, from the issue that asked for these figures: the due-reminder query under a second with
100,000 reminders in the table, and at least 200 emails a second from two worker processes.
"""

from __future__ import annotations

import base64
import json
import os
import random
import re
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from email.utils import make_msgid
from typing import Any

from redis import Redis

from bench.common import (
    RedisServer,
    SmtpSink,
    Worker,
    bench_app,
    children_of,
    copy_rows,
    cpu_between,
    cpu_snapshot,
    fresh_database,
    running,
    say,
    sql,
    summary_ms,
    wait_for,
)

NAME = "notifications"

REMINDERS = 100_000
USERS = 1_000
DUE_TODAY = 1_000
QUERY_RUNS = 20
SWEEP_TARGET_SECONDS = 1.0

EMAILS = 10_000
EMAILS_TARGET_PER_SECOND = 200.0
# Far longer than the run should take even well below target; past it the run has stalled.
DELIVERY_TIMEOUT_SECONDS = 360.0
# The production worker (`celery -A celery_worker worker`, the Procfile's) on a two-core machine:
# one prefork parent taking tasks from Redis and two children delivering them.
WORKER_POOL = {"pool": "prefork", "concurrency": 2}


def run() -> dict[str, Any]:
    redis = RedisServer().start()
    with running(redis):
        figures: dict[str, Any] = {"redis": redis.version()}
        figures["reminder_sweep"] = reminder_sweep(redis)
        figures["email_throughput"] = email_throughput(redis)
    return figures


# 1. The reminder sweep ----------------------------------------------------------------------------


def reminder_sweep(redis: RedisServer) -> dict[str, Any]:
    """100,000 reminders for 1,000 people, due dates spread over the year around today, 1,000 of
    them due today. Times the query the sweep runs for each batch, and one whole sweep, with its
    emails queued in the outbox and handed to a Redis no worker reads (delivery is timed in the
    second benchmark)."""
    from grants.extensions import db
    from notifications import reminders

    today = datetime.now(UTC).date()
    with fresh_database() as url:
        say(f"reminder sweep: loading {USERS:,} people and {REMINDERS:,} reminders")
        _load_reminders(url, today)
        sql(url, "ANALYZE")
        due = sql(url, "SELECT count(*) FROM reminders WHERE next_due_on <= %s", today)[0][0]
        indexed = sql(url, "SELECT count(*) FROM reminders WHERE next_due_on IS NOT NULL")[0][0]
        broker = redis.url(1)
        with bench_app(url, broker) as app, app.app_context():
            batch_size = 500  # send_due's own default
            statement = reminders.due_reminders_query(today, batch_size)
            say(f"reminder sweep: the due query, {QUERY_RUNS} runs")
            timings = []
            for n in range(QUERY_RUNS + 1):
                started = time.perf_counter()
                rows = list(db.session.scalars(statement))
                elapsed = time.perf_counter() - started
                db.session.rollback()  # lets the row locks go, as the end of a batch does
                db.session.expunge_all()
                assert len(rows) == min(batch_size, due), len(rows)
                if n:  # the first run fills the statement cache and is not counted
                    timings.append(elapsed)
            plan = _explain(statement)
            db.session.rollback()
            uses_index = "ix_reminders_next_due_on" in plan

            say(f"reminder sweep: send_due over {due:,} due reminders")
            started = time.perf_counter()
            result = reminders.send_due(today)
            sweep_seconds = time.perf_counter() - started
            db.session.remove()
        queued = sql(url, "SELECT count(*) FROM outbound_emails")[0][0]
        in_app = sql(url, "SELECT count(*) FROM notifications")[0][0]
        still_due = sql(url, "SELECT count(*) FROM reminders WHERE next_due_on <= %s", today)[0][0]
        enqueued, emails_in_tasks = _queued_tasks(broker, "notifications")
    assert result.reminded == due and queued == due and in_app == due and still_due == 0, (result, queued, in_app)
    assert emails_in_tasks == due, f"{enqueued} tasks for {emails_in_tasks} emails reached the broker for {due} emails"
    query = summary_ms(timings)
    return {
        "reminders": REMINDERS,
        "people": USERS,
        "in_partial_index": indexed,
        "due": due,
        "batch_size": batch_size,
        "due_query": {
            **query,
            "target_ms": SWEEP_TARGET_SECONDS * 1000,
            "meets_target": query["p95_ms"] < SWEEP_TARGET_SECONDS * 1000,
            "uses_partial_index": uses_index,
            "server_execution_ms": _execution_ms(plan),
            "plan": plan.splitlines(),
        },
        "send_due": {
            "reminders_sent": result.reminded,
            "emails_queued": queued,
            "tasks_enqueued": enqueued,
            "seconds": round(sweep_seconds, 2),
            "reminders_per_second": round(result.reminded / sweep_seconds, 1),
        },
    }


def _load_reminders(url: str, today: date) -> None:
    """People and reminders as a year of the service would leave them. Today's 1,000 are waiting.
    Of the rest, due on a day in the half-year either side: those still to come are waiting;
    those past were cancelled (the report came in), or sent and escalated, or sent within the
    last four weeks and waiting for an escalation date still to come. Only waiting and
    escalation-pending rows carry a `next_due_on`, so only they are in the partial index."""
    now = datetime.now(UTC)
    copy_rows(
        url,
        "users",
        ["email", "name", "is_active", "session_token", "created_at"],
        (
            (f"person{n:04d}@bench.example.gov.uk", f"Person {n}", True, f"bench-session-{n:04d}", now)
            for n in range(USERS)
        ),
    )
    user_ids = [row[0] for row in sql(url, "SELECT id FROM users ORDER BY id")]
    kinds = [("evaluation-report", "report-due"), ("offer", "answer-due"), ("application", "work-overdue")]
    context = json.dumps({"scheme": "Productivity Experts"})
    randomness = random.Random(20260101)
    columns = [
        "subject_type",
        "subject_id",
        "kind",
        "user_id",
        "template",
        "escalation_template",
        "context",
        "link",
        "due_on",
        "escalate_on",
        "next_due_on",
        "status",
        "sent_at",
        "escalated_at",
        "cancelled_at",
        "created_at",
    ]

    def rows() -> Iterator[tuple[Any, ...]]:
        for n in range(REMINDERS):
            subject_type, kind = kinds[n % len(kinds)]
            offset = 0 if n < DUE_TODAY else _day_other_than_today(randomness)
            due_on = today + timedelta(days=offset)
            escalate_on = due_on + timedelta(days=28) if n % 2 == 0 else None
            sent_at = escalated_at = cancelled_at = None
            if offset >= 0:
                status, next_due_on = "waiting", due_on
            elif randomness.random() < 0.5:
                status, next_due_on, cancelled_at = "cancelled", None, now + timedelta(days=offset)
            elif escalate_on is not None and escalate_on > today:
                status, next_due_on, sent_at = "sent", escalate_on, now + timedelta(days=offset)
            elif escalate_on is not None:
                status, next_due_on = "escalated", None
                sent_at, escalated_at = now + timedelta(days=offset), now + timedelta(days=offset + 28)
            else:
                status, next_due_on, sent_at = "sent", None, now + timedelta(days=offset)
            yield (
                subject_type,
                n,
                kind,
                randomness.choice(user_ids),
                "password_changed",
                "password_changed" if escalate_on else None,
                context,
                f"/applications/{n}",
                due_on,
                escalate_on,
                next_due_on,
                status,
                sent_at,
                escalated_at,
                cancelled_at,
                now + timedelta(days=min(offset, 0) - 30),
            )

    copy_rows(url, "reminders", columns, rows())


def _queued_tasks(broker: str, queue: str) -> tuple[int, int]:
    """The delivery tasks waiting in a Redis queue, and the emails they carry between them."""
    messages = Redis.from_url(broker).lrange(queue, 0, -1)
    emails = 0
    for raw in messages:
        message = json.loads(raw)
        args, _kwargs, _embed = json.loads(base64.b64decode(message["body"]))
        emails += len(args[0]) if isinstance(args[0], list) else 1
    return len(messages), emails


def _day_other_than_today(randomness: random.Random) -> int:
    while True:
        offset = randomness.randint(-182, 182)
        if offset:
            return offset


def _execution_ms(plan: str) -> float | None:
    found = re.search(r"Execution Time: ([\d.]+) ms", plan)
    return float(found.group(1)) if found else None


def _explain(statement: Any) -> str:
    """The plan PostgreSQL chose for the due query, run for real (EXPLAIN ANALYZE), with the
    parameters written in so that it is the plan of this exact query."""
    from sqlalchemy import text

    from grants.extensions import db

    compiled = statement.compile(dialect=db.engine.dialect, compile_kwargs={"literal_binds": True})
    rows = db.session.execute(text(f"EXPLAIN (ANALYZE, BUFFERS) {compiled}")).scalars()
    return "\n".join(rows)


# 2. Email throughput ------------------------------------------------------------------------------


def email_throughput(
    redis: RedisServer, *, pool: str | None = None, concurrency: int | None = None, processes: int = 1
) -> dict[str, Any]:
    """10,000 emails from the outbox through Redis and a Celery worker to an SMTP server.

    The rows and their tasks are all in place before any worker starts, so the clock measures
    delivery alone, not how fast this process can enqueue. It starts when the first message
    reaches the SMTP server (so a worker's start-up, a few seconds of imports, is left out; it is
    reported apart) and stops when the SMTP server has the last message and every row is sent.
    """
    from grants.extensions import db
    from notifications import outbox

    pool = pool or str(WORKER_POOL["pool"])
    concurrency = concurrency or int(WORKER_POOL["concurrency"])
    broker = redis.url(0)
    sink = SmtpSink().start()
    with running(sink), fresh_database() as url:
        say(f"email throughput: queueing {EMAILS:,} emails in the outbox")
        with bench_app(url, broker, smtp_port=sink.port) as app, app.app_context():
            rendered = outbox.render_email(
                "password_changed", {"name": "Alex Example", "link": outbox.absolute_url("/account")}
            )
            now = datetime.now(UTC)
            copy_rows(
                url,
                "outbound_emails",
                [
                    "idempotency_key",
                    "to_address",
                    "template",
                    "subject",
                    "text_body",
                    "html_body",
                    "link",
                    "message_id",
                    "status",
                    "attempts",
                    "created_at",
                    "due_at",
                ],
                (
                    (
                        f"bench:{n}",
                        f"person{n:05d}@bench.example.gov.uk",
                        "password_changed",
                        rendered["subject"],
                        rendered["text"],
                        rendered["html"],
                        outbox.absolute_url("/account"),
                        make_msgid(idstring=f"bench{n}", domain="localhost"),
                        "pending",
                        0,
                        now,
                        now,
                    )
                    for n in range(EMAILS)
                ),
            )
            ids = [row[0] for row in sql(url, "SELECT id FROM outbound_emails ORDER BY id")]
            started = time.perf_counter()
            handed = outbox.enqueue(ids)
            enqueue_seconds = time.perf_counter() - started
            db.session.remove()
        assert handed == EMAILS, f"only {handed} of {EMAILS} tasks reached the broker"
        sql(url, "ANALYZE outbound_emails")

        description = (
            f"{'one worker process' if processes == 1 else f'{processes} worker processes'}, "
            f"--pool={pool} --concurrency={concurrency}"
        )
        say(f"email throughput: delivering with {description}")
        workers = [
            Worker(
                database_url=url,
                broker_url=broker,
                smtp_port=sink.port,
                name=f"bench-worker-{n}",
                pool=pool,
                concurrency=concurrency,
            )
            for n in range(processes)
        ]
        with running(*workers):
            for worker in workers:
                worker.start()
            launched = min(w.started_at or 0.0 for w in workers)

            def delivered_or_dead(count: int) -> bool:
                dead = [w for w in workers if not w.alive()]
                if dead:
                    raise RuntimeError(f"a worker stopped:\n{dead[0].output()}")
                return sink.count >= count

            def measured_processes() -> dict[str, list[int]]:
                backends = sql(
                    url,
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()",
                )
                return {
                    "worker_main_process": [w.pid for w in workers],
                    "worker_pool_processes": [child for w in workers for child in children_of(w.pid)],
                    "postgresql": [row[0] for row in backends],
                    "redis": [redis.pid],
                    "smtp_server": [os.getpid()],  # this process: the SMTP server is a thread of it
                }

            if not wait_for(lambda: delivered_or_dead(1), timeout=60, interval=0.05):
                raise RuntimeError(f"no email arrived within a minute:\n{workers[0].output()}")
            cpu_from, count_from, time_from = cpu_snapshot(measured_processes()), sink.count, time.perf_counter()
            if not wait_for(lambda: delivered_or_dead(EMAILS), timeout=DELIVERY_TIMEOUT_SECONDS, interval=0.05):
                raise RuntimeError(
                    f"{sink.count} of {EMAILS} emails arrived in {DELIVERY_TIMEOUT_SECONDS:.0f} s:"
                    f"\n{workers[0].output()}"
                )
            cpu_to, count_to, time_to = cpu_snapshot(measured_processes()), sink.count, time.perf_counter()
            all_sent = wait_for(
                lambda: sql(url, "SELECT count(*) FROM outbound_emails WHERE status = 'sent'")[0][0] == EMAILS,
                timeout=30,
                interval=0.02,
            )
            finished = time.perf_counter()
            assert all_sent, sql(url, "SELECT status, count(*) FROM outbound_emails GROUP BY 1")
        assert sink.first_at is not None and sink.last_at is not None

        statuses = dict(sql(url, "SELECT status, count(*) FROM outbound_emails GROUP BY 1"))
        attempts = Counter(dict(sql(url, "SELECT attempts, count(*) FROM outbound_emails GROUP BY 1")))
        expected_ids = {row[0] for row in sql(url, "SELECT message_id FROM outbound_emails")}
    copies = sink.message_ids
    twice = sum(1 for n in copies.values() if n > 1)
    assert set(copies) == expected_ids, "a message arrived under a Message-ID the outbox did not give it"
    assert twice == 0, f"{twice} messages arrived more than once"

    seconds = finished - sink.first_at
    rate = EMAILS / seconds
    cores = os.cpu_count() or 1
    cpu = cpu_between(cpu_from, cpu_to)
    cpu_ms = {name: round(used / (count_to - count_from) * 1000, 2) for name, used in cpu.items()}
    cpu_total_ms = sum(cpu.values()) / (count_to - count_from) * 1000
    return {
        "emails": EMAILS,
        "workers": description,
        "worker_loglevel": "INFO",
        "enqueue_seconds": round(enqueue_seconds, 2),
        "enqueue_per_second": round(EMAILS / enqueue_seconds, 1),
        "worker_start_seconds": round(sink.first_at - launched, 2),
        "seconds": round(seconds, 2),
        "emails_per_second": round(rate, 1),
        "target_per_second": EMAILS_TARGET_PER_SECOND,
        "meets_target": rate >= EMAILS_TARGET_PER_SECOND,
        # Where the time goes: CPU used per email by each part, while the emails flowed. The
        # machine's cores divided by the total is the rate it could reach if CPU were all that
        # limited it; the busy share says how much of the machine these processes kept busy.
        "cpu_ms_per_email": {**cpu_ms, "total": round(cpu_total_ms, 2)},
        "cpu_busy_share": round(sum(cpu.values()) / (cores * (time_to - time_from)), 2),
        "cpu_bound_ceiling_per_second": round(cores * 1000 / cpu_total_ms, 1),
        "received": sink.count,
        "distinct_message_ids": len(copies),
        "received_twice": twice,
        "statuses": statuses,
        "attempts": {str(k): v for k, v in sorted(attempts.items())},
    }


# The table in docs/performance.md -----------------------------------------------------------------


def report(figures: dict[str, Any]) -> str:
    """The figures of one run against their targets, as Markdown."""
    sweep, mail = figures["reminder_sweep"], figures["email_throughput"]
    query, sent, cpu = sweep["due_query"], sweep["send_due"], mail["cpu_ms_per_email"]
    host = figures["machine"]

    def verdict(ok: bool) -> str:
        return "met" if ok else "**missed**"

    load = ", ".join(f"{value:.1f}" for value in figures["load_average_before"])
    parts = ", ".join(f"{name.replace('_', ' ')} {ms:.1f}" for name, ms in cpu.items() if name != "total")
    lines = [
        f"Measured {figures['measured_at'][:10]} on {host['cores']} cores ({host['processor']}), "
        f"{host['ram_gib']} GiB RAM, Python {host['python']}, PostgreSQL {host['postgresql']}, "
        f"Redis {figures['redis']}; load average before the run {load}. "
        f"The whole benchmark took {figures['benchmark_seconds']:.0f} s.",
        "",
        "| figure | measured | target | |",
        "| --- | --- | --- | --- |",
        f"| due-reminder query: {sweep['reminders']:,} reminders, {sweep['due']:,} due, batch of "
        f"{sweep['batch_size']} (median / p95 of {query['runs']} runs) "
        f"| {query['median_ms']:.1f} ms / {query['p95_ms']:.1f} ms "
        f"| under {query['target_ms'] / 1000:.0f} s | {verdict(query['meets_target'])} |",
        f"| … of which PostgreSQL's own execution (EXPLAIN ANALYZE) | {query['server_execution_ms']:.1f} ms | | |",
        f"| … uses the partial index `ix_reminders_next_due_on` | {'yes' if query['uses_partial_index'] else 'no'} "
        f"| yes | {verdict(query['uses_partial_index'])} |",
        f"| whole sweep: `send_due` over {sweep['due']:,} due reminders, emails queued | {sent['seconds']:.1f} s "
        f"({sent['reminders_per_second']:,.0f} reminders/s) | | |",
        f"| email delivery: {mail['emails']:,} emails, {mail['workers']} "
        f"| **{mail['emails_per_second']:,.0f} emails/s** ({mail['seconds']:.0f} s) "
        f"| at least {mail['target_per_second']:.0f} emails/s | {verdict(mail['meets_target'])} |",
        f"| … messages received twice | {mail['received_twice']} | 0 | {verdict(mail['received_twice'] == 0)} |",
        f"| … CPU per email, all processes | {cpu['total']:.1f} ms ({parts}) | | |",
        f"| … rate if CPU were the only limit ({host['cores']} cores / CPU per email) "
        f"| {mail['cpu_bound_ceiling_per_second']:,.0f} emails/s "
        f"(the run kept {mail['cpu_busy_share']:.0%} of the CPU busy) | | |",
        f"| handing {mail['emails']:,} emails to delivery tasks from one process "
        f"| {mail['enqueue_per_second']:,.0f} emails/s | | |",
        f"| worker start-up, before the first email | {mail['worker_start_seconds']:.1f} s | | |",
    ]
    return "\n".join(lines)
