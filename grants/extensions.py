"""Unbound extensions; `create_app()` binds them with `init_app`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from celery import Celery
from celery import current_app as current_celery
from flask import current_app, has_app_context
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Named constraints, so migrations can refer to them on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate(compare_type=True, render_as_batch=True)
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=True)


def celery_app() -> Celery:
    """The Flask app's own Celery app (`create_app` makes one per Flask app), so that another
    Celery app made current elsewhere in the process never takes this app's tasks; outside an app
    context, Celery's current app."""
    if has_app_context() and "celery" in current_app.extensions:
        return current_app.extensions["celery"]
    return current_celery


# Records inherit from `Model`: Flask-SQLAlchemy's `db.Model`, which type checkers see as the
# declarative base it extends.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model
