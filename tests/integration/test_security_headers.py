"""The headers every response carries, checked on every page the service has: a Content Security
Policy that runs no inline script but the page template's one (allowed by its hash), no inline
event handlers or `javascript:` links, no sniffing, no framing, a referrer policy, nothing cached
for a signed-in person or an API caller, HSTS in production only, and no server name or version,
from the app or from gunicorn as it is started in production."""

from __future__ import annotations

import base64
import hashlib
import http.client
import re
import subprocess
import sys
from dataclasses import dataclass
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from grants import create_app
from grants.config import celery_settings
from grants.extensions import db
from grants.models import Application, Engagement, OutcomeReport
from tests.builders.api import token_for
from tests.builders.engagements import completed_engagement, filed_report
from tests.builders.people import expert
from tests.support.client import sign_in
from tests.support.services import REDIS_URL
from tests.support.workers import ROOT, free_port, hand_celery_back, stop, wait_for

TODAY = date.today()
SECRET_KEY = "k" * 48
API = "/api/"

# The directives every page's policy must hold, exactly.
REQUIRED_DIRECTIVES = {
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
}
# A stored file is sent with a policy of its own that allows nothing at all.
DOWNLOAD_POLICY = "default-src 'none'; sandbox"
SAFE_REFERRER_POLICIES = {"no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin"}
# Attributes whose value is a URL a browser would follow or load.
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "poster", "xlink:href"}


# The world the pages are about ---------------------------------------------------------------------


@dataclass(frozen=True)
class World:
    application: Application
    engagement: Engagement
    report: OutcomeReport
    officer_id: int


@pytest.fixture
def world(waiting: Application, people: dict[str, Any], evidence_dir: Path) -> World:
    """Babergh's application with its offer accepted, the work done by an expert and an outcome
    report filed with a PDF of evidence: so that most pages show a real record, not a 404."""
    engagement = completed_engagement(waiting, expert("Amira Local"), offered_by=people["programme"])
    report = filed_report(engagement, evidence_dir)
    return World(application=waiting, engagement=engagement, report=report, officer_id=people["officer"].id)


def _urls(app: Flask, world: World) -> list[str]:
    """Every GET route's path, its variables filled with the world's records where it has them
    (1 where it does not, as tests/integration/test_routes.py does)."""
    application = world.application
    known: dict[str, object] = {
        "application_id": application.id,
        "engagement_id": world.engagement.id,
        "report_id": world.report.id,
        "file_id": world.report.evidence[0].id,
        "expert_id": world.engagement.expert_id,
        "scheme_id": application.round.scheme_id,
        "round_id": application.round_id,
        "user_id": world.officer_id,
        "gss_code": "E07000200",
        "key": "project",
        "secret": "not-a-real-secret",
        "filename": "app.js",
        "year": TODAY.year,
        "number": 1,
    }

    def fill(match: re.Match[str]) -> str:
        return str(known.get(match.group(1), 1))

    return sorted(
        {
            re.sub(r"<(?:\w+:)?(\w+)>", fill, rule.rule)
            for rule in app.url_map.iter_rules()
            if "GET" in (rule.methods or set())
        }
    )


# Reading a page ------------------------------------------------------------------------------------


