"""The delivery log (F7): one ``Message`` per (event, endpoint), one ``Attempt`` per try.

A message's id (``msg_...``) is the ``webhook-id`` header: the same on every retry and
replay, so receivers can de-duplicate (F3). Scheduling state lives on the message
(``next_attempt_at``, ``is_queued``, ``locked_until``) so that retries survive a broker
outage or a killed worker: see ``hub.webhooks.delivery``.
"""

import os
import time

from django.db import models

from hub.webhooks.outcomes import ATTEMPT_STATUSES, Outcome, choices

from .endpoints import WebhookEndpoint

CROCKFORD32 = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_message_id() -> str:
    """``msg_`` + a ULID (48-bit milliseconds + 80 random bits): unique and time-sortable."""
    value = (time.time_ns() // 1_000_000) << 80 | int.from_bytes(os.urandom(10))
    chars = [CROCKFORD32[(value >> shift) & 31] for shift in range(125, -1, -5)]
    return "msg_" + "".join(chars)


class Message(models.Model):
    """One event to one endpoint; unique per pair, so a repeated fan-out adds nothing (R11)."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    id = models.CharField(primary_key=True, max_length=40, default=new_message_id, editable=False)
    event = models.ForeignKey("hub.Event", on_delete=models.CASCADE, related_name="messages")
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="messages")
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    attempt_count = models.PositiveIntegerField(default=0)
    scheduled_attempts = models.PositiveIntegerField(
        default=0, help_text="Attempts made on the retry schedule (manual ones not counted)."
    )
    next_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True)
    is_queued = models.BooleanField(
        default=False, help_text="A task carrying the next attempt has been published."
    )
    locked_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "endpoint"], name="hub_message_per_endpoint")
        ]
        permissions = [("resend_message", "Can resend webhook messages")]

    def __str__(self) -> str:
        return self.id


class Attempt(models.Model):
    """One try of a message, written before the request goes out (R4: a crash leaves a row)."""

    # The delivery vocabulary (hub/webhooks/outcomes.py); a row takes ATTEMPT_STATUSES.
    Status = Outcome

    class Trigger(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        MANUAL = "manual", "Manual"
        REPLAY = "replay", "Replay"

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attempts")
    number = models.PositiveIntegerField()
    trigger = models.CharField(max_length=10, choices=Trigger.choices)
    status = models.CharField(
        max_length=12, choices=choices(ATTEMPT_STATUSES), default=Status.SENDING, db_index=True
    )
    webhook_timestamp = models.BigIntegerField(help_text="The webhook-timestamp header sent.")
    status_code = models.PositiveIntegerField(null=True, blank=True)
    response_body = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    error_class = models.CharField(max_length=100, blank=True)
    error_message = models.CharField(max_length=300, blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.message_id} #{self.number}"
