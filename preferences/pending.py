"""Cache writes that wait for the commit, and the writer's own view of them meanwhile.

A preference written inside a transaction must not reach the shared cache before the
transaction commits: other processes would read a value that may still be rolled back
(the phantom value after an outer ``atomic()`` rolls back). So each write is handed to
``transaction.on_commit`` as a :class:`Flush`, and until then it is kept in an overlay
on the writer's database connection, which the writer's reads consult first
(read-your-writes inside the transaction).

An overlay entry counts only while its flush is still queued in the connection's
``run_on_commit``. Django drops the callbacks of a rolled-back savepoint, and the whole
list on a rollback, so a rollback invalidates the overlay without any hook of its own,
and the final rollback of a test's transaction leaks nothing into a shared cache.
"""

from collections.abc import Callable, Iterable
from threading import get_ident
from typing import Any

from django.db import connections, transaction

# Stands for "deleted" in the overlay; distinct from every raw value.
DELETED = object()
_ATTR = "_preferences_pending"

# Threads whose connections hold overlay entries. Reads skip the overlay while it is
# empty, so the common case (no write in flight) costs one global lookup; a thread that
# rolled back keeps its ident here only until its next read prunes the overlay.
active: set[int] = set()


def here() -> bool:
    """True when this thread may have writes waiting for their commit."""
    return bool(active) and get_ident() in active


class Flush:
    """Apply one set of cache writes once the transaction commits."""

    def __init__(
        self, using: str, scope: Any, apply: Callable[[dict[str, Any]], None], values: dict
    ) -> None:
        self.using = using
        self.scope = scope
        self.apply = apply
        self.values = values

    def __call__(self) -> None:
        connection = connections[self.using]
        overlay = connection.__dict__.get(_ATTR)
        if overlay:
            for key in self.values:
                flushes = overlay.get((self.scope, key), [])
                if self in flushes:
                    flushes.remove(self)
            _prune(connection, overlay)
        self.apply(self.values)


def write(using: str, scope: Any, values: dict[str, Any], apply: Callable[[dict], None]) -> None:
    """Apply ``values`` (cache key -> raw value or ``DELETED``) now or after the commit.

    ``scope`` names the cache the keys belong to (its alias), so that one overlay
    serves several caches. Outside a transaction ``apply`` runs at once.
    """
    connection = connections[using]
    if not connection.in_atomic_block:
        apply(values)
        return
    flush = Flush(using, scope, apply, values)
    transaction.on_commit(flush, using=using, robust=True)
    overlay = connection.__dict__.get(_ATTR)
    if overlay is None:
        overlay = connection.__dict__[_ATTR] = {}
        active.add(get_ident())
    for key in values:
        overlay.setdefault((scope, key), []).append(flush)


def lookup(using: str, scope: Any, keys: Iterable[str]) -> dict[str, Any]:
    """The writer's pending values among ``keys``: raw values or ``DELETED``."""
    connection = connections[using]
    overlay = connection.__dict__.get(_ATTR)
    if overlay is None:
        _release_thread()
        return {}
    _prune(connection, overlay)
    found = {}
    for key in keys:
        flushes = overlay.get((scope, key))
        if flushes:
            found[key] = flushes[-1].values[key]
    return found


def _prune(connection: Any, overlay: dict) -> None:
    """Keep only flushes still queued: the others ran or were rolled back."""
    queued = {func for _, func, _ in connection.run_on_commit}
    for entry, flushes in list(overlay.items()):
        flushes[:] = [flush for flush in flushes if flush in queued]
        if not flushes:
            del overlay[entry]
    if not overlay:
        del connection.__dict__[_ATTR]
        _release_thread()


def _release_thread() -> None:
    """Forget this thread in ``active`` unless another of its connections has an overlay."""
    if not any(_ATTR in c.__dict__ for c in connections.all(initialized_only=True)):
        active.discard(get_ident())
