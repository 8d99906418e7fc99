"""Celery wired the Flask way: one Celery app per Flask app, tasks run inside its app context."""

from __future__ import annotations

from typing import Any

from celery import Celery, Task
from flask import Flask


def celery_init_app(app: Flask) -> Celery:
    class FlaskTask(Task):
        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            with app.app_context():
                return self.run(*args, **kwargs)

    celery_app = Celery(app.name, task_cls=FlaskTask)
    celery_app.config_from_object(app.config["CELERY"])
    celery_app.set_default()
    # Task modules are imported here so that a worker registers every task.
    celery_app.autodiscover_tasks(["workflows", "notifications"], related_name="tasks", force=True)
    app.extensions["celery"] = celery_app
    return celery_app
