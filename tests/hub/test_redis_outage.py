"""A Redis outage never fails a read or a write of preferences.

As in the default settings, one Redis serves as both the preferences cache and the
Celery broker: a private ``redis-server`` that the test kills under a stream of reads
and writes, then starts again.
"""

import logging
import time

import pytest

from hub.models import Event
from preferences.registries import global_preferences_registry
from tests.support.broker import RedisServer, publishing_to

pytestmark = pytest.mark.django_db(transaction=True)

KEY = "user__max_users"


@pytest.fixture
def redis_for_everything(settings):
    with RedisServer() as server:
        settings.CACHES = {
            **settings.CACHES,
            "outage": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": server.url,
            },
        }
        settings.DYNAMIC_PREFERENCES = {"CACHE_NAME": "outage"}
        with publishing_to(server.url):
            yield server


def _stream(manager, seconds: float, start: int) -> int:
    """Write and read back increasing values for ``seconds``; return the last one."""
    value, deadline = start, time.monotonic() + seconds
    while time.monotonic() < deadline:
        value += 1
        manager[KEY] = value
        assert manager[KEY] == value
        assert manager.all()[KEY] == value
    return value


def test_reads_and_writes_go_on_while_redis_is_down(redis_for_everything, caplog):
    caplog.set_level(logging.INFO, logger="preferences.cache_io")
    manager = global_preferences_registry.manager()
    before = _stream(manager, 0.5, 0)

    redis_for_everything.kill()
    during = _stream(manager, 2, before)
    redis_for_everything.start()
    after = _stream(manager, 0.5, during)

    assert before > 0 and during > before and after > during
    # Every write committed with its event, which waits in the outbox for the sweeper.
    assert Event.objects.count() == after
    assert manager.get(KEY, no_cache=True) == after
    assert redis_for_everything.client().keys("*dynamic_preferences_*")
    # One line when each of the cache and the broker goes away, one when it is back.
    outage_logs = sorted(r.getMessage() for r in caplog.records if r.name == "preferences.cache_io")
    assert len(outage_logs) == 4, outage_logs
    assert outage_logs[0].startswith("Celery broker reachable again after")
    assert outage_logs[1].startswith("Celery broker unreachable (OperationalError")
    assert outage_logs[2].startswith("Preferences cache 'outage' reachable again after")
    assert outage_logs[3].startswith("Preferences cache 'outage' unreachable (ConnectionError")
