"""Declared cache dependencies and their invalidation (F13), in this process's caches."""

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import caches
from django.core.cache.utils import make_template_fragment_key
from django.core.exceptions import ImproperlyConfigured
from django.template import Context, Template

from hub.invalidation import Dependencies, declared_dependencies, invalidate_event
from hub.models import Event
from preferences.registries import global_preferences_registry

pytestmark = pytest.mark.django_db

# The cache is written when the transaction commits: tests that look into it commit.
commits = pytest.mark.django_db(transaction=True)

HEADER = Template(
    "{% load cache %}{% cache 600 site_header %}{{ title }}{% endcache %}"
    "|{% cache 600 greeting user_id %}{{ colour }}{% endcache %}"
)


@pytest.fixture
def title_class(monkeypatch):
    """``test__TestGlobal1`` declares a key and a fragment depending on it."""
    preference_class = type(global_preferences_registry.get("test__TestGlobal1"))
    monkeypatch.setattr(preference_class, "cache_keys", ["homepage", "title:{name}"], raising=False)
    monkeypatch.setattr(preference_class, "cache_fragments", ["site_header"], raising=False)
    return preference_class


def _render(**context) -> str:
    return HEADER.render(Context(context))


def test_f13_declared_fragment_and_keys_are_invalidated(title_class):
    cache = caches["default"]
    manager = global_preferences_registry.manager()
    cache.set_many({"homepage": "old page", "title:TestGlobal1": "old", "unrelated": "kept"})
    assert _render(title=manager["test__TestGlobal1"]).startswith("default value|")

    manager["test__TestGlobal1"] = "New title"
    assert _render(title=manager["test__TestGlobal1"]).startswith("default value|")
    result = invalidate_event(Event.objects.get())

    assert _render(title=manager["test__TestGlobal1"]).startswith("New title|")
    assert cache.get_many(["homepage", "title:TestGlobal1", "unrelated"]) == {"unrelated": "kept"}
    assert set(result.deleted) == {
        "homepage", "title:TestGlobal1", make_template_fragment_key("site_header"),
    }  # fmt: skip


def test_f13_settings_declare_dependencies_by_glob(settings):
    settings.HUB = {
        "CACHE_DEPENDENCIES": {
            "misc__*": {"keys": ["menu:{owner_id}"], "fragments": [("greeting", "{owner_id}")]},
            "user__*": {"keys": ["never"]},
        }
    }
    user = get_user_model().objects.create_user("ada", password="x")
    cache = caches["default"]
    cache.set_many({f"menu:{user.pk}": "old", "never": "kept"})
    assert _render(colour="Green", user_id=user.pk).endswith("|Green")

    user.preferences["misc__favourite_colour"] = "Blue"
    invalidate_event(Event.objects.get())

    assert _render(colour="Blue", user_id=user.pk).endswith("|Blue")
    assert cache.get_many([f"menu:{user.pk}", "never"]) == {"never": "kept"}


@commits
def test_f13_preference_entry_refreshed_from_the_database():
    manager = global_preferences_registry.manager()
    manager["test__TestGlobal1"] = "fresh"
    key = manager.get_cache_key("test", "TestGlobal1")
    caches["default"].set(key, "stale")

    assert invalidate_event(Event.objects.get()).refreshed is True
    assert caches["default"].get(key) == "fresh"


def test_r12_older_event_never_overwrites_a_newer_value():
    manager = global_preferences_registry.manager()
    manager["test__TestGlobal1"] = "one"
    manager["test__TestGlobal1"] = "two"
    older, newer = Event.objects.order_by("version")
    key = manager.get_cache_key("test", "TestGlobal1")

    assert invalidate_event(newer).refreshed is True
    caches["default"].set(key, "two")  # as the newer task left it
    assert invalidate_event(older).refreshed is False

    assert caches["default"].get(key) == "two"
    assert (older.version, newer.version) == (1, 2)


@commits
def test_f13_user_preference_entry_refreshed_for_its_owner():
    user = get_user_model().objects.create_user("ada", password="x")
    user.preferences["misc__favourite_colour"] = "Blue"
    key = user.preferences.get_cache_key("misc", "favourite_colour")
    caches["default"].set(key, "stale")

    assert invalidate_event(Event.objects.get()).refreshed is True
    assert caches["default"].get(key) == "Blue"


@pytest.mark.parametrize(
    ("declaration", "message"),
    [
        (
            {"keys": ["x:{colour}"]},
            r"cache key 'x:{colour}' uses an unknown placeholder \('colour'\)",
        ),
        ({"keys": [3]}, "cache key 3 is not a string"),
        ({"fragments": [("f", 3)]}, r"fragment \('f', 3\) must be a name"),
    ],
)
def test_f13_bad_declarations_are_named(settings, declaration, message):
    settings.HUB = {"CACHE_DEPENDENCIES": {"test__*": declaration}}
    event = Event(identifier="test__TestGlobal1", section="test", name="TestGlobal1")

    with pytest.raises(
        ImproperlyConfigured, match=f"cache dependencies of test__TestGlobal1: {message}"
    ):
        declared_dependencies(event, object())


def test_f13_no_declaration_means_nothing_to_delete():
    event = Event(identifier="user__max_users", section="user", name="max_users")

    assert declared_dependencies(event, object()) == Dependencies()


def test_f13_unknown_registry_is_an_error():
    event = Event.objects.create(identifier="a__b", section="a", name="b", registry="tenant")

    with pytest.raises(LookupError, match="No preference registry is named 'tenant'"):
        invalidate_event(event)
