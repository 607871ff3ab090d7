"""hub.pubsub: what a message names must be what the managers of every process look up."""

import logging

import pytest

from hub import pubsub
from hub.models import Event
from preferences import local_cache
from preferences.registries import global_preferences_registry

pytestmark = pytest.mark.django_db


def test_event_scopes_are_the_managers_scopes(django_user_model):
    user = django_user_model.objects.create_user("ada", password="x")
    user.preferences["misc__favourite_colour"] = "Blue"
    global_preferences_registry.manager()["user__max_users"] = 3
    user_event = Event.objects.get(registry="user")
    global_event = Event.objects.get(registry="global")

    assert pubsub.scope_of_event(user_event) == user.preferences._scope
    assert pubsub.scope_of_event(global_event) == global_preferences_registry.manager()._scope
    assert user_event.identifier == "misc__favourite_colour"


def test_a_malformed_message_is_logged_and_ignored(caplog):
    subscriber = pubsub.Subscriber("redis://127.0.0.1:1/0", "unused")
    with caplog.at_level(logging.WARNING, logger="hub.pubsub"):
        subscriber._apply(b"{not json")
        subscriber._apply(b'{"scope": "GlobalPreferenceModel"}')
    assert caplog.text.count("Ignored a malformed invalidation message") == 2
    assert subscriber.applied == 0


def test_a_message_applies_its_version_once():
    subscriber = pubsub.Subscriber("redis://127.0.0.1:1/0", "unused")
    local_cache.flush("test")
    message = b'{"scope": "S", "identifier": "a__b", "version": 4, "raw": "x"}'
    subscriber._apply(message)
    subscriber._apply(message)
    assert subscriber.applied == 1
    assert local_cache.pushed[("S", "a__b")] == "x"
    assert local_cache.apply(("S", "a__b"), 4, "y") is False
    local_cache.flush("test")
