"""The invalidation channel of the in-process preference caches: Redis pub/sub.

After a change commits, its writer publishes (from a background thread, so the
request does not wait) ``{scope, identifier, version, raw}`` on
``HUB["PUBSUB_CHANNEL"]``; the cache task of the fan-out publishes the same change
again (with the value left out), so a change whose first message was lost (Redis was
down) still reaches every process when the outbox sweeper catches up. Every process
runs one daemon subscriber thread that applies the messages to
``preferences.local_cache``. Pub/sub delivers at most once, so the subscriber flushes
the whole in-process copy each time it (re)subscribes, and the TTL bounds what a
process serves while it is disconnected.

The subscriber is started lazily by the first preference read of each process (see
``preferences.local_cache.ensure_started``), which makes it fork-safe: a prefork worker
child or a gunicorn worker starts its own thread after the fork. Without a Redis URL
the channel is off and so is the in-process copy: reads go to the shared cache.
"""

import json
import logging
import os
import queue
import threading
import time
from typing import Any

import redis
from django.conf import settings

from hub.conf import hub_settings
from hub.kinds import PREFERENCE_KINDS
from hub.models import Event
from preferences import cache_io, local_cache

logger = logging.getLogger(__name__)

# Seconds between reconnection attempts, and between health-check PINGs of an idle
# subscription (a silently dead connection is noticed within about twice that).
RECONNECT_DELAY = 0.5
HEALTH_CHECK_INTERVAL = 2

_lock = threading.Lock()
_subscriber: "Subscriber | None" = None
_publisher: tuple[int, str, redis.Redis] | None = None
_outgoing: tuple[int, queue.SimpleQueue] | None = None


def channel_url() -> str | None:
    """The Redis URL of the channel: ``HUB["PUBSUB_URL"]``, else ``REDIS_URL``; None = off."""
    url = hub_settings.PUBSUB_URL
    if url is None:
        url = getattr(settings, "REDIS_URL", None)
    return url or None


def ensure_subscriber() -> bool:
    """Start this process's subscriber thread unless it runs; False when the channel is off."""
    global _subscriber
    url = channel_url()
    if url is None:
        return False
    with _lock:
        if _subscriber is None or _subscriber.pid != os.getpid() or not _subscriber.is_alive():
            _subscriber = Subscriber(url, hub_settings.PUBSUB_CHANNEL)
            _subscriber.start()
    return True


def subscriber() -> "Subscriber | None":
    """This process's subscriber, if it started one."""
    if _subscriber is not None and _subscriber.pid == os.getpid():
        return _subscriber
    return None


def publish_change(event: Event, raw: Any) -> bool:
    """Publish that ``event``'s key now holds ``raw`` (None: read it again); False on failure.

    Never raises: the change has committed, and the fan-out publishes it again.
    """
    prepared = _prepare(event, raw)
    return False if prepared is None else _send(*prepared)


def publish_change_soon(event: Event, raw: Any) -> None:
    """``publish_change`` from this process's publisher thread, in order.

    The writer's request does not wait for the Redis round trip: a write costs what it
    did before the in-process cache existed.
    """
    prepared = _prepare(event, raw)
    if prepared is not None:
        _publisher_queue().put(prepared)


def _prepare(event: Event, raw: Any) -> tuple[str, str, str] | None:
    """``(url, channel, message)`` of the change, or None when the channel is off."""
    url = channel_url()
    if url is None or event.kind not in PREFERENCE_KINDS:
        return None
    message = json.dumps(
        {
            "scope": scope_of_event(event),
            "identifier": event.identifier,
            "version": event.version,
            "raw": raw,
            "published_at": time.time(),
        }
    )
    return url, hub_settings.PUBSUB_CHANNEL, message


def _send(url: str, channel: str, message: str) -> bool:
    return cache_io.guarded(
        f"Invalidation channel {channel!r}",
        lambda: _client(url).publish(channel, message) >= 0,
        False,
        consequence="other processes serve their copies for at most the TTL",
    )


