"""System checks of the hub's Celery set-up (F18, S10), run by ``manage.py check``.

Each warning has a stable id and a hint that says the fix:

- hub.W001: eager mode (``CELERY_TASK_ALWAYS_EAGER``) runs tasks inside the request.
- hub.W002: no beat schedule for the outbox sweeper, so lost fan-outs stay lost.
- hub.W003: a retry countdown longer than the broker's visibility timeout.
- hub.W004: Flower's API reachable without authentication, or with a published password.
- hub.E001: the connect-time outbound guard cannot be installed in this httpx.
"""

from importlib import import_module
from typing import Any

from celery import current_app
from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning
from django.utils.module_loading import autodiscover_modules

from hub.celery_config import broker_visibility_timeout
from hub.handlers import TASK_PREFIX, registered_handlers

OUTBOX_SWEEP_TASK = "hub.outbox.sweep"


def check_eager_mode(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """hub.W001: eager mode outside tests."""
    if not getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False):
        return []
    return [
        Warning(
            "CELERY_TASK_ALWAYS_EAGER is on: hub tasks run inside the request, without "
            "retries, queues or a worker.",
            hint="Remove CELERY_TASK_ALWAYS_EAGER (or set it to False) and run a worker: "
            "celery -A celery_app worker.",
            id="hub.W001",
        )
    ]


def check_beat_schedule(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """hub.W002: no periodic outbox sweep."""
    schedule = getattr(settings, "CELERY_BEAT_SCHEDULE", None) or {}
    if any(entry.get("task") == OUTBOX_SWEEP_TASK for entry in schedule.values()):
        return []
    return [
        Warning(
            f"CELERY_BEAT_SCHEDULE has no {OUTBOX_SWEEP_TASK} entry: events whose fan-out "
            "was not published (broker down at commit) are never delivered.",
            hint=f'Add {{"outbox-sweep": {{"task": "{OUTBOX_SWEEP_TASK}", "schedule": 15}}}} '
            "to CELERY_BEAT_SCHEDULE and run celery beat.",
            id="hub.W002",
        )
    ]


def check_visibility_timeout(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """hub.W003: a countdown the Redis broker would deliver twice.

    Redis redelivers a reserved but unacknowledged message after the visibility timeout,
    and an ETA task is unacknowledged until it runs (F5).
    """
    timeout = broker_visibility_timeout()
    countdown, source = longest_countdown()
    if countdown <= timeout:
        return []
    return [
        Warning(
            f"The broker visibility timeout ({timeout:g} s) is shorter than the longest "
            f"countdown ({countdown:g} s, {source}): such tasks would run twice.",
            hint="Raise CELERY_BROKER_TRANSPORT_OPTIONS['visibility_timeout'] above it, or "
            "shorten the retry delays.",
            id="hub.W003",
        )
    ]


# The credential bin/run and docker-compose.yml once started Flower with: published in the
# old README, so it protects nothing.
KNOWN_FLOWER_CREDENTIALS = frozenset({"admin:prefhub"})


def check_flower_auth(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """hub.W004: Flower without authentication, or with a published credential.

    ``settings.FLOWER_BASIC_AUTH`` is the FLOWER_BASIC_AUTH variable Flower reads, with no
    default: unset here means unset for Flower.
    """
    credentials = [item.strip() for item in getattr(settings, "FLOWER_BASIC_AUTH", "").split(",")]
    if not any(credentials):
        problem = "is empty: Flower's web UI and HTTP API"
    elif KNOWN_FLOWER_CREDENTIALS.intersection(credentials):
        problem = "holds the published default admin:prefhub: Flower's web UI and HTTP API"
    else:
        return []
    return [
        Warning(
            f"FLOWER_BASIC_AUTH {problem} (task arguments, results, revoke and shutdown "
            "commands) would be open to anyone.",
            hint="Set the FLOWER_BASIC_AUTH environment variable to user:password with a "
            "password of your own (bin/run generates one).",
            id="hub.W004",
        )
    ]


def longest_countdown() -> tuple[float, str]:
    """The longest delay any hub task waits in the broker, and where it comes from.

    Covers the retry backoff cap of every hub task and handler, whose modules are
    imported here as a worker would import them. (Webhook retries use a
    countdown only for steps that fit the visibility timeout.)
    """
    for module in getattr(settings, "CELERY_IMPORTS", ()):
        import_module(module)  # as a worker imports them at start
    autodiscover_modules("handlers")
    # Handlers come from the hub's registry: it knows which of them this process declared.
    tasks = [handler.task for handler in registered_handlers()]
    tasks += [
        task
        for name, task in current_app.tasks.items()
        if name.startswith("hub.") and not name.startswith(TASK_PREFIX)
    ]
    return max(
        (float(task.retry_backoff_max), f"{task.name} retries")
        for task in tasks
        if getattr(task, "autoretry_for", ())
    )


def check_connect_guard(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """hub.E001: httpx changed under the connect-time guard (workers refuse to start)."""
    import httpx

    from hub.webhooks.connect_guard import GuardedTransport, GuardUnavailable

    try:
        GuardedTransport(limits=httpx.Limits()).close()
    except GuardUnavailable as error:
        return [
            Error(
                str(error),
                hint="Install the httpx version pinned in pyproject.toml.",
                id="hub.E001",
            )
        ]
    return []
