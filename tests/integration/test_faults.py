"""Real parts failing under real use: the database server stopped and started again while people
use the service, and the broker killed and started again empty while emails wait in it.

The servers that fail are the tests' own (tests/support/private_services.py); the shared
PostgreSQL and Redis are never stopped."""

from __future__ import annotations

import base64
import json
import os
import re
import secrets
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

from grants.extensions import db
from grants.models import Council, CouncilTier, Role
from notifications import queue_email
from tests.builders.rounds import expert_grant_round
from tests.support.mail import Mailbox
from tests.support.private_services import PrivatePostgres, PrivateRedis, private_postgres, private_redis
from tests.support.services import REDIS_URL, SMTP_PORT
from tests.support.workers import ROOT, free_port, running, sending_app, sql, start_worker, stop, wait_for
from workflows import accounts, api_tokens

pytestmark = [pytest.mark.timeout(240), pytest.mark.commits("outbound_emails", "notifications")]

PASSWORD = "plum-harbour-violin-42"
OFFICER = "officer@babergh.example.gov.uk"
# What a page or a problem must never show, however the database failed.
LEAKS = ("Traceback", 'File "', "psycopg", "sqlalchemy", "OperationalError", "55432")


# The database restarted under requests ------------------------------------------------------------


@dataclass(frozen=True)
class World:
    base_url: str
    round_id: int
    token: str
    log: Path  # the server's output, tracebacks included


@dataclass(frozen=True)
class Answer:
    kind: str
    request_id: str
    sent: float
    received: float
    status: int
    content_type: str
    body: str
    location: str


@dataclass(frozen=True)
class Kind:
    """One sort of request a person makes, and the status that means it worked."""

    name: str
    method: str
    path: str
    success: int
    writes: bool = False
    api: bool = False


KINDS = (
    Kind("page", "GET", "/applications", 200),
    Kind("form", "POST", "/applications/start/{round_id}", 302, writes=True),
    Kind("api-read", "GET", "/api/v1/applications", 200, api=True),
    Kind("api-write", "POST", "/api/v1/applications", 201, writes=True, api=True),
)


def _signed_in(world: World) -> tuple[requests.Session, str]:
    """A browser session of the council officer, and the CSRF token of its forms."""
    browser = requests.Session()
    page = browser.get(world.base_url + "/sign-in", timeout=15)
    token = _csrf(page.text)
    signed = browser.post(
        world.base_url + "/sign-in",
        data={"csrf_token": token, "email": OFFICER, "password": PASSWORD},
        allow_redirects=False,
        timeout=15,
    )
    assert signed.status_code == 302, signed.text[:500]
    return browser, _csrf(browser.get(world.base_url + "/applications", timeout=15).text)


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html)
    assert found, "no CSRF token on the page"
    return found.group(1)


@dataclass
class Load:
    """A thread per kind of request, each asking again as soon as it has its answer."""

    world: World
    answers: list[Answer] = field(default_factory=list)
    stopping: threading.Event = field(default_factory=threading.Event)
    errors: list[BaseException] = field(default_factory=list)
    threads: list[threading.Thread] = field(default_factory=list)

    def start(self) -> None:
        for kind in KINDS:
            thread = threading.Thread(target=self._run, args=(kind,), daemon=True)
            thread.start()
            self.threads.append(thread)

    def stop(self) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=30)
        assert not self.errors, self.errors

    def _run(self, kind: Kind) -> None:
        try:
            ask = _asker(self.world, kind)
            while not self.stopping.is_set():
                self.answers.append(ask())
                # A short pause, so that four threads do not take the machine's every cycle.
                self.stopping.wait(0.02)
        except BaseException as exc:  # reported by stop(), in the test's own thread
            self.errors.append(exc)

    def of(self, kind: str, *, sent_after: float = 0.0, received_before: float = float("inf")) -> list[Answer]:
        return [
            a for a in list(self.answers) if a.kind == kind and a.sent >= sent_after and a.received <= received_before
        ]

    def each_kind(self, test: Callable[[Kind, list[Answer]], bool], **window: float) -> bool:
        return all(test(kind, self.of(kind.name, **window)) for kind in KINDS)


