"""The Celery entry point: `celery -A celery_worker worker` and `celery -A celery_worker beat`."""

from grants import create_app

flask_app = create_app()
celery_app = flask_app.extensions["celery"]
app = celery_app
