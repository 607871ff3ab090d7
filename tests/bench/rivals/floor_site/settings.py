"""The floor hub on the benchmark's engine; ``FLOOR_URLS`` are its endpoints."""

import os

from tests.bench.rivals.base_settings import *  # noqa: F403
from tests.bench.rivals.base_settings import BASE_APPS

INSTALLED_APPS = [*BASE_APPS, "tests.bench.rivals.floor_site.apps.FloorConfig"]
FLOOR_URLS = [url for url in os.environ.get("FLOOR_URLS", "").split(",") if url]