def _asker(world: World, kind: Kind) -> Callable[[], Answer]:
    """A function that makes one request of this kind and returns what came back."""
    headers: dict[str, str] = {}
    data: dict[str, str] | None = None
    if kind.api:
        session = requests.Session()
        headers["Authorization"] = f"Bearer {world.token}"
    else:
        session, token = _signed_in(world)
        data = {"csrf_token": token} if kind.method == "POST" else None
    url = world.base_url + kind.path.format(round_id=world.round_id)
    body = {"round_id": world.round_id} if kind.api and kind.method == "POST" else None

    def ask() -> Answer:
        request_id = uuid.uuid4().hex
        sent = time.monotonic()
        response = session.request(
            kind.method,
            url,
            headers={**headers, "X-Request-ID": request_id},
            data=data,
            json=body,
            allow_redirects=False,
            timeout=30,
        )
        return Answer(
            kind=kind.name,
            request_id=request_id,
            sent=sent,
            received=time.monotonic(),
            status=response.status_code,
            content_type=response.headers.get("Content-Type", ""),
            body=response.text,
            location=response.headers.get("Location", ""),
        )

    return ask


def _seed(url: str) -> tuple[int, str]:
    """The schema from the migrations; a council officer with a token, and an open round that
    takes any number of applications from a council."""
    from flask_migrate import upgrade

    with sending_app(url, None, smtp_port=SMTP_PORT) as app, app.app_context():
        upgrade()
        council = Council(gss_code="E07000200", name="Babergh", tier=CouncilTier.DISTRICT)
        db.session.add(council)
        officer = accounts.create_user(
            email=OFFICER, name="Officer", password=PASSWORD, roles={Role.COUNCIL_OFFICER}, council=council
        )
        funding_round = expert_grant_round()
        funding_round.scheme.one_per_council_per_round = False
        token = api_tokens.create_token(officer, name="Load", expires_in_days=None, actor=officer).secret
        db.session.commit()
        return funding_round.id, token


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[PrivatePostgres, World]]:
    """The service under gunicorn (two processes, four threads each), on a private PostgreSQL."""
    with private_postgres() as postgres:
        url = postgres.create_database("faults")
        round_id, token = _seed(url)
        port = free_port()
        log = tmp_path_factory.mktemp("gunicorn") / "gunicorn.log"
        env = {
            **os.environ,
            "APP_ENV": "test",
            "TEST_DATABASE_URL": url,
            "TEST_CELERY_BROKER_URL": REDIS_URL,
            "TEST_MAIL_PORT": str(SMTP_PORT),
            "SECRET_KEY": secrets.token_hex(32),
            "LOG_LEVEL": "WARNING",
        }
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--threads",
            "4",
            "--worker-class",
            "gthread",
            # As in production: errors are handled by the service's own pages, not raised to the server.
            "grants:create_app('test', TESTING=False)",
        ]
        with log.open("ab") as out:
            server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            base_url = f"http://127.0.0.1:{port}"
            assert wait_for(lambda: _answers(base_url), timeout=60), log.read_text(errors="replace")[-3000:]
            yield postgres, World(base_url, round_id, token, log)
        finally:
            stop(server)


def _answers(base_url: str) -> bool:
    try:
        return requests.get(base_url + "/accessibility", timeout=5).status_code == 200
    except requests.RequestException:
        return False


def _succeeded(answer: Answer) -> bool:
    kind = next(k for k in KINDS if k.name == answer.kind)
    return answer.status == kind.success


def _clean_503(answer: Answer) -> bool:
    """The service's own page or problem, saying no more than that it is unavailable."""
    if answer.status != 503 or any(leak in answer.body for leak in LEAKS):
        return False
    if answer.kind.startswith("api"):
        return answer.content_type == "application/problem+json" and json.loads(answer.body)["status"] == 503
    return answer.content_type.startswith("text/html") and "Sorry, the service is unavailable" in answer.body


