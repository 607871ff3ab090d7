"""What every benchmarked project shares: the engine, one PostgreSQL, one Redis.

The preference engine and the reference registry (``tests.testapp``) are the same in all
three projects, so a write is the same write; only the hub listening to it differs.
``BENCH_DATABASE_URL`` and ``BENCH_REDIS_URL`` come from ``bench_compare.py``;
``BENCH_PREFIX`` keeps each project's broker and cache keys apart in that Redis.
"""

import os
from urllib.parse import urlsplit

_db = urlsplit(os.environ["BENCH_DATABASE_URL"])
REDIS_URL = os.environ["BENCH_REDIS_URL"]
PREFIX = os.environ["BENCH_PREFIX"]

SECRET_KEY = os.environ.get("SECRET_KEY", "bench-only-not-secret")
DEBUG = False
USE_TZ = True
ALLOWED_HOSTS = ["*"]
BASE_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "tests.testapp",
    "preferences",
    "preferences.users",
]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": _db.path.lstrip("/"),
        "USER": _db.username or "",
        "PASSWORD": _db.password or "",
        "HOST": _db.hostname or "",
        "PORT": _db.port or "",
    }
}
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": PREFIX,
    }
}
CELERY_BROKER_URL = REDIS_URL
CELERY_BROKER_TRANSPORT_OPTIONS = {"global_keyprefix": f"{PREFIX}:"}
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# As Prefhub sets it: a PostgreSQL connection kept for 200 tasks, not opened per task.
CELERY_DB_REUSE_MAX = 200
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
