"""The transactional outbox: record events with the change, publish their fan-out after commit.

A change and its ``Event`` row commit or roll back together (F1). After the commit one
fan-out task is published (the fast path); when the broker is down at that moment the
event simply stays pending and the periodic sweeper publishes it later (F2). The request
pays for one INSERT and one publish, nothing more: ``dispatched_at`` is written by the
fan-out task when it has finished, never by the request, and the sweeper leases what
it publishes (``published_at``), so a fan-out lost on the way is published again.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any
from uuid import UUID

from celery import current_app
from django.db import connection, models, transaction
from django.db.models.expressions import RawSQL
from django.utils import timezone

from hub.conf import hub_settings
from hub.kinds import PREFERENCE_KINDS
from hub.models import Event
from hub.redaction import is_sensitive, redact
from preferences import cache_io
from preferences.models import PerInstancePreferenceModel
from preferences.sealing import seal, unseal_raw
from preferences.serializers import SerializationError

# Published by name: the task module (tasks/fanout.py) imports this one, not the reverse.
FANOUT_TASK = "hub.fanout.expand"
SYSTEM_KINDS = frozenset(Event.Kind.values) - set(PREFERENCE_KINDS)


def record_event(*, row: Any, old_value: Any, actor_id: Any = None) -> Event:
    """Write the ``preference.updated`` event of a write that just saved ``row`` (F1).

    Call it inside the writer's transaction (the ``preference_updated`` receiver does),
    so that a rolled-back write leaves no event. The new value is the row's raw value
    as saved; the old one goes through the preference's own serializer.
    """
    old_raw, new_raw = _raw_values(row, old_value)
    return _record_preference_event(
        row, Event.Kind.PREFERENCE_UPDATED, old_raw, new_raw, actor_id=actor_id
    )


def record_reset(*, row: Any, actor_id: Any = None) -> Event | None:
    """Write the ``preference.reset`` event of the deletion of ``row``; None for a no-op.

    Call it inside the deleting transaction (the ``post_delete`` receiver does). Once the
    row is gone the preference reads as its default, so the event goes from the row's
    value to the default's raw value; a row that held the default changes nothing and
    records nothing, like a write of the stored value.
    """
    preference = row.preference
    old_raw = unseal_raw(row.raw_value) if is_sensitive(preference) else row.raw_value
    default_raw = _serialize_old(preference, preference.get("default"))
    if old_raw == default_raw:
        return None
    return _record_preference_event(
        row, Event.Kind.PREFERENCE_RESET, old_raw, default_raw, actor_id=actor_id
    )


def _record_preference_event(
    row: Any, kind: str, old_raw: str | None, new_raw: str | None, *, actor_id: Any
) -> Event:
    """Insert the event of one preference key (update or reset).

    Sensitive values are stored redacted, their real values only sealed (F17). The
    per-key version is computed inside the INSERT itself and read back through
    RETURNING, so it costs no extra query.
    """
    preference = row.preference
    sensitive = is_sensitive(preference)
    owner_type, owner_id = _owner_of(row)
    event = Event(
        kind=kind,
        registry=row.registry.name,
        section=row.section,
        name=row.name,
        identifier=preference.identifier(),
        old_value=redact(old_raw, sensitive=sensitive),
        new_value=redact(new_raw, sensitive=sensitive),
        sensitive=sensitive,
        sealed_values=seal(json.dumps({"old": old_raw, "new": new_raw})) if sensitive else None,
        actor_id=actor_id,
        owner_type=owner_type,
        owner_id=owner_id,
    )
    event.version = next_version(event)
    event.save(force_insert=True)
    return event


def _raw_values(row: Any, old_value: Any) -> tuple[str | None, str | None]:
    """The plain raw strings before and after the write that saved ``row``.

    The row's raw value is sealed at rest when the preference is sensitive; the event
    needs the plain one (it seals both values itself).
    """
    preference = row.preference
    new_raw = unseal_raw(row.raw_value) if is_sensitive(preference) else row.raw_value
    return _serialize_old(preference, old_value), new_raw


def is_unchanged(row: Any, old_value: Any) -> bool:
    """True when the write that saved ``row`` stored the value it already had: a no-op."""
    old_raw, new_raw = _raw_values(row, old_value)
    return old_raw == new_raw


def record_system_event(kind: str, data: dict[str, Any]) -> Event:
    """Record a hub notice (e.g. ``endpoint.disabled``) and fan it out after commit.

    ``data`` is stored as is and must already be free of secrets; it is what webhook
    payloads and handlers see of the notice.
    """
    if kind not in SYSTEM_KINDS:
        raise ValueError(f"record_system_event: unknown event kind {kind!r}; use one of "
                         f"{sorted(SYSTEM_KINDS)}")  # fmt: skip
    event = Event.objects.create(kind=kind, data=data)
    schedule_fanout(event)
    return event


def schedule_fanout(event: Event) -> None:
    """Publish the event's fan-out task once the current transaction commits (F2)."""
    transaction.on_commit(partial(publish_fanout, event.pk))


def publish_fanout(event_id: UUID) -> bool:
    """Publish the fan-out task of the event; False when the broker refused it.

    Runs after the commit: the change is already durable, so a broker failure must not
    surface to the writer. The event stays pending and the sweeper publishes it.
    """
    # Any broker failure: the sweeper is the fallback (F2). Logged once per outage, not
    # once per write.
    return cache_io.guarded(
        "Celery broker",
        partial(_send_fanout, event_id),
        False,
        consequence="fan-outs wait in the outbox for the sweeper",
    )


