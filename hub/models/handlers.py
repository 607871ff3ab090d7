"""Bookkeeping of user handlers: one row per (event, handler) (F15).

The row makes the fan-out idempotent (a second fan-out of the same event enqueues
nothing, R11) and shows in the admin and the API what each handler did with each event;
a failed run can be retried from there (``hub.handler_runs``).
"""

from datetime import timedelta

from django.db import models


class HandlerRun(models.Model):
    """One registered handler's work on one event, across all its retries."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        RUNNING = "running", "Running"
        RETRYING = "retrying", "Retrying"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    event = models.ForeignKey("hub.Event", on_delete=models.CASCADE, related_name="handler_runs")
    handler = models.CharField(max_length=255, help_text="The handler's task name.")
    status = models.CharField(max_length=16, choices=Status, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(
        max_length=255, blank=True, help_text="Exception class of the last failure (no message)."
    )
    enqueued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(
        null=True, blank=True, help_text="When the latest attempt started."
    )
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["event", "handler"], name="hub_handlerrun_unique")
        ]
        indexes = [models.Index(fields=["status", "-finished_at"], name="hub_handlerrun_status")]
        permissions = [("retry_handlerrun", "Can retry failed handler runs")]

    def __str__(self) -> str:
        return f"{self.handler} for {self.event_id}: {self.status}"

    @property
    def duration(self) -> timedelta | None:
        """How long the latest attempt took, once it finished."""
        if self.started_at is None or self.finished_at is None:
            return None
        return max(self.finished_at - self.started_at, timedelta(0))
