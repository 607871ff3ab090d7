"""The in-process copy of preference values: reads at memory speed, staleness bounded.

Each process keeps the values it read in a dict, keyed by ``(scope, identifier)``, where
the scope names the manager's rows (model, and owner for per-instance preferences). A
read that finds a fresh entry costs one dict lookup and one clock read: no I/O, no lock.

The copy is only as good as its invalidation, so it is off until an invalidation
channel attaches (the hub's Redis pub/sub subscriber, ``hub.pubsub``); the engine itself
knows nothing of Redis, Celery or the hub. Then:

- every committed write in this process drops its own entry at once (read-your-writes);
- a channel message drops or replaces an entry, unless it carries a version older than
  one already applied (an older update never overwrites a newer one);
- every entry expires after ``LOCAL_CACHE_TTL`` seconds, the hard staleness bound when
  messages are lost;
- the channel flushes the whole copy on every (re)subscribe, since pub/sub drops the
  messages sent while a subscriber is disconnected.

A reader that fetched a value while an invalidation of the same key arrived must not
store what it fetched: ``token()`` before the fetch and ``store()`` after it compare the
key's generation and the flush epoch.
"""

import logging
import os
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from datetime import time as dt_time
from decimal import Decimal
from typing import Any

from .settings import preferences_settings

logger = logging.getLogger(__name__)

Key = tuple[str, str]

# (value, monotonic expiry, deserializer or None). With a deserializer the value is the
# raw string, turned into a fresh object on every read: model instances, files and
# lists are objects a caller could change, or values that need a query (R-CACHE-3).
values: dict[Key, tuple[Any, float, Callable[[Any], Any] | None]] = {}
# Raw values pushed by the channel, not read yet; a read deserializes them without I/O.
pushed: dict[Key, Any] = {}
_generations: dict[Key, int] = {}
_versions: dict[Key, int] = {}
_state: dict[str, Any] = {"epoch": 0, "flushed_at": None, "last_lag": None}

# Set by the channel (``attach``); called on the first read of each process, so that a
# forked child (prefork workers, gunicorn) starts its own subscriber.
_starter: Callable[[], bool] | None = None
_started_pid: int | None = None
enabled = False

# Immutable, so one object may be returned to every reader.
_PLAIN_TYPES = frozenset(
    (str, int, float, bool, type(None), Decimal, date, datetime, dt_time, timedelta)
)
# The identifier under which a scope's whole ``all()`` answer is kept.
ALL = ""


def scope_of(model: type, instance: Any = None) -> str | None:
    """The scope of a manager's rows: the model, plus the owner's primary key.

    None for an owner without a primary key yet: its values are never copied.
    """
    if instance is None:
        return model.__name__
    return None if instance.pk is None else owner_scope(model, instance.pk)


def owner_scope(model: type, owner_pk: Any) -> str:
    """The scope of the rows of the owner whose primary key is ``owner_pk``."""
    return f"{model.__name__}_{owner_pk}"


def attach(starter: Callable[[], bool]) -> None:
    """Register the channel's starter; it returns True when the channel is running."""
    global _starter, _started_pid
    _starter, _started_pid = starter, None


def ensure_started() -> bool:
    """Start the channel in this process once (again after a fork); True if it runs."""
    global _started_pid, enabled
    pid, previous = os.getpid(), _started_pid
    if previous != pid:
        _started_pid = pid
        if previous is not None:
            flush("fork")  # the parent's copy has no subscriber in this process
        enabled = bool(_starter and preferences_settings.ENABLE_CACHE and _starter())
    return enabled


def token(key: Key) -> tuple[int, int]:
    """What ``store`` checks: the flush epoch and the key's invalidation count."""
    return _state["epoch"], _generations.get(key, 0)


def store(key: Key, value: Any, deserialize: Callable[[Any], Any] | None, seen: tuple) -> None:
    """Keep ``value`` unless ``key`` was invalidated or the copy flushed since ``seen``."""
    if seen == token(key):
        values[key] = (value, time.monotonic() + preferences_settings.LOCAL_CACHE_TTL, deserialize)


def is_plain(value: Any) -> bool:
    """True for values that can be shared between reads as they are (immutable)."""
    return type(value) in _PLAIN_TYPES


def invalidate(key: Key) -> None:
    """Drop this process's copy of ``key`` (its own committed write)."""
    all_key = (key[0], ALL)
    for dropped in (key, all_key):
        _generations[dropped] = _generations.get(dropped, 0) + 1
        values.pop(dropped, None)
    pushed.pop(key, None)


def apply(key: Key, version: int, raw: Any, *, published_at: float | None = None) -> bool:
    """Apply a channel message: ``key`` is at ``version`` with ``raw`` (None: unknown).

    Returns False, changing nothing, when a newer version was already applied.
    """
    if version <= _versions.get(key, 0):
        return False
    _versions[key] = version
    invalidate(key)
    if raw is not None:
        pushed[key] = raw
    if published_at is not None:
        _state["last_lag"] = max(time.time() - published_at, 0.0)
    return True


def flush(reason: str) -> None:
    """Forget every value (on (re)subscribe: messages may have been lost meanwhile)."""
    _state["epoch"] += 1
    _state["flushed_at"] = time.monotonic()
    count = len(values) + len(pushed)
    values.clear()
    pushed.clear()
    _versions.clear()
    logger.info("In-process preference cache flushed (%s): %d entries dropped.", reason, count)


def seconds_since_flush() -> float | None:
    """Seconds since the last flush, None if this process never flushed."""
    flushed_at = _state["flushed_at"]
    return None if flushed_at is None else time.monotonic() - flushed_at


def last_lag() -> float | None:
    """How long the last applied channel message took from its publisher, in seconds."""
    return _state["last_lag"]
