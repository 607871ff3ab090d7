"""The outbox: one ``Event`` row per change, written in the writer's transaction (F1, F2).

An event is the durable record that something happened; every asynchronous consumer
(cache invalidation, webhooks, e-mails, handlers) starts from its id. Values are stored
as the preference serializer's raw strings, already redacted when the preference is
sensitive (F17); the real values of a sensitive preference exist only sealed
(``preferences.sealing``) for endpoints explicitly allowed to receive them.
"""

import os
import threading
import time
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from hub.kinds import PREFERENCE_KINDS, EventKind

_UUID7_LOCK = threading.Lock()
_last_uuid7 = [0, 0]  # [unix milliseconds, 12-bit counter] of the previous id


def new_event_id() -> uuid.UUID:
    """A UUIDv7 (RFC 9562): 48-bit Unix milliseconds, then a counter, then random bits.

    Ids sort by creation time, and within one process strictly increase even inside one
    millisecond (method 1 of RFC 9562 section 6.2: a 12-bit counter in ``rand_a``,
    seeded randomly each millisecond), so "newer event" is "greater id".
    """
    with _UUID7_LOCK:
        millis = time.time_ns() // 1_000_000
        last_millis, counter = _last_uuid7
        if millis <= last_millis:
            millis, counter = last_millis, counter + 1
            if counter > 0xFFF:
                millis, counter = millis + 1, 0
        else:
            counter = int.from_bytes(os.urandom(2)) & 0x7FF
        _last_uuid7[:] = [millis, counter]
    rand_b = int.from_bytes(os.urandom(8)) & ((1 << 62) - 1)
    value = (millis << 80) | (0x7 << 76) | (counter << 64) | (0b10 << 62) | rand_b
    return uuid.UUID(int=value)


class Event(models.Model):
    """Something the hub delivers: a preference change or a hub notice."""

    Kind = EventKind

    id = models.UUIDField(primary_key=True, default=new_event_id, editable=False)
    kind = models.CharField(max_length=32, choices=Kind, default=Kind.PREFERENCE_UPDATED)
    registry = models.CharField(max_length=64, blank=True, help_text='"global", "user", ...')
    # NULL, not "", wherever the engine itself distinguishes "none" (no section, a raw
    # value of None) or the contract says "null" (owner, sealed values).
    section = models.CharField(max_length=150, null=True, blank=True)  # noqa: DJ001
    name = models.CharField(max_length=150, blank=True)
    identifier = models.CharField(max_length=301, blank=True)
    old_value = models.TextField(null=True, blank=True)  # noqa: DJ001
    new_value = models.TextField(null=True, blank=True)  # noqa: DJ001
    sensitive = models.BooleanField(default=False)
    sealed_values = models.TextField(  # noqa: DJ001
        null=True, blank=True, help_text="Encrypted real values of a sensitive preference."
    )
    version = models.PositiveBigIntegerField(
        default=0, help_text="Per preference key (and owner): 1, 2, 3, ... one per write."
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The user who made the change, when known.",
    )
    owner_type = models.CharField(  # noqa: DJ001
        max_length=100, null=True, blank=True, help_text='Owning model label, e.g. "auth.user".'
    )
    owner_id = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    data = models.JSONField(default=dict, blank=True)
    occurred_at = models.DateTimeField(default=timezone.now)
    dispatched_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the fan-out finished: every concern has its tasks. Empty = pending.",
    )
    published_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the outbox sweeper last published the fan-out of this pending event.",
    )

    class Meta:
        verbose_name = "event"
        verbose_name_plural = "events"
        indexes = [
            # The per-key version lookup of every write (hub.outbox.next_version).
            models.Index(
                fields=["registry", "identifier", "owner_id", "version"], name="hub_event_key"
            ),
            # The sweeper's scan: only pending events are indexed (F2).
            models.Index(
                fields=["occurred_at"],
                condition=models.Q(dispatched_at__isnull=True),
                name="hub_event_pending",
            ),
            models.Index(fields=["-occurred_at"], name="hub_event_recent"),
        ]
        # One event per version of a preference key (registry, identifier, owner), updates
        # and resets sharing the sequence. NULL owners are never equal in a unique index,
        # so global keys have their own.
        constraints = [
            models.UniqueConstraint(
                fields=["registry", "identifier", "version"],
                condition=models.Q(kind__in=PREFERENCE_KINDS, owner_id__isnull=True),
                name="hub_event_unique_version",
            ),
            models.UniqueConstraint(
                fields=["registry", "identifier", "owner_id", "version"],
                condition=models.Q(kind__in=PREFERENCE_KINDS, owner_id__isnull=False),
                name="hub_event_unique_owner_version",
            ),
        ]

    def __str__(self) -> str:
        if self.kind in PREFERENCE_KINDS:
            return f"{self.identifier} v{self.version} ({self.registry})"
        return f"{self.kind} {self.id}"


class HubStatus(Event):
    """No data of its own: the admin's "Hub status" page, and its view permission."""

    class Meta:
        proxy = True
        verbose_name = "hub status"
        verbose_name_plural = "hub status"
