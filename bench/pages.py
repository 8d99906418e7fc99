"""Pages at national scale: how fast the busiest pages and API lists answer under gunicorn with
the national dataset (`flask scale-data generate --scale 1`), how many of them a second the server
sends against its own /health, how many SQL statements each page runs at full scale and at a
tenth, and how long the 360Giving export of every published grant takes to stream and what it
costs the server in memory (also at scale 2, the first with more than 20,000 grants).

Targets: the staff queue, an application's staff page, the council's list and the expert portal
at p95 under 150 ms; the dashboard and the board report under 300 ms; every page at least a
quarter of /health's throughput; the 360Giving export under 5 s, its memory not growing with the
number of grants; the same number of SQL statements per page at both scales.

The databases are made once and kept (and migrated to the code's schema on each run): building the
national one takes minutes. Set BENCH_PAGES_DATABASE (and BENCH_PAGES_TENTH_DATABASE,
BENCH_PAGES_DOUBLE_DATABASE) to measure databases made another way.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import secrets
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any

import psycopg
import requests
from flask import Flask

from bench.common import (
    ADMIN_URL,
    LOGS,
    ROOT,
    _die_with_parent,
    bench_app,
    children_of,
    free_port,
    plain_url,
    say,
    sql,
    sqlalchemy_url,
    stop_group,
    summary_ms,
    wait_for,
)

NAME = "pages"

# The databases the benchmark makes, at scale 1 and 0.1, and the password every account shares.
# About half of the applications at scale 1 end in an award (10,000 or so), so the 360Giving export
# is also measured at scale 2, where more than 20,000 grants are published.
SCALES = {"full": ("pb_bench_national", 1.0), "tenth": ("pb_bench_tenth", 0.1), "double": ("pb_bench_double", 2.0)}
OVERRIDES = {
    "full": "BENCH_PAGES_DATABASE",
    "tenth": "BENCH_PAGES_TENTH_DATABASE",
    "double": "BENCH_PAGES_DOUBLE_DATABASE",
}
EXPORT_TARGET_GRANTS = 20_000
PASSWORD = "plum-harbour-violin-42"

SEQUENTIAL_REQUESTS = 200
WARM_UP_REQUESTS = 10
# A page far slower than its target still stops here, so that a slow page cannot take the run over.
SEQUENTIAL_SECONDS_CAP = 90.0
CLIENTS = 16
THROUGHPUT_SECONDS = 10.0
EXPORT_RUNS = 2
EXPORT_TARGET_SECONDS = 5.0
THROUGHPUT_SHARE_TARGET = 0.25
# Memory growth during the export under which it counts as not growing with the grants.
EXPORT_GROWTH_ALLOWANCE_MB = 20.0
GUNICORN = ["--config", "gunicorn.conf.py", "-w", "2", "--threads", "4"]


@dataclass(frozen=True)
class Page:
    """One page measured: its label, path, who asks for it (a role key or "api") and its target."""

    label: str
    path: str
    who: str
    target_ms: float | None


@dataclass(frozen=True)
class World:
    """What the pages are asked for, found in one database."""

    url: str
    emails: dict[str, str]
    application_id: int
    published_grants: int


# Finding or making the databases ------------------------------------------------------------------


def _flask(database_url: str, *args: str, evidence_dir: str) -> str:
    env = {
        **os.environ,
        "APP_ENV": "development",
        "DATABASE_URL": plain_url(database_url),
        "EVIDENCE_DIR": evidence_dir,
        "CELERY_BROKER_URL": "",
    }
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise RuntimeError(f"flask {' '.join(args[:2])} failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
    return done.stdout


def _exists(name: str) -> bool:
    return bool(sql(ADMIN_URL, "SELECT 1 FROM pg_database WHERE datname = %s", name))


def _applications(url: str) -> int:
    try:
        return int(sql(url, "SELECT count(*) FROM applications")[0][0])
    except psycopg.errors.UndefinedTable:
        return 0


def database(scale_key: str) -> str:
    """The URL of the database for one scale: the one named in the environment as it is, or the
    benchmark's own, made (created, migrated, filled) if it is missing or empty. The dataset is
    written in one transaction, so a database with applications in it is complete."""
    override = os.environ.get(OVERRIDES[scale_key])
    if override:
        return sqlalchemy_url(override)
    name, scale = SCALES[scale_key]
    url = sqlalchemy_url(name)
    if not _exists(name):
        with psycopg.connect(ADMIN_URL, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')  # type: ignore[arg-type]
    evidence = str(LOGS.parent / f"{name}-evidence")
    if _applications(url):
        # Made by an earlier run: brought up to the code's schema (new indexes, say), then used.
        _flask(url, "db", "upgrade", evidence_dir=evidence)
        return url
    say(f"pages: making {name} (scale {scale}); scale 1 takes a few minutes")
    _flask(url, "db", "upgrade", evidence_dir=evidence)
    _flask(url, "scale-data", "generate", "--scale", str(scale), "--password", PASSWORD, evidence_dir=evidence)
    # As autovacuum would in time: statistics for the planner, and the visibility map that lets
    # counts be read from indexes alone.
    sql(url, "VACUUM ANALYZE")
    return url


def find_world(url: str) -> World:
    """The sign-ins of the brief: the first programme officer and approver, the first officer of
    the council with most applications, the expert with most work under way; and the application
    with the longest history, whose staff page is the heaviest."""

    def first(statement: str) -> Any:
        rows = sql(url, statement)
        if not rows:
            raise RuntimeError(f"nothing found for: {statement}")
        return rows[0][0]

    def staff(role: str) -> str:
        return str(
            first(
                "SELECT min(u.email) FROM users u JOIN user_roles r ON r.user_id = u.id "
                f"WHERE r.role = '{role}' AND u.is_active"
            )
        )

    council = first("SELECT lead_council_id FROM applications GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1")
    emails = {
        "programme_officer": staff("programme_officer"),
        "approver": staff("approver"),
        "council_officer": str(first(f"SELECT min(email) FROM users WHERE council_id = {int(council)} AND is_active")),
        "expert": str(
            first(
                "SELECT u.email FROM users u JOIN engagements e ON e.expert_id = u.expert_id "
                "WHERE e.status = 'accepted' GROUP BY u.email ORDER BY count(*) DESC, u.email LIMIT 1"
            )
        ),
    }
    application_id = int(
        first("SELECT application_id FROM application_events GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1")
    )
    published = int(first("SELECT count(*) FROM awards"))
    return World(url, emails, application_id, published)


def pages(world: World) -> list[Page]:
    return [
        Page("staff queue", "/review", "programme_officer", 150),
        Page("application staff page", f"/review/applications/{world.application_id}", "programme_officer", 150),
        Page("council's application list", "/applications", "council_officer", 150),
        Page("expert portal", "/portal", "expert", 150),
        Page("dashboard", "/reports", "programme_officer", 300),
        Page("board report preview", "/reports/board", "approver", 300),
        Page("API applications", "/api/v1/applications", "api", None),
        Page("API engagements", "/api/v1/engagements", "api", None),
        Page("API outcome reports", "/api/v1/outcome-reports", "api", None),
    ]


TOKEN_PREFIX = "bench "


def _revoke_tokens(world: World) -> None:
    """Revoke the benchmark's live tokens on this database (`flask api-tokens list` and
    `revoke`): each run makes one, and a person may hold only so many."""
    listed = _flask(world.url, "api-tokens", "list", world.emails["programme_officer"], evidence_dir=str(LOGS))
    for line in listed.splitlines():
        fields = line.split("\t")
        if len(fields) > 2 and fields[2].startswith(TOKEN_PREFIX) and fields[-1] == "active":
            _flask(world.url, "api-tokens", "revoke", fields[0], evidence_dir=str(LOGS))


def api_token(world: World) -> str:
    """A new personal token for the programme officer, made by `flask api-tokens create`, once
    the earlier runs' tokens are revoked."""
    _revoke_tokens(world)
    out = _flask(
        world.url,
        "api-tokens",
        "create",
        world.emails["programme_officer"],
        "--name",
        f"{TOKEN_PREFIX}{secrets.token_hex(3)}",
        "--expires-in-days",
        "1",
        evidence_dir=str(LOGS),
    )
    return out.strip().splitlines()[-1].strip()