def _send_fanout(event_id: UUID) -> bool:
    current_app.send_task(FANOUT_TASK, args=(str(event_id),))
    return True


def next_version(event: Event) -> RawSQL:
    """``1 + the highest version`` of the event's key, as an expression for the INSERT.

    The key is (registry, identifier, owner), shared by updates and resets; system
    events have no identifier, so they never share a preference's key. Concurrent
    writers of one key are serialized by the preference row's lock, so versions
    increase by exactly one. Written as SQL
    because building the same subquery with the ORM costs about 1 ms per write, the
    bulk of the hub's overhead; the ``hub_event_key`` index answers the MAX.
    """
    table = connection.ops.quote_name(Event._meta.db_table)
    owner = "owner_id IS NULL" if event.owner_id is None else "owner_id = %s"
    params = [event.registry, event.identifier]
    params += [] if event.owner_id is None else [event.owner_id]
    # Only constants are formatted in; every value is a parameter.
    sql = (
        f"SELECT COALESCE(MAX(version), 0) + 1 FROM {table} "  # noqa: S608
        f"WHERE registry = %s AND identifier = %s AND {owner}"
    )
    return RawSQL(sql, params, output_field=models.PositiveBigIntegerField())  # noqa: S611


def mark_dispatched(event_id: UUID | str, *, now: datetime | None = None) -> bool:
    """Record that the event's fan-out finished; True if it was still pending.

    Only a finished fan-out counts: until then the event stays pending, so a fan-out
    lost on the way (with a restarted broker, or its retry refused by a broker that is
    down) is published again by the sweeper.
    """
    pending = Event.objects.filter(pk=event_id, dispatched_at__isnull=True)
    return bool(pending.update(dispatched_at=now or timezone.now()))


def sweep(
    publish: Callable[[UUID], Any],
    *,
    now: datetime | None = None,
    grace: float | None = None,
    batch_size: int | None = None,
    limit: int | None = None,
) -> int:
    """Publish the fan-out of every event pending for longer than ``grace`` seconds (F2).

    Claims batches with ``SELECT ... FOR UPDATE SKIP LOCKED`` and leases them
    (``published_at``) in the same transaction as the publish, so concurrent sweepers
    never publish one event twice (R16), and a publish failure rolls its batch back.
    An event stays pending until its fan-out finishes; one whose lease of
    ``OUTBOX_PUBLISH_LEASE`` seconds ran out is published again. Returns how many
    events were published.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=hub_settings.OUTBOX_GRACE if grace is None else grace)
    lease_cutoff = now - timedelta(seconds=hub_settings.OUTBOX_PUBLISH_LEASE)
    batch_size = batch_size or hub_settings.OUTBOX_BATCH_SIZE
    limit = limit or hub_settings.OUTBOX_SWEEP_LIMIT
    published = 0
    while published < limit:
        with transaction.atomic():
            claimed = _claim(cutoff, lease_cutoff, min(batch_size, limit - published), now)
            for event_id in claimed:
                publish(event_id)
        published += len(claimed)
        if len(claimed) < batch_size:
            break
    return published


def _claim(cutoff: datetime, lease_cutoff: datetime, count: int, now: datetime) -> list[UUID]:
    unleased = models.Q(published_at__isnull=True) | models.Q(published_at__lte=lease_cutoff)
    pending = Event.objects.filter(unleased, dispatched_at__isnull=True, occurred_at__lte=cutoff)
    claimed = list(
        pending.order_by("occurred_at")
        .select_for_update(skip_locked=True)
        .values_list("pk", flat=True)[:count]
    )
    Event.objects.filter(pk__in=claimed).update(published_at=now)
    return claimed


def release_leases() -> int:
    """End every pending event's lease, e.g. when the broker lost its queues; return how many."""
    leased = Event.objects.filter(dispatched_at__isnull=True, published_at__isnull=False)
    return leased.update(published_at=None)


@dataclass(frozen=True)
class OutboxStatus:
    """How far behind the outbox is: pending events and the age of the oldest one."""

    pending: int
    oldest_age: float


def outbox_status(*, now: datetime | None = None) -> OutboxStatus:
    """The outbox age metric (F2): a growing ``oldest_age`` means fan-outs are not published."""
    pending = Event.objects.filter(dispatched_at__isnull=True)
    oldest = pending.aggregate(oldest=models.Min("occurred_at"))["oldest"]
    age = ((now or timezone.now()) - oldest).total_seconds() if oldest else 0.0
    return OutboxStatus(pending=pending.count(), oldest_age=max(age, 0.0))


def _serialize_old(preference: Any, value: Any) -> str | None:
    """The raw string of the value before the write.

    The old value came out of the database (or is the default), so it serializes; an
    exotic default the serializer refuses is recorded as unknown rather than failing
    the write that triggered the event.
    """
    try:
        return preference.serializer.serialize(value)
    except (SerializationError, ValueError, TypeError):
        return None


def _owner_of(row: Any) -> tuple[str | None, str | None]:
    """``(model label, pk)`` of a per-instance row's owner, without fetching it."""
    if not isinstance(row, PerInstancePreferenceModel):
        return None, None
    return row.get_instance_model()._meta.label_lower, str(row.instance_id)
