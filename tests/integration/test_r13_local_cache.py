"""R12 and R13: several real processes read a preference from their in-process caches.

Each reader (tests/support/readers.py) is a Django process with the run's database and
shared Redis cache; the invalidation channel is a private ``redis-server``, so that the
test can cut it without touching anybody else's subscribers.
"""

import io
import time

import pytest
from django.core.cache import caches
from django.core.management import call_command

from hub import pubsub
from hub.models import Event
from preferences.registries import global_preferences_registry
from tests.support.broker import RedisServer
from tests.support.namespaces import namespace_env, publishing_in
from tests.support.polling import wait_until
from tests.support.readers import ReaderProcess
from tests.support.worker import ALL_QUEUES, WorkerProcess

pytestmark = pytest.mark.django_db(transaction=True)

KEY = "test__TestGlobal1"
READERS = 3
TTL = 2.0
LONG_TTL = 60.0


@pytest.fixture
def channel(settings):
    with RedisServer() as server:
        settings.DYNAMIC_PREFERENCES = {"CACHE_NAME": "redis"}
        settings.HUB = {**settings.HUB, "PUBSUB_URL": server.url}
        manager = global_preferences_registry.manager()
        caches["redis"].delete(manager.get_cache_key("test", "TestGlobal1"))
        yield server


def _started_readers(channel, ttl: float):
    global_preferences_registry.manager()[KEY] = "start"
    started = [ReaderProcess(KEY, channel.url, ttl) for _ in range(READERS)]
    try:
        for reader in started:
            reader.start()
        yield started
    finally:
        for reader in started:
            reader.stop()


@pytest.fixture
def readers(channel):
    yield from _started_readers(channel, TTL)


@pytest.fixture
def long_ttl_readers(channel):
    """Readers whose copies outlive the test: only a message can refresh them."""
    yield from _started_readers(channel, LONG_TTL)


def _write(value: str) -> float:
    global_preferences_registry.manager()[KEY] = value
    return time.time()


def _seen_within(readers, value: str, since: float, bound: float) -> list[float]:
    wait_until(lambda: all(r.first_seen(value) for r in readers), timeout=bound + 5)
    delays = [r.first_seen(value) - since for r in readers]
    assert max(delays) <= bound, delays
    return delays


def test_r13_a_change_is_read_everywhere_within_a_second(readers):
    assert all(r.last_value() == "start" for r in readers)
    for n in range(5):
        _seen_within(readers, f"v{n}", _write(f"v{n}"), 1.0)


def test_r13_with_pubsub_cut_the_ttl_bounds_staleness_then_a_resubscribe_flushes(readers, channel):
    channel.kill()
    wait_until(lambda: all("channel lost" in " ".join(r.logs()) for r in readers))
    _seen_within(readers, "while cut", _write("while cut"), TTL + 1)

    channel.start()
    wait_until(lambda: all(any("resubscribed" in log for log in r.logs()) for r in readers))
    assert all(any("flushed (resubscribed)" in log for log in r.logs()) for r in readers)
    _seen_within(readers, "after", _write("after"), 1.0)


def test_r12_reverse_order_keeps_the_newer_value_in_every_process(readers, settings):
    # The writer publishes nothing itself here: the test delivers the two messages.
    settings.HUB = {**settings.HUB, "PUBSUB_URL": ""}
    _write("older")
    _write("newer")
    newer, older = Event.objects.filter(identifier=KEY).order_by("-version")[:2]
    assert (older.new_value, newer.new_value) == ("older", "newer")
    settings.HUB = {**settings.HUB, "PUBSUB_URL": readers[0].env["PREFHUB_TEST_PUBSUB_URL"]}

    assert pubsub.publish_change(newer, "newer")
    assert pubsub.publish_change(older, "older")

    wait_until(lambda: all(r.first_seen("newer") for r in readers))
    time.sleep(0.5)  # the older message has arrived everywhere by now
    assert [r.last_value() for r in readers] == ["newer"] * READERS


def test_cachestatus_shows_the_listeners_and_the_subscriber(readers, channel):
    out = io.StringIO()
    call_command("cachestatus", stdout=out)
    text = out.getvalue()
    assert "Subscriber (this process): connected" in text
    # The readers and this command's own subscriber.
    assert f"Processes listening: {READERS + 1}" in text
    assert "In-process TTL (staleness bound when messages are lost): 5 s" in text

    channel.kill()
    out = io.StringIO()
    call_command("cachestatus", "--wait", "0.5", stdout=out)
    assert "Subscriber (this process): reconnecting" in out.getvalue()
    assert "Processes listening: unknown" in out.getvalue()


def test_a_change_whose_message_was_lost_arrives_with_the_fanout(
    long_ttl_readers, channel, settings
):
    """The writer's own message is lost (here: it publishes none); the worker's cache
    task publishes the change again, and only that message can refresh the readers."""
    env = {**namespace_env("pubsub"), "PREFHUB_TEST_PUBSUB_URL": channel.url}
    with WorkerProcess(queues=ALL_QUEUES, name="pubsub", extra_env=env), publishing_in(env):
        settings.HUB = {**settings.HUB, "PUBSUB_URL": ""}
        _seen_within(long_ttl_readers, "from the fan-out", _write("from the fan-out"), 10)