# SQL statements per page, in-process ----------------------------------------------------------------

_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def statement_counts(world: World, token: str) -> dict[str, int]:
    """How many SQL statements each page runs, counted in-process by `count_statements`."""
    with bench_app(world.url, None) as app:
        return count_statements(app, world, token)


def count_statements(app: Flask, world: World, token: str) -> dict[str, int]:
    """How many SQL statements each page runs, counted with a listener on the engine while the
    Flask test client asks for it once more after a first, uncounted request. The tests' guard
    against statements that grow with the data (tests/integration/test_statement_counts.py)
    counts with this too."""
    from sqlalchemy import event

    from grants.extensions import db

    counts: dict[str, int] = {}
    # No app context is held around the requests: each request must have its own, or the
    # signed-in person of one would be remembered in `g` for the next.
    with app.app_context():
        engine = db.engine
    clients = {}
    for role, email in world.emails.items():
        client = app.test_client()
        form = client.get("/sign-in").get_data(as_text=True)
        found = _CSRF.search(form)
        assert found, "no CSRF token on the sign-in page"
        signed = client.post("/sign-in", data={"email": email, "password": PASSWORD, "csrf_token": found.group(1)})
        assert signed.status_code == 302, f"{email} could not sign in ({signed.status_code})"
        clients[role] = client
    clients["api"] = app.test_client()
    seen = [0]

    def count(*_args: Any) -> None:
        seen[0] += 1

    for page in pages(world):
        client = clients[page.who]
        headers = {"Authorization": f"Bearer {token}"} if page.who == "api" else {}
        client.get(page.path, headers=headers)
        event.listen(engine, "before_cursor_execute", count)
        seen[0] = 0
        try:
            answer = client.get(page.path, headers=headers)
        finally:
            event.remove(engine, "before_cursor_execute", count)
        assert answer.status_code == 200, f"{page.path}: {answer.status_code}"
        counts[page.label] = seen[0]
    return counts