def _describe(answers: list[Answer], world: World) -> str:
    shown = "\n".join(f"{a.kind} {a.status} {a.content_type}: {a.body[:300]!r}" for a in answers[:5])
    # The server's tracebacks say why (the log itself is gone once the run's temporary files are).
    lines = world.log.read_text(errors="replace").splitlines()
    tracebacks = [
        "\n".join(lines[start : start + 60]) for start, line in enumerate(lines) if line.startswith("Traceback")
    ]
    last = f"\nthe server's last traceback:\n{tracebacks[-1]}" if tracebacks else ""
    return f"{shown}\n(the server's log: {world.log}){last}"


def test_postgresql_restarted_under_requests_answers_503_then_recovers_with_nothing_half_written(
    served: tuple[PrivatePostgres, World],
) -> None:
    postgres, world = served
    url = postgres.url("faults")
    [(before,)] = sql(url, "SELECT coalesce(max(id), 0) FROM applications")
    load = Load(world)
    load.start()
    try:
        assert wait_for(lambda: load.each_kind(lambda k, a: sum(map(_succeeded, a)) >= 2), timeout=60)

        postgres.stop("fast")
        down = time.monotonic()
        # The outage lasts until every kind of request has had three answers from it.
        assert wait_for(lambda: load.each_kind(lambda k, a: len(a) >= 3, sent_after=down), timeout=60)
        restarting = time.monotonic()
        postgres.start()
        up = time.monotonic()
        recovered = wait_for(lambda: load.each_kind(lambda k, a: sum(map(_succeeded, a)) >= 3, sent_after=up), 60)
    finally:
        load.stop()
    assert recovered, _describe([a for a in load.answers if a.sent >= up and not _succeeded(a)], world)

    unexpected = [a for a in load.answers if not _succeeded(a) and a.status != 503]
    assert not unexpected, f"answers neither a success nor a 503:\n{_describe(unexpected, world)}"
    during = [a for k in KINDS for a in load.of(k.name, sent_after=down, received_before=restarting)]
    assert during and all(a.status == 503 for a in during), _describe([a for a in during if a.status != 503], world)
    unclean = [a for a in load.answers if a.status == 503 and not _clean_503(a)]
    assert not unclean, f"503s that are not the service's clean page or problem:\n{_describe(unclean, world)}"
    # Once the server is back, every request works, with no restart of the service: the errors
    # of the outage emptied the pools of broken connections.
    after = [a for a in load.answers if a.sent >= up]
    assert all(map(_succeeded, after)), _describe([a for a in after if not _succeeded(a)], world)

    _check_all_or_nothing(url, load.answers, before, world)


def _check_all_or_nothing(url: str, answers: list[Answer], before: int, world: World) -> None:
    """Each write the client saw succeed left its application, its timeline event and its audit
    event; each that failed left none of them."""
    writes = [a for a in answers if next(k for k in KINDS if k.name == a.kind).writes]
    succeeded = {a.request_id: a for a in writes if _succeeded(a)}
    failed = {a.request_id for a in writes if not _succeeded(a)}
    assert succeeded and failed, "the outage should have failed some writes and the rest succeeded"
    audited = dict(sql(url, "SELECT request_id, subject_id FROM audit_events WHERE action = 'application.create'"))
    both = [a for a in writes if a.request_id in failed & set(audited)]
    assert not both, f"writes that answered with an error left their audit event:\n{_describe(both, world)}"
    for request_id, answer in succeeded.items():
        made = audited.get(request_id)
        assert made is not None, f"a {answer.kind} that succeeded left no audit event"
        shown = answer.location if answer.kind == "form" else str(json.loads(answer.body)["id"])
        assert shown.endswith(str(made)), (answer.kind, shown, made)
    made_now = sql(
        url,
        "SELECT a.id, count(e.id) FROM applications a LEFT JOIN application_events e"
        " ON e.application_id = a.id AND e.action = 'create' WHERE a.id > %s GROUP BY a.id",
        before,
    )
    assert sorted(row[0] for row in made_now) == sorted(audited[r] for r in succeeded), (
        "applications stored that no successful answer accounts for"
    )
    assert {row[1] for row in made_now} == {1}, "an application without exactly one timeline event"


