"""The emails' tests render templates in an app built without a database or a broker."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from flask import Flask

from grants import create_app


@pytest.fixture(scope="module")
def app() -> Iterator[Flask]:
    """The development app, built without a database connection or a broker."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    with pytest.MonkeyPatch.context() as env:
        for name in ("APP_ENV", "DATABASE_URL", "CELERY_BROKER_URL", "RATELIMIT_STORAGE_URI"):
            env.delenv(name, raising=False)
        env.setenv("SECRET_KEY", "k" * 64)  # so no key file is written under instance/
        app = create_app("development")
    # create_app sends the logs to stdout as JSON; give pytest its own handlers back.
    root.handlers, root.level = handlers, level
    yield app


@pytest.fixture
def app_context(app: Flask) -> Iterator[None]:
    with app.app_context():
        yield