def _publisher_queue() -> queue.SimpleQueue:
    """The queue of this process's publisher thread, started on first use (after a fork)."""
    global _outgoing
    with _lock:
        if _outgoing is None or _outgoing[0] != os.getpid():
            outgoing: queue.SimpleQueue = queue.SimpleQueue()
            threading.Thread(
                target=_publish_forever, args=(outgoing,), name="prefhub-publish", daemon=True
            ).start()
            _outgoing = (os.getpid(), outgoing)
    return _outgoing[1]


def _publish_forever(outgoing: queue.SimpleQueue) -> None:
    while True:
        _send(*outgoing.get())


def listeners() -> int | None:
    """How many processes subscribe to the channel now; None when off or unreachable."""
    url = channel_url()
    if url is None:
        return None
    channel = hub_settings.PUBSUB_CHANNEL
    counts = cache_io.guarded(
        f"Invalidation channel {channel!r}",
        lambda: _client(url).pubsub_numsub(channel),
        None,
        consequence="the number of listeners is unknown",
    )
    return None if counts is None else int(counts[0][1])


def scope_of_event(event: Event) -> str | None:
    """The ``preferences.local_cache`` scope of the event's preference rows."""
    from hub.invalidation import registry_named

    model = registry_named(event.registry).preference_model
    if event.owner_id is None:
        return local_cache.scope_of(model)
    return local_cache.owner_scope(model, event.owner_id)


def _client(url: str) -> redis.Redis:
    global _publisher
    if _publisher is None or _publisher[:2] != (os.getpid(), url):
        client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        _publisher = (os.getpid(), url, client)
    return _publisher[2]


class Subscriber(threading.Thread):
    """Applies channel messages to this process's in-process cache; reconnects forever."""

    def __init__(self, url: str, channel: str) -> None:
        super().__init__(name="prefhub-pubsub", daemon=True)
        self.url = url
        self.channel = channel
        self.pid = os.getpid()
        self.state = "connecting"
        self.subscribed_at: float | None = None
        self.disconnected_at: float | None = time.monotonic()
        self.applied = 0
        self._client: redis.Redis | None = None
        self._stopping = threading.Event()

    def run(self) -> None:
        first = True
        while not self._stopping.is_set():
            try:
                self._listen(first)
            except (redis.RedisError, OSError) as exc:
                if self._stopping.is_set():
                    break
                if self.state == "connected":
                    self.disconnected_at = time.monotonic()
                    logger.warning(
                        "Preference invalidation channel lost (%s: %s); reconnecting.",
                        type(exc).__name__, exc,
                    )  # fmt: skip
                self.state = "reconnecting"
            first = False
            self._stopping.wait(RECONNECT_DELAY)
        self.state = "off"

    def stop(self, timeout: float = 5) -> None:
        """End the thread (a one-off command's subscriber); the process keeps no copy."""
        global _subscriber
        self._stopping.set()
        if self._client is not None:
            self._client.connection_pool.disconnect()
        self.join(timeout)
        with _lock:
            if _subscriber is self:
                _subscriber = None

    def _listen(self, first: bool) -> None:
        self._client = redis.Redis.from_url(
            self.url, socket_timeout=HEALTH_CHECK_INTERVAL * 2,
            health_check_interval=HEALTH_CHECK_INTERVAL,
        )  # fmt: skip
        pubsub = self._client.pubsub()
        pubsub.subscribe(self.channel)
        while not self._stopping.is_set():
            message = pubsub.get_message(timeout=HEALTH_CHECK_INTERVAL)
            if message is None:
                pubsub.check_health()
            elif message["type"] == "subscribe":
                self._subscribed(first)
            elif message["type"] == "message":
                self._apply(message["data"])

    def _subscribed(self, first: bool) -> None:
        # Messages sent while disconnected are gone: forget everything.
        local_cache.flush("subscribed" if first else "resubscribed")
        if not first:
            logger.warning("Preference invalidation channel %r resubscribed.", self.channel)
        self.state = "connected"
        self.subscribed_at = time.monotonic()
        self.disconnected_at = None

    def _apply(self, data: bytes) -> None:
        try:
            message = json.loads(data)
            key = (message["scope"], message["identifier"])
            version, raw = int(message["version"]), message["raw"]
        except (ValueError, KeyError, TypeError):
            logger.warning("Ignored a malformed invalidation message: %r", data[:200])
            return
        if local_cache.apply(key, version, raw, published_at=message.get("published_at")):
            self.applied += 1