def test_after_a_restart_no_one_used_the_first_requests_work(served: tuple[PrivatePostgres, World]) -> None:
    """With no request during the outage, the pools still hold the connections the restart
    broke: each is tested before use (pool_pre_ping) and replaced, so no one meets a dead one."""
    postgres, world = served
    askers = {kind.name: _asker(world, kind) for kind in KINDS}
    for ask in askers.values():
        assert _succeeded(ask())
    postgres.stop("fast")
    postgres.start()
    answers = [ask() for _ in range(4) for ask in askers.values()]
    assert all(map(_succeeded, answers)), _describe([a for a in answers if not _succeeded(a)], world)


# Redis restarted with messages queued -------------------------------------------------------------


FAST = {"OUTBOX_REPLAY_AFTER_SECONDS": "1", "OUTBOX_SENDING_LEASE_SECONDS": "2", "MAIL_TIMEOUT_SECONDS": "5"}


def _queued_ids(broker: PrivateRedis) -> list[int]:
    """The outbox ids in the delivery tasks waiting in the broker's notifications queue."""
    ids: list[int] = []
    for raw in broker.waiting("notifications"):
        message = json.loads(raw)
        assert message["headers"]["task"] == "notifications.deliver_emails"
        args, _kwargs, _embed = json.loads(base64.b64decode(message["body"]))
        ids.extend(args[0])
    return ids


def test_redis_killed_with_emails_queued_loses_none_and_sends_each_once(
    db_url: str, mailbox: Mailbox, tmp_path: Path
) -> None:
    with private_redis() as broker, sending_app(db_url, broker.url, smtp_port=SMTP_PORT) as web:
        # Ten requests, each queueing five emails and committing: each commit sends one task.
        with web.app_context():
            for request in range(10):
                for n in range(5):
                    queue_email(
                        to=f"person{request:02d}{n}@restart.example.gov.uk",
                        template="password_changed",
                        key=f"restart:{request}:{n}",
                        link="/account",
                        context={"name": "Someone"},
                    )
                db.session.commit()
            db.session.remove()
        waiting = sql(db_url, "SELECT id FROM outbound_emails WHERE status = 'pending' ORDER BY id")
        assert sorted(_queued_ids(broker)) == [row[0] for row in waiting] and len(waiting) == 50

        broker.kill()
        broker.start()
        assert broker.client().dbsize() == 0, "the restarted Redis should have forgotten every task"

        worker = start_worker(
            database_url=db_url, broker_url=broker.url, smtp_port=SMTP_PORT, log=tmp_path / "w.log", settings=FAST
        )
        with running(worker):
            # What beat does every minute, done every two seconds until the outbox is empty.
            def swept_and_sent() -> bool:
                web.extensions["celery"].send_task("notifications.replay_outbox")
                return sql(db_url, "SELECT count(*) FROM outbound_emails WHERE status <> 'sent'") == [(0,)]

            assert wait_for(swept_and_sent, timeout=90, interval=2.0), worker.output()[-3000:]
            # Every task handed out, sweeps and deliveries alike, has been run and acknowledged.
            idle = wait_for(lambda: broker.unfinished("notifications") == 0, timeout=30)
            assert idle, worker.output()[-3000:]

    message_ids = {row[0] for row in sql(db_url, "SELECT message_id FROM outbound_emails")}
    copies = Counter(str(m["Message-ID"]) for m in mailbox.messages)
    assert set(copies) == message_ids and len(message_ids) == 50
    assert set(copies.values()) == {1}, f"delivered more than once: {[m for m, n in copies.items() if n > 1]}"
