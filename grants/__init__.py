"""Productivity Broker: the Flask application."""

from __future__ import annotations

import logging
from typing import Any

import jinja2
from flask import Flask
from sqlalchemy.exc import DBAPIError

from grants.config import BaseConfig, load_config
from grants.extensions import csrf, db, limiter, login_manager, migrate


def create_app(config: BaseConfig | str | None = None, **overrides: Any) -> Flask:
    """Build the application. `config` is a config object or the name of one (development,
    test, production); `overrides` replace single settings (tests use them)."""
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    app = Flask(__name__, template_folder=str(root / "templates"), instance_path=str(root / "instance"))
    app.config.from_object(config if isinstance(config, BaseConfig) else load_config(config))
    app.config.update(overrides)
    if "CELERY_BROKER_URL" in overrides and "CELERY" not in overrides:
        from grants.config import celery_settings

        app.config["CELERY"] = celery_settings(overrides["CELERY_BROKER_URL"])

    from grants.request_log import configure_logging, init_request_log

    configure_logging(app)
    init_request_log(app)

    db.init_app(app)
    _init_session_teardown(app)
    migrate.init_app(app, db, directory=str(root / "migrations"))
    csrf.init_app(app)
    app.config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    limiter.init_app(app)
    login_manager.init_app(app)
    _init_login(app)

    from grants.celery_app import celery_init_app

    celery_init_app(app)

    from notifications.senders import sender_for

    # Build the mail sender once now, so that a wrong mail setting stops the app starting.
    sender_for(app.config, app.instance_path)

    from grants.security import init_security_headers

    init_security_headers(app)
    _init_templates(app)

    from grants.admin import bp as admin_bp
    from grants.api import bp as api_bp
    from grants.applications import bp as applications_bp
    from grants.auth import bp as auth_bp
    from grants.errors import init_error_handlers
    from grants.experts import bp as experts_bp
    from grants.main import bp as main_bp
    from grants.matching import bp as matching_bp
    from grants.messages import bp as messages_bp
    from grants.open_data import bp as open_data_bp
    from grants.outcomes import bp as outcomes_bp
    from grants.portal import bp as portal_bp
    from grants.reports import bp as reports_bp
    from grants.review import bp as review_bp
    from grants.sharing import bp as sharing_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(messages_bp, url_prefix="/messages")
    app.register_blueprint(applications_bp, url_prefix="/applications")
    app.register_blueprint(review_bp, url_prefix="/review")
    app.register_blueprint(experts_bp, url_prefix="/experts")
    app.register_blueprint(matching_bp, url_prefix="/matching")
    app.register_blueprint(outcomes_bp, url_prefix="/outcomes")
    app.register_blueprint(portal_bp, url_prefix="/portal")
    app.register_blueprint(sharing_bp, url_prefix="/sharing")
    app.register_blueprint(open_data_bp)
    app.register_blueprint(reports_bp, url_prefix="/reports")
    app.register_blueprint(api_bp, url_prefix="/api/v1")
    # The API reads a bearer token and never the session cookie, so no page can make a
    # browser call it on someone's behalf: there is nothing for a CSRF token to protect.
    csrf.exempt(api_bp)
    init_error_handlers(app)

    from grants.commands import register_commands

    register_commands(app)
    return app


def _init_session_teardown(app: Flask) -> None:
    """End each request's database session without failing the answer already made.

    Flask-SQLAlchemy's own teardown rolls the session back; when the database went away after the
    answer was made, that rollback raises and the server would send its bare 500 instead. This
    teardown runs first (teardowns run in reverse order), drops the broken session whatever
    happens, and leaves Flask-SQLAlchemy's with nothing to do."""

    @app.teardown_appcontext
    def _end_session(_exc: BaseException | None) -> None:
        try:
            db.session.remove()
        except DBAPIError as error:
            logging.getLogger("grants.database").error("database unavailable while ending a request: %s", error.orig)
            # close() raised before the registry forgot the session: forget it now, so that no
            # later request is handed the broken one.
            db.session.registry.clear()


def _init_login(app: Flask) -> None:
    from grants.models import User
    from workflows import accounts

    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = "Sign in to see that page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(identity: str) -> User | None:
        user_id, _, session_token = identity.partition(":")
        if not user_id.isdigit() or not session_token:
            return None
        user = accounts.user_with_roles(int(user_id))
        if user is None or not user.is_active or user.session_token != session_token:
            return None
        return user


def _init_templates(app: Flask) -> None:
    from govuk_frontend_wtf.main import WTFormsHelpers

    from grants import template_helpers

    app.jinja_loader = jinja2.ChoiceLoader(
        [
            jinja2.FileSystemLoader(app.template_folder or "templates"),
            jinja2.PrefixLoader(
                {
                    "govuk_frontend_jinja": jinja2.PackageLoader("govuk_frontend_jinja"),
                    "govuk_frontend_wtf": jinja2.PackageLoader("govuk_frontend_wtf"),
                }
            ),
        ]
    )
    WTFormsHelpers(app)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    template_helpers.register(app)
