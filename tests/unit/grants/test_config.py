"""Configuration read from the environment, and the Celery settings."""

from __future__ import annotations

import pytest
from celery import Celery

from grants.config import ConfigurationError, celery_settings, load_config

GOOD_KEY = "k" * 64
POSTGRES = "postgresql+psycopg://broker:secret@db.internal:5432/broker"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """None of the settings these tests depend on comes from the shell that runs them."""
    for name in ("APP_ENV", "SECRET_KEY", "DATABASE_URL", "CELERY_BROKER_URL", "RATELIMIT_STORAGE_URI"):
        monkeypatch.delenv(name, raising=False)


class TestProduction:
    def test_refuses_to_start_without_a_secret_key(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("DATABASE_URL", POSTGRES)
        with pytest.raises(ConfigurationError, match="SECRET_KEY"):
            load_config("production")

    def test_an_empty_secret_key_is_no_secret_key(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("DATABASE_URL", POSTGRES)
        monkeypatch.setenv("SECRET_KEY", "")
        with pytest.raises(ConfigurationError, match="SECRET_KEY"):
            load_config("production")

    def test_refuses_a_short_secret_key(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("DATABASE_URL", POSTGRES)
        monkeypatch.setenv("SECRET_KEY", "k" * 31)
        with pytest.raises(ConfigurationError, match="SECRET_KEY"):
            load_config("production")

    def test_a_32_character_key_is_long_enough(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("DATABASE_URL", POSTGRES)
        monkeypatch.setenv("SECRET_KEY", "k" * 32)
        assert load_config("production").SECRET_KEY == "k" * 32

    def test_database_errors_in_production_do_not_quote_the_values(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("DATABASE_URL", POSTGRES)
        monkeypatch.setenv("SECRET_KEY", GOOD_KEY)
        options = load_config("production").SQLALCHEMY_ENGINE_OPTIONS
        assert options["hide_parameters"] is True and options["pool_pre_ping"] is True
        assert "hide_parameters" not in load_config("development").SQLALCHEMY_ENGINE_OPTIONS

    def test_refuses_to_start_on_sqlite_when_no_database_is_given(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("SECRET_KEY", GOOD_KEY)
        with pytest.raises(ConfigurationError, match="DATABASE_URL"):
            load_config("production")

    def test_refuses_an_explicit_sqlite_database(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("SECRET_KEY", GOOD_KEY)
        monkeypatch.setenv("DATABASE_URL", "sqlite:////tmp/broker.sqlite")
        with pytest.raises(ConfigurationError, match="DATABASE_URL"):
            load_config("production")

    def test_starts_with_a_long_key_and_postgresql(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("SECRET_KEY", GOOD_KEY)
        monkeypatch.setenv("DATABASE_URL", POSTGRES)
        config = load_config("production")
        assert config.SECRET_KEY == GOOD_KEY
        assert config.SQLALCHEMY_DATABASE_URI == POSTGRES
        assert config.SESSION_COOKIE_SECURE is True
        assert config.REMEMBER_COOKIE_SECURE is True

    def test_is_chosen_by_app_env(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("APP_ENV", "production")
        with pytest.raises(ConfigurationError, match="SECRET_KEY"):
            load_config()


@pytest.mark.parametrize(
    ("given", "used"),
    [
        ("postgres://u:p@host:5432/broker", "postgresql+psycopg://u:p@host:5432/broker"),
        ("postgresql://u:p@host:5432/broker", "postgresql+psycopg://u:p@host:5432/broker"),
        (POSTGRES, POSTGRES),
    ],
)
def test_postgresql_urls_name_the_psycopg_driver(monkeypatch: pytest.MonkeyPatch, given: str, used: str) -> None:
    monkeypatch.setenv("SECRET_KEY", GOOD_KEY)
    monkeypatch.setenv("DATABASE_URL", given)
    url = load_config("production").SQLALCHEMY_DATABASE_URI
    assert url == used


@pytest.mark.parametrize("name", ["staging", "prod", "Production"])
def test_an_unknown_environment_is_refused(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    monkeypatch.setenv("APP_ENV", name)
    with pytest.raises(ConfigurationError, match="APP_ENV"):
        load_config()
    with pytest.raises(ConfigurationError, match="APP_ENV"):
        load_config(name)


def test_development_runs_tasks_in_process_without_a_broker(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SECRET_KEY", GOOD_KEY)  # so no key file is written under instance/
    config = load_config("development")
    assert config.SQLALCHEMY_DATABASE_URI.startswith("sqlite:///")
    assert config.CELERY["task_always_eager"] is True
    assert config.RATELIMIT_STORAGE_URI == "memory://"


class TestCelerySettings:
    def test_without_a_broker_tasks_run_eagerly_in_memory(self) -> None:
        settings = celery_settings(None)
        assert settings["broker_url"] == "memory://"
        assert settings["task_always_eager"] is True
        assert settings["task_eager_propagates"] is True

    def test_with_a_broker_tasks_go_through_it(self) -> None:
        settings = celery_settings("redis://cache.internal:6379/0")
        assert settings["broker_url"] == "redis://cache.internal:6379/0"
        assert not settings.get("task_always_eager", False)

    @pytest.mark.parametrize("broker", [None, "redis://cache.internal:6379/0"])
    def test_json_only_and_late_acknowledgement(self, broker: str | None) -> None:
        settings = celery_settings(broker)
        assert settings["accept_content"] == ["json"]
        assert settings["task_serializer"] == "json"
        assert settings["result_serializer"] == "json"
        assert settings["task_acks_late"] is True
        assert settings["task_reject_on_worker_lost"] is True

    def test_tasks_are_routed_to_the_queue_of_their_package(self) -> None:
        settings = celery_settings("redis://cache.internal:6379/0")
        assert settings["task_routes"] == {
            "notifications.*": {"queue": "notifications"},
            "workflows.*": {"queue": "workflows"},
        }
        assert {queue.name for queue in settings["task_queues"]} == {"notifications", "workflows"}

    def test_celery_routes_the_real_task_names_as_configured(self) -> None:
        app = Celery("routing-check", set_as_current=False)
        app.config_from_object(celery_settings("redis://cache.internal:6379/0"))
        router = app.amqp.router

        def queue_of(task_name: str) -> str:
            return router.route({}, task_name, args=(), kwargs={})["queue"].name

        assert queue_of("notifications.send_email") == "notifications"
        assert queue_of("workflows.record_heartbeat") == "workflows"
        assert app.conf.task_always_eager is False