# The server ---------------------------------------------------------------------------------------


class Gunicorn:
    """The production web server (`gunicorn --config gunicorn.conf.py -w 2 --threads 4`) with
    APP_ENV=production on a free port, pointed at one database; its log goes to a file."""

    def __init__(self, database_url: str, label: str) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = LOGS / f"gunicorn-{label}.log"
        self.env = {
            **os.environ,
            "APP_ENV": "production",
            "SECRET_KEY": secrets.token_hex(32),
            "DATABASE_URL": plain_url(database_url),
            "CELERY_BROKER_URL": "",
            "RATELIMIT_STORAGE_URI": "memory://",
            "LOG_LEVEL": "WARNING",
            "SERVICE_URL": f"http://127.0.0.1:{self.port}",
        }
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Gunicorn:
        LOGS.mkdir(exist_ok=True)
        command = [sys.executable, "-m", "gunicorn", *GUNICORN, "--bind", f"127.0.0.1:{self.port}", "wsgi:app"]
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                command,
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_die_with_parent,
            )

        def healthy() -> bool:
            if self.process is None or self.process.poll() is not None:
                raise RuntimeError(f"gunicorn stopped:\n{self.log.read_text()[-3000:]}")
            with suppress(requests.RequestException):
                return requests.get(f"{self.base}/health", timeout=2).status_code == 200
            return False

        if not wait_for(healthy, timeout=60, interval=0.2):
            self.stop()
            raise RuntimeError(f"gunicorn did not answer /health:\n{self.log.read_text()[-3000:]}")
        return self

    def workers(self) -> list[int]:
        assert self.process is not None
        return children_of(self.process.pid)

    def stop(self) -> None:
        if self.process is None:
            return
        stop_group(self.process)
        self.process = None


