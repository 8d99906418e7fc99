"""The browser tests' Celery worker: `celery -A tests.e2e.worker worker`, started by the session
fixture. Its app is built as the live server's is, from the same settings (passed in the
environment), so that it works on the same database, sends mail to the same SMTP server and
writes the same service address into the links of the emails its tasks send."""

from __future__ import annotations

import json
import os
from pathlib import Path

from grants import create_app

_settings = json.loads(os.environ["E2E_APP_SETTINGS"])
_settings["EVIDENCE_DIR"] = Path(_settings["EVIDENCE_DIR"])

flask_app = create_app("test", **_settings)
celery_app = flask_app.extensions["celery"]
app = celery_app
