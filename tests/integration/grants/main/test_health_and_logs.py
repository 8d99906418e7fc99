"""The health check and the request log."""

from __future__ import annotations

import json
import logging
import sys

from tests.support.services import REDIS_URL, SMTP_PORT
from tests.support.workers import sending_app

UNREACHABLE_DATABASE = "postgresql+psycopg://postgres@127.0.0.1:1/nothing"


def test_health_reports_database_and_broker(app, client):
    # The test configuration's broker: the Redis the tests use.
    with sending_app(app.config["SQLALCHEMY_DATABASE_URI"], REDIS_URL, smtp_port=SMTP_PORT) as live:
        response = live.test_client().get("/health")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["broker"] == "ok"
    assert "@" not in response.get_data(as_text=True)


def test_health_is_503_when_the_broker_is_unreachable(app):
    with sending_app(app.config["SQLALCHEMY_DATABASE_URI"], "redis://127.0.0.1:1/0", smtp_port=SMTP_PORT) as broken:
        response = broken.test_client().get("/health")
    assert response.status_code == 503
    assert response.get_json()["status"] == "unavailable"
    assert response.get_json()["checks"]["broker"] == "unavailable"
    assert response.get_json()["checks"]["database"] == "ok"


def test_health_is_503_when_the_database_is_unreachable(app):
    with sending_app(UNREACHABLE_DATABASE, None, smtp_port=SMTP_PORT) as broken:
        response = broken.test_client().get("/health")
    assert response.status_code == 503
    assert response.get_json()["checks"]["database"] == "unavailable"


def test_a_page_when_the_database_is_down_is_a_clean_503(app):
    with sending_app(UNREACHABLE_DATABASE, None, smtp_port=SMTP_PORT) as broken:
        response = broken.test_client().get("/invitation/some-link")
    assert response.status_code == 503
    assert "Sorry, the service is unavailable" in response.get_data(as_text=True)


def test_one_json_log_line_per_request_with_its_request_id(client, capsys):
    # The handler writes to the stdout it found at start-up; point it at the captured one.
    logging.getLogger().handlers[0].setStream(sys.stdout)
    response = client.get("/accessibility", headers={"X-Request-ID": "abc12345-test"})
    assert response.headers["X-Request-ID"] == "abc12345-test"
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    [entry] = [line for line in lines if line.get("path") == "/accessibility"]
    assert entry["request_id"] == "abc12345-test"
    assert entry["status"] == 200 and entry["method"] == "GET"


def test_an_unsafe_request_id_is_replaced(client):
    response = client.get("/cookies", headers={"X-Request-ID": "<script>"})
    assert response.headers["X-Request-ID"] != "<script>"
    assert len(response.headers["X-Request-ID"]) == 32


def test_security_headers_on_every_page(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self' 'sha256-" in csp and "unsafe-inline" not in csp and "nonce-" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
