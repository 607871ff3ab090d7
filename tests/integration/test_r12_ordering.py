"""R12: two changes to one key, their fan-outs (which invalidate the cache) run in reverse order.

The preference cache is the run's Redis here, shared by this process and the worker, as
in production. Versions travel with the events; the older event never overwrites the
newer value, whatever order its fan-out runs in.
"""

import pytest
from django.core.cache import caches

from hub.models import Event
from preferences.registries import global_preferences_registry
from tasks.fanout import expand
from tests.support.handlers import handled_key
from tests.support.polling import wait_until

pytestmark = pytest.mark.django_db(transaction=True)

TIMEOUT = 20


@pytest.fixture
def shared_preference_cache(settings):
    settings.DYNAMIC_PREFERENCES = {"CACHE_NAME": "redis"}
    return caches["redis"]


def test_r12_reverse_delivery_keeps_the_newer_value(celery_worker, shared_preference_cache):
    manager = global_preferences_registry.manager()
    manager["test__TestGlobal1"] = "older"
    manager["test__TestGlobal1"] = "newer"
    older, newer = Event.objects.order_by("version")
    wait_until(lambda: not Event.objects.filter(dispatched_at__isnull=True).exists())
    key = manager.get_cache_key("test", "TestGlobal1")
    shared_preference_cache.set(key, "older")  # a slow reader cached the old value meanwhile

    # The newer event's fan-out runs again first, the older one's last.
    expand.apply_async((str(newer.pk),), ignore_result=False).get(timeout=TIMEOUT)
    assert shared_preference_cache.get(key) == "newer"
    expand.apply_async((str(older.pk),), ignore_result=False).get(timeout=TIMEOUT)

    assert shared_preference_cache.get(key) == "newer"
    assert manager["test__TestGlobal1"] == "newer"
    assert (older.version, newer.version) == (1, 2)
    handled = [
        wait_until(lambda e=e: caches["redis"].get(handled_key(str(e.pk)))) for e in (older, newer)
    ]
    assert handled == [{"version": 1, "value": "older"}, {"version": 2, "value": "newer"}]
