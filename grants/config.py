"""Configuration read from the environment.

Three classes: development (the quick start: a SQLite file and in-process tasks unless told
otherwise), test (PostgreSQL and Redis, always) and production (refuses to start without a
secret key and a real database).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

INSTANCE_DIR = Path(__file__).resolve().parent.parent / "instance"


class ConfigurationError(RuntimeError):
    """The environment does not describe a configuration the service can run with."""


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def _env_bool(name: str, default: bool) -> bool:
    value = _env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _database_url(default: str) -> str:
    url = _env("DATABASE_URL", default) or default
    # Hosted PostgreSQL often hands out postgres:// URLs; SQLAlchemy wants a driver name.
    if url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url[len("postgres://") :]
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


class BaseConfig:
    SERVICE_NAME = "Productivity Broker"
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    WTF_CSRF_TIME_LIMIT = 60 * 60 * 8
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = 60 * 60 * 8
    MAX_CONTENT_LENGTH = 12 * 1024 * 1024
    # The largest evidence file accepted: below MAX_CONTENT_LENGTH, so the rest of the form fits.
    EVIDENCE_MAX_BYTES = 10 * 1024 * 1024

    # How long single-use links stay valid, in hours.
    INVITATION_VALID_HOURS = 72
    PASSWORD_RESET_VALID_HOURS = 2
    EMAIL_CHANGE_VALID_HOURS = 24

    # Sign-in throttling: failures counted over a window, per account and per client address.
    SIGN_IN_WINDOW_SECONDS = 15 * 60
    SIGN_IN_MAX_FAILURES_PER_ACCOUNT = 5
    SIGN_IN_MAX_FAILURES_PER_CLIENT = 20
    SIGN_IN_SLOWDOWN_SECONDS = 0.5

    # The outbox: transient failures are tried again after 30 s, 60 s, 120 s … at most an hour
    # apart, ten times in all (about five hours) before the message is marked failed. The replay
    # sweep enqueues again a pending message overdue by two minutes, and a message a worker has
    # held for ten minutes without finishing (far longer than the mail timeout).
    OUTBOX_RETRY_BASE_SECONDS = 30
    OUTBOX_RETRY_MAX_DELAY_SECONDS = 60 * 60
    OUTBOX_MAX_ATTEMPTS = 10
    OUTBOX_REPLAY_AFTER_SECONDS = 120
    OUTBOX_SENDING_LEASE_SECONDS = 600
    # Emails handed to one delivery task: a task costs a worker about as much as an email does.
    OUTBOX_BATCH_SIZE = 20
    MAIL_TIMEOUT_SECONDS = 30

    # Web sessions: one unused for SESSION_IDLE_MINUTES has ended (its next request is signed
    # out), and the page warns SESSION_WARNING_MINUTES before. Approving, rejecting and recording a
    # payment need the password entered within REAUTHENTICATE_AFTER_MINUTES (signing in counts).
    SESSION_IDLE_MINUTES = 30
    SESSION_WARNING_MINUTES = 5
    REAUTHENTICATE_AFTER_MINUTES = 15

    def __init__(self) -> None:
        self.SECRET_KEY = _env("SECRET_KEY")
        self.SQLALCHEMY_DATABASE_URI = _database_url(f"sqlite:///{INSTANCE_DIR / 'productivity-broker.sqlite'}")
        self.CELERY_BROKER_URL = _env("CELERY_BROKER_URL")
        # Rate-limit counters are shared across web processes through Redis when there is one.
        self.RATELIMIT_STORAGE_URI = _env("RATELIMIT_STORAGE_URI", self.CELERY_BROKER_URL or "memory://")
        self.SERVICE_URL = (_env("SERVICE_URL", "http://localhost:5000") or "").rstrip("/")
        self.MAIL_SENDER = _env("MAIL_SENDER", "console")
        self.MAIL_SERVER = _env("MAIL_SERVER", "localhost")
        self.MAIL_PORT = int(_env("MAIL_PORT", "25") or 25)
        self.MAIL_USERNAME = _env("MAIL_USERNAME")
        self.MAIL_PASSWORD = _env("MAIL_PASSWORD")
        self.MAIL_USE_TLS = _env_bool("MAIL_USE_TLS", False)
        self.MAIL_FROM = _env("MAIL_FROM", "Productivity Broker <no-reply@productivity-broker.local>")
        # GOV.UK Notify (MAIL_SENDER=notify): the API key, the API's address, and a JSON object
        # mapping each email template's name to its Notify template id.
        self.NOTIFY_API_KEY = _env("NOTIFY_API_KEY")
        self.NOTIFY_BASE_URL = _env("NOTIFY_BASE_URL", "https://api.notifications.service.gov.uk")
        self.NOTIFY_TEMPLATE_IDS = _env("NOTIFY_TEMPLATE_IDS", "{}")
        for name in (
            "OUTBOX_RETRY_BASE_SECONDS",
            "OUTBOX_RETRY_MAX_DELAY_SECONDS",
            "OUTBOX_MAX_ATTEMPTS",
            "OUTBOX_REPLAY_AFTER_SECONDS",
            "OUTBOX_SENDING_LEASE_SECONDS",
            "OUTBOX_BATCH_SIZE",
            "MAIL_TIMEOUT_SECONDS",
        ):
            setattr(self, name, int(_env(name, str(getattr(self, name))) or 0))
        self.LOG_LEVEL = _env("LOG_LEVEL", "INFO")
        # Where evidence files are stored: outside the web root, never served as static files.
        self.EVIDENCE_DIR = Path(_env("EVIDENCE_DIR") or INSTANCE_DIR / "evidence")
        self.SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", False)
        self.REMEMBER_COOKIE_SECURE = self.SESSION_COOKIE_SECURE

    @property
    def CELERY(self) -> dict[str, object]:  # noqa: N802 - Flask reads upper-case keys
        return celery_settings(self.CELERY_BROKER_URL)


def celery_settings(broker_url: str | None) -> dict[str, object]:
    """Celery settings: JSON only, late acknowledgement, explicit queues.

    With no broker the tasks run in-process, at the moment they are sent (the quick start).
    """
    from kombu import Queue

    settings: dict[str, object] = {
        "task_serializer": "json",
        "result_serializer": "json",
        "accept_content": ["json"],
        "task_ignore_result": True,
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "task_default_queue": "workflows",
        "task_queues": (Queue("workflows"), Queue("notifications")),
        "task_routes": {"notifications.*": {"queue": "notifications"}, "workflows.*": {"queue": "workflows"}},
        "broker_connection_retry_on_startup": True,
        # Longer than the longest retry delay, so a late-acknowledged task is not handed out twice.
        "broker_transport_options": {"visibility_timeout": 2 * 60 * 60, "socket_connect_timeout": 2},
        "timezone": "UTC",
        "enable_utc": True,
        # A broker that cannot be reached fails the publish quickly: the outbox keeps the message
        # and the replay sweep sends it later, so a web request never hangs on Redis.
        "task_publish_retry_policy": {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5},
        "broker_connection_timeout": 2,
        "beat_schedule": {
            "record-heartbeat": {"task": "workflows.record_heartbeat", "schedule": 60.0},
            "replay-outbox": {"task": "notifications.replay_outbox", "schedule": 60.0},
            "send-due-reminders": {"task": "notifications.send_due_reminders", "schedule": 15 * 60.0},
            "sweep-unchecked-applications": {"task": "workflows.sweep_unchecked_applications", "schedule": 5 * 60.0},
            "expire-offers": {"task": "workflows.expire_offers", "schedule": 60 * 60.0},
        },
    }
    if broker_url:
        settings["broker_url"] = broker_url
    else:
        settings["broker_url"] = "memory://"
        settings["task_always_eager"] = True
        settings["task_eager_propagates"] = True
    return settings


class DevelopmentConfig(BaseConfig):
    DEBUG = False

    def __init__(self) -> None:
        super().__init__()
        if not self.SECRET_KEY:
            self.SECRET_KEY = _development_secret()


class TestConfig(BaseConfig):
    TESTING = True
    # Argon2 parameters stay real in tests: the hash is what is under test.

    def __init__(self) -> None:
        super().__init__()
        self.SECRET_KEY = self.SECRET_KEY or secrets.token_hex(32)
        self.SQLALCHEMY_DATABASE_URI = _database_url(
            _env("TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/productivity_broker_test") or ""
        )
        self.CELERY_BROKER_URL = _env("TEST_CELERY_BROKER_URL", "redis://127.0.0.1:6379/15")
        self.RATELIMIT_STORAGE_URI = self.CELERY_BROKER_URL
        self.SERVICE_URL = "http://localhost:5000"
        self.MAIL_SENDER = "smtp"
        self.MAIL_SERVER = "127.0.0.1"
        self.MAIL_PORT = int(_env("TEST_MAIL_PORT", "8025") or 8025)


class ProductionConfig(BaseConfig):
    def __init__(self) -> None:
        super().__init__()
        if not self.SECRET_KEY or len(self.SECRET_KEY) < 32:
            raise ConfigurationError("SECRET_KEY must be set to at least 32 random characters in production.")
        if self.SQLALCHEMY_DATABASE_URI.startswith("sqlite"):
            raise ConfigurationError("DATABASE_URL must point at PostgreSQL in production.")
        self.SESSION_COOKIE_SECURE = True
        self.REMEMBER_COOKIE_SECURE = True
        # A database error quotes the statement; its values (hashes, tokens) stay out of the logs.
        self.SQLALCHEMY_ENGINE_OPTIONS = {**BaseConfig.SQLALCHEMY_ENGINE_OPTIONS, "hide_parameters": True}


CONFIGS: dict[str, type[BaseConfig]] = {
    "development": DevelopmentConfig,
    "test": TestConfig,
    "production": ProductionConfig,
}


def load_config(name: str | None = None) -> BaseConfig:
    """The configuration named by the argument or by APP_ENV (default: development)."""
    name = name or _env("APP_ENV", "development") or "development"
    try:
        return CONFIGS[name]()
    except KeyError:
        raise ConfigurationError(f"APP_ENV must be one of {', '.join(CONFIGS)}, not {name!r}.") from None


def _development_secret() -> str:
    """A random key kept in instance/, so development sessions survive a restart."""
    INSTANCE_DIR.mkdir(exist_ok=True)
    path = INSTANCE_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()
