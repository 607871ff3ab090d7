"""The in-process copy (preferences.local_cache), in this process, over the run's Redis.

The copy is on only while an invalidation channel runs; these tests attach one that
reports itself running (the hub's real channel is tested with several processes in
tests/integration/test_r13_local_cache.py).
"""

import threading
import time

import pytest
from django.core.cache import caches
from django.db import connection, transaction

from preferences import local_cache
from preferences.models import GlobalPreferenceModel
from preferences.registries import global_preferences_registry
from tests.testapp.models import BlogEntry

pytestmark = pytest.mark.django_db(transaction=True)

KEY = "user__max_users"


@pytest.fixture
def shared(settings):
    settings.DYNAMIC_PREFERENCES = {"CACHE_NAME": "redis", "LOCAL_CACHE_TTL": 5.0}
    previous = local_cache._starter
    local_cache.attach(lambda: True)
    local_cache.flush("test")
    manager = global_preferences_registry.manager()
    keys = [
        manager.get_cache_key("user", "max_users"),
        manager.get_cache_key("blog", "featured_entry"),
    ]
    caches["redis"].delete_many(keys)
    yield caches["redis"]
    caches["redis"].delete_many(keys)
    local_cache.attach(previous)
    local_cache.flush("test")


@pytest.fixture
def manager(shared):
    return global_preferences_registry.manager()


def test_reads_after_the_first_need_no_io(manager, shared, django_assert_num_queries):
    manager[KEY] = 7
    assert manager[KEY] == 7
    assert manager.all()[KEY] == 7
    shared.delete_many([manager.get_cache_key(*manager.parse_lookup(key)) for key in manager.all()])
    with django_assert_num_queries(0):
        assert manager[KEY] == 7
        assert manager.all()[KEY] == 7
        assert manager.all()[KEY] == 7


def test_the_ttl_bounds_staleness(manager, shared, settings):
    settings.DYNAMIC_PREFERENCES = {**settings.DYNAMIC_PREFERENCES, "LOCAL_CACHE_TTL": 0.2}
    manager[KEY] = 7
    assert manager[KEY] == 7
    # Another process wrote 8 and sent no message (it was lost). It writes the database as
    # well as the shared cache, so that a worker's refresh of the key cannot restore 7.
    GlobalPreferenceModel.objects.filter(section="user", name="max_users").update(raw_value="8")
    shared.set(manager.get_cache_key("user", "max_users"), "8")
    assert manager[KEY] == 7
    time.sleep(0.25)
    assert manager[KEY] == 8


def test_the_process_reads_its_own_writes_at_once(manager):
    assert manager[KEY] == manager.all()[KEY]
    manager[KEY] = 9
    assert manager[KEY] == 9
    assert manager.all()[KEY] == 9
    with transaction.atomic():
        manager[KEY] = 10
        assert manager[KEY] == 10
        assert manager.all()[KEY] == 10
    assert manager[KEY] == 10


def test_a_rolled_back_write_is_never_copied(manager):
    manager[KEY] = 11
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        manager[KEY] = 12
        assert manager[KEY] == 12
        _ = 1 / 0
    assert manager[KEY] == 11
    assert manager.all()[KEY] == 11


def test_an_older_version_never_overwrites_a_newer_one(manager):
    assert manager[KEY] == manager.all()[KEY]
    key = (manager._scope, KEY)
    assert local_cache.apply(key, 2, "22") is True
    assert local_cache.apply(key, 1, "21") is False
    assert manager[KEY] == 22
    assert local_cache.apply(key, 3, "23") is True
    assert manager[KEY] == 23


def test_a_flush_forgets_everything(manager, shared):
    manager[KEY] = 13
    assert manager[KEY] == 13
    shared.set(manager.get_cache_key("user", "max_users"), "14")
    local_cache.flush("resubscribed")
    assert manager[KEY] == 14


def test_model_values_are_rebuilt_on_every_read(manager, django_assert_num_queries):
    entry = BlogEntry.objects.create(title="t", content="c")
    manager["blog__featured_entry"] = entry
    assert manager["blog__featured_entry"] == entry
    for _ in range(2):
        with django_assert_num_queries(1):
            first = manager["blog__featured_entry"]
        assert first == entry and first is not manager["blog__featured_entry"]


def test_without_a_channel_there_is_no_copy(manager, shared):
    local_cache.attach(lambda: False)
    manager[KEY] = 15
    assert manager[KEY] == 15
    shared.set(manager.get_cache_key("user", "max_users"), "16")
    assert manager[KEY] == 16


def test_a_rollback_in_another_thread_leaves_this_threads_copy_on(manager, shared):
    def roll_back():
        try:
            with transaction.atomic():
                global_preferences_registry.manager()[KEY] = 17
                raise ZeroDivisionError
        except ZeroDivisionError:
            pass
        finally:
            connection.close()

    thread = threading.Thread(target=roll_back)
    thread.start()
    thread.join(10)
    manager[KEY] = 18
    assert manager[KEY] == 18
    shared.set(manager.get_cache_key("user", "max_users"), "19")  # copies are still served
    assert manager[KEY] == 18
