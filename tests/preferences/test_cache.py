"""Caching (spec §9.2, R-CACHE-*), run against the per-process LocMemCache and real Redis.

The ``redis`` alias points at the test Redis database under this run's key prefix; the
fixture deletes only this run's preference keys, never the whole database.
"""

import io
import time

import pytest
from django.core.cache import caches
from django.core.management import call_command

from preferences.exceptions import CachedValueNotFound
from preferences.models import GlobalPreferenceModel
from preferences.registries import global_preferences_registry
from preferences.users.models import UserPreferenceModel
from tests.testapp.models import BlogEntry

pytestmark = pytest.mark.django_db

# The cache is written when the transaction commits: tests that look into it commit.
commits = pytest.mark.django_db(transaction=True)

SENTINEL = "__dynamic_preferences_empty_value"


def _delete_preference_keys(cache) -> None:
    if "locmem" in type(cache).__module__:
        cache.clear()
        return
    client = cache._cache.get_client(write=True)
    keys = list(client.scan_iter(match=cache.make_key("dynamic_preferences_*")))
    if keys:
        client.delete(*keys)


@pytest.fixture(params=["default", "redis"])
def cache(request, settings):
    """The cache the engine uses in this test, selected through DYNAMIC_PREFERENCES."""
    settings.DYNAMIC_PREFERENCES = {"CACHE_NAME": request.param}
    backend = caches[request.param]
    _delete_preference_keys(backend)
    yield backend
    _delete_preference_keys(backend)


@pytest.fixture
def manager(cache):
    return global_preferences_registry.manager()


def remaining_ttl(cache, key: str) -> float:
    full_key = cache.make_key(key)
    if "locmem" in type(cache).__module__:
        return cache._expire_info[full_key] - time.time()
    return cache._cache.get_client(full_key).ttl(full_key)


@commits
def test_r_cache_1_cache_alias_is_looked_up_on_each_use(manager, cache, settings):
    other_alias = "redis" if cache is caches["default"] else "default"
    _delete_preference_keys(caches[other_alias])
    manager["user__max_users"] = 5
    key = manager.get_cache_key("user", "max_users")
    assert cache.get(key) == "5"
    assert caches[other_alias].get(key) is None

    settings.DYNAMIC_PREFERENCES = {"CACHE_NAME": other_alias}
    manager["user__max_users"] = 6
    assert caches[other_alias].get(key) == "6"
    _delete_preference_keys(caches[other_alias])


def test_r_cache_2_cache_keys(manager, django_user_model):
    user = django_user_model.objects.create_user(username="u7", password="x")
    assert (
        manager.get_cache_key("test", "TestGlobal1")
        == "dynamic_preferences_GlobalPreferenceModel_test_TestGlobal1"
    )
    assert (
        manager.get_cache_key(None, "no_section")
        == "dynamic_preferences_GlobalPreferenceModel_None_no_section"
    )
    assert (
        user.preferences.get_cache_key("misc", "is_zombie")
        == f"dynamic_preferences_UserPreferenceModel_{user.pk}_misc_is_zombie"
    )


@commits
def test_r_cache_2_values_land_under_those_keys(manager, cache, django_user_model):
    user = django_user_model.objects.create_user(username="u8", password="x")
    manager["no_section"] = True
    user.preferences["misc__is_zombie"] = False
    assert cache.get("dynamic_preferences_GlobalPreferenceModel_None_no_section") == "True"
    assert cache.get(f"dynamic_preferences_UserPreferenceModel_{user.pk}_misc_is_zombie") == "False"


@commits
def test_r_cache_3_cache_holds_raw_strings(manager, cache, django_assert_num_queries):
    entry = BlogEntry.objects.create(title="first", content="c")
    manager["blog__featured_entry"] = entry
    manager["exam__duration"] = manager["exam__duration"] * 2
    assert cache.get(manager.get_cache_key("blog", "featured_entry")) == str(entry.pk)
    assert cache.get(manager.get_cache_key("exam", "duration")) == "06:00:00"
    with django_assert_num_queries(1):
        # Even cached, a model value is deserialized (fetched) on every read.
        assert manager["blog__featured_entry"] == entry


@commits
def test_r_cache_4_empty_values_are_cached_as_the_sentinel(manager, cache, django_user_model):
    user = django_user_model.objects.create_user(username="u9", password="x")
    user.preferences["misc__favourite_colour"] = ""
    manager.all()
    assert cache.get(user.preferences.get_cache_key("misc", "favourite_colour")) == SENTINEL
    assert cache.get(manager.get_cache_key("blog", "logo")) == SENTINEL
    assert user.preferences["misc__favourite_colour"] == ""
    assert manager["blog__logo"] is None


@commits
def test_r_cache_4_entries_use_the_backend_default_timeout(manager, cache):
    manager["user__max_users"] = 9
    ttl = remaining_ttl(cache, manager.get_cache_key("user", "max_users"))
    assert 290 < ttl <= 300


