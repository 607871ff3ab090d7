"""The settings example of docs/preferences/caching.md ("How fresh is a read?")."""

from hub import pubsub
from preferences.settings import preferences_settings


def test_readme_local_cache_settings(settings):
    DYNAMIC_PREFERENCES = {"LOCAL_CACHE_TTL": 5.0}  # seconds; the staleness bound
    HUB = {
        "PUBSUB_URL": None,  # None: REDIS_URL; "" turns the in-process cache off
        "PUBSUB_CHANNEL": "prefhub:preferences",  # one per site sharing a Redis
    }
    settings.DYNAMIC_PREFERENCES, settings.HUB = DYNAMIC_PREFERENCES, HUB
    settings.REDIS_URL = "redis://cache.internal:6379/0"
    assert preferences_settings.LOCAL_CACHE_TTL == 5.0
    assert pubsub.channel_url() == "redis://cache.internal:6379/0"

    settings.HUB = {**HUB, "PUBSUB_URL": ""}
    assert pubsub.channel_url() is None
    assert pubsub.ensure_subscriber() is False
