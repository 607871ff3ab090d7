"""Shared-cache I/O that never fails a read or a write of preferences, logged once per outage.

The cache is a copy of the database. When it is unreachable (Redis stopped, restarting,
a network blip) a read falls back to the next copy (the in-process one, else the
database) and a write simply leaves the cache entry for the next refresh; the write
itself has committed. Each outage is logged once, when the first call fails, and once
more when a call succeeds again, so a stream of requests does not flood the log. The hub
uses the same guard for its other Redis connections (the invalidation channel, the
broker at commit time).
"""

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

logger = logging.getLogger(__name__)


_lock = threading.Lock()
# What is unreachable -> (monotonic time the outage began, number of failed calls).
_outages: dict[str, list[Any]] = {}


READ_FALLBACK = "reading from memory or the database"


def guarded[T](
    what: str, operation: Callable[[], T], fallback: T, *, consequence: str = READ_FALLBACK
) -> T:
    """``operation()``, or ``fallback`` when ``what`` (named so in the log) is unreachable.

    ``consequence`` tells the log what happens meanwhile.
    """
    try:
        result = operation()
    except Exception as exc:  # any backend failure; the database holds the truth
        _failed(what, exc, consequence)
        return fallback
    if _outages:
        _recovered(what)
    return result


def cache_label(alias: str) -> str:
    """How the preferences cache ``alias`` is named in the outage log."""
    return f"Preferences cache {alias!r}"


def _failed(what: str, exc: Exception, consequence: str) -> None:
    with _lock:
        outage = _outages.get(what)
        if outage is not None:
            outage[1] += 1
            return
        _outages[what] = [time.monotonic(), 1]
    logger.warning(
        "%s unreachable (%s: %s); %s until it is back.", what, type(exc).__name__, exc, consequence
    )


def _recovered(what: str) -> None:
    with _lock:
        outage = _outages.pop(what, None)
    if outage is not None:
        started, failures = outage
        logger.warning(
            "%s reachable again after %.1f s (%d calls fell back).",
            what, time.monotonic() - started, failures,
        )  # fmt: skip
