"""Settings of the read benchmark's Prefhub processes: the test settings, 50 preferences.

The reference registry of ``tests.testapp`` is replaced by the benchmark's 50 plain
preferences (tests/bench/readbench), and the database is the one ``BENCH_DB`` names.
"""

import os

from tests.settings import *  # noqa: F403
from tests.settings import CACHES, DATABASES, INSTALLED_APPS

INSTALLED_APPS = [
    "tests.bench.readbench" if app == "tests.testapp" else app for app in INSTALLED_APPS
]
DATABASES = {"default": {**DATABASES["default"], "NAME": os.environ["BENCH_DB"]}}
CACHES = {**CACHES, "default": CACHES["redis"]}
