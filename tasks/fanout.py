"""``hub.fanout.expand``: turn one event into the work of every concern (design.md step 4).

Cache invalidation runs first, inside the fan-out itself: it is a few cache deletes, not
worth a message, a result row and a round trip of its own, and since it finishes before
any webhook is even enqueued, a slow webhook never delays it (F13). Each other concern
module of ``tasks`` exposes ``dispatch(event)``, which decides what matches and enqueues
its own tasks on its own queue. Every dispatcher must be idempotent: the fan-out of one
event may run twice (sweeper and fast path, or a redelivered message; R11).
"""

import logging
from collections.abc import Callable
from typing import Any

from celery import shared_task
from django.core.exceptions import ImproperlyConfigured

from hub import outbox, pubsub
from hub.invalidation import invalidate_event
from hub.kinds import PREFERENCE_KINDS
from hub.models import Event
from tasks import emails, handlers, webhooks
from tasks.base import HubTask

logger = logging.getLogger(__name__)


def invalidate_cache(event: Event) -> None:
    """Delete the keys and fragments depending on the changed preference; refresh it.

    A wrong declaration or an unknown registry is logged, not retried: running the
    fan-out again would not fix it. Any other failure (the cache is unreachable) fails
    the dispatcher, so the fan-out is retried.
    """
    if event.kind not in PREFERENCE_KINDS:
        return
    try:
        result = invalidate_event(event)
    except (ImproperlyConfigured, LookupError):
        logger.exception("Cache invalidation of event %s cannot succeed; not retried.", event.pk)
        return
    if result.refreshed:
        # Again, for processes that missed the writer's message (Redis was down then).
        pubsub.publish_change(event, None)


# One entry per concern, cache invalidation first.
DISPATCHERS: list[Callable[[Event], None]] = [
    invalidate_cache,
    handlers.dispatch,
    webhooks.dispatch,
    emails.dispatch,
]

# A failed dispatcher retries the whole fan-out (the others are idempotent): 5 s, 10 s,
# 20 s, ... capped at 5 min, well below the broker visibility timeout (hub.W003).
RETRY_BACKOFF = 5
RETRY_BACKOFF_MAX = 300
MAX_RETRIES = 10


class FanoutIncomplete(Exception):
    """Some dispatchers failed; the fan-out is retried as a whole."""


@shared_task(
    base=HubTask,
    name=outbox.FANOUT_TASK,
    # The event's dispatched_at records a finished fan-out; a result row would repeat it.
    ignore_result=True,
    autoretry_for=(Exception,),
    retry_backoff=RETRY_BACKOFF,
    retry_backoff_max=RETRY_BACKOFF_MAX,
    max_retries=MAX_RETRIES,
)
def expand(event_id: str) -> dict[str, Any]:
    """Run every dispatcher for the event; retry if any of them failed."""
    event = Event.objects.filter(pk=event_id).first()
    if event is None:
        logger.warning("Event %s does not exist; nothing to fan out.", event_id)
        return {"event": event_id, "dispatched": 0}
    failed = [name for name, dispatcher in dispatchers() if not _run(name, dispatcher, event)]
    if failed:
        raise FanoutIncomplete(f"event {event_id}: dispatchers failed: {', '.join(failed)}")
    outbox.mark_dispatched(event.pk)
    return {"event": event_id, "kind": event.kind, "dispatched": len(DISPATCHERS)}


def dispatchers() -> list[tuple[str, Callable[[Event], None]]]:
    """``(dotted name, function)`` of each entry of ``DISPATCHERS``, for logs and tests."""
    return [(f"{f.__module__}.{f.__qualname__}", f) for f in DISPATCHERS]


def _run(name: str, dispatcher: Callable[[Event], None], event: Event) -> bool:
    try:
        dispatcher(event)
    except Exception:
        logger.exception("Dispatcher %s failed for event %s.", name, event.pk)
        return False
    return True
