"""config/settings.py, with the reference registry and the benchmark's database and Redis.

Everything of the hub is production's: the result backend, the queues, the outbox.
"""

import os

os.environ["DATABASE_URL"] = os.environ["BENCH_DATABASE_URL"]
os.environ["REDIS_URL"] = os.environ["BENCH_REDIS_URL"]

from config.settings import *  # noqa: F403
from config.settings import CACHES, CELERY_BROKER_TRANSPORT_OPTIONS, INSTALLED_APPS

PREFIX = os.environ["BENCH_PREFIX"]
INSTALLED_APPS = [app for app in INSTALLED_APPS if app != "config.demo"]
INSTALLED_APPS.insert(INSTALLED_APPS.index("preferences"), "tests.testapp")
CACHES["default"]["KEY_PREFIX"] = PREFIX
CELERY_BROKER_TRANSPORT_OPTIONS = {
    **CELERY_BROKER_TRANSPORT_OPTIONS,
    "global_keyprefix": f"{PREFIX}:",
}
# The benchmark starts no Flower; a credential keeps hub.W004 quiet.
FLOWER_BASIC_AUTH = "bench:not-used"
ROOT_URLCONF = "tests.bench.rivals.prefhub_site.urls"
