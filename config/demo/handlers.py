"""The demo's user handler: remembers the last change it handled, for the home page.

It shows the shape of a real handler (fetch nothing, act on the event's ids and values)
and makes its effect visible: change a preference in the admin and the home page names
it within seconds, once a worker has run this task.
"""

from django.core.cache import cache
from django.utils import timezone

import hub
from hub.handlers import HandlerEvent

LAST_CHANGE_KEY = "demo:last-handled-change"


@hub.handler(registry="global", max_retries=5)
def remember_last_change(event: HandlerEvent) -> None:
    cache.set(
        LAST_CHANGE_KEY,
        {
            "identifier": event.identifier,
            "new_value": event.new_value,
            "version": event.version,
            "handled_at": timezone.now(),
        },
        timeout=None,
    )
