"""What every benchmark needs: a database of its own built by the migrations, an app pointed at it,
Celery worker processes, a Redis server and an SMTP server of the benchmark's own, and a place to
write the figures.

Everything started here is stopped again however the benchmark ends, so that a failed run leaves
no worker, server or database behind.
"""

from __future__ import annotations

import json
import logging
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import psycopg
from flask import Flask
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results.json"
PERFORMANCE_DOC = ROOT / "docs" / "performance.md"
DATABASE_NAME = "productivity_broker_bench"
# Worker and service logs of the latest run, kept for a look after a surprising figure.
LOGS = Path(tempfile.gettempdir()) / "productivity-broker-bench"
# The server on which the benchmark creates and drops its database.
ADMIN_URL = os.environ.get("BENCH_POSTGRES_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")

T = TypeVar("T")
log = logging.getLogger("bench")


def say(message: str) -> None:
    """Progress for the person running the benchmark; the service's own logs go to files."""
    print(f"[bench {datetime.now().strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def wait_for(check: Callable[[], T], timeout: float, interval: float = 0.1) -> T | None:
    """Poll until `check` returns something truthy; None if it never does."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(interval)
    return None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _die_with_parent() -> None:
    """Run in a child before it starts: the kernel sends it SIGTERM if the benchmark itself is
    killed outright, when no clean-up code of ours can run."""
    try:
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: the clean-up code has to do
        pass


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


# Figures ------------------------------------------------------------------------------------------


def percentile(values: Sequence[float], fraction: float) -> float:
    """The value below which `fraction` of the values lie, interpolated between neighbours, so
    that the p95 of 20 runs is not simply the slowest run."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("no values")
    position = (len(ordered) - 1) * fraction
    lower = int(position)
    upper = min(lower + 1, len(ordered) - 1)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)


def summary_ms(seconds: Sequence[float]) -> dict[str, float | int]:
    """Median, p95 and extremes of some timings, in milliseconds."""
    return {
        "runs": len(seconds),
        "median_ms": round(statistics.median(seconds) * 1000, 2),
        "p95_ms": round(percentile(seconds, 0.95) * 1000, 2),
        "min_ms": round(min(seconds) * 1000, 2),
        "max_ms": round(max(seconds) * 1000, 2),
    }


# PostgreSQL ---------------------------------------------------------------------------------------


def sqlalchemy_url(database: str) -> str:
    return make_url(ADMIN_URL).set(drivername="postgresql+psycopg", database=database).render_as_string(False)


