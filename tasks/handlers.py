"""Tasks of user handlers: one task per registered handler, one run per event (F15).

``dispatch(event)`` enqueues every matching handler once per event: the ``HandlerRun``
row is claimed before publishing, so a fan-out that runs twice enqueues nothing new
(R11). Each handler task records its attempts and outcome on that row; the error is
recorded by exception class only, since a message could quote a value.
"""

from collections.abc import Callable
from typing import Any

from celery import Task
from django.db.models import F
from django.utils import timezone

from celery_app import app
from hub.handlers import HandlerEvent, matching_handlers
from hub.models import Event, HandlerRun
from tasks.base import HubTask


def dispatch(event: Event) -> None:
    """Enqueue each matching handler that has not been enqueued for this event yet."""
    for handler in matching_handlers(event):
        run, _ = HandlerRun.objects.get_or_create(event=event, handler=handler.name)
        claimed = HandlerRun.objects.filter(pk=run.pk, enqueued_at__isnull=True)
        if not claimed.update(enqueued_at=timezone.now()):
            continue
        try:
            handler.task.delay(str(event.pk))
        except Exception:
            # Unclaim, so that the retried fan-out publishes it again.
            HandlerRun.objects.filter(pk=run.pk).update(enqueued_at=None)
            raise


class HandlerTask(HubTask):
    """Marks the handler's run as failed once its retries are exhausted."""

    def on_failure(self, exc: Exception, task_id: str, args: Any, kwargs: Any, einfo: Any) -> None:
        event_id = args[0] if args else kwargs.get("event_id")
        _runs(event_id, self.name).update(
            status=HandlerRun.Status.FAILED, last_error=_error_name(exc), finished_at=timezone.now()
        )


def build_handler_task(
    function: Callable[[HandlerEvent], Any],
    *,
    name: str,
    queue: str | None,
    max_retries: int,
    retry_backoff: int,
    retry_backoff_max: int,
    time_limit: int,
) -> Task:
    """The Celery task running ``function`` for one event, with the handler's own policy.

    Any exception is retried with exponential backoff and jitter; past ``time_limit``
    the handler gets ``SoftTimeLimitExceeded`` (retried like any failure) and, 10 s
    later, its process is replaced, so a hung handler never holds a worker slot.
    """

    def run(event_id: str) -> dict[str, Any]:
        return run_handler(name, function, event_id)

    run.__doc__ = function.__doc__
    options: dict[str, Any] = {
        "base": HandlerTask,
        "name": name,
        "autoretry_for": (Exception,),
        "max_retries": max_retries,
        "retry_backoff": retry_backoff,
        "retry_backoff_max": retry_backoff_max,
        "retry_jitter": True,
        "soft_time_limit": time_limit,
        "time_limit": time_limit + 10,
    }
    if queue:
        options["queue"] = queue
    return app.task(**options)(run)


def run_handler(name: str, function: Callable[[HandlerEvent], Any], event_id: str) -> dict:
    """Call ``function`` with the event, recording the attempt on the handler's run."""
    event = Event.objects.filter(pk=event_id).first()
    if event is None:
        return {"event": event_id, "handler": name, "status": "missing"}
    runs = _runs(event_id, name)
    runs.update(status=HandlerRun.Status.RUNNING, attempts=F("attempts") + 1)
    try:
        function(HandlerEvent.from_event(event))
    except Exception as exc:
        runs.update(status=HandlerRun.Status.RETRYING, last_error=_error_name(exc))
        raise
    runs.update(status=HandlerRun.Status.SUCCEEDED, last_error="", finished_at=timezone.now())
    return {"event": event_id, "handler": name, "status": HandlerRun.Status.SUCCEEDED}


def _runs(event_id: Any, name: str) -> Any:
    return HandlerRun.objects.filter(event_id=event_id, handler=name)


def _error_name(exc: BaseException) -> str:
    kind = type(exc)
    name = (
        kind.__qualname__
        if kind.__module__ == "builtins"
        else f"{kind.__module__}.{kind.__qualname__}"
    )
    return name[:255]
