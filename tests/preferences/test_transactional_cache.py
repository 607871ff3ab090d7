"""Cache writes wait for the commit; the writer reads its own writes meanwhile.

Run against the run's real Redis (the ``redis`` alias), which other processes share and
no rollback resets.
"""

import pytest
from django.core.cache import caches
from django.db import transaction

from preferences.registries import global_preferences_registry

KEY = "user__max_users"


class Boom(Exception):
    pass


@pytest.fixture
def shared(settings):
    settings.DYNAMIC_PREFERENCES = {"CACHE_NAME": "redis"}
    cache = caches["redis"]
    manager = global_preferences_registry.manager()
    cache.delete(manager.get_cache_key("user", "max_users"))
    yield cache
    cache.delete(manager.get_cache_key("user", "max_users"))


@pytest.fixture
def manager(shared):
    return global_preferences_registry.manager()


@pytest.mark.django_db(transaction=True)
def test_outer_rollback_leaves_no_phantom_value(manager, shared):
    manager[KEY] = 10
    cache_key = manager.get_cache_key("user", "max_users")
    with pytest.raises(Boom), transaction.atomic():
        manager[KEY] = 99
        assert manager[KEY] == 99  # the writer reads its own write
        assert shared.get(cache_key) == "10"  # nobody else sees it before the commit
        raise Boom
    assert shared.get(cache_key) == "10"
    assert manager[KEY] == 10


@pytest.mark.django_db(transaction=True)
def test_commit_publishes_the_last_value(manager, shared):
    with transaction.atomic():
        manager[KEY] = 11
        manager[KEY] = 12
        assert manager[KEY] == 12
    assert shared.get(manager.get_cache_key("user", "max_users")) == "12"


@pytest.mark.django_db(transaction=True)
def test_rolled_back_savepoint_falls_back_to_the_earlier_pending_write(manager, shared):
    with transaction.atomic():
        manager[KEY] = 13
        with pytest.raises(Boom), transaction.atomic():
            manager[KEY] = 14
            raise Boom
        assert manager[KEY] == 13
    assert shared.get(manager.get_cache_key("user", "max_users")) == "13"
    assert manager.all()[KEY] == 13


@pytest.mark.django_db
def test_a_test_transaction_leaks_nothing_into_the_shared_cache(manager, shared):
    manager[KEY] = 15
    assert manager[KEY] == 15
    assert shared.get(manager.get_cache_key("user", "max_users")) is None
