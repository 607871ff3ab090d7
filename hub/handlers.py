"""User handlers: functions run as Celery tasks for matching events (F15).

::

    import hub

    @hub.handler("general__*", registry="global", max_retries=5)
    def announce(event: hub.handlers.HandlerEvent) -> None:
        ...

Each handler is its own task (``hub.handlers.<module>.<function>``) with its own retry
policy, time limit and queue (``handlers`` unless ``queue=`` names another), so one
failing or hanging handler never delays another, the webhooks or the write. Handlers
live in a ``handlers`` module of an installed app; workers import those modules at
start. A handler receives a ``HandlerEvent``: ids, version and raw values, the values of
sensitive preferences already redacted (F17), never secrets.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from celery import Task, shared_task
from django.db.models import F
from django.utils import timezone

from hub.kinds import PREFERENCE_KINDS
from hub.matching import subscription_matches
from hub.models import Event, HandlerRun
from tasks.base import HubTask

TASK_PREFIX = "hub.handlers."
DEFAULT_MAX_RETRIES = 3
# First retry after 10 s, doubling, at most 10 min apart: shorter than the broker
# visibility timeout, so a countdown never outlives it (hub.W003).
DEFAULT_RETRY_BACKOFF = 10
DEFAULT_RETRY_BACKOFF_MAX = 600
# A handler still running after this many seconds is stopped, freeing its worker slot.
DEFAULT_TIME_LIMIT = 300


@dataclass(frozen=True)
class HandlerEvent:
    """What a handler sees of an event: never sealed values or secrets."""

    id: str
    kind: str
    registry: str
    section: str | None
    name: str
    identifier: str
    old_value: str | None
    new_value: str | None
    sensitive: bool
    version: int
    actor_id: Any
    owner_type: str | None
    owner_id: str | None
    data: dict[str, Any]
    occurred_at: datetime

    @classmethod
    def from_event(cls, event: Event) -> "HandlerEvent":
        return cls(
            id=str(event.pk),
            kind=event.kind,
            registry=event.registry,
            section=event.section,
            name=event.name,
            identifier=event.identifier,
            old_value=event.old_value,
            new_value=event.new_value,
            sensitive=event.sensitive,
            version=event.version,
            actor_id=event.actor_id,
            owner_type=event.owner_type,
            owner_id=event.owner_id,
            data=dict(event.data),
            occurred_at=event.occurred_at,
        )


@dataclass(frozen=True)
class Handler:
    """A registered handler: its filters and the task that runs it."""

    function: Callable[[HandlerEvent], Any]
    task: Task
    patterns: tuple[str, ...]
    registries: tuple[str, ...]
    kinds: tuple[str, ...]
    queue: str | None = None

    @property
    def name(self) -> str:
        return self.task.name

    def enqueue(self, event_id: str) -> None:
        """Publish the handler's task for the event, on its own queue when it names one.

        The queue goes with each publish (a task's ``queue`` attribute is deprecated in
        Celery); ``None`` leaves it to ``CELERY_TASK_ROUTES`` (``handlers``). A retry goes
        back to the queue its message came from.
        """
        self.task.apply_async((event_id,), queue=self.queue)

    def matches(self, event: Event) -> bool:
        """Kind first (``kinds`` is never empty); globs and registries filter preferences."""
        return subscription_matches(
            event, kinds=self.kinds, patterns=self.patterns, registries=self.registries
        )


_handlers: dict[str, Handler] = {}


def handler(
    *patterns: str,
    registry: str | Iterable[str] = (),
    kinds: Iterable[str] = PREFERENCE_KINDS,
    queue: str | None = None,
    max_retries: int = DEFAULT_MAX_RETRIES,
    retry_backoff: int = DEFAULT_RETRY_BACKOFF,
    retry_backoff_max: int = DEFAULT_RETRY_BACKOFF_MAX,
    time_limit: int = DEFAULT_TIME_LIMIT,
) -> Callable[[Callable[[HandlerEvent], Any]], Callable[[HandlerEvent], Any]]:
    """Register the decorated function as a handler of matching events.

    ``patterns`` are identifier globs (``"general__*"``; none = every preference),
    ``registry`` a registry name or several (none = all), ``kinds`` the event kinds
    (``"endpoint.disabled"`` to hear about disabled webhook endpoints). The function is
    returned unchanged, so it stays callable directly in tests.
    """
    registries = (registry,) if isinstance(registry, str) else tuple(registry)
    kinds = tuple(kinds)
    _validate(patterns, registries, kinds, queue, max_retries, time_limit)

    def register(function: Callable[[HandlerEvent], Any]) -> Callable[[HandlerEvent], Any]:
        task = build_task(
            function,
            name=f"{TASK_PREFIX}{function.__module__}.{function.__qualname__}",
            max_retries=max_retries,
            retry_backoff=retry_backoff,
            retry_backoff_max=retry_backoff_max,
            time_limit=time_limit,
        )
        _handlers[task.name] = Handler(
            function, task, tuple(patterns), registries, kinds, queue=queue
        )
        return function

    return register


def registered_handler(name: str) -> Handler | None:
    """The handler whose task is called ``name``, if this process registered it."""
    return _handlers.get(name)


def registered_handlers() -> list[Handler]:
    """Every handler registered in this process, in registration order."""
    return list(_handlers.values())


def matching_handlers(event: Event) -> list[Handler]:
    """The handlers that must run for ``event``."""
    return [registered for registered in _handlers.values() if registered.matches(event)]


def _validate(
    patterns: tuple[Any, ...],
    registries: tuple[Any, ...],
    kinds: tuple[Any, ...],
    queue: Any,
    max_retries: Any,
    time_limit: Any,
) -> None:
    """Fail at import time, naming the argument, rather than at the first event."""
    problems = [
        *(f"pattern {p!r} is not a string" for p in patterns if not isinstance(p, str)),
        *(f"registry {r!r} is not a string" for r in registries if not isinstance(r, str)),
        *(f"unknown event kind {k!r}" for k in kinds if k not in Event.Kind.values),
    ]
    if not kinds:
        problems.append("kinds is empty: the handler would never run")
    if queue is not None and not (isinstance(queue, str) and queue):
        problems.append(f"queue {queue!r} is not a queue name")
    if not isinstance(max_retries, int) or max_retries < 0:
        problems.append(f"max_retries {max_retries!r} is not a whole number >= 0")
    if not isinstance(time_limit, int) or time_limit <= 0:
        problems.append(f"time_limit {time_limit!r} is not a positive number of seconds")
    if problems:
        raise ValueError(f"@hub.handler: {'; '.join(problems)}.")


def claim_run(event: Event, handler: Handler) -> bool:
    """Mark ``handler``'s run for ``event`` as enqueued; False if it already was (R11)."""
    run, _ = HandlerRun.objects.get_or_create(event=event, handler=handler.name)
    return bool(
        HandlerRun.objects.filter(pk=run.pk, enqueued_at__isnull=True).update(
            enqueued_at=timezone.now()
        )
    )


