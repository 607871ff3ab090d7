"""The Celery settings the hub needs, applied to a project's Django settings module.

A project that installs the hub calls ``configure(globals())`` at the end of its settings
module (the ``django_heroku.settings(locals())`` idiom). It merges, without overriding
anything the project set itself:

- ``CELERY_IMPORTS``: the task modules, so that workers register the hub's tasks;
- ``CELERY_TASK_ROUTES`` and ``CELERY_TASK_QUEUES``: one queue per concern;
- ``CELERY_BEAT_SCHEDULE``: the sweepers that make delivery reliable;
- the reliability and monitoring settings of design.md ("Celery conventions").

The broker visibility timeout is read here and only here (``broker_visibility_timeout``),
and so is the rule it sets for countdowns (``fits_countdown``).
"""

from typing import Any

from celery.schedules import crontab
from kombu import Queue

# kombu's Redis transport redelivers an unacknowledged message after this many seconds.
DEFAULT_VISIBILITY_TIMEOUT = 3600
# A countdown task sits unacknowledged in the worker until it runs; Redis redelivers it
# once the visibility timeout passes (R5). Half the timeout leaves room for the queue
# wait and the task itself after the countdown.
COUNTDOWN_SHARE_OF_VISIBILITY = 0.5

TASK_MODULES = (
    "tasks.fanout",
    "tasks.outbox",
    "tasks.handlers",
    "tasks.emails",
    "tasks.webhooks",
    "tasks.retention",
)
# One queue per concern, routed by task-name glob: a slow webhook or handler never delays
# another concern (cache invalidation runs inside the fan-out, before any of them).
QUEUES = ("fanout", "outbox", "webhooks", "emails", "handlers", "retention")
TASK_ROUTES = {f"hub.{queue}.*": {"queue": queue} for queue in QUEUES}

RELIABILITY = {
    # A task whose worker dies runs again (tasks are idempotent); a slow task holds up no
    # other message.
    "CELERY_TASK_ACKS_LATE": True,
    "CELERY_TASK_REJECT_ON_WORKER_LOST": True,
    "CELERY_WORKER_PREFETCH_MULTIPLIER": 1,
    # Task events are off until a monitor asks for them: Flower turns them on in every
    # worker when it connects (its enable_events broadcast). Off, a worker spends no time
    # publishing them, and a write does not pay a second Redis publish for "task-sent".
    # "started" comes from the events, so no STARTED row is written to the result backend.
    "CELERY_WORKER_SEND_TASK_EVENTS": False,
    "CELERY_TASK_SEND_SENT_EVENT": False,
    "CELERY_TASK_TRACK_STARTED": False,
    "CELERY_TASK_SERIALIZER": "json",
    "CELERY_RESULT_SERIALIZER": "json",
    "CELERY_ACCEPT_CONTENT": ["json"],
    "CELERY_RESULT_EXTENDED": True,
}


def beat_schedule(
    *, outbox_sweep: float = 15.0, webhook_sweep: float = 10.0, email_sweep: float = 60.0
) -> dict[str, dict[str, Any]]:
    """The hub's periodic tasks; a missed tick expires rather than piling up."""
    return {
        # Publish the fan-out of events whose publish after commit was lost.
        "hub-outbox-sweep": _every(outbox_sweep, "hub.outbox.sweep"),
        # Publish webhook retries too long for a countdown, and tries whose task was lost.
        "hub-webhooks-sweep-due": _every(webhook_sweep, "hub.webhooks.sweep_due"),
        # Send digests whose scheduled task was lost.
        "hub-emails-sweep-due": _every(email_sweep, "hub.emails.sweep_due"),
        # Delete rows past their retention window (hub.retention), task results included,
        # in bounded batches (Celery's own backend_cleanup deletes them in one statement).
        "hub-retention-prune": {
            "task": "hub.retention.prune",
            "schedule": crontab(hour=4, minute=0),
        },
    }


def configure(namespace: dict[str, Any], **sweeps: float) -> None:
    """Merge the hub's Celery settings into a settings module's ``globals()``.

    ``sweeps`` are the keyword arguments of ``beat_schedule``.
    """
    for key, value in RELIABILITY.items():
        namespace.setdefault(key, value)
    namespace["CELERY_IMPORTS"] = _union(namespace.get("CELERY_IMPORTS", ()), TASK_MODULES)
    namespace["CELERY_TASK_ROUTES"] = {**TASK_ROUTES, **namespace.get("CELERY_TASK_ROUTES", {})}
    default_queue = namespace.setdefault("CELERY_TASK_DEFAULT_QUEUE", "celery")
    routed = [route["queue"] for route in namespace["CELERY_TASK_ROUTES"].values()]
    declared = [queue.name for queue in namespace.get("CELERY_TASK_QUEUES") or ()]
    # Declaring every routed queue lets a worker started without --queues consume them all.
    namespace["CELERY_TASK_QUEUES"] = [
        Queue(name) for name in _union(declared, [default_queue, *routed])
    ]
    namespace["CELERY_BEAT_SCHEDULE"] = {
        **beat_schedule(**sweeps),
        **namespace.get("CELERY_BEAT_SCHEDULE", {}),
    }


def queue_names() -> list[str]:
    """Every queue the hub's tasks are routed to, plus the project's default queue."""
    from django.conf import settings

    return [queue.name for queue in settings.CELERY_TASK_QUEUES]


def broker_visibility_timeout() -> float:
    """How long Redis lets a task stay unacknowledged before redelivering it (seconds)."""
    from django.conf import settings

    options = getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", None) or {}
    return float(options.get("visibility_timeout", DEFAULT_VISIBILITY_TIMEOUT))


def max_countdown() -> float:
    """The longest countdown a hub task may wait in the broker without being redelivered."""
    return broker_visibility_timeout() * COUNTDOWN_SHARE_OF_VISIBILITY


def fits_countdown(delay: float) -> bool:
    """True when a delay may be a Celery countdown; else store the due time (F5, F16).

    Celery on Redis redelivers a task that stays unacknowledged past the broker's
    visibility timeout, and an ETA task is unacknowledged while it waits, so a long
    countdown would run twice. Long waits go to the database and a sweeper instead.
    """
    return delay <= max_countdown()


def _every(seconds: float, task: str) -> dict[str, Any]:
    return {"task": task, "schedule": seconds, "options": {"expires": seconds}}


def _union(*groups: Any) -> list[Any]:
    return list(dict.fromkeys(item for group in groups for item in group))
