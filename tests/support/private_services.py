"""A PostgreSQL server and a Redis server of a test's own, which the test may stop, kill and start
again. The shared servers on 5432 and 6379 serve every other test and are never touched.

The PostgreSQL 15 binaries are looked for in POSTGRES_BIN (default /usr/lib/postgresql/15/bin)
and Redis as `redis-server` on the PATH. A missing binary fails the test with a message saying
what to install: CI installs both, so a test that quietly skipped would hide a gap.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import cast

import psycopg
import pytest
import redis

from tests.support.workers import wait_for

POSTGRES_BIN = Path(os.environ.get("POSTGRES_BIN", "/usr/lib/postgresql/15/bin"))
POSTGRES_PORT = 55432
REDIS_PORT = 56379


def _port_taken(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def _tail(path: Path, characters: int = 3000) -> str:
    return path.read_text(errors="replace")[-characters:] if path.exists() else "(no log)"


class PrivatePostgres:
    """A PostgreSQL cluster in a temporary directory, on its own port, with trust authentication.

    As root the server runs as the `postgres` user (PostgreSQL refuses to run as root), in a
    directory that user owns."""

    def __init__(self, port: int = POSTGRES_PORT) -> None:
        self.port = port
        self.root = Path(tempfile.mkdtemp(prefix="pb-private-postgres-"))
        self.data = self.root / "data"
        self.server_log = self.root / "server.log"
        self.control_log = self.root / "pg_ctl.log"
        self.as_postgres = os.geteuid() == 0
        if self.as_postgres:
            shutil.chown(self.root, user="postgres", group="postgres")

    def url(self, database: str = "postgres") -> str:
        """The SQLAlchemy URL of a database on this server."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def create(self) -> None:
        """Make the cluster and start it."""
        if _port_taken(self.port):
            pytest.fail(
                f"port {self.port} is already in use: a private PostgreSQL left by an earlier run may still be "
                f"running (stop it with pg_ctl stop -D /tmp/pb-private-postgres-*/data)",
                pytrace=False,
            )
        self._run("initdb", "--pgdata", str(self.data), "--username", "postgres", "--auth", "trust", "--no-sync")
        self.start()

    def start(self) -> None:
        """Start the server and wait until it takes connections."""
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1"
        self._run(
            "pg_ctl",
            "start",
            "--wait",
            "--timeout",
            "60",
            "-D",
            str(self.data),
            "-l",
            str(self.server_log),
            "-o",
            options,
        )
        assert wait_for(self.accepts_queries, timeout=30), f"PostgreSQL did not come up:\n{_tail(self.server_log)}"

    def stop(self, mode: str = "fast") -> None:
        """Stop the server: `fast` ends every session, rolling back what they had not committed."""
        self._run("pg_ctl", "stop", "--wait", "--timeout", "60", "-m", mode, "-D", str(self.data))

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def accepts_queries(self) -> bool:
        try:
            with psycopg.connect(
                host="127.0.0.1", port=self.port, user="postgres", dbname="postgres", connect_timeout=2
            ):
                return True
        except psycopg.OperationalError:
            return False

    def create_database(self, name: str) -> str:
        with psycopg.connect(
            host="127.0.0.1", port=self.port, user="postgres", dbname="postgres", autocommit=True
        ) as c:
            c.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def destroy(self) -> None:
        """Stop the server at once, whatever state it is in, and remove its files."""
        try:
            if self.running():
                self._run("pg_ctl", "stop", "--wait", "-m", "immediate", "-D", str(self.data), check=False)
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def _run(self, program: str, *arguments: str, check: bool = True) -> None:
        binary = POSTGRES_BIN / program
        if not binary.exists():
            pytest.fail(
                f"{binary} is missing: install the PostgreSQL 15 server (apt-get install postgresql-15) "
                "or point POSTGRES_BIN at its bin directory",
                pytrace=False,
            )
        command = [str(binary), *arguments]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        # Output to a file, not a pipe: the server started by pg_ctl would hold a pipe open.
        with self.control_log.open("ab") as out:
            result = subprocess.run(command, stdout=out, stderr=subprocess.STDOUT, cwd=self.root, check=False)
        if check and result.returncode != 0:
            raise AssertionError(
                f"{program} {' '.join(arguments)} failed ({result.returncode}):\n{_tail(self.control_log)}\n"
                f"server log:\n{_tail(self.server_log)}"
            )


class PrivateRedis:
    """`redis-server` on its own port keeping nothing on disk, as in production here: killed and
    started again, it comes back empty."""

    def __init__(self, port: int = REDIS_PORT) -> None:
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"
        self.root = Path(tempfile.mkdtemp(prefix="pb-private-redis-"))
        self.log = self.root / "redis.log"
        self.process: subprocess.Popen[bytes] | None = None

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url, socket_timeout=2)

    def waiting(self, queue: str) -> list[bytes]:
        """The messages waiting in a Celery queue."""
        return cast(list[bytes], self.client().lrange(queue, 0, -1))

    def unfinished(self, queue: str) -> int:
        """Messages waiting in the queue, or handed to a worker and not yet acknowledged."""
        client = self.client()
        return cast(int, client.llen(queue)) + cast(int, client.hlen("unacked"))

    def start(self) -> None:
        """Start the server and wait until it answers PING."""
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.fail("redis-server is missing: install Redis (apt-get install redis-server)", pytrace=False)
        if _port_taken(self.port):
            pytest.fail(f"port {self.port} is already in use: a private Redis from an earlier run?", pytrace=False)
        command = [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        with self.log.open("ab") as out:
            self.process = subprocess.Popen([*command, "--dir", str(self.root)], stdout=out, stderr=subprocess.STDOUT)
        assert wait_for(self._answers, timeout=15), f"redis-server did not start:\n{_tail(self.log)}"

    def kill(self) -> None:
        """SIGKILL: the server dies at once, and with it everything it held in memory."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)
        self.process = None

    def stop(self) -> None:
        self.kill()
        shutil.rmtree(self.root, ignore_errors=True)

    def _answers(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            raise AssertionError(f"redis-server exited with {self.process.returncode}:\n{_tail(self.log)}")
        try:
            return bool(self.client().ping())
        except redis.ConnectionError:
            return False


@contextmanager
def private_postgres() -> Iterator[PrivatePostgres]:
    """A running private PostgreSQL, removed however the block ends."""
    server = PrivatePostgres()
    try:
        server.create()
        yield server
    finally:
        server.destroy()


@contextmanager
def private_redis() -> Iterator[PrivateRedis]:
    """A running private Redis, killed however the block ends."""
    server = PrivateRedis()
    try:
        server.start()
        yield server
    finally:
        server.stop()