def plain_url(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def sql(url: str, statement: str, *params: Any) -> list[tuple[Any, ...]]:
    """Run one statement on its own connection, committed; the rows it returns, if any."""
    with psycopg.connect(plain_url(url), autocommit=True) as connection:
        cursor = connection.execute(statement, params or None)  # type: ignore[arg-type]
        return cursor.fetchall() if cursor.description else []


def copy_rows(url: str, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Load rows with COPY: the way to put 100,000 rows in place in a second or two, where
    inserting them one by one would take longer than the thing being measured."""
    count = 0
    with psycopg.connect(plain_url(url)) as connection, connection.cursor() as cursor:
        with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:  # type: ignore[arg-type]
            for row in rows:
                copy.write_row(row)
                count += 1
        connection.commit()
    return count


def _drop(name: str) -> None:
    with psycopg.connect(ADMIN_URL, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[arg-type]


@contextmanager
def fresh_database(name: str = DATABASE_NAME) -> Iterator[str]:
    """A new, empty database built by the migrations, as a release would build it; dropped
    afterwards even if the benchmark fails. Yields its SQLAlchemy URL."""
    _drop(name)
    with psycopg.connect(ADMIN_URL, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')  # type: ignore[arg-type]
    url = sqlalchemy_url(name)
    try:
        with bench_app(url, None) as app, app.app_context():
            from flask_migrate import upgrade

            upgrade()
        yield url
    finally:
        _drop(name)


def postgres_version() -> str:
    return str(sql(ADMIN_URL, "SHOW server_version")[0][0])


# The app ------------------------------------------------------------------------------------------


@contextmanager
def bench_app(database_url: str, broker_url: str | None, *, smtp_port: int = 25, **overrides: Any) -> Iterator[Flask]:
    """An app like a web process's, pointed at the benchmark's database: its tasks go through
    `broker_url` (with none they run in-process). Its logs go to app.log in LOGS at the level a
    real installation uses, so that their cost is counted without flooding the terminal. While it
    is open its Celery app is the one tasks are sent with; the one before comes back after."""
    from celery import current_app as current_celery

    from grants import create_app
    from grants.config import celery_settings

    before = current_celery._get_current_object()
    app = create_app(
        "test",
        SQLALCHEMY_DATABASE_URI=database_url,
        CELERY=celery_settings(broker_url),
        RATELIMIT_STORAGE_URI="memory://",
        MAIL_PORT=smtp_port,
        LOG_LEVEL="INFO",
        **overrides,
    )
    root = logging.getLogger()
    handlers = root.handlers
    LOGS.mkdir(exist_ok=True)
    file_handler = logging.FileHandler(LOGS / "app.log")
    file_handler.setFormatter(handlers[0].formatter if handlers else None)
    root.handlers = [file_handler]
    try:
        yield app
    finally:
        root.handlers = []
        file_handler.close()
        with app.app_context():
            from grants.extensions import db

            db.session.remove()
            db.engine.dispose()
        app.extensions["celery"].close()
        before.set_current()
        before.set_default()


# Redis ----------------------------------------------------------------------------------------------


def stop_group(process: subprocess.Popen[bytes]) -> None:
    """A warm stop (SIGTERM, up to 20 s), then SIGKILL to the whole process group, so that no
    child the process started outlives the benchmark."""
    if process.poll() is None:
        process.terminate()
        with suppress(subprocess.TimeoutExpired):
            process.wait(timeout=20)
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    if process.poll() is None:
        process.wait(timeout=10)


class RedisServer:
    """A Redis server of the benchmark's own on a free port, keeping nothing on disk, so that the
    shared one is left alone and nothing survives the run."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self.process is not None, "the server has not been started"
        return self.process.pid

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> RedisServer:
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent,
        )
        if not wait_for(lambda: _accepts(self.port), timeout=10):
            self.stop()
            raise RuntimeError(f"redis-server did not start on port {self.port}")
        return self

    def version(self) -> str:
        import redis

        info = redis.Redis.from_url(self.url()).info("server")
        return str(info.get("redis_version", "unknown"))

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None


# SMTP -----------------------------------------------------------------------------------------------

_MESSAGE_ID = re.compile(rb"^Message-ID:[ \t]*(\S+)", re.IGNORECASE | re.MULTILINE)


class SmtpSink:
    """An SMTP server that accepts everything and keeps only what the figures need: how many
    messages arrived, under which Message-IDs, and when the first and last came. Parsing whole
    messages would take CPU from the workers being measured."""

    def __init__(self) -> None:
        self.port = free_port()
        self.controller: Any = None
        self.message_ids: Counter[str] = Counter()
        self.count = 0
        self.first_at: float | None = None
        self.last_at: float | None = None
        self._lock = threading.Lock()

    def start(self) -> SmtpSink:
        from aiosmtpd.controller import Controller

        sink = self

        class Handler:
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
                sink.received(envelope.content)
                return "250 Message accepted for delivery"

        # A fixed server name: otherwise every connection waits on a host-name lookup.
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port, server_hostname="bench.local")
        self.controller.start()
        return self

    def received(self, content: bytes) -> None:
        now = time.perf_counter()
        headers = content.split(b"\r\n\r\n", 1)[0]
        found = _MESSAGE_ID.search(headers)
        with self._lock:
            self.message_ids[found.group(1).decode() if found else "(none)"] += 1
            self.count += 1
            if self.first_at is None:
                self.first_at = now
            self.last_at = now

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


# Celery workers -------------------------------------------------------------------------------------


class Worker:
    """A `celery -A celery_worker worker` process configured as the test environment configures
    one, pointed at the benchmark's database, broker and SMTP server. Its output goes to a file:
    a pipe nobody reads would fill up and stall it."""

    def __init__(
        self,
        *,
        database_url: str,
        broker_url: str,
        smtp_port: int,
        name: str,
        pool: str = "prefork",
        concurrency: int = 2,
        loglevel: str = "INFO",
        settings: dict[str, str] | None = None,
    ) -> None:
        self.log = LOGS / f"{name}.log"
        self.command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "celery_worker",
            "worker",
            f"--pool={pool}",
            f"--concurrency={concurrency}",
            f"--loglevel={loglevel}",
            f"--hostname={name}@%h",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ]
        self.env = {
            **os.environ,
            "APP_ENV": "test",
            "TEST_DATABASE_URL": database_url,
            "TEST_CELERY_BROKER_URL": broker_url,
            "TEST_MAIL_PORT": str(smtp_port),
            "LOG_LEVEL": loglevel,
            **(settings or {}),
        }
        self.process: subprocess.Popen[bytes] | None = None
        self.started_at: float | None = None

    def start(self) -> Worker:
        LOGS.mkdir(exist_ok=True)
        with self.log.open("wb") as out:
            self.started_at = time.perf_counter()
            self.process = subprocess.Popen(
                self.command,
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_die_with_parent,
            )
        return self

    @property
    def pid(self) -> int:
        assert self.process is not None, "the worker has not been started"
        return self.process.pid

    def output(self, tail: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-tail:] if self.log.exists() else ""

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        """A warm shutdown, as a deploy does; the whole process group is killed if that hangs,
        so that no pool child outlives the benchmark."""
        if self.process is None:
            return
        stop_group(self.process)
        self.process = None