class _PageScan(HTMLParser):
    """The inline scripts, inline event handlers and `javascript:` URLs in an HTML page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.inline_scripts: list[str] = []
        self.event_handlers: list[str] = []
        self.script_urls: list[str] = []
        self._script: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name.startswith("on"):
                self.event_handlers.append(f"<{tag} {name}>")
            # Browsers ignore spaces and control characters before the scheme.
            if name in URL_ATTRIBUTES and re.sub(r"[\x00-\x20]", "", value or "").lower().startswith("javascript:"):
                self.script_urls.append(f"<{tag} {name}={value}>")
        if tag == "script" and not dict(attrs).get("src"):
            self._script = []

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._script.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._script is not None:
            self.inline_scripts.append("".join(self._script))
            self._script = None


def policy(response: TestResponse) -> dict[str, list[str]]:
    """The Content Security Policy as directive → sources."""
    header = response.headers.get("Content-Security-Policy")
    assert header, f"{response.request.path}: no Content-Security-Policy"
    directives: dict[str, list[str]] = {}
    for part in header.split(";"):
        name, *sources = part.split()
        directives[name] = sources
    return directives


def hash_source(script: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode() + "'"


@dataclass
class Seen:
    """What the walk over the pages met, so a test can tell it checked something."""

    html_pages: int = 0  # pages drawn by the service's page template, not bare redirects
    inline_scripts: int = 0
    downloads: int = 0


def check_headers(response: TestResponse, *, signed_in: bool, seen: Seen) -> None:
    """Every header check that applies to the response; page-content checks for HTML."""
    path = response.request.path
    is_download = (response.headers.get("Content-Disposition") or "").startswith("attachment") and (
        response.headers.get("Content-Security-Policy") == DOWNLOAD_POLICY
    )
    if is_download:
        # Sandboxed, nothing allowed: stricter than the pages' policy. Not to be shown or framed.
        seen.downloads += 1
    else:
        csp = policy(response)
        for name, sources in REQUIRED_DIRECTIVES.items():
            assert csp.get(name) == sources, f"{path}: {name} is {csp.get(name)}"
        assert csp.get("default-src") == ["'self'"], path
        script_src = csp.get("script-src", [])
        assert "'self'" in script_src, path
        for source in script_src:
            assert source == "'self'" or source.startswith("'sha256-"), f"{path}: script-src allows {source}"
        for sources in csp.values():
            for source in sources:
                assert source not in {"'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", "*"}, path
                assert not source.startswith("'nonce-"), f"{path}: a nonce in the policy"
        if response.mimetype == "text/html":
            body = response.get_data(as_text=True)
            seen.html_pages += "govuk-template__body" in body
            scan = _PageScan()
            scan.feed(body)
            for script in scan.inline_scripts:
                assert hash_source(script) in script_src, f"{path}: inline script not allowed by hash: {script!r}"
            seen.inline_scripts += len(scan.inline_scripts)
            assert scan.event_handlers == [], f"{path}: inline event handlers {scan.event_handlers}"
            assert scan.script_urls == [], f"{path}: javascript: URLs {scan.script_urls}"
    assert response.headers.get("X-Content-Type-Options") == "nosniff", path
    assert response.headers.get("X-Frame-Options") == "DENY", path
    assert response.headers.get("Referrer-Policy") in SAFE_REFERRER_POLICIES, path
    permissions = response.headers.get("Permissions-Policy", "")
    assert {"camera=()", "microphone=()", "geolocation=()"} <= {p.strip() for p in permissions.split(",")}, path
    if (signed_in and not path.startswith("/static/")) or path.startswith(API):
        assert response.headers.get("Cache-Control") == "no-store", f"{path}: may be cached"
    assert_no_software_named(response.headers)
    # Plain http in development: no HSTS (tests/integration run the test config, as development).
    assert "Strict-Transport-Security" not in response.headers, path


def assert_no_software_named(headers: Any) -> None:
    for name in ("Server", "X-Powered-By", "X-AspNet-Version", "X-Runtime"):
        assert name not in headers, f"{name}: {headers.get(name)}"


def walk(client: FlaskClient, urls: list[str], *, signed_in: bool, headers: dict[str, str] | None = None) -> Seen:
    seen = Seen()
    for url in urls:
        response = client.get(url, headers=headers or {})
        try:
            check_headers(response, signed_in=signed_in, seen=seen)
        finally:
            response.close()  # a streamed answer finishes inside its own request
    return seen


# Every page, as each kind of visitor --------------------------------------------------------------


def test_every_page_carries_the_headers_for_an_anonymous_visitor(app, client, world):  # type: ignore[no-untyped-def]
    seen = walk(client, _urls(app, world), signed_in=False)
    assert seen.html_pages >= 8 and seen.inline_scripts >= seen.html_pages


@pytest.mark.parametrize("who", ["officer", "programme"])
def test_every_page_carries_the_headers_for_a_signed_in_person(app, world, people, who):  # type: ignore[no-untyped-def]
    browser = app.test_client()
    assert sign_in(browser, people[who].email).status_code == 302
    seen = walk(browser, _urls(app, world), signed_in=True)
    assert seen.html_pages > 30 and seen.inline_scripts >= seen.html_pages
    if who == "programme":
        assert seen.downloads >= 1  # the evidence file, with its own policy


def test_every_api_answer_carries_the_headers_and_is_never_cached(app, client, world, people):  # type: ignore[no-untyped-def]
    bearer = {"Authorization": f"Bearer {token_for(people['programme'])}"}
    api_urls = [url for url in _urls(app, world) if url.startswith(API)]
    answered = 0
    for url in api_urls:
        answer = client.get(url, headers=bearer)
        try:
            check_headers(answer, signed_in=False, seen=Seen())
            assert answer.headers["Cache-Control"] == "no-store", url
        finally:
            answer.close()
        answered += answer.status_code == 200
    assert answered > 10


def test_the_offer_letter_runs_its_print_button_from_a_file(app, world, people):  # type: ignore[no-untyped-def]
    browser = app.test_client()
    sign_in(browser, people["officer"].email)
    letter = browser.get(f"/applications/{world.application.id}/offer-letter")
    assert letter.status_code == 200
    body = letter.get_data(as_text=True)
    assert "data-print-letter" in body
    scan = _PageScan()
    scan.feed(body)
    assert len(scan.inline_scripts) == 1  # the page template's own, nothing of the letter's
    app_js = browser.get("/static/app.js").get_data(as_text=True)
    assert 'import "./print-letter.js";' in app_js
    printing = browser.get("/static/print-letter.js")
    assert printing.status_code == 200 and "data-print-letter" in printing.get_data(as_text=True)


# HSTS: production only ---------------------------------------------------------------------------


@pytest.fixture
def configured_app(app, database_url, monkeypatch, tmp_path):  # type: ignore[no-untyped-def]
    """Build the app as APP_ENV would, from the environment, against the test database."""
    monkeypatch.setenv("SECRET_KEY", SECRET_KEY)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("EVIDENCE_DIR", str(tmp_path / "evidence"))
    monkeypatch.delenv("SESSION_COOKIE_SECURE", raising=False)
    made: list[Flask] = []

    def build(name: str) -> Flask:
        built = create_app(name, CELERY=celery_settings(None), RATELIMIT_STORAGE_URI=REDIS_URL)
        made.append(built)
        return built

    try:
        yield build
    finally:
        # Building an app makes its Celery app the current and default one; the app under test
        # takes both back.
        hand_celery_back(app.extensions["celery"])
        for built in made:
            with built.app_context():
                db.engine.dispose()


def test_production_sends_hsts(configured_app):  # type: ignore[no-untyped-def]
    production = configured_app("production").test_client()
    for path in ("/", "/sign-in", "/health", "/api/v1/openapi.json"):
        response = production.get(path, base_url="https://broker.example.gov.uk")
        hsts = response.headers.get("Strict-Transport-Security", "")
        max_age = re.search(r"max-age=(\d+)", hsts)
        assert max_age and int(max_age.group(1)) >= 31_536_000, f"{path}: {hsts!r}"
        assert "includeSubDomains" in hsts
        assert_no_software_named(response.headers)


def test_development_over_http_sends_no_hsts(configured_app):  # type: ignore[no-untyped-def]
    development = configured_app("development").test_client()
    for path in ("/", "/sign-in", "/health"):
        response = development.get(path)
        assert response.status_code in {200, 302}, path
        assert "Strict-Transport-Security" not in response.headers, path


# The production server: no banner ------------------------------------------------------------------


def test_the_production_commands_load_the_gunicorn_settings():
    makefile = (ROOT / "Makefile").read_text()
    procfile = (ROOT / "Procfile").read_text()
    commands = [line for line in (makefile + procfile).splitlines() if re.search(r"\bgunicorn --", line)]
    assert len(commands) == 2
    assert all("--config gunicorn.conf.py" in command for command in commands), commands


def _get(port: int, path: str) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", path)
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


def test_gunicorn_names_no_software_and_no_version(app, database_url, tmp_path):  # type: ignore[no-untyped-def]
    """gunicorn started as `make serve` and the Procfile start it, in production, on a free port."""
    port = free_port()
    log = tmp_path / "gunicorn.log"
    env = {
        "PATH": str(Path(sys.executable).parent) + ":/usr/bin:/bin",
        "APP_ENV": "production",
        "SECRET_KEY": SECRET_KEY,
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": REDIS_URL,
        "EVIDENCE_DIR": str(tmp_path / "evidence"),
        "LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py"]
    command += ["--bind", f"127.0.0.1:{port}", "--workers", "1", "wsgi:app"]
    with log.open("wb") as out:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:

        def health() -> http.client.HTTPResponse | None:
            assert server.poll() is None, log.read_text(errors="replace")
            try:
                return _get(port, "/health")
            except OSError:  # not listening yet, or still loading the app
                return None

        first = wait_for(health, timeout=120)
        assert first is not None and first.status == 200, log.read_text(errors="replace")
        for response in (first, _get(port, "/sign-in"), _get(port, "/nowhere")):
            headers = response.getheaders()
            names = {name.lower() for name, _ in headers}
            assert not names & {"server", "x-powered-by"}, headers
            assert "gunicorn" not in str(headers).lower() and "27." not in str(headers)
            # The app's own headers arrive through the real server.
            assert response.getheader("X-Content-Type-Options") == "nosniff"
            assert response.getheader("Strict-Transport-Security")
            assert "frame-ancestors 'none'" in (response.getheader("Content-Security-Policy") or "")
    finally:
        stop(server)
