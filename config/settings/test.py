"""Test settings: tasks run inline after a JSON round trip, passwords hash fast, nothing leaves loopback."""

import os
import tempfile

os.environ.setdefault("SOCIALCARE_VAR_DIR", tempfile.mkdtemp(prefix="socialcare-test-"))

from .base import *  # noqa: E402,F403
from .base import DATABASES  # noqa: E402

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3" and "DATABASE_URL" not in os.environ:
    DATABASES["default"]["NAME"] = os.path.join(os.environ["SOCIALCARE_VAR_DIR"], "test.sqlite3")
    DATABASES["default"]["TEST"] = {"NAME": os.path.join(os.environ["SOCIALCARE_VAR_DIR"], "test-db.sqlite3")}

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
SOCIALCARE_TASKS_INLINE = True
SOCIALCARE_LIVE_STREAM_SECONDS = 3
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING", "handlers": []}}
