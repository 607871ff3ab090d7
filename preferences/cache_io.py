"""Shared-cache I/O that never fails a read or a write of preferences.

The cache is a copy of the database. When it is unreachable (Redis stopped, restarting,
a network blip) a read falls back to the next copy (the in-process one, else the
database) and a write simply leaves the cache entry for the next refresh; the write
itself has committed. Each outage is logged once, when the first call fails, and once
more when a call succeeds again, so a stream of requests does not flood the log.
"""

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

logger = logging.getLogger(__name__)


_lock = threading.Lock()
# Cache alias -> (monotonic time the outage began, number of failed calls).
_outages: dict[str, list[Any]] = {}


def guarded[T](alias: str, operation: Callable[[], T], fallback: T) -> T:
    """``operation()``, or ``fallback`` when the cache ``alias`` cannot be reached."""
    try:
        result = operation()
    except Exception as exc:  # any backend failure; the database holds the truth
        _failed(alias, exc)
        return fallback
    if _outages:
        _recovered(alias)
    return result


def is_down(alias: str) -> bool:
    """True while the last call to the cache ``alias`` failed."""
    return alias in _outages


def _failed(alias: str, exc: Exception) -> None:
    with _lock:
        outage = _outages.get(alias)
        if outage is not None:
            outage[1] += 1
            return
        _outages[alias] = [time.monotonic(), 1]
    logger.warning(
        "Preferences cache %r unreachable (%s: %s); reading from memory or the database "
        "until it is back.",
        alias, type(exc).__name__, exc,
    )  # fmt: skip


def _recovered(alias: str) -> None:
    with _lock:
        outage = _outages.pop(alias, None)
    if outage is not None:
        started, failures = outage
        logger.warning(
            "Preferences cache %r reachable again after %.1f s (%d calls fell back).",
            alias, time.monotonic() - started, failures,
        )  # fmt: skip
