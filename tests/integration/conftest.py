"""The integration tests run in production's cache topology: one Redis cache for all.

Elsewhere the test process keeps a LocMem ``default`` cache (fast, and isolated per
test), while workers use Redis; a write here and a read in a worker would then never
meet in a cache. Here this process's ``default`` is the workers' Redis cache, emptied of
this run's keys before and after each test.
"""

import pytest
from django.conf import settings as django_settings


def _forget_this_runs_cache_keys() -> None:
    import redis

    redis_cache = django_settings.CACHES["redis"]
    client = redis.Redis.from_url(redis_cache["LOCATION"])
    # Django's cache keys are "<prefix>:<version>:<key>"; the broker's share the prefix
    # but never the version part, so its queues survive.
    pattern = f"{redis_cache['KEY_PREFIX']}:1:*"
    keys = list(client.scan_iter(match=pattern, count=1000))
    if keys:
        client.delete(*keys)


@pytest.fixture(autouse=True)
def production_cache(settings):
    settings.CACHES = {**settings.CACHES, "default": settings.CACHES["redis"]}
    _forget_this_runs_cache_keys()
    yield
    _forget_this_runs_cache_keys()