@contextmanager
def running(*things: Any) -> Iterator[None]:
    """Stop every worker or server given, however the block ends, each even if another fails."""
    try:
        yield
    finally:
        for thing in reversed(things):
            try:
                thing.stop()
            except Exception as exc:  # the others must still be stopped
                say(f"could not stop {thing!r}: {exc}")


# CPU time ---------------------------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float | None:
    """User and system CPU time a process has used so far (Linux); None if it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children_of(pid: int) -> list[int]:
    """Every process descended from `pid` (a prefork worker's pool processes)."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc") if os.path.isdir("/proc") else []:
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    parent = int(stat.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            parents.setdefault(parent, []).append(int(entry))
    found, waiting = [], [pid]
    while waiting:
        for child in parents.get(waiting.pop(), []):
            found.append(child)
            waiting.append(child)
    return found


def cpu_snapshot(groups: dict[str, Iterable[int]]) -> dict[str, dict[int, float]]:
    """CPU seconds so far of each process in each named group."""
    snapshot: dict[str, dict[int, float]] = {}
    for name, pids in groups.items():
        snapshot[name] = {}
        for pid in pids:
            used = cpu_seconds(pid)
            if used is not None:
                snapshot[name][pid] = used
    return snapshot


def cpu_between(before: dict[str, dict[int, float]], after: dict[str, dict[int, float]]) -> dict[str, float]:
    """CPU seconds each group used between two snapshots. A process that appeared in between
    counts from its start; one that ended in between is lost, so snapshot long-lived ones."""
    return {
        name: sum(used - before.get(name, {}).get(pid, 0.0) for pid, used in pids.items())
        for name, pids in after.items()
    }


# Results ----------------------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    """The machine the figures were measured on: without it they mean little."""
    memory_gib: float | None = None
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemTotal:"):
                    memory_gib = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    processor = platform.processor()
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    processor = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {
        "cores": os.cpu_count(),
        "processor": processor,
        "ram_gib": memory_gib,
        "os": platform.platform(),
        "python": platform.python_version(),
        "postgresql": postgres_version(),
    }


def load_average() -> list[float]:
    """The 1, 5 and 15 minute load averages: other work on the machine moves every figure here,
    and this is the record of how much there was."""
    return [round(value, 2) for value in os.getloadavg()]


def write_results(section: str, figures: dict[str, Any]) -> dict[str, Any]:
    """Replace one section of bench/results.json, keeping the others: each benchmark owns its
    section, and a run of one benchmark does not wipe out the figures of another."""
    results: dict[str, Any] = {}
    if RESULTS.exists():
        try:
            results = json.loads(RESULTS.read_text())
        except json.JSONDecodeError:
            say(f"{RESULTS} was not valid JSON; starting it again")
    results[section] = {"measured_at": datetime.now(UTC).isoformat(timespec="seconds"), **figures}
    ordered = dict(sorted(results.items()))
    RESULTS.write_text(json.dumps(ordered, indent=2, default=str) + "\n")
    return dict(results[section])


def update_doc_section(section: str, markdown: str) -> None:
    """Replace the generated part of one section of docs/performance.md, between its markers,
    leaving the written parts and other sections alone. A section without markers yet is added
    at the end."""
    start, end = f"<!-- bench:{section}:start -->", f"<!-- bench:{section}:end -->"
    block = f"{start}\n{markdown.strip()}\n{end}"
    text = PERFORMANCE_DOC.read_text() if PERFORMANCE_DOC.exists() else "# Performance\n"
    if start in text and end in text:
        before, rest = text.split(start, 1)
        _, after = rest.split(end, 1)
        text = before + block + after
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    PERFORMANCE_DOC.write_text(text)
