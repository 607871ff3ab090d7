"""How fresh the in-process preference caches are: the staleness metric (F14).

Two views. ``process_status()`` is this process's own: the subscriber's state, the time
since it last (re)subscribed (when every copy was flushed), and, while it is not
connected, the age of the oldest invalidation it may have missed. ``cluster_status()``
is what any process can see of all of them: how many processes listen on the channel,
and the age of the oldest change whose invalidation the fan-out has not yet sent (an
outbox event still pending). ``manage.py cachestatus`` prints both.
"""

import time
from dataclasses import dataclass

from hub import outbox, pubsub
from hub.conf import hub_settings
from preferences import local_cache
from preferences.settings import preferences_settings


@dataclass(frozen=True)
class ProcessStatus:
    """The in-process cache of this process."""

    state: str  # "connected", "reconnecting", "connecting" or "off"
    since_subscribe: float | None  # seconds since the last (re)subscribe and flush
    oldest_unapplied_age: float | None  # seconds; None while connected
    last_message_lag: float | None  # publisher to this process, seconds
    entries: int
    ttl: float


@dataclass(frozen=True)
class ClusterStatus:
    """What every process shares: the channel's listeners and the outbox backlog."""

    channel: str
    listeners: int | None  # None: the channel is off or unreachable
    oldest_unapplied_age: float  # seconds since the oldest change not yet invalidated
    unapplied: int


def process_status() -> ProcessStatus:
    subscriber = pubsub.subscriber()
    ttl = preferences_settings.LOCAL_CACHE_TTL
    if subscriber is None:
        return ProcessStatus("off", None, None, None, len(local_cache.values), ttl)
    subscribed_at, disconnected_at = subscriber.subscribed_at, subscriber.disconnected_at
    now = time.monotonic()
    return ProcessStatus(
        state=subscriber.state,
        since_subscribe=None if subscribed_at is None else now - subscribed_at,
        oldest_unapplied_age=None if disconnected_at is None else now - disconnected_at,
        last_message_lag=local_cache.last_lag(),
        entries=len(local_cache.values),
        ttl=ttl,
    )


def cluster_status() -> ClusterStatus:
    backlog = outbox.outbox_status()
    return ClusterStatus(
        channel=hub_settings.PUBSUB_CHANNEL,
        listeners=pubsub.listeners(),
        oldest_unapplied_age=backlog.oldest_age,
        unapplied=backlog.pending,
    )
