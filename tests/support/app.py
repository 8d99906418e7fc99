"""The app the integration tests run against, and where it keeps evidence files."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask

from grants import create_app
from grants.config import celery_settings
from tests.support.services import REDIS_URL, SMTP_PORT


def app_on(database_url: str) -> Flask:
    """The app in its test configuration on the given database."""
    return create_app(
        "test",
        SQLALCHEMY_DATABASE_URI=database_url,
        # Tasks run in-process here; tests/integration/test_celery_worker.py sends them through Redis
        # to a real worker.
        CELERY=celery_settings(None),
        RATELIMIT_STORAGE_URI=REDIS_URL,
        MAIL_PORT=SMTP_PORT,
        SIGN_IN_SLOWDOWN_SECONDS=0.05,
    )


@contextmanager
def evidence_kept_in(app: Flask, directory: Path) -> Iterator[Path]:
    """The app stores and serves evidence files from `directory` while the context lasts."""
    before = app.config["EVIDENCE_DIR"]
    app.config["EVIDENCE_DIR"] = directory
    try:
        yield directory
    finally:
        app.config["EVIDENCE_DIR"] = before
