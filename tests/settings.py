"""Settings for the test suite.

Every pytest run gets its own namespace (database name, Redis key prefix, Celery queues'
key prefix), stored in the environment so that the Celery worker and Flower processes a
test starts inherit it and talk to the same isolated resources. Tests use their own Redis
database and never touch the development one.
"""

import os
import tempfile

from config.settings import *  # noqa: F403
from config.settings import (
    CELERY_BROKER_TRANSPORT_OPTIONS,
    DATABASES,
    INSTALLED_APPS,
    TEMPLATES,
)

TEST_NAMESPACE = os.environ.setdefault("PREFHUB_TEST_NAMESPACE", f"t{os.getpid()}")
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")

# The reference registry of spec R-TEST-1 replaces the demo registry, so that the
# expected values of the spec (15 global preferences, 8 user preferences) hold.
INSTALLED_APPS = [app for app in INSTALLED_APPS if app != "config.demo"]
INSTALLED_APPS.insert(INSTALLED_APPS.index("preferences"), "tests.testapp")
ROOT_URLCONF = "tests.urls"

_db = DATABASES["default"]
if _db["ENGINE"].endswith("sqlite3"):
    _test_db_name = os.path.join(tempfile.gettempdir(), f"prefhub-{TEST_NAMESPACE}.sqlite3")
    # The test process and the workers it starts write one SQLite file: BEGIN IMMEDIATE
    # takes the write lock up front, so concurrent transactions wait for each other
    # instead of failing with "database is locked" when a reader turns writer.
    # WAL lets readers proceed while a worker writes; the test database is disposable, so
    # durability on power loss (synchronous=FULL) buys nothing and costs every commit.
    _db["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    _test_db_name = f"test_prefhub_{TEST_NAMESPACE}"
_db["TEST"] = {"NAME": _test_db_name}
if os.environ.get("PREFHUB_TEST_PROCESS") == "worker":
    # A worker or Flower started by a test connects straight to the test database.
    _db["NAME"] = _test_db_name

CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "redis": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": TEST_REDIS_URL,
        "KEY_PREFIX": TEST_NAMESPACE,
    },
}
if os.environ.get("PREFHUB_TEST_PROCESS") == "worker":
    # Like production, where every process shares one cache, a worker's `default` cache
    # is the run's Redis (the very keys of the `redis` alias): what a task caches or
    # invalidates is visible to the test through `caches["redis"]`.
    CACHES["default"] = CACHES["redis"]

TIME_ZONE = "America/Chicago"
USE_TZ = True
CACHE_DYNAMIC_PREFERENCES_SETTINGS = False
MEDIA_ROOT = os.environ.setdefault(
    "PREFHUB_TEST_MEDIA_ROOT", tempfile.mkdtemp(prefix="prefhub-media-")
)
TEMPLATES[0]["OPTIONS"]["context_processors"] = [
    "django.template.context_processors.request",
    "django.contrib.auth.context_processors.auth",
    "django.contrib.messages.context_processors.messages",
    "preferences.processors.global_preferences",
]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
if os.environ.get("PREFHUB_TEST_PROCESS") != "worker":
    # A worker started by a test keeps the mailer of its EMAIL_URL (config/settings.py):
    # the test's SMTP server (tests/support/smtp.py) when the test passes one.
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}

CELERY_BROKER_URL = TEST_REDIS_URL
# The in-process preference copy and its invalidation channel are off in tests (the
# shared cache answers, so tests may inspect and seed it), unless a test gives its
# processes a channel (tests/support/readers.py). Pub/sub channels are server-wide, not
# per database: the run's channel carries its namespace.
REDIS_URL = os.environ.get("PREFHUB_TEST_PUBSUB_URL")
HUB = {**HUB, "PUBSUB_CHANNEL": f"{TEST_NAMESPACE}:prefhub:preferences"}  # noqa: F405
if "PREFHUB_TEST_LOCAL_CACHE_TTL" in os.environ:
    DYNAMIC_PREFERENCES = {"LOCAL_CACHE_TTL": float(os.environ["PREFHUB_TEST_LOCAL_CACHE_TTL"])}
CELERY_BROKER_TRANSPORT_OPTIONS = {
    **CELERY_BROKER_TRANSPORT_OPTIONS,
    # A test may give its own workers a private broker namespace inside the run's
    # (tests/support/broker.py), so that they alone consume what it publishes.
    "global_keyprefix": os.environ.get("PREFHUB_TEST_BROKER_PREFIX", f"{TEST_NAMESPACE}:"),
}
CELERY_TASK_ALWAYS_EAGER = False
# The credential tests/support/flower.py starts Flower with (hub.W004 wants one).
FLOWER_BASIC_AUTH = "flower-test:flower-test-password"
