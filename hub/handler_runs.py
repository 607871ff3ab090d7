"""Retrying a failed handler run, shared by the admin and the REST API (F15).

A run fails once its handler's retries are exhausted (``HandlerTask.on_failure``). A retry
puts the run back to ``pending`` and publishes the handler's task again after the
commit, with a fresh retry budget; ``attempts`` keeps counting across retries, so the
history stays visible. Two retries of one run at once publish one task: only the one
that moves it out of ``failed`` publishes.
"""

from celery import current_app
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from hub.handlers import registered_handler
from hub.models import HandlerRun


def retry_run(run: HandlerRun) -> None:
    """Publish ``run``'s handler again for its event; refused unless the run failed."""
    reopened = HandlerRun.objects.filter(pk=run.pk, status=HandlerRun.Status.FAILED).update(
        status=HandlerRun.Status.PENDING, enqueued_at=timezone.now(), finished_at=None
    )
    if not reopened:
        run.refresh_from_db(fields=["status"])
        raise ValidationError(f"Only failed handler runs can be retried; this one is {run.status}.")
    transaction.on_commit(lambda: _publish(run.handler, str(run.event_id)))


def _publish(name: str, event_id: str) -> None:
    # The web process need not import the handler modules (only workers must): unknown
    # here, the task goes by name to the route of every handler, the "handlers" queue.
    handler = registered_handler(name)
    if handler is not None:
        handler.enqueue(event_id)
    else:
        current_app.send_task(name, args=(event_id,))