class _PlainHttpSession(requests.Session):
    """A session that sends its cookies over plain HTTP even when they are marked Secure:
    production marks the session cookie Secure, and the benchmark talks to gunicorn on
    127.0.0.1 without TLS. Redirects are not followed with it."""

    def prepare_request(self, request: requests.Request) -> requests.PreparedRequest:
        prepared = super().prepare_request(request)
        cookies = "; ".join(f"{cookie.name}={cookie.value}" for cookie in self.cookies)
        if cookies:
            prepared.headers["Cookie"] = cookies
        return prepared


def _session(base: str, *, email: str | None = None, token: str | None = None) -> requests.Session:
    http = _PlainHttpSession()
    if token:
        http.headers["Authorization"] = f"Bearer {token}"
    if email:
        form = http.get(f"{base}/sign-in", timeout=30).text
        found = _CSRF.search(form)
        assert found, "no CSRF token on the sign-in page"
        signed = http.post(
            f"{base}/sign-in",
            data={"email": email, "password": PASSWORD, "csrf_token": found.group(1)},
            allow_redirects=False,
            timeout=30,
        )
        assert signed.status_code == 302, f"{email} could not sign in ({signed.status_code})"
    return http


def _copy(http: requests.Session) -> requests.Session:
    """Another keep-alive connection for the same signed-in person."""
    other = _PlainHttpSession()
    other.cookies.update(http.cookies)
    other.headers.update(http.headers)
    return other


# Measuring ----------------------------------------------------------------------------------------


def latency(http: requests.Session, url: str) -> dict[str, Any]:
    """~200 requests one after another, after a warm-up, timed from request to last byte."""
    for _ in range(WARM_UP_REQUESTS):
        answer = http.get(url, timeout=60)
        assert answer.status_code == 200, f"{url}: {answer.status_code}"
    timings = []
    deadline = time.perf_counter() + SEQUENTIAL_SECONDS_CAP
    for _ in range(SEQUENTIAL_REQUESTS):
        started = time.perf_counter()
        answer = http.get(url, timeout=60)
        timings.append(time.perf_counter() - started)
        assert answer.status_code == 200, f"{url}: {answer.status_code}"
        if time.perf_counter() > deadline:
            break
    return {**summary_ms(timings), "bytes": len(answer.content)}


