"""The fan-out hook of user handlers: one task per matching handler and event (F15).

Each handler is its own Celery task, built by ``@hub.handler`` (``hub/handlers.py``), which
also keeps the ``HandlerRun`` bookkeeping. A run is claimed before publishing, so a fan-out
that runs twice enqueues nothing new.
"""

from hub.handlers import claim_run, matching_handlers, release_run
from hub.models import Event


def dispatch(event: Event) -> None:
    """Enqueue each matching handler that has not been enqueued for this event yet."""
    for handler in matching_handlers(event):
        if not claim_run(event, handler):
            continue
        try:
            handler.enqueue(str(event.pk))
        except Exception:
            release_run(event, handler)
            raise