def test_r_cache_5_from_cache_raises_on_a_miss(manager):
    with pytest.raises(CachedValueNotFound):
        manager.from_cache("user", "max_users")
    manager["user__max_users"] = 8
    assert manager.from_cache("user", "max_users") == 8


def test_r_cache_5_many_from_cache_returns_hits_only(manager):
    manager["user__max_users"] = 8
    manager["no_section"] = True
    preferences = global_preferences_registry.preferences()
    assert manager.many_from_cache(preferences) == {"user__max_users": 8, "no_section": True}


def test_r_cache_6_cached_reads_take_no_query(manager, django_assert_num_queries):
    manager["no_section"]
    with django_assert_num_queries(0):
        for _ in range(3):
            assert manager["no_section"] is False


def test_r_cache_6_uncached_reads_take_one_query_each(manager, settings, django_assert_num_queries):
    manager["no_section"]
    settings.DYNAMIC_PREFERENCES = {**settings.DYNAMIC_PREFERENCES, "ENABLE_CACHE": False}
    for _ in range(3):
        with django_assert_num_queries(1):
            assert manager["no_section"] is False


def test_r_cache_6_repeated_all_costs_only_model_deserialization(
    manager, django_assert_num_queries
):
    manager.all()
    with django_assert_num_queries(0):
        manager.all()
    BlogEntry.objects.create(title="featured", content="c")
    manager["blog__featured_entry"] = BlogEntry.objects.get()
    manager.all()
    for _ in range(2):
        with django_assert_num_queries(1):
            assert manager.all()["blog__featured_entry"].title == "featured"


def test_r_cache_6_created_row_is_read_from_the_cache(manager, django_assert_num_queries):
    manager.create_db_pref(None, "no_section", False)
    with django_assert_num_queries(0):
        assert manager["no_section"] is False
        assert manager["no_section"] is False
    row = GlobalPreferenceModel.objects.get(name="no_section")
    row.value = True
    row.save()
    with django_assert_num_queries(0):
        assert manager["no_section"] is True


@commits
def test_r_cache_7_any_save_writes_through(manager, cache, django_assert_num_queries):
    manager.all()
    row = GlobalPreferenceModel.objects.get(section="test", name="TestGlobal1")
    row.raw_value = "reset"
    row.save()
    assert cache.get(manager.get_cache_key("test", "TestGlobal1")) == "reset"
    other_manager = global_preferences_registry.manager()
    with django_assert_num_queries(0):
        assert other_manager["test__TestGlobal1"] == "reset"
        assert manager.all()["test__TestGlobal1"] == "reset"


@commits
def test_r_cache_8_deleted_referenced_object_drops_the_entry(manager, cache):
    entry = BlogEntry.objects.create(title="t", content="c")
    manager["blog__featured_entry"] = entry
    key = manager.get_cache_key("blog", "featured_entry")
    assert cache.get(key) == str(entry.pk)
    entry.delete()
    assert cache.get(key) is None
    assert manager["blog__featured_entry"] is None


@commits
def test_r_cache_8_checkpreferences_drops_entries_of_deleted_rows(manager, cache):
    obsolete = GlobalPreferenceModel.objects.create(section="gone", name="old", raw_value="x")
    key = manager.get_cache_key("gone", "old")
    assert cache.get(key) == "x"
    call_command("checkpreferences", "--skip_create", stdout=io.StringIO())
    assert not GlobalPreferenceModel.objects.filter(pk=obsolete.pk).exists()
    assert cache.get(key) is None


@commits
def test_r_cache_8_user_deletion_drops_the_user_entries(cache, django_user_model):
    user = django_user_model.objects.create_user(username="gone", password="x")
    user.preferences["misc__favourite_colour"] = "Red"
    key = user.preferences.get_cache_key("misc", "favourite_colour")
    assert cache.get(key) == "Red"
    user.delete()
    assert cache.get(key) is None
    assert not UserPreferenceModel.objects.exists()


def test_r_cache_8_bulk_update_bypasses_the_cache(manager):
    """The documented limitation: QuerySet.update() sends no signal, so the cache is stale."""
    manager["user__max_users"] = 10
    GlobalPreferenceModel.objects.filter(name="max_users").update(raw_value="11")
    assert manager["user__max_users"] == 10
    assert manager.get("user__max_users", no_cache=True) == 11


def test_r_cache_9_dummy_cache_still_reads_correct_values(settings, django_assert_num_queries):
    settings.CACHES = {
        **settings.CACHES,
        "dummy": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"},
    }
    settings.DYNAMIC_PREFERENCES = {"CACHE_NAME": "dummy", "ENABLE_CACHE": False}
    manager = global_preferences_registry.manager()
    manager["user__max_users"] = 42
    with django_assert_num_queries(1):
        assert manager["user__max_users"] == 42
