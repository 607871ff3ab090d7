"""Retention: delete what the hub no longer needs, in batches (``manage.py hub prune``).

Every table the hub writes grows with traffic. ``prune`` deletes, oldest first and one
bounded transaction per batch (so it never holds long locks nor one huge transaction):

- finished webhook messages (and their attempts) older than ``RETENTION_DELIVERIES``;
- finished handler runs older than ``RETENTION_HANDLER_RUNS``;
- sent or failed e-mail digests (and their entries) older than ``RETENTION_DIGESTS``;
- django-celery-results rows of finished tasks older than ``CELERY_RESULT_EXPIRES``;
- events older than ``RETENTION_EVENTS``, the change history, kept for ever when None.

Nothing still pending or scheduled is pruned: a message waiting for an attempt, a run
not finished, a digest still collecting or sending, an event whose fan-out has not
finished or that still has such work. The newest event of each preference key is kept
too, so its next write continues the ``version`` sequence instead of restarting at 1.
What a deleted batch had counted is added to the metric baselines in the same
transaction, so the Prometheus counters never go down.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import models, transaction
from django.db.models.functions import Coalesce
from django.utils import timezone

from hub.conf import hub_settings
from hub.kinds import PREFERENCE_KINDS
from hub.metrics.samples import add_to_baselines, counter_samples
from hub.models import Attempt, DigestEntry, EmailDigest, Event, HandlerRun, Message

FINISHED_RUNS = (HandlerRun.Status.SUCCEEDED, HandlerRun.Status.FAILED)
UNFINISHED_RUNS = (HandlerRun.Status.PENDING, HandlerRun.Status.RUNNING,
                   HandlerRun.Status.RETRYING)  # fmt: skip
FINISHED_DIGESTS = (EmailDigest.State.SENT, EmailDigest.State.FAILED)
WINDOW_SETTINGS = ("RETENTION_DELIVERIES", "RETENTION_HANDLER_RUNS", "RETENTION_DIGESTS",
                   "RETENTION_EVENTS")  # fmt: skip


@dataclass
class PruneReport:
    """How many rows of each kind were (or, in a dry run, would be) deleted."""

    dry_run: bool
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def prune(*, now: datetime | None = None, dry_run: bool = False) -> PruneReport:
    """Delete everything past its retention window (see the module docstring)."""
    now = now or timezone.now()
    check_settings()
    report = PruneReport(dry_run=dry_run)
    for name, queryset in prunable(now).items():
        if dry_run:
            report.counts[name] = queryset.count()
        else:
            report.counts[name] = delete_in_batches(queryset, before=_REMEMBER.get(name))
    return report


def prunable(now: datetime) -> dict[str, models.QuerySet]:
    """What each window lets go, in deletion order (children before the events they name)."""
    found: dict[str, models.QuerySet] = {}
    if cutoff := _cutoff(now, hub_settings.RETENTION_DELIVERIES):
        found["messages"] = Message.objects.filter(
            status__in=(Message.Status.SUCCEEDED, Message.Status.FAILED),
            is_queued=False,
            next_attempt_at__isnull=True,
            created_at__lt=cutoff,
        ).exclude(last_attempt_at__gte=cutoff)
    if cutoff := _cutoff(now, hub_settings.RETENTION_HANDLER_RUNS):
        found["handler runs"] = HandlerRun.objects.filter(
            status__in=FINISHED_RUNS, finished_at__lt=cutoff
        )
    if cutoff := _cutoff(now, hub_settings.RETENTION_DIGESTS):
        found["e-mail digests"] = EmailDigest.objects.filter(
            state__in=FINISHED_DIGESTS, due_at__lt=cutoff
        ).exclude(sent_at__gte=cutoff)
    if (results := _task_results(now)) is not None:
        found["task results"] = results
    if cutoff := _cutoff(now, hub_settings.RETENTION_EVENTS):
        found["events"] = _prunable_events(cutoff)
    return found


def delete_in_batches(
    queryset: models.QuerySet,
    *,
    batch_size: int | None = None,
    before: Callable[[list[Any]], None] | None = None,
) -> int:
    """Delete ``queryset``'s rows, oldest primary keys first, one transaction per batch.

    ``before(primary_keys)`` runs in each batch's transaction before its delete.
    """
    batch_size = batch_size or hub_settings.RETENTION_BATCH_SIZE
    model = queryset.model
    deleted = 0
    while True:
        with transaction.atomic():
            batch = list(queryset.order_by("pk").values_list("pk", flat=True)[:batch_size])
            if batch:
                if before is not None:
                    before(batch)
                model._default_manager.filter(pk__in=batch).delete()
        deleted += len(batch)
        if len(batch) < batch_size:
            return deleted


def check_settings() -> None:
    """Refuse a window that is not a positive number of seconds (or None), naming it."""
    for name in WINDOW_SETTINGS:
        value = getattr(hub_settings, name)
        if value is not None and not _positive(value, int | float):
            raise ValueError(
                f'HUB["{name}"] must be a number of seconds > 0 or None, not {value!r}.'
            )
    size = hub_settings.RETENTION_BATCH_SIZE
    if not _positive(size, int):
        raise ValueError(f'HUB["RETENTION_BATCH_SIZE"] must be a whole number > 0, not {size!r}.')


def _positive(value: Any, kind: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, kind) and value > 0


def _remember_messages(message_ids: list[Any]) -> None:
    attempts = Attempt.objects.filter(message_id__in=message_ids)
    add_to_baselines(counter_samples(attempts=attempts, digests=EmailDigest.objects.none()))


def _remember_events(event_ids: list[Any]) -> None:
    # Deleting an event deletes its messages and digest entries, whatever their window.
    _remember_messages(
        list(Message.objects.filter(event_id__in=event_ids).values_list("pk", flat=True))
    )


def _remember_digests(digest_ids: list[Any]) -> None:
    digests = EmailDigest.objects.filter(pk__in=digest_ids)
    add_to_baselines(counter_samples(attempts=Attempt.objects.none(), digests=digests))


# What each kind's deletion takes out of the metric counters (hub.metrics.samples).
_REMEMBER = {
    "messages": _remember_messages,
    "e-mail digests": _remember_digests,
    "events": _remember_events,
}


def _cutoff(now: datetime, seconds: float | None) -> datetime | None:
    return None if seconds is None else now - timedelta(seconds=seconds)


def _task_results(now: datetime) -> models.QuerySet | None:
    """Finished task results older than ``CELERY_RESULT_EXPIRES`` (None or 0 keeps them)."""
    expires = getattr(settings, "CELERY_RESULT_EXPIRES", None)
    if not expires or not apps.is_installed("django_celery_results"):
        return None
    from celery import states
    from django_celery_results.models import TaskResult

    seconds = expires.total_seconds() if isinstance(expires, timedelta) else float(expires)
    return TaskResult.objects.filter(
        status__in=states.READY_STATES, date_done__lt=now - timedelta(seconds=seconds)
    )


def _prunable_events(cutoff: datetime) -> models.QuerySet:
    """Old, finished events with no work left, except the newest of each preference key."""
    unfinished = (
        models.Q(messages__status=Message.Status.PENDING)
        | models.Q(messages__is_queued=True)
        | models.Q(messages__next_attempt_at__isnull=False)
        | models.Q(handler_runs__status__in=UNFINISHED_RUNS)
    )
    newer_of_key = Event.objects.annotate(owner_key=Coalesce("owner_id", models.Value(""))).filter(
        registry=models.OuterRef("registry"),
        identifier=models.OuterRef("identifier"),
        owner_key=models.OuterRef("owner_key"),
        version__gt=models.OuterRef("version"),
    )
    waiting_entries = DigestEntry.objects.filter(
        models.Q(digest__isnull=True) | ~models.Q(digest__state__in=FINISHED_DIGESTS),
        event=models.OuterRef("pk"),
    )
    keyed = Event.objects.annotate(owner_key=Coalesce("owner_id", models.Value("")))
    return (
        keyed.filter(occurred_at__lt=cutoff, dispatched_at__isnull=False)
        .exclude(models.Q(kind__in=PREFERENCE_KINDS) & ~models.Exists(newer_of_key))
        .exclude(models.Exists(waiting_entries))
        .exclude(pk__in=Event.objects.filter(unfinished).values("pk"))
    )