def throughput(http: requests.Session, url: str) -> dict[str, Any]:
    """Requests a second from 16 clients, each on its own keep-alive connection, for ~10 s."""
    statuses: Counter[int] = Counter()
    lock = threading.Lock()
    start = threading.Event()
    stop_at = [0.0]

    def client(session: requests.Session) -> None:
        start.wait()
        mine: Counter[int] = Counter()
        while time.perf_counter() < stop_at[0]:
            try:
                mine[session.get(url, timeout=60).status_code] += 1
            except requests.RequestException:
                mine[0] += 1
        with lock:
            statuses.update(mine)

    threads = [threading.Thread(target=client, args=(_copy(http),)) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    began = time.perf_counter()
    stop_at[0] = began + THROUGHPUT_SECONDS
    start.set()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - began
    ok = statuses.get(200, 0)
    return {
        "requests_per_second": round(ok / seconds, 1),
        "ok": ok,
        "other_statuses": {str(k): v for k, v in statuses.items() if k != 200},
    }


def _rss_kib(pid: int) -> int:
    with suppress(OSError), open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


@contextmanager
def _memory_watch(pids: list[int]) -> Iterator[dict[int, int]]:
    """The highest resident memory of each process, sampled every 10 ms while the block runs."""
    peaks = {pid: _rss_kib(pid) for pid in pids}
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            for pid in pids:
                peaks[pid] = max(peaks[pid], _rss_kib(pid))
            time.sleep(0.01)

    watcher = threading.Thread(target=sample)
    watcher.start()
    try:
        yield peaks
    finally:
        done.set()
        watcher.join()


def export(server: Gunicorn, path: str) -> dict[str, Any]:
    """The export streamed in full, twice, on a server that has served nothing else yet: the
    time to the last byte, and the most any worker's resident memory rose above where it stood."""
    url = f"{server.base}{path}"
    pids = server.workers()
    for _ in range(4):  # both workers past their first request
        requests.get(f"{server.base}/health", timeout=10)
    before = {pid: _rss_kib(pid) for pid in pids}
    runs, growth_kib, size, body = [], 0, 0, b""
    for _ in range(EXPORT_RUNS):
        with _memory_watch(pids) as peaks:
            started = time.perf_counter()
            with requests.get(url, stream=True, timeout=300) as answer:
                assert answer.status_code == 200, f"{path}: {answer.status_code}"
                body = b"".join(answer.iter_content(chunk_size=65536))
            runs.append(time.perf_counter() - started)
        growth_kib = max(growth_kib, *(peaks[pid] - before[pid] for pid in pids))
        size = len(body)
    if path.endswith(".json"):
        grants = len(json.loads(body)["grants"])
    else:  # a field may hold a line break: count records, not lines
        grants = sum(1 for _ in csv.reader(io.StringIO(body.decode()))) - 1
    return {
        "path": path,
        "seconds": [round(s, 2) for s in runs],
        "worst_seconds": round(max(runs), 2),
        "megabytes": round(size / 1e6, 1),
        "grants": grants,
        "rss_growth_mb": round(growth_kib / 1024, 1),
        "rss_before_mb": round(max(before.values()) / 1024, 1),
    }


def measure_exports(world: World, label: str) -> dict[str, Any]:
    found = {}
    for path in ("/open-data/360giving.json", "/open-data/360giving.csv"):
        server = Gunicorn(world.url, f"{label}-export").start()
        try:
            found[path.rsplit(".", 1)[1]] = export(server, path)
        finally:
            server.stop()
    return found


def measure_pages(world: World, token: str) -> dict[str, Any]:
    """Latency and throughput of every page on one server, and /health's throughput beside them."""
    server = Gunicorn(world.url, "pages").start()
    try:
        sessions = {role: _session(server.base, email=email) for role, email in world.emails.items()}
        sessions["api"] = _session(server.base, token=token)
        health = _session(server.base)
        say("pages: /health throughput")
        results: dict[str, Any] = {"health": throughput(health, f"{server.base}/health")}
        for page in pages(world):
            url = f"{server.base}{page.path}"
            say(f"pages: {page.label} ({page.path})")
            results[page.label] = {
                "path": page.path,
                "as": page.who,
                "target_p95_ms": page.target_ms,
                "latency": latency(sessions[page.who], url),
                "throughput": throughput(sessions[page.who], url),
            }
        results["health_after"] = throughput(health, f"{server.base}/health")
        return results
    finally:
        server.stop()


# The run ------------------------------------------------------------------------------------------


def run() -> dict[str, Any]:
    worlds = {}
    for key in SCALES:
        url = database(key)
        worlds[key] = find_world(url)
        say(f"pages: {key} database {url.rsplit('/', 1)[1]}: {worlds[key].published_grants:,} awards")
    tokens = {key: api_token(worlds[key]) for key in ("full", "tenth")}

    say("pages: SQL statements per page at scales 1 and 0.1")
    statements = {key: statement_counts(worlds[key], token) for key, token in tokens.items()}

    say("pages: 360Giving export at every scale")
    exports = {key: measure_exports(world, key) for key, world in worlds.items()}

    measured = measure_pages(worlds["full"], tokens["full"])
    health = measured.pop("health")
    health_after = measured.pop("health_after")
    health_rate = statistics.mean([health["requests_per_second"], health_after["requests_per_second"]])
    for label, figures in measured.items():
        rate = figures["throughput"]["requests_per_second"]
        figures["throughput"]["share_of_health"] = round(rate / health_rate, 3)
        figures["meets_throughput"] = rate >= THROUGHPUT_SHARE_TARGET * health_rate
        target = figures["target_p95_ms"]
        figures["meets_latency"] = None if target is None else figures["latency"]["p95_ms"] < target
        figures["statements_full"] = statements["full"][label]
        figures["statements_tenth"] = statements["tenth"][label]
        figures["statements_equal"] = statements["full"][label] == statements["tenth"][label]

    for name, tenth in exports["tenth"].items():
        for key in ("full", "double"):
            bigger = exports[key][name]
            bigger["meets_time"] = bigger["worst_seconds"] < EXPORT_TARGET_SECONDS
            bigger["grows_with_grants"] = bigger["rss_growth_mb"] > max(
                EXPORT_GROWTH_ALLOWANCE_MB, 2 * tenth["rss_growth_mb"]
            )
        exports["double"][name]["enough_grants"] = exports["double"][name]["grants"] >= EXPORT_TARGET_GRANTS
    return {
        "databases": {key: world.url.rsplit("/", 1)[1] for key, world in worlds.items()},
        "sign_ins": worlds["full"].emails,
        "server": f"gunicorn {' '.join(GUNICORN)}, APP_ENV=production",
        "clients": CLIENTS,
        "throughput_seconds": THROUGHPUT_SECONDS,
        "health": {"before": health, "after": health_after, "mean_requests_per_second": round(health_rate, 1)},
        "pages": measured,
        "exports": exports,
    }


# The table in docs/performance.md -----------------------------------------------------------------


def _verdict(ok: bool | None) -> str:
    return "" if ok is None else "met" if ok else "**missed**"


def report(figures: dict[str, Any]) -> str:
    """The figures of one run against their targets, as Markdown."""
    host = figures["machine"]
    load = ", ".join(f"{value:.1f}" for value in figures["load_average_before"])
    health = figures["health"]["mean_requests_per_second"]
    lines = [
        f"Measured {figures['measured_at'][:10]} on {host['cores']} cores ({host['processor']}), "
        f"{host['ram_gib']} GiB RAM, Python {host['python']}, PostgreSQL {host['postgresql']}; "
        f"load average before the run {load}. Server: {figures['server']}; databases "
        f"`{figures['databases']['full']}` (scale 1) and `{figures['databases']['tenth']}` (scale 0.1); "
        f"the 360Giving export also on `{figures['databases']['double']}` (scale 2). "
        f"/health: {health:,.0f} requests/s with {figures['clients']} clients. "
        f"The whole benchmark took {figures['benchmark_seconds']:.0f} s.",
        "",
        "| page | median / p95 | p95 target | | requests/s (share of /health) | | SQL statements full / tenth | |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for label, page in figures["pages"].items():
        timing, rate = page["latency"], page["throughput"]
        target = f"under {page['target_p95_ms']:.0f} ms" if page["target_p95_ms"] else ""
        errors = f", {sum(rate['other_statuses'].values())} not 200" if rate["other_statuses"] else ""
        lines.append(
            f"| {label} `{page['path']}` | {timing['median_ms']:.0f} / {timing['p95_ms']:.0f} ms "
            f"| {target} | {_verdict(page['meets_latency'])} "
            f"| {rate['requests_per_second']:,.0f} ({rate['share_of_health']:.0%}{errors}) "
            f"| {_verdict(page['meets_throughput'])} "
            f"| {page['statements_full']} / {page['statements_tenth']} | {_verdict(page['statements_equal'])} |"
        )
    lines += [
        "",
        "| 360Giving export | scale | grants | size | time to last byte (worst of runs) | target | "
        "worker memory growth (tenth's) | grows with grants? |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    scales = {"double": "2", "full": "1"}
    for name, tenth in figures["exports"]["tenth"].items():
        for key, scale in scales.items():
            found = figures["exports"].get(key, {}).get(name)
            if found is None:
                continue
            lines.append(
                f"| `{found['path']}` | {scale} | {found['grants']:,} | {found['megabytes']:.1f} MB "
                f"| {found['worst_seconds']:.2f} s (tenth: {tenth['worst_seconds']:.2f} s) "
                f"| under {EXPORT_TARGET_SECONDS:.0f} s {_verdict(found['meets_time'])} "
                f"| {found['rss_growth_mb']:.1f} MB ({tenth['rss_growth_mb']:.1f} MB) "
                f"| {'**yes**' if found['grows_with_grants'] else 'no'} |"
            )
    return "\n".join(lines)
