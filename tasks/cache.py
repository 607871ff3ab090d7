"""``hub.cache.invalidate``: one cache-invalidation task per preference change (F13)."""

from typing import Any

from celery import shared_task
from django.core.exceptions import ImproperlyConfigured

from hub import pubsub
from hub.invalidation import invalidate_event
from hub.kinds import PREFERENCE_KINDS
from hub.models import Event
from tasks.base import HubTask

# A cache or database that is briefly unreachable is retried: 2 s, 4 s, ... at most
# 1 min apart; a wrong declaration (ImproperlyConfigured) or registry fails at once.
RETRY_BACKOFF = 2
RETRY_BACKOFF_MAX = 60
MAX_RETRIES = 5


def dispatch(event: Event) -> None:
    """Enqueue the invalidation of a preference change or reset; running it twice is harmless."""
    if event.kind in PREFERENCE_KINDS:
        invalidate.delay(str(event.pk))


@shared_task(
    base=HubTask,
    name="hub.cache.invalidate",
    autoretry_for=(Exception,),
    dont_autoretry_for=(ImproperlyConfigured, LookupError),
    retry_backoff=RETRY_BACKOFF,
    retry_backoff_max=RETRY_BACKOFF_MAX,
    max_retries=MAX_RETRIES,
)
def invalidate(event_id: str) -> dict[str, Any]:
    """Delete the keys and fragments depending on the event's preference; refresh it."""
    event = Event.objects.filter(pk=event_id).first()
    if event is None:
        return {"event": event_id, "deleted": 0, "refreshed": False}
    result = invalidate_event(event)
    if result.refreshed:
        # Again, for processes that missed the writer's message (Redis was down then).
        pubsub.publish_change(event, None)
    return {"event": event_id, "deleted": len(result.deleted), "refreshed": result.refreshed}