def release_run(event: Event, handler: Handler) -> None:
    """Undo ``claim_run`` when publishing failed, so the retried fan-out publishes it."""
    _runs(event.pk, handler.name).update(enqueued_at=None)


class HandlerTask(HubTask):
    """Marks the handler's run as failed once its retries are exhausted."""

    def on_failure(self, exc: Exception, task_id: str, args: Any, kwargs: Any, einfo: Any) -> None:
        event_id = args[0] if args else kwargs.get("event_id")
        _runs(event_id, self.name).update(
            status=HandlerRun.Status.FAILED, last_error=_error_name(exc), finished_at=timezone.now()
        )


def build_task(
    function: Callable[[HandlerEvent], Any],
    *,
    name: str,
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
    return shared_task(**options)(run)


def run_handler(name: str, function: Callable[[HandlerEvent], Any], event_id: str) -> dict:
    """Call ``function`` with the event, recording the attempt on the handler's run."""
    event = Event.objects.filter(pk=event_id).first()
    if event is None:
        return {"event": event_id, "handler": name, "status": "missing"}
    runs = _runs(event_id, name)
    runs.update(
        status=HandlerRun.Status.RUNNING,
        attempts=F("attempts") + 1,
        started_at=timezone.now(),
        finished_at=None,
    )
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
